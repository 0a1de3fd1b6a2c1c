#!/usr/bin/env node
// Builds the shipped `pyralog` command: dist/pyralog.cjs and its launcher dist/pyralog-launcher.cjs
// (tools/build/bundles.ts bundleCommand), then writes V8's code cache for it,
// dist/pyralog.cjs.cache, by starting a broker once (port 0, a temp data dir) and stopping it as
// soon as it is ready. The bin, dist/pyralog-launcher.cjs (src/cli/launcher.ts), runs the bundle from
// that cache: `pyralog start` then deserialises the functions it runs instead of parsing and
// compiling them (see bench/startup).
// Usage: node --import tsx tools/build/bundle-cli.ts   (run by `npm run build`, after tsc)
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startPyralog, stopPyralog } from '../pyralog-process.js';
import { bundleCommand, ROOT as root } from './bundles.js';

await bundleCommand('dist/pyralog');
await writeCodeCache();

/**
 * Starts `pyralog start` with WRITE_PYRALOG_CODE_CACHE=1 and stops it once ready: it writes the
 * cache at exit. The cache then holds what start-up and shutdown run and nothing more: a larger one
 * (say, with what a /metrics scrape compiles) costs every start more to deserialise than it saves
 * the first scrape (bench/startup).
 */
async function writeCodeCache(): Promise<void> {
  const cache = join(root, 'dist/pyralog.cjs.cache');
  await rm(cache, { force: true });
  const dataDir = await mkdtemp(join(tmpdir(), 'pyralog-code-cache-'));
  let status: number | null = null;
  try {
    const broker = await startPyralog(dataDir, [], { WRITE_PYRALOG_CODE_CACHE: '1' }, [
      'dist/pyralog-launcher.cjs',
    ]);
    status = await stopPyralog(broker);
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
  if (!existsSync(cache)) {
    throw new Error(`the broker wrote no code cache (it exited with ${status})`);
  }
}
