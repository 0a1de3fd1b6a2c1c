// Integration-test helper: the `pyralog` command bundled once as `npm run build` bundles it (tsx would
// compile every module again for each of a test's dozens of runs), and a runner that captures its output.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';

const ROOT = new URL('../..', import.meta.url).pathname;

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliBundle {
  /** Runs `pyralog <args>` to its end. */
  run(...args: string[]): Promise<CliRun>;
  /** Runs `pyralog <args>` with `stdin` written to its standard input (then closed), to its end. */
  runWithInput(stdin: string, ...args: string[]): Promise<CliRun>;
  /** Starts `pyralog <args>` (for a command that runs until signalled): its output so far and its end. */
  start(...args: string[]): { child: ChildProcess; output: () => CliRun; exited: Promise<CliRun> };
  /** Deletes the bundle. */
  remove(): Promise<void>;
}

/**
 * Bundles src/cli/main.ts into tmp/ (git-ignored; one level below the root so that it finds
 * package.json), named after `name` and this process so that parallel test files never share one.
 */
export async function bundleCli(name: string): Promise<CliBundle> {
  const bundle = join(ROOT, 'tmp', `pyralog-${name}-${process.pid}.js`);
  await build({
    absWorkingDir: ROOT,
    entryPoints: ['src/cli/main.ts'],
    outfile: bundle,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    packages: 'external',
    logLevel: 'warning',
  });
  const start = (args: readonly string[], stdin: 'pipe' | 'ignore') => {
    const child = spawn(process.execPath, [bundle, ...args], { cwd: ROOT, stdio: [stdin, 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const exited = new Promise<CliRun>((resolve) =>
      child.once('close', (code) => resolve({ code, stdout, stderr })),
    );
    return { child, output: () => ({ code: child.exitCode, stdout, stderr }), exited };
  };
  return {
    run: (...args) => start(args, 'ignore').exited,
    runWithInput: (stdin, ...args) => {
      const started = start(args, 'pipe');
      started.child.stdin!.end(stdin);
      return started.exited;
    },
    start: (...args) => start(args, 'ignore'),
    remove: () => rm(bundle, { force: true }),
  };
}

/** Asserts exit code 0 (the message carries stderr) and returns the run. */
export function ok(run: CliRun): CliRun {
  assert.equal(run.code, 0, `exit ${run.code}: ${run.stderr}`);
  return run;
}
