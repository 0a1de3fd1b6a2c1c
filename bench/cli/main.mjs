#!/usr/bin/env node
// `pyralog bench produce` against the fastest real client of the broker benchmark, in one run on one
// broker: librdkafka's rdkafka_performance (../shared/bench, as bench/broker drives it: 1 KiB records,
// acks=all, linger.ms=5, batch.num.messages=10000, batch.size 1000000, no compression, one partition)
// and `pyralog bench produce` with the same workload (1 KiB records, acks=all, linger.ms 5, batch.size
// 1000000, no compression, one partition), on fresh topics, alternating the order in each run.
// Like is compared with like, in two pairs:
// - non-idempotent: librdkafka with its defaults (enable.idempotence=false, max.in.flight 1000000)
//   against `pyralog bench produce --no-idempotence --max-in-flight 1000000`;
// - idempotent: librdkafka with enable.idempotence=true (at most 5 requests in flight) against
//   `pyralog bench produce` with its defaults (idempotent with acks=all as Kafka 3.0+, 5 in flight).
// Prints msg/s and MB/s of each with the load average next to it, and the ratios of the medians of
// each pair; issue #8 asks for >= 0.8 against the fastest client (librdkafka non-idempotent), so the
// idempotent pyralog against that one is printed too.
//
// Usage (after `npm run build`; rdkafka_performance is built from Debian's librdkafka-dev on first use):
//   node bench/cli/main.mjs [--msgs 1000000] [--runs 3] [--flush-mode durable|kafka]
//                           [--semantics both|non-idempotent|idempotent] [--warmup 100000]
//                           [--pyralog-args "--batch-size 65536"] [--cpu-prof DIR] [--broker-cpu-prof DIR]
// --pyralog-args go to every `pyralog bench produce` after the pair's own flags. Every client first runs
// --warmup records (default min(msgs, 100000); 0 for none) uncounted, for a broker whose code is optimized.
// --baseline-cli PATH also runs `pyralog bench produce` from another build (e.g. a worktree of an
// older commit: PATH/dist/pyralog.js) against the same broker in the same rounds, for an A/B of the client.
// --cpu-prof runs `pyralog bench produce` under `node --cpu-prof` and leaves its profiles in DIR;
// --broker-cpu-prof does the same for the broker (one profile of the whole run, every client).
// Each run also prints the CPU time (user+sys, from /proc) per record of the client process and of the
// broker during that client's run, so that a loaded machine still shows where the time goes.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { option } from '../broker/arguments.mjs';
import { throughputProducer } from '../broker/paced-latency.mjs';
import { startPyralog } from '../broker/pyralog-process.mjs';
import { sharedBenchCopy } from '../broker/shared-bench.mjs';

const run = promisify(execFile);
const ROOT = new URL('../..', import.meta.url).pathname;
const OUT = join(ROOT, 'bench/.out');
const CLI = join(ROOT, 'dist/pyralog-launcher.cjs');

const msgs = Number(option('msgs', '1000000'));
const runs = Number(option('runs', '3'));
const flushMode = option('flush-mode', 'durable');
const pyralogArgs = option('pyralog-args', '')
  .split(' ')
  .filter((arg) => arg !== '');
const cpuProfDir = option('cpu-prof', undefined);
const brokerCpuProfDir = option('broker-cpu-prof', undefined);
const baselineCli = option('baseline-cli', undefined);
const semantics = option('semantics', 'both');
const warmup = Number(option('warmup', String(Math.min(msgs, 100_000))));
if (!['both', 'non-idempotent', 'idempotent'].includes(semantics)) {
  console.error(`--semantics must be both, non-idempotent or idempotent, not ${semantics}`);
  process.exit(2);
}

/**
 * The pairs compared, librdkafka and `pyralog bench produce` with the same delivery semantics each; the
 * flags given to pyralog spell out librdkafka's in-flight limit (max.in.flight 1000000 by default, at
 * most 5 with idempotence).
 */
const PAIRS = [
  {
    semantics: 'non-idempotent',
    librdkafka: 'librdkafka',
    idempotent: false,
    pyralog: 'pyralog',
    pyralogFlags: ['--no-idempotence', '--max-in-flight', '1000000'],
  },
  {
    semantics: 'idempotent',
    librdkafka: 'librdkafka-idempotent',
    idempotent: true,
    pyralog: 'pyralog-idempotent',
    pyralogFlags: ['--max-in-flight', '5'],
  },
].filter((pair) => semantics === 'both' || pair.semantics === semantics);

const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const TICKS_PER_SEC = 100;
/** CPU milliseconds (user+sys) of `pid`, and of its children already waited for, from /proc/<pid>/stat. */
function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat
    .slice(stat.lastIndexOf(')') + 2)
    .split(' ')
    .map(Number);
  const [utime, stime, cutime, cstime] = fields.slice(11, 15);
  return {
    self: ((utime + stime) * 1000) / TICKS_PER_SEC,
    children: ((cutime + cstime) * 1000) / TICKS_PER_SEC,
  };
}
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/**
 * librdkafka: the produce step of ../shared/bench/broker-kafka.sh (not idempotent: max.in.flight
 * 1000000), or the same with enable.idempotence=true (at most 5 requests in flight).
 */
async function rdkafka(perf, bootstrap, topic, idempotent, count = msgs) {
  const args = throughputProducer(bootstrap, topic, count);
  if (idempotent) args.push('-X', 'enable.idempotence=true');
  const { stdout, stderr } = await run(perf, args, { maxBuffer: 16 << 20, timeout: 600_000 });
  const line = `${stdout}${stderr}`.split('\n').find((l) => / messages produced \(/.test(l)) ?? '';
  const match = /(\d+) messages produced \((\d+) bytes\), (\d+) delivered .* in (\d+)ms/.exec(line);
  if (match === null) throw new Error(`no summary from rdkafka_performance: ${stdout}${stderr}`);
  const [, , bytes, delivered, ms] = match.map(Number);
  if (delivered !== count) throw new Error(`rdkafka_performance delivered ${delivered} of ${count}`);
  return { msgPerSec: (delivered / ms) * 1000, mbPerSec: bytes / 1e3 / ms };
}

/** `pyralog bench produce` with the same workload and `flags` (its pair's semantics). */
async function pyralog(bootstrap, topic, flags, cli = CLI, count = msgs) {
  const nodeArgs = cpuProfDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`];
  const args = [...nodeArgs, cli, 'bench', 'produce', '-b', bootstrap, '-t', topic];
  args.push('--num-records', String(count), '--record-size', '1024', '--acks', 'all', '-o', 'json');
  args.push(...flags, ...pyralogArgs);
  const { stdout } = await run(process.execPath, args, { cwd: ROOT, maxBuffer: 16 << 20, timeout: 600_000 });
  const result = JSON.parse(stdout);
  return {
    msgPerSec: result.recordsPerSec,
    mbPerSec: result.mbPerSec,
    latencyMs: result.latencyMs,
    sendCpuUs: result.cpuUsPerRecord,
  };
}

mkdirSync(OUT, { recursive: true });
if (!existsSync(CLI)) {
  console.error('dist/pyralog-launcher.cjs is missing: run `npm run build` first');
  process.exit(1);
}
const perf = join(await sharedBenchCopy(), 'bin/rdkafka_performance');
console.log(
  `# pyralog bench produce vs librdkafka, ${new Date().toISOString()}, node ${process.version}: ` +
    `${runs} run(s) of ${msgs} records of 1 KiB, acks=all, one partition, flush mode ${flushMode}; ` +
    PAIRS.map(
      (pair) =>
        `${pair.semantics}: librdkafka${pair.idempotent ? ' enable.idempotence=true' : ''} vs ` +
        `pyralog bench produce ${[...pair.pyralogFlags, ...pyralogArgs].join(' ')}`,
    ).join('; '),
);
/** Each client's runner, in the order of a run. */
const clients = new Map();
for (const pair of PAIRS) {
  clients.set(pair.librdkafka, (bootstrap, topic, count) =>
    rdkafka(perf, bootstrap, topic, pair.idempotent, count),
  );
  clients.set(pair.pyralog, (bootstrap, topic, count) =>
    pyralog(bootstrap, topic, pair.pyralogFlags, CLI, count),
  );
  if (baselineCli !== undefined) {
    clients.set(`${pair.pyralog}-baseline`, (bootstrap, topic, count) =>
      pyralog(bootstrap, topic, pair.pyralogFlags, baselineCli, count),
    );
  }
}
const figures = Object.fromEntries([...clients.keys()].map((client) => [client, []]));
const dir = await mkdtemp(join(OUT, 'cli-bench-'));
const broker = await startPyralog(join(dir, 'data'), {
  extraArgs: ['--flush-mode', flushMode],
  nodeArgs: brokerCpuProfDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${brokerCpuProfDir}`],
});
try {
  // A fresh broker is slower in its first runs (its code is not optimized yet), which made the first
  // client of run 1 look slow: every client first runs once uncounted.
  if (warmup > 0) {
    for (const [client, runner] of clients)
      await runner(broker.bootstrap, `warmup-${client}-${process.pid}`, warmup);
    console.log(`warm-up: ${warmup} records per client, not counted   [loadavg ${loadavg()}]`);
  }
  for (let i = 0; i < runs; i += 1) {
    const order = [...clients.keys()];
    if (i % 2 === 1) order.reverse();
    for (const client of order) {
      const topic = `${client}-${i}-${process.pid}`;
      const before = { broker: cpuMs(broker.pid).self, client: cpuMs(process.pid).children };
      const figure = await clients.get(client)(broker.bootstrap, topic);
      const clientCpuUs = ((cpuMs(process.pid).children - before.client) * 1000) / msgs;
      const brokerCpuUs = ((cpuMs(broker.pid).self - before.broker) * 1000) / msgs;
      const result = { ...figure, clientCpuUs, brokerCpuUs };
      figures[client].push(result);
      const latency =
        result.latencyMs === undefined
          ? ''
          : `, ack latency p50 ${result.latencyMs.p50Ms.toFixed(0)} p99 ${result.latencyMs.p99Ms.toFixed(0)} ms` +
            `, CPU us/record while sending ${result.sendCpuUs.toFixed(1)}`;
      console.log(
        `run ${i + 1} ${client.padEnd(27)}: ${result.msgPerSec.toFixed(0)} msg/s, ${result.mbPerSec.toFixed(1)} MB/s${latency}, CPU us/record client ${clientCpuUs.toFixed(1)} broker ${brokerCpuUs.toFixed(1)}   [loadavg ${loadavg()}]`,
      );
    }
  }
} finally {
  await broker.stop();
  await rm(dir, { recursive: true, force: true });
}
const medianOf = (client) => median(figures[client].map((f) => f.msgPerSec));
/** The ratio of the medians of `ours` to `theirs`, with the ratio of each run. */
function printRatio(label, ours, theirs) {
  const perRun = figures[ours].map((f, i) => (f.msgPerSec / figures[theirs][i].msgPerSec).toFixed(2));
  console.log(
    `${label}: ${ours} ${medianOf(ours).toFixed(0)} msg/s / ${theirs} ${medianOf(theirs).toFixed(0)} msg/s = ` +
      `${(medianOf(ours) / medianOf(theirs)).toFixed(2)} (per run ${perRun.join(', ')})   [loadavg ${loadavg()}]`,
  );
}
for (const pair of PAIRS) {
  for (const client of [pair.pyralog, `${pair.pyralog}-baseline`].filter((c) => c in figures)) {
    printRatio(`ratio, ${pair.semantics}`, client, pair.librdkafka);
  }
}
if (PAIRS.length === 2) {
  // Issue #8's bar is the fastest real client: librdkafka with its defaults (not idempotent).
  printRatio('ratio, idempotent pyralog to the fastest client', 'pyralog-idempotent', 'librdkafka');
}
for (const [client, list] of Object.entries(figures)) {
  console.log(
    `median CPU per record, ${client}: client ${median(list.map((f) => f.clientCpuUs)).toFixed(1)} us, ` +
      `broker ${median(list.map((f) => f.brokerCpuUs)).toFixed(1)} us`,
  );
}
