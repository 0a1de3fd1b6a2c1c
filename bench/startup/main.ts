// Start-up benchmark: time from `startBroker()` to ready (memory and disk storage), from spawning
// `pyralog start` to its ready line (through tsx, and through the built dist/ when present), and
// the idle RSS of that process, each the median of a few runs. Prints one line per figure.
// Usage: node --import tsx bench/startup/main.ts [--runs 5]
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { startBroker } from '../../src/index.js';

const ROOT = new URL('../..', import.meta.url).pathname;
const flag = process.argv.indexOf('--runs');
const runs = flag === -1 ? 5 : Number(process.argv[flag + 1]);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function embedded(storage: 'memory' | 'disk'): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'pyralog-bench-'));
  try {
    const started = performance.now();
    const broker = await startBroker({ logDirs: storage === 'memory' ? 'memory' : [dir] });
    const elapsed = performance.now() - started;
    await broker.stop();
    return elapsed;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Spawns the CLI and resolves with ms to the ready line and the RSS (MiB) right after it. */
async function processStart(args: string[]): Promise<{ ms: number; rssMiB: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'pyralog-bench-'));
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [
      ...args,
      'start',
      '--override',
      'listeners=PLAINTEXT://127.0.0.1:0',
      '--override',
      'admin.listener=127.0.0.1:0',
      '--log-dirs',
      dir,
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    const ms = await new Promise<number>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`exited ${code} before ready`)));
      createInterface({ input: child.stdout! }).on('line', (line) => {
        if (line.includes('"readyMs"')) resolve(performance.now() - started);
      });
    });
    const status = await readFile(`/proc/${child.pid}/status`, 'utf8').catch(() => '');
    const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
    return { ms, rssMiB: rssKiB / 1024 };
  } finally {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    await rm(dir, { recursive: true, force: true });
  }
}

async function repeat<T>(body: () => Promise<T>): Promise<T[]> {
  const results: T[] = [];
  for (let run = 0; run < runs; run += 1) results.push(await body());
  return results;
}

const memory = await repeat(() => embedded('memory'));
console.log(`startBroker() memory storage to ready: ${median(memory).toFixed(1)} ms (median of ${runs})`);
const disk = await repeat(() => embedded('disk'));
console.log(`startBroker() disk storage to ready: ${median(disk).toFixed(1)} ms (median of ${runs})`);
const viaTsx = await repeat(() => processStart(['--import', 'tsx', 'src/cli/main.ts']));
console.log(`pyralog start (tsx, spawn to ready line): ${median(viaTsx.map((r) => r.ms)).toFixed(0)} ms`);
console.log(`pyralog start (tsx) RSS at ready: ${median(viaTsx.map((r) => r.rssMiB)).toFixed(1)} MiB`);
if (existsSync(join(ROOT, 'dist/pyralog.js'))) {
  const viaDist = await repeat(() => processStart(['dist/pyralog.js']));
  console.log(`pyralog start (dist, spawn to ready line): ${median(viaDist.map((r) => r.ms)).toFixed(0)} ms`);
  console.log(`pyralog start (dist) RSS at ready: ${median(viaDist.map((r) => r.rssMiB)).toFixed(1)} MiB`);
} else {
  console.log('pyralog start (dist): skipped, run `npm run build` first');
}
