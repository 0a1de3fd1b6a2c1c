#!/usr/bin/env node
// Regenerates docs/compatibility.md from the test results: runs every test file under test/ (two at
// a time) with PYRALOG_API_LEDGER pointing at a temp dir and PYRALOG_API_LEDGER_ORIGIN naming the
// file, then renders what the brokers recorded for the files that passed (see compat-ledger-render.ts).
// Usage: node --import tsx tools/compat-ledger.ts [--keep <dir> [--render-only]] [path-filter ...]
// (--keep leaves the ledger files in <dir>; --render-only rewrites the doc from such a dir.)
import { execFile, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { SUPPORTED_APIS } from '../src/broker/index.js';
import { type LedgerLine, renderLedger } from './compat-ledger-render.js';

const ROOT = new URL('..', import.meta.url).pathname;
const DOC = join(ROOT, 'docs', 'compatibility.md');
const CONCURRENCY = 2;

async function testFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== 'fixtures') files.push(...(await testFiles(path)));
    else if (entry.isFile() && entry.name.endsWith('.test.ts')) files.push(relative(ROOT, path));
  }
  return files.sort();
}

function runTest(file: string, ledgerDir: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-timeout=300000', file], {
      cwd: ROOT,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, PYRALOG_API_LEDGER: ledgerDir, PYRALOG_API_LEDGER_ORIGIN: file },
    });
    child.on('exit', (code) => resolve(code === 0));
  });
}

/** Versions of the clients that do not report one (KIP-511 came after them). */
async function installedClientVersions(): Promise<Map<string, string>> {
  const versions = new Map<string, string>();
  const kafkajs = JSON.parse(await readFile(join(ROOT, 'node_modules/kafkajs/package.json'), 'utf8')) as {
    version: string;
  };
  versions.set('KafkaJS', kafkajs.version);
  const python = await new Promise<string>((resolve) => {
    execFile('/usr/bin/python3', ['-c', 'import kafka; print(kafka.__version__)'], (error, stdout) =>
      resolve(error === null ? stdout.trim() : ''),
    );
  });
  if (python !== '') versions.set('kafka-python', python);
  return versions;
}

async function readLedger(dir: string, passed: ReadonlySet<string>): Promise<LedgerLine[]> {
  const lines: LedgerLine[] = [];
  for (const name of await readdir(dir)) {
    if (!name.endsWith('.jsonl')) continue;
    for (const text of (await readFile(join(dir, name), 'utf8')).split('\n')) {
      if (text === '') continue;
      const line = JSON.parse(text) as LedgerLine;
      if (passed.has(line.origin)) lines.push(line);
    }
  }
  return lines;
}

const args = process.argv.slice(2);
const keepAt = args.indexOf('--keep');
const keep = keepAt >= 0 ? args.splice(keepAt, 2)[1] : undefined;
const renderOnly = args.includes('--render-only');
const filters = args.filter((arg) => arg !== '--render-only');
if (renderOnly && keep === undefined) throw new Error('--render-only needs --keep <dir> of an earlier run');
const files = (await testFiles(join(ROOT, 'test'))).filter(
  (file) => filters.length === 0 || filters.some((filter) => file.includes(filter)),
);
const ledgerDir = keep ?? (await mkdtemp(join(tmpdir(), 'pyralog-ledger-')));
const passedPath = join(ledgerDir, 'passed.json');
const passed = new Set<string>(
  renderOnly ? (JSON.parse(await readFile(passedPath, 'utf8')) as string[]) : [],
);
const queue = renderOnly ? [] : [...files];
await Promise.all(
  Array.from({ length: CONCURRENCY }, async () => {
    for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
      const ok = await runTest(file, ledgerDir);
      process.stdout.write(`${ok ? 'pass' : 'FAIL'} ${file}\n`);
      if (ok) passed.add(file);
    }
  }),
);
if (!renderOnly) await writeFile(passedPath, JSON.stringify([...passed].sort()));
const lines = await readLedger(ledgerDir, passed);
await writeFile(
  DOC,
  renderLedger(SUPPORTED_APIS, lines, [...passed].sort(), await installedClientVersions()),
);
process.stdout.write(
  `wrote ${relative(ROOT, DOC)} from ${lines.length} ledger entries of ${passed.size}/${files.length} passing test files\n`,
);
if (keep === undefined) await rm(ledgerDir, { recursive: true, force: true });
if (!renderOnly && passed.size < files.length) process.exitCode = 1;
