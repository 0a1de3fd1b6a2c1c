// Commit latency of the Raft core and the apply path in virtual time: the deterministic simulator (no
// CPU contention, no real disk), so two variants compare exactly even on a loaded machine. 3 nodes,
// network delay 0-1 ms, a proposal every ms at the leader; the latency is from the proposal to the
// moment the leader applies it (when a client gets its answer). Each disk write (one ready(): hard
// state, entries, fsync) takes 1-2 ms. Disturbances, on average once every --stall-every-ms per node,
// one node at a time: "slow writes" (the writes started in the next --stall-ms take up to that long
// each), or "device stalls" (the disk completes nothing for --stall-ms: writes in flight and those
// issued meanwhile finish after it, in order, as when a loaded disk's journal commit stalls).
// Variants: apply through ready() only (after the local write, and behind the write in flight), apply
// as soon as committed (RaftNode.takeCommitted, what RaftDriver does), and that with pipelined writes
// (maxInflightWrites 2 or 4: the next batch goes to disk while a write is in flight). Writes in flight
// overlap (each takes its own 1-2 ms from its start, completing in order), as two concurrent fdatasyncs
// of one file do on the development disk (two concurrent p50 0.28-0.39 ms, one 0.17-0.34 ms, two in
// sequence 0.34-0.86 ms); the last variant serves them one after the other instead, the bound for a
// disk that cannot overlap them (there, many small writes cost more than one batched write).
// --window n: appends in flight per follower (maxInflightAppends; default the node's, 256 appends or
// 8 MiB; --window 8 was the default before, which a follower's slow write filled at 1 proposal/ms).
// Usage: node --import tsx bench/raft/sim-latency.ts [--seconds 10] [--stall-ms 25] [--stall-every-ms 500]
//        [--seed 1] [--window n] [--only <variant substring>]

import { resolveRaftOptions } from '../../src/raft/core/raft-options.js';
import { SimCluster } from '../../src/raft/sim/sim-cluster.js';
import { argument, percentile } from '../bench-support.js';

const seconds = Number(argument('seconds', '10'));
const stallMs = Number(argument('stall-ms', '25'));
const stallEveryMs = Number(argument('stall-every-ms', '500'));
const seed = Number(argument('seed', '1'));
const window = process.argv.includes('--window') ? Number(argument('window', '8')) : undefined;
const only = process.argv.includes('--only') ? argument('only', '') : undefined;
const DISK_MS = 2;
const NODE_DEFAULTS = resolveRaftOptions({ id: 1, bootstrapConfig: { voters: [1], learners: [] } });

type Disturbance = 'none' | 'slow writes' | 'device stalls';

function run(
  applyEarly: boolean,
  inflightWrites: number,
  serial: boolean,
  disturbance: Disturbance,
  pipelineAfterMs = 0,
): number[] {
  const cluster = new SimCluster({
    seed,
    voters: 3,
    spares: 0,
    clockDrift: 0,
    applyEarly,
    pipelineAfterMs,
    tickMs: 1,
    // The real defaults where the simulator's own differ: its 16 KiB snapshot threshold would snapshot
    // every ~130 ms here, and while one is due the leader applies only what it holds durably.
    raft: {
      electionTimeoutMs: 300,
      heartbeatIntervalMs: 50,
      appendStallTimeoutMs: 300,
      // The simulator's own default is 4; the node's is resolveRaftOptions'.
      maxInflightAppends: window ?? NODE_DEFAULTS.maxInflightAppends,
      maxInflightAppendBytes: NODE_DEFAULTS.maxInflightAppendBytes,
      maxAppendBytes: 1024 * 1024,
      maxAppendEntries: 4096,
      snapshotThresholdBytes: 64 * 1024 * 1024,
      maxUncommittedEntries: 100_000,
      maxInflightWrites: inflightWrites,
    },
  });
  cluster.setNetwork({ lossRate: 0, duplicateRate: 0, minDelayMs: 0, maxDelayMs: 1 });
  if (!cluster.runUntil(() => cluster.leader() !== undefined, 10_000)) throw new Error('no leader');
  for (const id of cluster.ids) {
    cluster.node(id).disk.delayMs = DISK_MS;
    cluster.node(id).disk.serial = serial;
  }
  const random = cluster.random.fork();
  if (disturbance !== 'none') {
    const stall = (): void => {
      const node = cluster.node(random.pick(cluster.ids));
      if (disturbance === 'device stalls') {
        node.disk.stalledUntilMs = cluster.nowMs + stallMs;
      } else {
        // Its next writes take up to stallMs for a stall's length.
        node.disk.delayMs = stallMs;
        cluster.schedule(stallMs, () => {
          node.disk.delayMs = DISK_MS;
        });
      }
      cluster.schedule(random.between(1, (2 * stallEveryMs) / cluster.ids.length), stall);
    };
    cluster.schedule(1, stall);
  }
  const ids: number[] = [];
  const startMs = cluster.nowMs;
  const propose = (): void => {
    if (cluster.nowMs - startMs >= seconds * 1000) return;
    const id = cluster.propose(100);
    if (id !== undefined) ids.push(id);
    cluster.schedule(1, propose);
  };
  cluster.schedule(1, propose);
  cluster.runUntilTime(startMs + seconds * 1000 + 2000);
  const latencies: number[] = [];
  for (const id of ids) {
    const answered = cluster.answeredAtMs.get(id);
    if (answered !== undefined) latencies.push(answered - cluster.proposedAtMs.get(id)!);
  }
  if (latencies.length < ids.length)
    console.log(`  (${ids.length - latencies.length} proposals not answered)`);
  return latencies.sort((a, b) => a - b);
}

console.log(
  `raft commit latency in virtual ms (simulator, 3 nodes, network 0-1 ms, disk write 1-${DISK_MS} ms, ` +
    `1 proposal/ms for ${seconds} s, seed ${seed}, ${window === undefined ? "the node's append window" : `an append window of ${window}`})`,
);
const variants = [
  {
    applyEarly: false,
    writes: 1,
    serial: false,
    after: 0,
    label: 'apply after the local write (ready only)',
  },
  { applyEarly: true, writes: 1, serial: false, after: 0, label: 'apply when committed (takeCommitted)' },
  { applyEarly: true, writes: 2, serial: false, after: 0, label: 'apply when committed, 2 writes in flight' },
  {
    applyEarly: true,
    writes: 2,
    serial: false,
    after: 2,
    label: "... 2 in flight, the node's rule (as many entries waiting as in flight, or it is 2 ms old)",
  },
  { applyEarly: true, writes: 4, serial: false, after: 0, label: 'apply when committed, 4 writes in flight' },
  {
    applyEarly: true,
    writes: 2,
    serial: true,
    after: 0,
    label: '... 2 writes in flight served one at a time (pessimistic disk)',
  },
  {
    applyEarly: true,
    writes: 2,
    serial: true,
    after: 2,
    label: "... 2 in flight served one at a time, the node's rule",
  },
];
for (const disturbance of ['none', 'slow writes', 'device stalls'] as const) {
  for (const { applyEarly, writes, serial, after, label: variant } of variants) {
    if (only !== undefined && !variant.includes(only)) continue;
    const latencies = run(applyEarly, writes, serial, disturbance, after);
    const label = `${disturbance === 'none' ? 'steady disks' : `${disturbance} of ${stallMs} ms every ~${stallEveryMs} ms per node`}, ${variant}`;
    console.log(
      `${label}: p50 ${percentile(latencies, 50)}, p99 ${percentile(latencies, 99)}, p99.9 ${percentile(latencies, 99.9)}, max ${latencies.at(-1)} (${latencies.length} proposals)`,
    );
  }
}
