#!/usr/bin/env node
// Builds the shipped `pyralog` command: dist/pyralog.cjs and its launcher dist/pyralog.js
// (tools/build/bundles.ts bundleCommand), then writes V8's code cache for it,
// dist/pyralog.cjs.cache, by starting a broker once (port 0, a temp data dir), scraping its
// /metrics and stopping it. The bin, dist/pyralog.js (src/cli/launcher.ts), runs the bundle from
// that cache: `pyralog start` then deserialises the functions it runs instead of parsing and
// compiling them (see bench/startup).
// Usage: node --import tsx tools/build/bundle-cli.ts   (run by `npm run build`, after tsc)
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { bundleCommand, ROOT as root } from './bundles.js';

await bundleCommand('dist/pyralog');
await writeCodeCache();

/**
 * Starts `pyralog start` with WRITE_PYRALOG_CODE_CACHE=1, scrapes its /metrics once and stops it: it
 * writes the cache at exit.
 */
async function writeCodeCache(): Promise<void> {
  const cache = join(root, 'dist/pyralog.cjs.cache');
  await rm(cache, { force: true });
  const dataDir = await mkdtemp(join(tmpdir(), 'pyralog-code-cache-'));
  const args = ['dist/pyralog.js', 'start', '--log-dirs', dataDir, '--log-format', 'json'];
  for (const override of ['listeners=PLAINTEXT://127.0.0.1:0', 'admin.listener=127.0.0.1:0']) {
    args.push('--override', override);
  }
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { ...process.env, WRITE_PYRALOG_CODE_CACHE: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let status: unknown;
  const exited = new Promise<string | number | null>((resolve) =>
    child.once('exit', (code, signal) => resolve(signal ?? code)),
  );
  try {
    const admin = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no ready line within 30 s')), 30_000);
      void exited.then((code) => reject(new Error(`pyralog start exited with ${code} before ready`)));
      createInterface({ input: child.stdout }).on('line', (line) => {
        if (!line.includes('"readyMs"')) return;
        clearTimeout(timer);
        resolve((JSON.parse(line) as { admin: string }).admin);
      });
    });
    // One scrape: it proves the bundle's lazy import() of prom-client works, and puts that path in the cache.
    const scrape = await fetch(`${admin}/metrics`);
    if (scrape.status !== 200) throw new Error(`GET ${admin}/metrics answered ${scrape.status}`);
  } finally {
    child.kill('SIGTERM');
    status = await exited;
    await rm(dataDir, { recursive: true, force: true });
  }
  if (!existsSync(cache)) {
    throw new Error(`the broker wrote no code cache (it exited with ${status})`);
  }
}
