// Commit latency of the Raft core and the apply path in virtual time: the deterministic simulator (no
// CPU contention, no real disk), so two variants compare exactly even on a loaded machine. 3 nodes,
// network delay 0-1 ms, a proposal every ms at the leader; the latency is from the proposal to the
// moment the leader applies it (when a client gets its answer). Each disk write (one ready(): hard
// state, entries, fsync) takes 1-2 ms, and in the "stalls" runs one node at a time also stalls now
// and then (--stall-ms for that write, on average once every --stall-every-ms per node), as a loaded
// disk does. Variants: apply through ready() only (after the local write, and behind the write in
// flight), and apply as soon as committed (RaftNode.takeCommitted, what RaftDriver does).
// Usage: node --import tsx bench/raft/sim-latency.ts [--seconds 10] [--stall-ms 25] [--stall-every-ms 500]
//        [--seed 1]

import { SimCluster } from '../../src/raft/sim/sim-cluster.js';
import { argument, percentile } from '../bench-support.js';

const seconds = Number(argument('seconds', '10'));
const stallMs = Number(argument('stall-ms', '25'));
const stallEveryMs = Number(argument('stall-every-ms', '500'));
const seed = Number(argument('seed', '1'));
const DISK_MS = 2;

function run(applyEarly: boolean, stalls: boolean): number[] {
  const cluster = new SimCluster({
    seed,
    voters: 3,
    spares: 0,
    clockDrift: 0,
    applyEarly,
    tickMs: 1,
    // The real defaults where the simulator's own differ: its 16 KiB snapshot threshold would snapshot
    // every ~130 ms here, and while one is due the leader applies only what it holds durably.
    raft: {
      electionTimeoutMs: 300,
      heartbeatIntervalMs: 50,
      appendStallTimeoutMs: 300,
      maxInflightAppends: 8,
      maxAppendBytes: 1024 * 1024,
      maxAppendEntries: 4096,
      snapshotThresholdBytes: 64 * 1024 * 1024,
      maxUncommittedEntries: 100_000,
    },
  });
  cluster.setNetwork({ lossRate: 0, duplicateRate: 0, minDelayMs: 0, maxDelayMs: 1 });
  if (!cluster.runUntil(() => cluster.leader() !== undefined, 10_000)) throw new Error('no leader');
  for (const id of cluster.ids) cluster.node(id).disk.delayMs = DISK_MS;
  const random = cluster.random.fork();
  if (stalls) {
    // Each node's disk stalls now and then: its next writes take up to stallMs for a stall's length.
    const stall = (): void => {
      const node = cluster.node(random.pick(cluster.ids));
      node.disk.delayMs = stallMs;
      cluster.schedule(stallMs, () => {
        node.disk.delayMs = DISK_MS;
      });
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
    `1 proposal/ms for ${seconds} s, seed ${seed})`,
);
for (const stalls of [false, true]) {
  for (const applyEarly of [false, true]) {
    const latencies = run(applyEarly, stalls);
    const label = `${stalls ? `stalls of ${stallMs} ms every ~${stallEveryMs} ms per node` : 'steady disks'}, ${applyEarly ? 'apply when committed (takeCommitted)' : 'apply after the local write (ready only)'}`;
    console.log(
      `${label}: p50 ${percentile(latencies, 50)}, p99 ${percentile(latencies, 99)}, p99.9 ${percentile(latencies, 99.9)}, max ${latencies.at(-1)} (${latencies.length} proposals)`,
    );
  }
}
