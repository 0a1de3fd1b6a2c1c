// KIP-848 scenarios (join, a second member causing revocation before reassignment, leave, fencing, session expiry)
// and a seeded random driver checking that no partition is ever held by two members, as the coordinator sees it
// and as the clients see it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ConsumerGroupHeartbeatRequest, ErrorCode } from '../../../protocol/index.js';
import { SeededRandom } from '../../../testing/index.js';
import { DEFAULT_GROUP_COORDINATOR_CONFIG, type TopicCatalog, type TopicInfo } from '../group-config.js';
import { ConsumerGroupCoordinator } from './consumer-group-coordinator.js';

const topicList: TopicInfo[] = [
  { topicId: 'T1', name: 'orders', partitionCount: 6 },
  { topicId: 'T2', name: 'payments', partitionCount: 3 },
];
const catalog: TopicCatalog = {
  byName: (name) => topicList.find((t) => t.name === name),
  byId: (id) => topicList.find((t) => t.topicId === id),
  names: () => topicList.map((t) => t.name),
};

function setup() {
  let n = 0;
  const cg = new ConsumerGroupCoordinator(DEFAULT_GROUP_COORDINATOR_CONFIG, () => `m${++n}`, 100);
  const client = { clientId: 'c', clientHost: '/h' };
  const hb = (fields: Partial<ConsumerGroupHeartbeatRequest>, nowMs = 0) =>
    cg.heartbeat(
      {
        groupId: 'g',
        memberId: '',
        memberEpoch: 0,
        instanceId: null,
        rackId: null,
        rebalanceTimeoutMs: 60_000,
        subscribedTopicNames: null,
        subscribedTopicRegex: null,
        serverAssignor: null,
        topicPartitions: null,
        ...fields,
      },
      client,
      catalog,
      nowMs,
    );
  return { cg, hb };
}

const count = (a: { topicPartitions: Array<{ partitions: number[] }> } | null) =>
  a?.topicPartitions.reduce((s, t) => s + t.partitions.length, 0) ?? -1;

describe('KIP-848 consumer group', () => {
  it('a first member gets every partition at epoch 1', () => {
    const { hb } = setup();
    const r = hb({ subscribedTopicNames: ['orders'] });
    assert.equal(r.errorCode, ErrorCode.NONE);
    assert.equal(r.memberId, 'm1');
    assert.equal(r.memberEpoch, 1);
    assert.equal(count(r.assignment), 6);
  });

  it('a second member gets partitions only after the first acknowledged revoking them', () => {
    const { hb, cg } = setup();
    const a = hb({ subscribedTopicNames: ['orders'] });
    const b = hb({ subscribedTopicNames: ['orders'] });
    assert.equal(b.memberEpoch, 2);
    assert.equal(count(b.assignment), 0, 'nothing free yet');
    const aRevoke = hb({ memberId: 'm1', memberEpoch: a.memberEpoch });
    assert.equal(aRevoke.memberEpoch, 1, 'epoch held until revocation is acknowledged');
    assert.equal(count(aRevoke.assignment), 3);
    assert.equal(count(hb({ memberId: 'm2', memberEpoch: 2 }).assignment ?? { topicPartitions: [] }), 0);
    const kept = aRevoke.assignment?.topicPartitions ?? [];
    const aAck = hb({ memberId: 'm1', memberEpoch: 1, topicPartitions: kept });
    assert.equal(aAck.memberEpoch, 2);
    const bNow = hb({ memberId: 'm2', memberEpoch: 2 });
    assert.equal(count(bNow.assignment), 3);
    assert.equal(cg.describe('g', catalog).groupState, 'Stable');
  });

  it('leave (-1) releases partitions; an unknown member or a wrong epoch is refused', () => {
    const { hb } = setup();
    hb({ subscribedTopicNames: ['orders'] });
    hb({ subscribedTopicNames: ['orders'] });
    assert.equal(hb({ memberId: 'm1', memberEpoch: -1 }).memberEpoch, -1);
    assert.equal(count(hb({ memberId: 'm2', memberEpoch: 2 }).assignment), 6);
    assert.equal(hb({ memberId: 'm1', memberEpoch: 3 }).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
    assert.equal(hb({ memberId: 'm2', memberEpoch: 7 }).errorCode, ErrorCode.FENCED_MEMBER_EPOCH);
  });

  it('a static member leaving with -2 and rejoining keeps its partitions; a live duplicate instance is refused', () => {
    const { hb } = setup();
    const a = hb({ subscribedTopicNames: ['orders'], instanceId: 'i1' });
    assert.equal(
      hb({ subscribedTopicNames: ['orders'], instanceId: 'i1' }).errorCode,
      ErrorCode.UNRELEASED_INSTANCE_ID,
    );
    assert.equal(hb({ memberId: 'm1', memberEpoch: -2 }).memberEpoch, -2);
    const back = hb({ subscribedTopicNames: ['orders'], instanceId: 'i1' }, 1_000);
    assert.equal(back.errorCode, ErrorCode.NONE);
    assert.equal(back.memberEpoch, a.memberEpoch, 'no new epoch');
    assert.equal(count(back.assignment), 6);
  });

  it('a static member back while revoking: new id at the assignment epoch, its pending revocations released at once (KIP-848)', () => {
    const { hb, cg } = setup();
    const a = hb({ subscribedTopicNames: ['orders'], instanceId: 'i1' });
    hb({ subscribedTopicNames: ['orders'] });
    const revoking = hb({ memberId: 'm1', memberEpoch: a.memberEpoch });
    assert.equal(revoking.memberEpoch, 1, 'm1 is asked to revoke and keeps epoch 1');
    assert.equal(count(revoking.assignment), 3);
    assert.equal(hb({ memberId: 'm1', memberEpoch: -2 }).memberEpoch, -2);
    const back = hb({ subscribedTopicNames: ['orders'], instanceId: 'i1' }, 1_000);
    assert.equal(back.errorCode, ErrorCode.NONE);
    assert.equal(back.memberId, 'm3');
    assert.equal(back.memberEpoch, 2, 'the assignment epoch, not its predecessor epoch 1');
    assert.equal(count(back.assignment), 3, 'the partitions its predecessor kept');
    const member = cg.groups.get('g')?.members.get('m3');
    assert.equal(member?.pendingRevocation.size, 0);
    assert.equal(cg.groups.get('g')?.members.has('m1'), false);
    assert.equal(hb({ memberId: 'm1', memberEpoch: 1 }, 1_000).errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
    const other = hb({ memberId: 'm2', memberEpoch: 2 }, 1_000);
    assert.equal(count(other.assignment), 3, 'what the predecessor was revoking is free at once');
    assert.equal(hb({ memberId: 'm3', memberEpoch: 2 }, 1_000).errorCode, ErrorCode.NONE);
  });

  it('a silent member is removed after the session timeout and its partitions go to the others', () => {
    const { hb, cg } = setup();
    hb({ subscribedTopicNames: ['orders'] });
    hb({ subscribedTopicNames: ['orders'] });
    const interval = 40_000;
    hb({ memberId: 'm2', memberEpoch: 2 }, interval);
    cg.tick(46_000, catalog);
    const r = hb({ memberId: 'm2', memberEpoch: 2 }, 46_000);
    assert.equal(count(r.assignment), 6);
  });

  it('random joins, leaves, heartbeats, acknowledgements and ticks never give a partition to two members', () => {
    for (let seed = 1; seed <= 30; seed++) {
      const random = new SeededRandom(seed);
      const { cg, hb } = setup();
      const clients = new Map<
        string,
        { epoch: number; owned: Array<{ topicId: string; partitions: number[] }> }
      >();
      let now = 0;
      for (let step = 0; step < 300; step++) {
        now += random.between(0, 3_000);
        const roll = random.nextInt(10);
        const ids = [...clients.keys()];
        if (roll === 0 || ids.length === 0) {
          const subs = random.chance(0.5) ? ['orders'] : ['orders', 'payments'];
          const r = hb(
            { subscribedTopicNames: subs, serverAssignor: random.chance(0.5) ? 'range' : 'uniform' },
            now,
          );
          if (r.errorCode === ErrorCode.NONE && r.memberId !== null)
            clients.set(r.memberId, { epoch: r.memberEpoch, owned: r.assignment?.topicPartitions ?? [] });
        } else if (roll === 1) {
          const id = random.pick(ids);
          hb({ memberId: id, memberEpoch: -1 }, now);
          clients.delete(id);
        } else if (roll === 2) {
          cg.tick(now + random.between(0, 50_000), catalog);
        } else {
          const id = random.pick(ids);
          const c = clients.get(id);
          if (c === undefined) continue;
          const r = hb(
            { memberId: id, memberEpoch: c.epoch, topicPartitions: random.chance(0.8) ? c.owned : null },
            now,
          );
          if (r.errorCode !== ErrorCode.NONE) clients.delete(id);
          else clients.set(id, { epoch: r.memberEpoch, owned: r.assignment?.topicPartitions ?? c.owned });
        }
        const group = cg.groups.get('g');
        const held = new Set<string>();
        for (const m of group?.members.values() ?? []) {
          for (const p of [...m.assigned, ...m.pendingRevocation]) {
            assert.ok(!held.has(p), `seed=${seed} step=${step}: ${p} held twice`);
            held.add(p);
          }
        }
        // Clients the coordinator still knows never believe they own the same partition.
        const believed = new Set<string>();
        for (const [id, c] of clients) {
          if (!group?.members.has(id)) continue;
          for (const t of c.owned)
            for (const p of t.partitions) {
              const key = `${t.topicId}:${p}`;
              assert.ok(!believed.has(key), `seed=${seed} step=${step}: clients share ${key}`);
              believed.add(key);
            }
        }
      }
    }
  });
});
