#!/usr/bin/env node
// Bundles the `pyralog` command (src/cli/main.ts and every module of ours it imports) into one
// CommonJS file, dist/pyralog.cjs, and writes V8's code cache for it, dist/pyralog.cjs.cache, by
// starting a broker once (port 0, a temp data dir) and stopping it after its ready line. The bin,
// dist/pyralog.js (src/cli/launcher.ts), runs the bundle from that cache: `pyralog start` then
// deserialises the functions it runs instead of parsing and compiling them (see bench/startup).
// CommonJS because Node 20 has no code cache for ES modules (module.enableCompileCache is Node 22).
// Every npm dependency stays a require of node_modules: the native addons (CRC-32C, xxhash, snappy,
// lz4, zstd) cannot be bundled, and pino and commander load their own files at run time.
// Both files sit directly in dist/ so that `new URL('../package.json', import.meta.url)` in
// src/version.ts still resolves to the package's package.json, as it does for src/ and dist/*.js.
// Usage: node tools/build/bundle-cli.mjs   (run by `npm run build`, after tsc)
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { build } from 'esbuild';

const root = new URL('../..', import.meta.url).pathname;
const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node20',
  packages: 'external',
  legalComments: 'none',
  logLevel: 'warning',
};

await build({
  ...common,
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/pyralog.cjs',
  format: 'cjs',
  sourcemap: true,
  // import.meta does not exist in CommonJS: the bundle's own file URL stands in for it.
  define: { 'import.meta.url': '__pyralogFileUrl' },
  // import() becomes require(): a vm.Script (the launcher) has no module loader for import() without
  // an experimental flag, and every dependency is CommonJS (prom-client loads on the first scrape).
  supported: { 'dynamic-import': false },
  banner: { js: 'const __pyralogFileUrl = require("node:url").pathToFileURL(__filename).href;' },
});
await build({ ...common, entryPoints: ['src/cli/launcher.ts'], outfile: 'dist/pyralog.js', format: 'esm' });
await writeCodeCache();

/**
 * Starts `pyralog start` with WRITE_PYRALOG_CODE_CACHE=1, scrapes its /metrics once and stops it: it
 * writes the cache at exit.
 */
async function writeCodeCache() {
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
  let status;
  const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
  try {
    const admin = await new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no ready line within 30 s')), 30_000);
      void exited.then((code) => reject(new Error(`pyralog start exited with ${code} before ready`)));
      createInterface({ input: child.stdout }).on('line', (line) => {
        if (!line.includes('"readyMs"')) return;
        clearTimeout(timer);
        resolve(JSON.parse(line).admin);
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
