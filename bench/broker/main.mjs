#!/usr/bin/env node
// The broker benchmark of issue #4, in one run: `pyralog start` to ready (spawn to ready line) and
// its idle RSS, `startBroker()` with memory storage to ready, the raw disk write speed of the data
// dir's file system, then ../shared/bench's common workload (1 KiB records: N produced with
// acks=all, N consumed, end-to-end latency at a fixed rate) driven by the real librdkafka
// rdkafka_performance through ../shared/bench/broker-kafka.sh, once with the default durable flush
// (fsync before acknowledge, group-committed) and once with Kafka's page-cache flush policy.
// Every figure is printed with the 1-minute load average taken next to it.
//
// Usage (after `npm run build`; needs Debian's librdkafka-dev and fio, see bench/README.md):
//   node bench/broker/main.mjs [--msgs 1000000] [--rate 10000] [--secs 20] [--runs 1]
//                              [--startup-runs 5] [--disk-mib 1024] [--modes durable,kafka]
//                              [--skip-startup] [--skip-disk] [--skip-workload] [--cpu-prof DIR]
//                              [--alloc-prof DIR] [--trace] [--node-args "--flag ..."]
//                              [--broker-overrides "key=value,key=value"]
//                              [--pin-broker CPUS --pin-client CPUS]
// --cpu-prof starts each measured broker under `node --cpu-prof` and leaves the .cpuprofile there;
// --alloc-prof leaves a .heapprofile of every allocation, freed ones included (alloc-hook.mjs), and
// prints its summary (alloc-summary.mjs): what feeds the garbage collector.
// --node-args passes Node/V8 flags to each measured broker (e.g. "--max-semi-space-size=64").
// --broker-overrides passes broker configs to each measured broker as `--override key=value` (an A/B
// of one setting, e.g. "pyralog.log.zero.ahead.max.bytes=0").
// --pin-broker / --pin-client (NOT the default; every figure then says PINNED): the measured broker
// (all its threads, `taskset -a -p`) and the load generator (broker-kafka.sh and the rdkafka_performance
// processes it starts, `taskset -c`) each kept on the given CPUs, e.g. `--pin-broker 0 --pin-client 1`
// on this 2-core machine, so that they no longer wait for a CPU the other holds. The default,
// unpinned, is what the shared bench does for every peer: compare pinned figures only with pinned.
// --trace loads bench/broker/trace-hook.mjs into each measured broker and prints, after its
// workload, where each request's time went (per-stage marks of the broker's request-trace channel),
// group commits and fsyncs, GC pauses, event-loop delay and main-thread stalls (own work or waiting
// for a CPU). It costs the broker some CPU: compare latency figures without it.
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { flag, option } from './arguments.mjs';
import { startPyralog } from './pyralog-process.mjs';
import { sharedBenchCopy } from './shared-bench.mjs';

const run = promisify(execFile);
const ROOT = new URL('../..', import.meta.url).pathname;
const OUT = join(ROOT, 'bench/.out');
const CLI = join(ROOT, 'dist/pyralog-launcher.cjs');
const LIBRARY = join(ROOT, 'dist/index.js');

const msgs = Number(option('msgs', '1000000'));
const rate = Number(option('rate', '10000'));
const secs = Number(option('secs', '20'));
const runs = Number(option('runs', '1'));
const startupRuns = Number(option('startup-runs', '5'));
const diskMiB = Number(option('disk-mib', '1024'));
const modes = option('modes', 'durable,kafka').split(',');
const cpuProfDir = option('cpu-prof', undefined);
const allocProfDir = option('alloc-prof', undefined);
const extraNodeArgs = option('node-args', '')
  .split(' ')
  .filter((arg) => arg !== '');
const trace = flag('trace');
const pinBroker = option('pin-broker', undefined);
const pinClient = option('pin-client', undefined);
const pinning =
  pinBroker === undefined && pinClient === undefined
    ? 'not pinned'
    : `PINNED: broker on CPUs ${pinBroker ?? 'any'}, load generator on CPUs ${pinClient ?? 'any'}`;
const brokerOverrides = option('broker-overrides', '')
  .split(',')
  .filter((override) => override !== '');

const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
function report(what, value) {
  console.log(`${what}: ${value}   [loadavg ${loadavg()}]`);
}
function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
const spread = (values, digits = 0) =>
  `${median(values).toFixed(digits)} (min ${Math.min(...values).toFixed(digits)}, max ${Math.max(...values).toFixed(digits)}, n=${values.length})`;
const rssMiB = (pid) => {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]) / 1024;
};
const delay = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function withTempDir(body) {
  const dir = await mkdtemp(join(ROOT, 'bench/.out/data-'));
  try {
    return await body(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function startup() {
  const spawnToReady = [];
  const logged = [];
  const idleRss = [];
  for (let i = 0; i < startupRuns; i += 1) {
    await withTempDir(async (dir) => {
      const broker = await startPyralog(dir);
      try {
        spawnToReady.push(broker.spawnToReadyMs);
        logged.push(broker.readyMs);
        await delay(2000);
        idleRss.push(rssMiB(broker.pid));
      } finally {
        await broker.stop();
      }
    });
  }
  report('pyralog start, spawn to ready line (ms)', spread(spawnToReady));
  report('pyralog start, its own readyMs (process start to ready, ms)', spread(logged));
  report('pyralog start, idle RSS 2 s after ready (MiB)', spread(idleRss, 1));
  // startBroker() in a fresh Node process each time, as a test file would call it.
  const script = `
    const importStart = performance.now();
    const { startBroker } = await import(${JSON.stringify(LIBRARY)});
    const importMs = performance.now() - importStart;
    const started = performance.now();
    const broker = await startBroker({ logDirs: 'memory' });
    const readyMs = performance.now() - started;
    await broker.stop();
    console.log(JSON.stringify({ importMs, readyMs }));`;
  const embedded = [];
  for (let i = 0; i < startupRuns; i += 1) {
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT });
    embedded.push(JSON.parse(stdout));
  }
  report(
    "startBroker({ logDirs: 'memory' }) to ready, first call in a fresh process (ms)",
    spread(
      embedded.map((e) => e.readyMs),
      1,
    ),
  );
  report(
    "import('pyralog') before it (ms)",
    spread(
      embedded.map((e) => e.importMs),
      1,
    ),
  );
}

async function disk() {
  await withTempDir(async (dir) => {
    const fio = async (name, args) => {
      const { stdout } = await run(
        'fio',
        [
          `--name=${name}`,
          `--directory=${dir}`,
          `--filename=${name}.dat`,
          '--ioengine=psync',
          '--rw=write',
          '--output-format=json',
          ...args,
        ],
        { maxBuffer: 16 << 20 },
      );
      await rm(join(dir, `${name}.dat`), { force: true });
      return JSON.parse(stdout).jobs[0].write.bw_bytes / 1e6;
    };
    const size = `--size=${diskMiB}M`;
    report(
      `raw disk: sequential write into fresh page cache, 1 MiB writes, ${diskMiB} MiB, no fsync (MB/s)`,
      (await fio('buffered', ['--bs=1M', size])).toFixed(0),
    );
    report(
      'raw disk: write with fsync every 1 MiB, at most 5 s (MB/s)',
      (await fio('fsync1m', ['--bs=1M', size, '--runtime=5', '--fsync=1'])).toFixed(0),
    );
    report(
      'raw disk: write with fsync every 64 KiB, at most 5 s (MB/s)',
      (await fio('fsync64k', ['--bs=64k', size, '--runtime=5', '--fsync=1'])).toFixed(0),
    );
    // What one acks=all produce waits for at least: the latency target cannot beat this disk's own.
    const { stdout } = await run(
      'fio',
      [
        '--name=fdatasync16k',
        `--directory=${dir}`,
        '--filename=fdatasync16k.dat',
        '--ioengine=psync',
        '--rw=write',
        '--bs=16k',
        '--size=256M',
        '--runtime=5',
        '--time_based',
        '--fdatasync=1',
        '--output-format=json',
      ],
      { maxBuffer: 16 << 20 },
    );
    await rm(join(dir, 'fdatasync16k.dat'), { force: true });
    const sync = JSON.parse(stdout).jobs[0].sync.lat_ns;
    const ms = (p) => (sync.percentile[p] / 1e6).toFixed(2);
    report(
      'raw disk: fdatasync latency after each 16 KiB write, 5 s (ms)',
      `p50 ${ms('50.000000')} p99 ${ms('99.000000')} p99.9 ${ms('99.900000')} mean ${(sync.mean / 1e6).toFixed(2)}`,
    );
  });
}

async function workload(mode) {
  const copy = await sharedBenchCopy();
  await withTempDir(async (dir) => {
    const nodeArgs = [...extraNodeArgs];
    if (cpuProfDir !== undefined) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`);
    const traceOut = join(OUT, `trace-${mode}-${Date.now()}.txt`);
    if (trace) nodeArgs.push('--import', join(ROOT, 'bench/broker/trace-hook.mjs'));
    const allocOut =
      allocProfDir === undefined ? undefined : join(allocProfDir, `alloc-${mode}-${Date.now()}.heapprofile`);
    if (allocOut !== undefined) nodeArgs.push('--import', join(ROOT, 'bench/broker/alloc-hook.mjs'));
    const env = {
      ...process.env,
      ...(trace ? { BENCH_TRACE_OUT: traceOut } : {}),
      ...(allocOut === undefined ? {} : { BENCH_ALLOC_OUT: allocOut }),
    };
    const overrides = brokerOverrides.flatMap((override) => ['--override', override]);
    const broker = await startPyralog(dir, {
      extraArgs: ['--flush-mode', mode, ...overrides],
      nodeArgs,
      env,
    });
    if (pinBroker !== undefined) await run('taskset', ['-a', '-p', '-c', pinBroker, String(broker.pid)]);
    let peakRss = 0;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, rssMiB(broker.pid));
    }, 200);
    try {
      console.log(`\n## workload, pyralog.flush.mode=${mode}, ${pinning} [loadavg at start ${loadavg()}]`);
      const label = `pyralog-${mode}${pinBroker === undefined && pinClient === undefined ? '' : '-pinned'}`;
      const child = spawn(
        pinClient === undefined ? 'bash' : 'taskset',
        [
          ...(pinClient === undefined ? [] : ['-c', pinClient, 'bash']),
          join(copy, 'broker-kafka.sh'),
          broker.bootstrap,
          String(runs),
          String(msgs),
          String(rate),
          String(secs),
          label,
        ],
        { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, BENCH_OUT: OUT } },
      );
      const code = await new Promise((resolve) => child.once('exit', resolve));
      if (code !== 0) throw new Error(`broker-kafka.sh exited with ${code}`);
      report(`broker RSS peak during the ${mode} workload (MiB)`, peakRss.toFixed(0));
    } finally {
      clearInterval(sampler);
      await broker.stop();
    }
    if (trace) console.log(`\n${await readFile(traceOut, 'utf8')}(${traceOut})`);
    if (allocOut !== undefined) {
      const summary = await run(process.execPath, [join(ROOT, 'bench/broker/alloc-summary.mjs'), allocOut]);
      console.log(`\n${summary.stdout}(${allocOut})`);
    }
  });
}

mkdirSync(OUT, { recursive: true });
// The alloc hook writes its profile into this directory but does not create it.
if (allocProfDir !== undefined) mkdirSync(allocProfDir, { recursive: true });
if (!existsSync(CLI) || !existsSync(LIBRARY)) {
  console.error('dist/ is missing: run `npm run build` first');
  process.exit(1);
}
console.log(
  `# pyralog broker bench, ${new Date().toISOString()}, node ${process.version}, processes ${pinning}`,
);
if (!flag('skip-startup')) await startup();
if (!flag('skip-disk')) await disk();
if (!flag('skip-workload')) {
  console.log(
    `\nworkload: ${runs} run(s), ${msgs} messages of 1 KiB, latency at ${rate} msg/s for ${secs} s`,
  );
  for (const mode of modes) await workload(mode);
}
if (cpuProfDir !== undefined) {
  console.log(
    `\nCPU profiles: ${(await readdir(cpuProfDir)).filter((f) => f.endsWith('.cpuprofile')).join(', ')}`,
  );
}
