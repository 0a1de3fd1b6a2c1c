// The KIP-848 consumer protocol (group.protocol=consumer) through node-rdkafka 3.6.1, whose bundled
// librdkafka 2.12 speaks it, against a real `pyralog start` process. Members (child processes) join one by
// one and the server-side assignor shares the 6 partitions so that each is owned by exactly one member,
// handing a partition over only after its owner revoked it; records are consumed once each; a member that
// leaves (close: heartbeat with epoch -1) gives its partitions back at once. A member frozen with SIGSTOP
// past group.consumer.session.timeout.ms is fenced: the others take its partitions, and when it wakes its
// heartbeat is refused, it drops what it held and rejoins as a new member.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { killPyralog, type PyralogProcess, startPyralog } from '../../tools/pyralog-process.js';
import {
  type GroupMemberProcess,
  type MemberConfig,
  produceAcross,
  rdkafkaMember,
  sharedOnce,
  untilAll,
} from './group-member-process.js';
import { kafkaClient, withAdmin } from './kafkajs-client.js';

const PARTITIONS = 6;
const SESSION_TIMEOUT_MS = 4_000;
const BROKER_ARGS = [
  '--override',
  `group.consumer.session.timeout.ms=${SESSION_TIMEOUT_MS}`,
  '--override',
  'group.consumer.heartbeat.interval.ms=500',
  '--override',
  'offsets.topic.num.partitions=3',
];

describe('KIP-848 consumer groups through node-rdkafka (librdkafka 2.12)', () => {
  let dir: string;
  let broker: PyralogProcess;
  const started: GroupMemberProcess[] = [];
  let sequence = 0;

  const member = (config: Omit<MemberConfig, 'bootstrap'>) => {
    const m = rdkafkaMember({ bootstrap: broker.bootstrap, ...config });
    started.push(m);
    return m;
  };

  const produce = (topic: string, count: number): Promise<Set<string>> =>
    produceAcross(
      broker.bootstrap,
      topic,
      Array.from({ length: count }, () => `${topic}-${sequence++}`),
      PARTITIONS,
    );

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pyralog-kip848-'));
    broker = await startPyralog(dir, BROKER_ARGS);
    await withAdmin(kafkaClient(broker.bootstrap, 'admin', 10), (admin) =>
      admin.createTopics({
        waitForLeaders: true,
        topics: ['joins', 'fencing'].map((topic) => ({ topic, numPartitions: PARTITIONS })),
      }),
    );
  });
  after(async () => {
    await Promise.all(started.map((m) => m.kill()));
    await killPyralog(broker);
    await rm(dir, { recursive: true, force: true });
  });

  it('members joining share the partitions once, consume each record once, and a leaving member frees its own', async () => {
    const a = member({ group: 'kip848-joins', topic: 'joins', name: 'a' });
    await a.until('a owns all', () => a.owned.length === PARTITIONS);
    assert.equal(a.rebalanceEvents[0]?.protocol, 'COOPERATIVE', 'librdkafka runs the consumer protocol');
    const b = member({ group: 'kip848-joins', topic: 'joins', name: 'b', assignor: 'range' });
    await untilAll([a, b], 'a and b share', () => sharedOnce([a, b], PARTITIONS));
    // KIP-848 reconciliation is incremental: a gave up only what b got.
    const aRevoked = a.rebalanceEvents
      .filter((e) => e.event === 'revoked')
      .flatMap((e) => e.partitions ?? []);
    assert.ok(aRevoked.length > 0 && aRevoked.length < PARTITIONS, `a revoked ${aRevoked}`);
    for (const p of aRevoked) assert.ok(b.owned.includes(p));

    const c = member({ group: 'kip848-joins', topic: 'joins', name: 'c' });
    await untilAll([a, b, c], 'three share', () => sharedOnce([a, b, c], PARTITIONS));
    const values = await produce('joins', 60);
    const seen = () => [a, b, c].flatMap((m) => m.records.filter((r) => values.has(r.value ?? '')));
    await untilAll([a, b, c], 'every record', () => new Set(seen().map((r) => r.value)).size === values.size);
    assert.equal(seen().length, values.size, 'no record consumed twice');
    for (const m of [a, b, c]) {
      const partitions = new Set(m.records.filter((r) => values.has(r.value ?? '')).map((r) => r.partition));
      for (const p of partitions) assert.ok(m.owned.includes(p ?? -1), `${m.config.name} consumed ${p}`);
    }

    const bHad = b.owned;
    await b.close();
    await untilAll([a, c], 'a and c share after b left', () => sharedOnce([a, c], PARTITIONS));
    const aNew = a.rebalanceEvents.at(-1)?.owned ?? [];
    const cNew = c.rebalanceEvents.at(-1)?.owned ?? [];
    assert.deepEqual([...aNew, ...cNew].sort(), [0, 1, 2, 3, 4, 5]);
    assert.ok(bHad.length > 0);
    await Promise.all([a.close(), c.close()]);
  });

  it('a member silent past the session timeout is fenced, loses its partitions and rejoins', async () => {
    const a = member({ group: 'kip848-fencing', topic: 'fencing', name: 'fa' });
    const b = member({ group: 'kip848-fencing', topic: 'fencing', name: 'fb' });
    await untilAll([a, b], 'a and b share', () => sharedOnce([a, b], PARTITIONS));
    const bHeld = b.owned;
    b.pause();
    try {
      await a.until('a takes over after b’s session expired', () => a.owned.length === PARTITIONS, 30_000);
    } finally {
      b.resume();
    }
    const before = b.events.length;
    // Woken, b's heartbeat carries an epoch the coordinator no longer knows: b drops its partitions.
    await b.until('b gives up what it held', () =>
      b.events
        .slice(before)
        .some((e) => e.event === 'revoked' && bHeld.every((p) => e.partitions?.includes(p))),
    );
    await untilAll([a, b], 'b rejoined and they share again', () => sharedOnce([a, b], PARTITIONS));
    await Promise.all([a.close(), b.close()]);
  });
});
