// confluent-kafka-python 1.7.0 (librdkafka 2.0.2) consumer groups against a real `pyralog start` process.
// For each of the range, roundrobin and cooperative-sticky assignors: a first member takes all 6
// partitions, a second joins and the group rebalances so that each partition is owned by exactly one
// member (cooperative-sticky: the first member gives up only what moves), records produced then are
// consumed exactly once each and each partition by one member; the second closes (LeaveGroup) and the
// first owns everything again. A static member (group.instance.id) SIGKILLed and restarted within its
// session timeout gets its partitions back without a rebalance: the other member sees no callback.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { killPyralog, type PyralogProcess, startPyralog } from '../../tools/pyralog-process.js';
import {
  confluentMember,
  type GroupMemberProcess,
  type MemberConfig,
  produceAcross,
  sharedOnce,
  untilAll,
} from './group-member-process.js';
import { kafkaClient, withAdmin } from './kafkajs-client.js';

const PARTITIONS = 6;
const BROKER_ARGS = [
  '--override',
  'group.initial.rebalance.delay.ms=0',
  '--override',
  'group.min.session.timeout.ms=1000',
  '--override',
  'offsets.topic.num.partitions=3',
];

describe('confluent-kafka-python consumer groups against pyralog start', () => {
  let dir: string;
  let broker: PyralogProcess;
  const started: GroupMemberProcess[] = [];
  let sequence = 0;

  const member = (config: Omit<MemberConfig, 'bootstrap'>) => {
    const m = confluentMember({ bootstrap: broker.bootstrap, ...config });
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

  /** Every value consumed exactly once, and each partition's records by one member only. */
  async function consumedOnce(members: readonly GroupMemberProcess[], values: Set<string>): Promise<void> {
    const seen = () => members.flatMap((m) => m.records.filter((r) => values.has(r.value ?? '')));
    await untilAll(
      members,
      `${values.size} records`,
      () => new Set(seen().map((r) => r.value)).size === values.size,
    );
    assert.equal(seen().length, values.size, 'no record consumed twice');
    const byPartition = new Map<number, Set<string>>();
    for (const m of members) {
      for (const r of m.records.filter((r) => values.has(r.value ?? ''))) {
        const owners = byPartition.get(r.partition ?? -1) ?? new Set<string>();
        owners.add(m.config.name);
        byPartition.set(r.partition ?? -1, owners);
      }
    }
    for (const [partition, owners] of byPartition)
      assert.equal(owners.size, 1, `partition ${partition}: ${[...owners]}`);
  }

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pyralog-confluent-groups-'));
    broker = await startPyralog(dir, BROKER_ARGS);
    await withAdmin(kafkaClient(broker.bootstrap, 'admin', 10), (admin) =>
      admin.createTopics({
        waitForLeaders: true,
        topics: ['range', 'roundrobin', 'cooperative-sticky', 'static'].map((topic) => ({
          topic,
          numPartitions: PARTITIONS,
        })),
      }),
    );
  });
  after(async () => {
    await Promise.all(started.map((m) => m.kill()));
    await killPyralog(broker);
    await rm(dir, { recursive: true, force: true });
  });

  for (const assignor of ['range', 'roundrobin', 'cooperative-sticky'] as const) {
    it(`${assignor}: partitions shared once, rebalanced on join and on leave`, async () => {
      const group = `group-${assignor}`;
      const a = member({ group, topic: assignor, assignor, name: `${assignor}-a` });
      await a.until('a owns all', () => a.owned.length === PARTITIONS);
      const b = member({ group, topic: assignor, assignor, name: `${assignor}-b` });
      await untilAll([a, b], 'a and b share the partitions', () => sharedOnce([a, b], PARTITIONS));
      if (assignor === 'cooperative-sticky') {
        // Incremental rebalancing: a never gave up everything, only what b got.
        const revoked = a.rebalanceEvents
          .filter((e) => e.event === 'revoked')
          .flatMap((e) => e.partitions ?? []);
        assert.ok(revoked.length < PARTITIONS, `a revoked ${revoked}`);
        for (const p of revoked) assert.ok(b.owned.includes(p), `a revoked ${p}, which b does not own`);
      }
      await consumedOnce([a, b], await produce(assignor, 60));
      await b.close();
      await a.until('a owns all again', () => a.owned.length === PARTITIONS);
      await a.close();
    });
  }

  it('a static member restarted within its session timeout gets its partitions back without a rebalance', async () => {
    const common = { group: 'group-static', topic: 'static', assignor: 'range', sessionMs: 20_000 } as const;
    const a = member({ ...common, name: 'static-a', instance: 'instance-a' });
    const b = member({ ...common, name: 'static-b', instance: 'instance-b' });
    await untilAll([a, b], 'a and b share the partitions', () => sharedOnce([a, b], PARTITIONS));
    await consumedOnce([a, b], await produce('static', 12));
    const aOwned = a.owned;
    const bCallbacks = b.rebalanceEvents.length;
    await a.kill();
    const again = member({ ...common, name: 'static-a', instance: 'instance-a' });
    await again.until('the restarted a owns its partitions', () => again.owned.length > 0);
    assert.deepEqual(again.owned, aOwned, 'the same partitions as before the restart');
    // Records on every partition: both consume theirs, so b has heartbeated through a's return.
    const values = await produce('static', 12);
    const fresh = (m: GroupMemberProcess) => m.records.filter((r) => values.has(r.value ?? ''));
    await untilAll([again, b], 'both consumed', () => fresh(again).length + fresh(b).length === values.size);
    assert.equal(
      b.rebalanceEvents.length,
      bCallbacks,
      `b saw a rebalance: ${JSON.stringify(b.rebalanceEvents)}`,
    );
    assert.ok(fresh(again).every((r) => aOwned.includes(r.partition ?? -1)));
    await Promise.all([again.close(), b.close()]);
  });
});
