#!/usr/bin/env node
// Bundles the `pyralog` command (src/cli/main.ts and every module of ours it imports) into one ESM
// file, dist/pyralog.js, so that `pyralog start` loads one file instead of several hundred modules
// (about half of its start-up time and a tenth of its idle memory, see bench/broker).
// Every npm dependency stays an import of node_modules: the native addons (CRC-32C, xxhash, snappy,
// lz4, zstd) cannot be bundled, and pino and commander load their own files at run time.
// The bundle sits directly in dist/ so that `new URL('../package.json', import.meta.url)` in
// src/version.ts still resolves to the package's package.json, as it does for src/ and dist/*.js.
// Usage: node tools/build/bundle-cli.mjs   (run by `npm run build`, after tsc)
import { build } from 'esbuild';

const root = new URL('../..', import.meta.url).pathname;

await build({
  absWorkingDir: root,
  entryPoints: ['src/cli/main.ts'],
  outfile: 'dist/pyralog.js',
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'esm',
  packages: 'external',
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
});
