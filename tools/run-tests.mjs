#!/usr/bin/env node
// Runs every *.test.ts under src/, test/, tools/ and bench/ with Node's built-in test runner (CI reads its summary).
// Node 20's `--test` cannot glob TypeScript files itself, so this script lists them.
// Usage: node tools/run-tests.mjs [path-filter ...]   (filters keep files whose path contains one of them)
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const filters = process.argv.slice(2);

function collect(dir, out) {
  let entries;
  try {
    entries = readdirSync(dir);
  } catch {
    return out;
  }
  for (const name of entries) {
    if (name === 'node_modules' || name === 'fixtures') continue;
    const path = join(dir, name);
    if (statSync(path).isDirectory()) collect(path, out);
    else if (name.endsWith('.test.ts')) out.push(relative(root, path));
  }
  return out;
}

const files = [
  ...collect(join(root, 'src'), []),
  ...collect(join(root, 'test'), []),
  ...collect(join(root, 'tools'), []),
  ...collect(join(root, 'bench'), []),
]
  .filter((file) => filters.length === 0 || filters.some((filter) => file.includes(filter)))
  .sort();
if (files.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const child = spawn(
  process.execPath,
  ['--import', 'tsx', '--test', '--test-concurrency=2', '--test-timeout=300000', ...files],
  { cwd: root, stdio: 'inherit' },
);
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
