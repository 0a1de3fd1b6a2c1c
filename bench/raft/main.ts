// Raft benchmark: a 3-node key-value cluster as separate processes on loopback (tools/raft-node, fsync
// on every node for every write), driven through the client port. Prints one line per figure, each
// with the 1-minute load average at its end (the machine is shared):
//   - committed puts/s with many in flight (batching: group commit in the driver) for 100 B and 16 KiB;
//   - commit latency p50/p99 at a fixed 1,000 puts/s (open loop, 100 B);
//   - leader SIGKILL → first new commit p50/p99 over --kills kills (election timeout 300 ms);
// beside a raw baseline from the same run: fdatasync latency of a 4 KiB append in the same temp dir.
// Usage: node --import tsx bench/raft/main.ts [--seconds 5] [--inflight 1024] [--kills 10] [--rate 1000]
//        [--warmup-seconds 2]
//        [--profile <dir>] [--phases throughput,rate,kills] (a subset, e.g. to compare one figure A/B)
//        [--diagnose] (per node persist/event-loop/GC stats after each phase; costs throughput) [--verbose]
//        [--zero-ahead-bytes <n>] (FileRaftStorage zero-ahead, 0 = off, for A/B runs)
//        [--no-dsync] (plain segment writes + fdatasync instead of O_DSYNC segments, for A/B runs)
//        [--max-inflight-writes <n>] (pipelined ready() writes per node; the node's default is 1 = off)
//        [--max-inflight-appends <n>] (appends in flight per follower; the node's default is 256)
//        [--log-dir <dir>] (keep the node logs: role changes and per-second stats; plus kills.json)
//        [--trace] (nodes trace per-entry event times; after the rate phase, where the slowest 1% of puts
//        spent their time stage by stage: bench/raft/latency-breakdown.ts)
// The rate phase also prints, per node and for the client, CPU, wake-ups and run-queue wait per put of
// the main thread and of the other threads (thread-counters.ts: /proc counters, Linux).
// After each phase it prints where the time went: the slowest puts (when they started), the client's
// retries and timeouts, and per node (from its 'raft stats' log lines during the phase) persist
// (write + fsync) p99/max, event-loop delay, GC pauses and role changes.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KvClusterClient } from '../../src/raft/host/kv/kv-cluster-client.js';
import { LocalRaftCluster } from '../../tools/raft-node/local-cluster.js';
import { latencyBreakdown, type TracedPut } from './latency-breakdown.js';
import { describeCounters, sampleProcess } from './thread-counters.js';

/** The value after `--name`, if the flag is given. */
const stringArgument = (name: string): string | undefined => {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? undefined : process.argv[at + 1];
};
const argument = (name: string, fallback: string): number => Number(stringArgument(name) ?? fallback);
const seconds = argument('seconds', '5');
const inflight = argument('inflight', '1024');
const kills = argument('kills', '10');
const rate = argument('rate', '1000');
/** --warmup-seconds: the rate phase first runs this long at the same rate, reported apart. */
const warmupSeconds = argument('warmup-seconds', '2');
const DEADLINE_MS = 20_000;
/** --profile <dir>: every node writes a V8 CPU profile there on exit (skips the kill phase). */
const profileDir = stringArgument('profile');

const keptLogDir = stringArgument('log-dir');
if (keptLogDir !== undefined) mkdirSync(keptLogDir, { recursive: true });
const logDir = keptLogDir ?? mkdtempSync(join(tmpdir(), 'pyralog-raft-bench-logs-'));
const phasesAt = process.argv.indexOf('--phases');
const phases = new Set(
  (phasesAt === -1 ? 'throughput,rate,kills' : (process.argv[phasesAt + 1] ?? '')).split(','),
);

/** --diagnose: nodes log per-second stats (persist, event-loop delay, GC) for the phase breakdown. */
const withNodeStats = process.argv.includes('--diagnose') || process.argv.includes('--verbose');
/** --verbose: --diagnose plus per-second persist and event-loop figures of every node. */
const verbose = process.argv.includes('--verbose');
/** --trace: per-entry event times from every node, for the rate phase's stage breakdown. */
const traced = process.argv.includes('--trace');
const epochMs = (): number => performance.timeOrigin + performance.now();

const load = (): string => `load ${loadavg()[0]!.toFixed(1)}`;

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

function latencyLine(label: string, samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const f = (v: number): string => v.toFixed(2);
  return `${label}: p50 ${f(percentile(sorted, 50))} ms, p99 ${f(percentile(sorted, 99))} ms, max ${f(sorted.at(-1) ?? Number.NaN)} ms (${samples.length} samples, ${load()})`;
}

async function fdatasyncBaseline(): Promise<number[]> {
  const path = join(tmpdir(), `pyralog-raft-bench-${process.pid}.raw`);
  const file = await open(path, 'w');
  const block = Buffer.alloc(4096, 1);
  const samples: number[] = [];
  try {
    for (let i = 0; i < 200; i++) {
      const start = performance.now();
      await file.write(block);
      await file.datasync();
      samples.push(performance.now() - start);
    }
  } finally {
    await file.close();
    await rm(path, { force: true });
  }
  return samples;
}

/** Keeps `inflight` puts outstanding for `seconds`; returns committed puts/s and their latencies. */
async function closedLoop(
  client: KvClusterClient,
  valueBytes: number,
  window: number,
): Promise<{ rate: number; latencies: number[] }> {
  const value = Buffer.alloc(valueBytes, 0x61);
  const latencies: number[] = [];
  const endAt = performance.now() + seconds * 1000;
  let n = 0;
  let committed = 0;
  const lane = async (): Promise<void> => {
    while (performance.now() < endAt) {
      // Keys cycle over 4,096 so the state machine's memory stays bounded at 16 KiB values.
      const key = Buffer.from(`k${n++ % 4096}`);
      const start = performance.now();
      await client.put(key, value, Date.now() + DEADLINE_MS);
      latencies.push(performance.now() - start);
      committed++;
    }
  };
  const began = performance.now();
  await Promise.all(Array.from({ length: window }, lane));
  return { rate: committed / ((performance.now() - began) / 1000), latencies };
}

/** Starts puts at a fixed rate regardless of answers (open loop); returns their commit latencies. */
async function openLoop(
  client: KvClusterClient,
  perSecond: number,
  forSeconds = seconds,
  tracedPuts?: TracedPut[],
): Promise<number[]> {
  const value = Buffer.alloc(100, 0x62);
  const latencies: number[] = [];
  const slow: { startMs: number; latencyMs: number }[] = [];
  const pending: Promise<void>[] = [];
  const began = performance.now();
  let sent = 0;
  while (performance.now() - began < forSeconds * 1000) {
    const due = Math.floor(((performance.now() - began) / 1000) * perSecond);
    for (; sent < due; sent++) {
      const start = performance.now();
      pending.push(
        client.put(Buffer.from(`r${sent % 4096}`), value, Date.now() + DEADLINE_MS).then((answer) => {
          const latencyMs = performance.now() - start;
          latencies.push(latencyMs);
          slow.push({ startMs: start - began, latencyMs });
          tracedPuts?.push({
            startMs: performance.timeOrigin + start,
            endMs: epochMs(),
            index: Number(answer.response.index),
            leader: answer.nodeId,
          });
        }),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await Promise.all(pending);
  // When the slow ones started: one burst (a stall, an election) or spread out (queueing, fsyncs)?
  slow.sort((a, b) => b.latencyMs - a.latencyMs);
  const worst = slow
    .slice(0, Math.max(5, Math.ceil(slow.length / 100)))
    .sort((a, b) => a.startMs - b.startMs);
  const bursts: string[] = [];
  for (const put of worst) {
    const last = bursts.at(-1);
    const second = (put.startMs / 1000).toFixed(1);
    if (last?.startsWith(`${second}s`) === true) continue;
    bursts.push(`${second}s (${put.latencyMs.toFixed(0)} ms)`);
  }
  console.log(`  slowest 1% of puts started at: ${bursts.join(', ')}`);
  return latencies;
}

interface PhaseMark {
  readonly fromMs: number;
  readonly counters: KvClusterClient['counters'];
}

function markPhase(client: KvClusterClient): PhaseMark {
  return { fromMs: Date.now(), counters: { ...client.counters } };
}

/** Prints the client's retries and each node's stats lines (persist, event loop, GC, roles) since `mark`. */
function diagnose(client: KvClusterClient, mark: PhaseMark): void {
  const c = client.counters;
  const was = mark.counters;
  console.log(
    `  client: ${c.requests - was.requests} requests, ${c.attempts - was.attempts - (c.requests - was.requests)} retries ` +
      `(${c.timeouts - was.timeouts} attempt timeouts, ${c.connectionErrors - was.connectionErrors} connection errors, ` +
      `${c.errorAnswers - was.errorAnswers} error answers)`,
  );
  const toMs = Date.now();
  for (const id of [1, 2, 3]) {
    let text = '';
    try {
      text = readFileSync(join(logDir, `node-${id}.log`), 'utf8');
    } catch {
      continue;
    }
    let persists = 0;
    let persistP99 = 0;
    let persistMax = 0;
    let loopMax = 0;
    let gcMs = 0;
    let gcMax = 0;
    const roles: string[] = [];
    const seconds: string[] = [];
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const record = JSON.parse(line) as Record<string, number | string | undefined>;
      const at = Number(record['time']);
      if (at < mark.fromMs || at > toMs + 1000) continue;
      if (record['msg'] === 'raft role changed') {
        roles.push(`${((at - mark.fromMs) / 1000).toFixed(1)}s ${record['role']}/${record['term']}`);
      } else if (record['msg'] === 'raft stats') {
        persists += Number(record['persists']);
        persistP99 = Math.max(persistP99, Number(record['persistP99Ms']));
        persistMax = Math.max(persistMax, Number(record['persistMaxMs']));
        loopMax = Math.max(loopMax, Number(record['loopDelayMaxMs']));
        gcMs += Number(record['gcMs']);
        gcMax = Math.max(gcMax, Number(record['gcMaxMs']));
        seconds.push(
          `${Math.round(Number(record['persistMaxMs']))}/${Math.round(Number(record['loopDelayMaxMs']))}`,
        );
      }
    }
    const roleText = `role changes: ${roles.length === 0 ? 'none' : roles.join(', ')}`;
    if (!withNodeStats) {
      console.log(`  node ${id}: ${roleText} (--diagnose for persist, event-loop and GC figures)`);
      continue;
    }
    console.log(
      `  node ${id}: ${persists} persists, worst per-second p99 ${persistP99} ms, max ${persistMax} ms; ` +
        `event-loop delay max ${loopMax} ms; GC ${gcMs.toFixed(0)} ms total, max pause ${gcMax} ms; ${roleText}`,
    );
    if (verbose) console.log(`    per second, persist max / event-loop delay max (ms): ${seconds.join(' ')}`);
  }
}

/**
 * Waits until the restarted node `id` holds and applied everything the leader had committed when it
 * came back, so that the next kill's new leader does not first have to catch it up (that wait would
 * otherwise be counted as recovery). Returns how long it took.
 */
async function waitCaughtUp(cluster: LocalRaftCluster, id: number): Promise<number> {
  const startMs = Date.now();
  const statusAfter = async (node: number): Promise<NonNullable<ReturnType<LocalRaftCluster['status']>>> => {
    for (;;) {
      const status = cluster.status(node);
      if (status !== undefined && status.atMs > startMs) return status;
      if (Date.now() - startMs > DEADLINE_MS) throw new Error(`node ${node} printed no status`);
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  };
  let target = 0;
  for (const other of cluster.ids) {
    if (other !== id) target = Math.max(target, (await statusAfter(other)).commitIndex);
  }
  for (;;) {
    const status = await statusAfter(id);
    if (status.appliedIndex >= target && status.lastIndex >= target) return Date.now() - startMs;
    if (Date.now() - startMs > DEADLINE_MS) throw new Error(`node ${id} did not catch up to ${target}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

async function leaderKills(
  cluster: LocalRaftCluster,
  client: KvClusterClient,
): Promise<{ recoveries: number[]; catchUps: number[] }> {
  const recoveries: number[] = [];
  const catchUps: number[] = [];
  const value = Buffer.alloc(100, 0x63);
  let stopping = false;
  let lastAck = { atMs: 0, nodeId: 0 };
  let n = 0;
  const writer = async (): Promise<void> => {
    while (!stopping) {
      const answer = await client.put(Buffer.from(`x${n++ % 4096}`), value, Date.now() + DEADLINE_MS);
      lastAck = { atMs: Date.now(), nodeId: answer.nodeId };
    }
  };
  const writers = Array.from({ length: 8 }, writer);
  const waitAck = async (after: number, notFrom: number): Promise<typeof lastAck> => {
    while (!(lastAck.atMs >= after && lastAck.nodeId !== notFrom))
      await new Promise((resolve) => setTimeout(resolve, 1));
    return lastAck;
  };
  const timeline: { victim: number; killedAt: number; ackAt: number; ackNode: number }[] = [];
  for (let k = 0; k < kills; k++) {
    const leader = (await waitAck(Date.now(), -1)).nodeId;
    const killedAt = Date.now();
    await cluster.kill(leader);
    const ack = await waitAck(killedAt, leader);
    recoveries.push(ack.atMs - killedAt);
    timeline.push({ victim: leader, killedAt, ackAt: ack.atMs, ackNode: ack.nodeId });
    await cluster.startNode(leader);
    catchUps.push(await waitCaughtUp(cluster, leader));
  }
  writeFileSync(join(logDir, 'kills.json'), JSON.stringify(timeline, null, 1));
  stopping = true;
  await Promise.all(writers);
  return { recoveries, catchUps };
}

const baseline = await fdatasyncBaseline();
console.log(latencyLine('raw baseline: 4 KiB append + fdatasync', baseline));
const cluster = await LocalRaftCluster.start({
  size: 3,
  electionTimeoutMs: 300,
  ...(profileDir === undefined ? {} : { nodeArgs: ['--cpu-prof', '--cpu-prof-dir', profileDir] }),
  // Node stats only with --diagnose, so the figures are of the node as it runs in production.
  // Role changes are logged either way.
  logDir,
  logLevel: 'info',
  ...(phases.has('kills') ? { statusEveryMs: 50 } : {}),
  nodeOptions: [
    ...(withNodeStats ? [] : ['--no-stats']),
    ...(traced ? ['--trace-dir', logDir] : []),
    ...(process.argv.includes('--max-inflight-writes')
      ? ['--max-inflight-writes', String(argument('max-inflight-writes', '2'))]
      : []),
    ...(process.argv.includes('--max-inflight-appends')
      ? ['--max-inflight-appends', String(argument('max-inflight-appends', '256'))]
      : []),
    ...(process.argv.includes('--no-dsync') ? ['--no-dsync'] : []),
    ...(process.argv.includes('--zero-ahead-bytes')
      ? ['--zero-ahead-bytes', String(argument('zero-ahead-bytes', '0'))]
      : []),
  ],
});
const client = cluster.client();
try {
  await client.put(Buffer.from('warm-up'), Buffer.from('x'), Date.now() + DEADLINE_MS);
  const throughputRuns = [
    ['100 B', 100, inflight],
    ['16 KiB', 16 * 1024, Math.min(inflight, 64)],
  ] as const;
  for (const [label, bytes, window] of phases.has('throughput') ? throughputRuns : []) {
    const mark = markPhase(client);
    const result = await closedLoop(client, bytes, window);
    console.log(
      `committed puts, ${label}, ${window} in flight: ${Math.round(result.rate)} puts/s, ` +
        `${((result.rate * bytes) / 1e6).toFixed(1)} MB/s (${load()})`,
    );
    console.log(latencyLine(`  commit latency at that load, ${label}`, result.latencies));
    diagnose(client, mark);
  }
  if (phases.has('rate')) {
    if (warmupSeconds > 0) {
      // The same load first, not counted: the nodes' JIT and the first zero-ahead writes settle.
      const warm = await openLoop(client, rate, warmupSeconds);
      console.log(latencyLine(`  warm-up (not counted), ${warmupSeconds} s at ${rate} puts/s`, warm));
    }
    const mark = markPhase(client);
    const tracedPuts: TracedPut[] = [];
    const processes = [
      ...cluster.ids.map((id) => ({ label: `node ${id}`, pid: cluster.pid(id)! })),
      { label: 'client (this process)', pid: process.pid },
    ];
    const countersBefore = processes.map(({ pid }) => sampleProcess(pid));
    const latencies = await openLoop(client, rate, seconds, tracedPuts);
    const countersAfter = processes.map(({ pid }) => sampleProcess(pid));
    console.log(latencyLine(`commit latency at ${rate} puts/s, 100 B`, latencies));
    processes.forEach(({ label }, i) => {
      console.log(describeCounters(label, countersBefore[i]!, countersAfter[i]!, latencies.length));
    });
    diagnose(client, mark);
    if (traced) {
      await new Promise((resolve) => setTimeout(resolve, 500)); // the nodes flush their traces every 200 ms
      for (const line of latencyBreakdown(logDir, cluster.ids, tracedPuts)) console.log(line);
    }
  }
  if (profileDir === undefined && phases.has('kills')) {
    const mark = markPhase(client);
    const { recoveries, catchUps } = await leaderKills(cluster, client);
    console.log(latencyLine(`leader SIGKILL → first new commit, ${kills} kills`, recoveries));
    console.log(
      latencyLine('  restarted victim catch-up before the next kill (not in the figure above)', catchUps),
    );
    diagnose(client, mark);
  }
} finally {
  client.close();
  await cluster.close(profileDir !== undefined);
  if (keptLogDir === undefined) rmSync(logDir, { recursive: true, force: true });
}
