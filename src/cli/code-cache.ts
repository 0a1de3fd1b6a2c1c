import { isAscii } from 'node:buffer';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { Script } from 'node:vm';

/** A CommonJS bundle that has run, and whether V8 took its code cache. */
export interface RanBundle {
  /** True when the cache file existed and V8 accepted it (same V8 version, flags and source). */
  readonly cacheAccepted: boolean;
  /** Writes the code of every function compiled so far to the cache file (temp file + rename). */
  saveCache(): void;
}

function readIfPresent(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch {
    return undefined;
  }
}

/**
 * A file's text. An ASCII file (the build makes the bundle one: tools/build/bundles.ts) is read as
 * Latin-1, the same characters without UTF-8 decoding, about twice as fast for the 2 MB bundle.
 */
function readSource(path: string): string {
  const bytes = readFileSync(path);
  return isAscii(bytes) ? bytes.toString('latin1') : bytes.toString('utf8');
}

/**
 * Runs a CommonJS file as Node's loader would (its own require, module, __filename, __dirname),
 * but compiled with V8's code cache from `cachePath` when one is there: V8 then deserialises the
 * functions instead of parsing and compiling them, which is most of a cold start's CPU time for a
 * 1.5 MB bundle. A missing, stale or corrupt cache is rejected by V8 and the file compiles as usual.
 */
export function runCommonJsBundle(bundlePath: string, cachePath: string): RanBundle {
  const source = readSource(bundlePath);
  const cachedData = readIfPresent(cachePath);
  // The wrapper keeps the bundle's first line on line 1, so stack traces keep its line numbers.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: bundlePath,
    ...(cachedData === undefined ? {} : { cachedData }),
  });
  const module = { exports: {} };
  const run = script.runInThisContext() as (...args: unknown[]) => void;
  run(module.exports, createRequire(bundlePath), module, bundlePath, dirname(bundlePath));
  return {
    cacheAccepted: cachedData !== undefined && !script.cachedDataRejected,
    saveCache() {
      const temp = `${cachePath}.${process.pid}.tmp`;
      writeFileSync(temp, script.createCachedData());
      renameSync(temp, cachePath);
    },
  };
}
