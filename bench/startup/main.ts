// Start-up benchmark: time from `startBroker()` to ready (memory and disk storage), from spawning
// `pyralog start` to its ready line (through tsx, and through the built dist/ when present), and
// the idle RSS of that process, each the median of a few runs. Prints one line per figure.
// Then the built command against Node's own floor (a script that prints a ready line at once), one
// after the other in each round, with the CPU time of the process (all its threads) at its ready
// line, which a loaded machine stretches far less than the wall clock; `--ab <launcher>` adds
// another build (the launcher of a copy of an earlier dist/, with its package.json one level up:
// dist/pyralog.js before the bin was dist/pyralog-launcher.cjs).
// Usage: node --import tsx bench/startup/main.ts [--runs 5] [--ab /tmp/old/dist/pyralog-launcher.cjs]
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { startBroker } from '../../src/index.js';

const ROOT = new URL('../..', import.meta.url).pathname;
/** The bin, as `npm start` and an installed `pyralog` run it. */
const LAUNCHER = 'dist/pyralog-launcher.cjs';
function option(name: string): string | undefined {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? undefined : process.argv[at + 1];
}
const runs = Number(option('runs') ?? 5);
const ab = option('ab');

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

/** CPU time (ms) of every thread of a process so far, from /proc (Linux); NaN elsewhere. */
function cpuMs(pid: number): number {
  try {
    let nanoseconds = 0;
    for (const thread of readdirSync(`/proc/${pid}/task`)) {
      nanoseconds += Number(readFileSync(`/proc/${pid}/task/${thread}/schedstat`, 'utf8').split(' ')[0]);
    }
    return nanoseconds / 1e6;
  } catch {
    return Number.NaN;
  }
}

interface Started {
  readonly ms: number;
  readonly cpuMs: number;
  readonly rssMiB: number;
}

/**
 * Spawns the CLI (from `cwd`, the root by default, with `env`) and resolves with ms to the ready
 * line, the process's CPU ms then and its RSS (MiB) right after it.
 */
async function processStart(args: string[], cwd = ROOT, env = process.env): Promise<Started> {
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
    { cwd, env, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  try {
    const [ms, cpu] = await new Promise<[number, number]>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`exited ${code} before ready`)));
      createInterface({ input: child.stdout! }).on('line', (line) => {
        if (line.includes('"readyMs"')) resolve([performance.now() - started, cpuMs(child.pid!)]);
      });
    });
    const status = await readFile(`/proc/${child.pid}/status`, 'utf8').catch(() => '');
    const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? Number.NaN);
    return { ms, cpuMs: cpu, rssMiB: rssKiB / 1024 };
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
if (existsSync(join(ROOT, LAUNCHER))) {
  const viaDist = await repeat(() => processStart([LAUNCHER]));
  console.log(`pyralog start (dist, spawn to ready line): ${median(viaDist.map((r) => r.ms)).toFixed(0)} ms`);
  console.log(`pyralog start (dist) RSS at ready: ${median(viaDist.map((r) => r.rssMiB)).toFixed(1)} MiB`);
} else {
  console.log('pyralog start (dist): skipped, run `npm run build` first');
}

// Node's floor: a process that prints a ready line as soon as it runs (it ignores `start ...`).
const FLOOR = ['-e', 'process.stdout.write(\'{"readyMs":0}\\n\'); setInterval(() => {}, 1000)'];
const { NODE_EXTRA_CA_CERTS: extraCaCerts, ...withoutExtraCerts } = process.env;
const variants: { name: string; start: () => Promise<Started> }[] = [
  { name: 'Node floor (-e, ready at once)', start: () => processStart(FLOOR) },
];
if (existsSync(join(ROOT, LAUNCHER))) {
  variants.push({ name: 'pyralog start (dist)', start: () => processStart([LAUNCHER]) });
  variants.push({
    name: 'pyralog start (dist/pyralog.js, its ES module entry)',
    start: () => processStart(['dist/pyralog.js']),
  });
}
if (ab !== undefined) {
  variants.push({ name: `pyralog start (${ab})`, start: () => processStart([ab], dirname(dirname(ab))) });
}
if (extraCaCerts !== undefined) {
  // Node 20 parses NODE_EXTRA_CA_CERTS' certificates at process start, before any of our code runs.
  variants.push({
    name: 'Node floor without NODE_EXTRA_CA_CERTS',
    start: () => processStart(FLOOR, ROOT, withoutExtraCerts),
  });
  if (existsSync(join(ROOT, LAUNCHER))) {
    variants.push({
      name: 'pyralog start (dist) without NODE_EXTRA_CA_CERTS',
      start: () => processStart([LAUNCHER], ROOT, withoutExtraCerts),
    });
  }
}
const results = new Map<string, Started[]>(variants.map((v) => [v.name, []]));
const loadBefore = loadavg()[0] ?? Number.NaN;
for (let run = 0; run < Math.max(runs, 8); run += 1) {
  // Each round in the other order, so that neither variant always follows the same one.
  for (const variant of run % 2 === 0 ? variants : [...variants].reverse()) {
    results.get(variant.name)?.push(await variant.start());
  }
}
const rounds = Math.max(runs, 8);
console.log(
  `alternating rounds: ${rounds}, load average ${loadBefore.toFixed(1)} before, ${(loadavg()[0] ?? Number.NaN).toFixed(1)} after`,
);
for (const [name, started] of results) {
  console.log(
    `${name}: spawn to ready ${median(started.map((r) => r.ms)).toFixed(0)} ms, CPU at ready ${median(started.map((r) => r.cpuMs)).toFixed(0)} ms, RSS ${median(started.map((r) => r.rssMiB)).toFixed(1)} MiB (medians of ${rounds})`,
  );
}
