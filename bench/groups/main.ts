// Group coordinator benchmark against an in-process broker on disk storage (client and broker share this
// process's event loop, so the figures include the clients' own work):
// - rebalance: N members (one connection each) join an empty group with the classic protocol (JoinGroup
//   v5 twice per KIP-394, then SyncGroup; the leader assigns 12 partitions round-robin). Printed: time from
//   the last member's second JoinGroup to every member holding its SyncGroup assignment, and that time
//   minus group.initial.rebalance.delay.ms (the protocol's own wait), median and max over the runs;
// - OffsetCommit round trips/s on one connection with `--window` requests outstanding (each commit is
//   one durable __consumer_offsets append, acks=all under the default flush policy), beside a pipelined
//   ApiVersions baseline on the same connection, and the CPU time this process spent per round trip
//   (steadier than the rate when other work shares the machine).
// Prints the 1-minute load average beside the figures (the machine may be shared).
// --broker host:port measures a broker running in another process instead (e.g. `pyralog start
// --override group.initial.rebalance.delay.ms=0`), so that client and broker cost can be profiled apart;
// --only commits|rebalance runs one part.
// Usage: node --import tsx bench/groups/main.ts [--runs 5] [--delay 0] [--seconds 3] [--warmup 1] [--window 128] [--memory]
//   [--broker host:port] [--only commits|rebalance]
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { KafkaConnection } from '../../src/network/index.js';
import { ApiKey, ErrorCode } from '../../src/protocol/index.js';
import { startBroker } from '../../src/server/index.js';

const argument = (name: string, fallback: number): number => {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
};
const runs = argument('runs', 5);
const delayMs = argument('delay', 0);
const seconds = argument('seconds', 3);
const window = argument('window', 128);
const warmupSeconds = argument('warmup', 1);
const textArgument = (name: string): string | undefined => {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? undefined : process.argv[at + 1];
};
const external = textArgument('broker');
const only = textArgument('only');
const storage =
  external !== undefined ? `broker ${external}` : process.argv.includes('--memory') ? 'memory' : 'disk';
const PARTITIONS = 12;

const dir = await mkdtemp(join(tmpdir(), 'pyralog-bench-groups-'));
const broker =
  external === undefined
    ? await startBroker({
        logDirs: storage === 'memory' ? 'memory' : [dir],
        config: {
          'group.initial.rebalance.delay.ms': String(delayMs),
          'offsets.topic.num.partitions': '10',
        },
      })
    : null;
const [host, port] =
  broker === null
    ? [
        external?.slice(0, external.lastIndexOf(':')) ?? '',
        Number(external?.slice(external.lastIndexOf(':') + 1)),
      ]
    : [broker.host, broker.port];
const connect = () => KafkaConnection.connect({ host, port });
const load = () =>
  `${external !== undefined ? storage : `${storage} storage, in-process broker`}, load average ${loadavg()[0]?.toFixed(2)}`;

function joinBody(groupId: string, memberId: string) {
  return {
    groupId,
    sessionTimeoutMs: 30_000,
    rebalanceTimeoutMs: 60_000,
    memberId,
    groupInstanceId: null,
    protocolType: 'consumer',
    protocols: [{ name: 'roundrobin', metadata: Buffer.from('bench') }],
    reason: null,
  };
}

/** One rebalance of `members` fresh members; returns ms from the last second JoinGroup to the last assignment. */
async function rebalance(groupId: string, connections: readonly KafkaConnection[]): Promise<number> {
  const ids = await Promise.all(
    connections.map(async (c) => {
      const first = await c.request(ApiKey.JoinGroup, 5, joinBody(groupId, ''));
      if (first.errorCode !== ErrorCode.MEMBER_ID_REQUIRED) throw new Error(`join: ${first.errorCode}`);
      return first.memberId;
    }),
  );
  let lastJoinAt = 0;
  const assigned = await Promise.all(
    connections.map(async (c, i) => {
      const memberId = ids[i] ?? '';
      const sent = c.request(ApiKey.JoinGroup, 5, joinBody(groupId, memberId));
      lastJoinAt = performance.now();
      const joined = await sent;
      if (joined.errorCode !== ErrorCode.NONE) throw new Error(`join: ${joined.errorCode}`);
      const assignments =
        joined.leader === memberId
          ? joined.members.map((m, index) => ({
              memberId: m.memberId,
              assignment: Buffer.from(
                Array.from({ length: PARTITIONS }, (_, p) => p)
                  .filter((p) => p % joined.members.length === index)
                  .join(','),
              ),
            }))
          : [];
      const synced = await c.request(ApiKey.SyncGroup, 3, {
        groupId,
        generationId: joined.generationId,
        memberId,
        groupInstanceId: null,
        protocolType: null,
        protocolName: null,
        assignments,
      });
      if (synced.errorCode !== ErrorCode.NONE) throw new Error(`sync: ${synced.errorCode}`);
      return performance.now();
    }),
  );
  return Math.max(...assigned) - lastJoinAt;
}

async function rebalanceFigures(members: number): Promise<void> {
  const connections = await Promise.all(Array.from({ length: members }, connect));
  const times: number[] = [];
  try {
    for (let run = 0; run < runs; run++) times.push(await rebalance(`bench-${members}-${run}`, connections));
  } finally {
    await Promise.all(connections.map((c) => c.close()));
  }
  times.sort((a, b) => a - b);
  const median = times[Math.floor(times.length / 2)] ?? Number.NaN;
  const max = times.at(-1) ?? Number.NaN;
  console.log(
    `rebalance ${members} members, last JoinGroup to all assigned: median ${median.toFixed(1)} ms, max ${max.toFixed(1)} ms; beyond group.initial.rebalance.delay.ms=${delayMs}: median ${(median - delayMs).toFixed(1)} ms, max ${(max - delayMs).toFixed(1)} ms (${runs} runs, ${load()})`,
  );
}

/**
 * Keeps `window` requests outstanding for `warmup` seconds, then for `seconds`; returns completed requests per second and this
 * process's CPU time (user + system) per request in µs, which a loaded machine distorts far less.
 */
async function pipelined(
  operation: (n: number) => Promise<unknown>,
): Promise<{ rate: number; cpuUs: number }> {
  // Unmeasured first: the JIT's optimising compiles (CPU time of this process too) settle meanwhile.
  const warmUntil = performance.now() + warmupSeconds * 1000;
  let warmed = 0;
  const warmLane = async (): Promise<void> => {
    while (performance.now() < warmUntil) await operation(warmed++);
  };
  await Promise.all(Array.from({ length: window }, warmLane));
  let completed = 0;
  const deadline = performance.now() + seconds * 1000;
  const start = performance.now();
  const cpuBefore = process.cpuUsage();
  const lane = async (): Promise<void> => {
    while (performance.now() < deadline) {
      await operation(completed);
      completed += 1;
    }
  };
  await Promise.all(Array.from({ length: window }, lane));
  const cpu = process.cpuUsage(cpuBefore);
  return {
    rate: completed / ((performance.now() - start) / 1000),
    cpuUs: (cpu.user + cpu.system) / completed,
  };
}

async function commitFigures(): Promise<void> {
  const connection = await connect();
  try {
    const found = await connection.request(ApiKey.FindCoordinator, 4, {
      key: '',
      keyType: 0,
      coordinatorKeys: ['bench-commits'],
    });
    if (found.coordinators[0]?.errorCode !== ErrorCode.NONE) throw new Error('no coordinator');
    const commit = (n: number) =>
      connection
        .request(ApiKey.OffsetCommit, 8, {
          groupId: 'bench-commits',
          generationIdOrMemberEpoch: -1,
          memberId: '',
          groupInstanceId: null,
          retentionTimeMs: -1n,
          topics: [
            {
              name: 'bench-topic',
              partitions: [
                {
                  partitionIndex: n % PARTITIONS,
                  committedOffset: BigInt(n),
                  committedLeaderEpoch: -1,
                  commitTimestamp: -1n,
                  committedMetadata: null,
                },
              ],
            },
          ],
        })
        .then((r) => {
          const code = r.topics[0]?.partitions[0]?.errorCode;
          if (code !== ErrorCode.NONE) throw new Error(`commit: ${code}`);
        });
    await commit(0);
    const baseline = await pipelined(() =>
      connection.request(ApiKey.ApiVersions, 3, { clientSoftwareName: 'bench', clientSoftwareVersion: '1' }),
    );
    const commits = await pipelined(commit);
    const where = external === undefined ? 'client and broker' : 'client only';
    console.log(
      `OffsetCommit v8 round trips/s, 1 connection, window ${window}: ${commits.rate.toFixed(0)} (ApiVersions baseline ${baseline.rate.toFixed(0)}; ${seconds} s each, ${load()})`,
    );
    console.log(
      `CPU per round trip (this process: ${where}): OffsetCommit ${commits.cpuUs.toFixed(1)} µs, ApiVersions ${baseline.cpuUs.toFixed(1)} µs`,
    );
  } finally {
    await connection.close();
  }
}

try {
  if (only !== 'commits') {
    await rebalanceFigures(3);
    await rebalanceFigures(50);
  }
  if (only !== 'rebalance') await commitFigures();
} finally {
  await broker?.stop();
  await rm(dir, { recursive: true, force: true });
}
