// Persistence of KIP-848 groups: a seeded random run of heartbeats, leaves (static ones too), expiries and
// deletions writes its records through the real codec, the writes completing later and some failing (the
// change and those built on it undone, a repair written); replaying everything that landed must rebuild
// every group as the coordinator holds it (epochs, previous epochs, target, assignments, revocations,
// subscriptions) whenever no write is outstanding.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ConsumerGroupHeartbeatRequest, ErrorCode, uuidFromBytes } from '../../../protocol/index.js';
import { SeededRandom } from '../../../testing/index.js';
import { DEFAULT_GROUP_COORDINATOR_CONFIG, type TopicCatalog, type TopicInfo } from '../group-config.js';
import { decodeGroupRecord, encodeGroupRecord } from '../group-record-codec.js';
import { ConsumerGroupCoordinator, type ConsumerGroupWrite } from './consumer-group-coordinator.js';
import { type ConsumerGroupRecord, loadConsumerGroups } from './consumer-group-records.js';
import type { ConsumerGroup } from './consumer-group-state.js';

const topicId = (n: number) => uuidFromBytes(Buffer.alloc(16, n), 0);
const topicList: TopicInfo[] = [
  { topicId: topicId(1), name: 'orders', partitionCount: 6 },
  { topicId: topicId(2), name: 'payments', partitionCount: 3 },
  { topicId: topicId(3), name: 'orders-eu', partitionCount: 2 },
];
const catalog: TopicCatalog = {
  byName: (name) => topicList.find((t) => t.name === name),
  byId: (id) => topicList.find((t) => t.topicId === id),
  names: () => topicList.map((t) => t.name),
};

/** The part of a group that must survive a restart (sessions and what was last sent restart by design). */
function durable(group: ConsumerGroup): unknown {
  const sorted = (set: ReadonlySet<string>) => [...set].sort();
  return {
    groupEpoch: group.groupEpoch,
    assignmentEpoch: group.assignmentEpoch,
    subscriptionMetadata: group.subscriptionMetadata,
    target: [...group.target].map(([id, set]) => [id, sorted(set)]).sort(),
    members: [...group.members.values()]
      .map((m) => ({
        memberId: m.memberId,
        instanceId: m.instanceId,
        rackId: m.rackId,
        clientId: m.clientId,
        subscribedTopicNames: m.subscribedTopicNames,
        subscribedTopicRegex: m.subscribedTopicRegex,
        serverAssignor: m.serverAssignor,
        rebalanceTimeoutMs: m.rebalanceTimeoutMs,
        memberEpoch: m.memberEpoch,
        previousMemberEpoch: m.previousMemberEpoch,
        isLeavingStatic: m.isLeavingStatic,
        assigned: sorted(m.assigned),
        pendingRevocation: sorted(m.pendingRevocation),
      }))
      .sort((a, b) => (a.memberId < b.memberId ? -1 : 1)),
  };
}

describe('KIP-848 group records', () => {
  it('replaying what was written rebuilds every group, step after step', () => {
    for (let seed = 1; seed <= 15; seed++) {
      const random = new SeededRandom(seed);
      let n = 0;
      const cg = new ConsumerGroupCoordinator(DEFAULT_GROUP_COORDINATOR_CONFIG, () => `m${++n}`, 100);
      const log: ConsumerGroupRecord[] = [];
      const pending: ConsumerGroupWrite[] = [];
      const land = (write: ConsumerGroupWrite) => {
        for (const record of write.records) {
          const encoded = encodeGroupRecord(record);
          const decoded = decodeGroupRecord(encoded.key, encoded.value);
          assert.ok(decoded !== null && decoded.kind !== 'groupMetadata' && decoded.kind !== 'offsetCommit');
          log.push(decoded);
        }
      };
      const clients = new Map<
        string,
        { groupId: string; epoch: number; owned: ConsumerGroupHeartbeatRequest['topicPartitions'] }
      >();
      let now = 0;
      for (let step = 0; step < 150; step++) {
        now += random.between(0, 3_000);
        const roll = random.nextInt(12);
        const ids = [...clients.keys()];
        const base = {
          memberId: '',
          memberEpoch: 0,
          instanceId: null,
          rackId: null,
          rebalanceTimeoutMs: 60_000,
          subscribedTopicNames: null,
          subscribedTopicRegex: null,
          serverAssignor: null,
          topicPartitions: null,
        };
        if (roll === 0 || ids.length === 0) {
          const groupId = random.chance(0.7) ? 'g1' : 'g2';
          const regex = random.chance(0.3) ? 'orders.*' : null;
          const r = cg.heartbeat(
            {
              ...base,
              groupId,
              instanceId: random.chance(0.3) ? `i${random.nextInt(3)}` : null,
              rackId: random.chance(0.5) ? 'rack-a' : null,
              subscribedTopicNames:
                regex === null ? ['orders', 'payments'].slice(0, 1 + random.nextInt(2)) : null,
              subscribedTopicRegex: regex,
              serverAssignor: random.chance(0.5) ? 'range' : null,
            },
            { clientId: 'c', clientHost: '/h' },
            catalog,
            now,
          );
          if (r.errorCode === ErrorCode.NONE && r.memberId !== null)
            clients.set(r.memberId, {
              groupId,
              epoch: r.memberEpoch,
              owned: r.assignment?.topicPartitions ?? [],
            });
        } else if (roll === 1) {
          const id = random.pick(ids);
          const c = clients.get(id);
          if (c === undefined) continue;
          cg.heartbeat(
            { ...base, groupId: c.groupId, memberId: id, memberEpoch: random.chance(0.5) ? -1 : -2 },
            { clientId: 'c', clientHost: '/h' },
            catalog,
            now,
          );
          clients.delete(id);
        } else if (roll === 2) {
          cg.tick(now + random.between(0, 70_000), catalog);
        } else if (roll === 3) {
          for (const [groupId, group] of cg.groups)
            if (group.members.size === 0) cg.deleteGroup(groupId, catalog);
        } else {
          const id = random.pick(ids);
          const c = clients.get(id);
          if (c === undefined) continue;
          const r = cg.heartbeat(
            {
              ...base,
              groupId: c.groupId,
              memberId: id,
              memberEpoch: c.epoch,
              topicPartitions: random.chance(0.8) ? c.owned : null,
            },
            { clientId: 'c', clientHost: '/h' },
            catalog,
            now,
          );
          if (r.errorCode !== ErrorCode.NONE) clients.delete(id);
          else
            clients.set(id, { ...c, epoch: r.memberEpoch, owned: r.assignment?.topicPartitions ?? c.owned });
        }
        // Writes complete later, in order; some fail. A failure undoes its change and every later one
        // of the group (whose records may still land or not), and the repair it writes lands after them.
        pending.push(...cg.takeWrites());
        if (random.chance(0.6)) continue;
        const superseded = new Set<ConsumerGroupWrite>();
        while (pending.length > 0) {
          const write = pending.shift()!;
          const fails = superseded.has(write) ? random.chance(0.5) : !write.isRepair && random.chance(0.15);
          if (!fails) {
            land(write);
            continue;
          }
          if (superseded.has(write)) continue;
          for (const later of pending) if (later.groupId === write.groupId) superseded.add(later);
          cg.revert(write, catalog);
          pending.push(...cg.takeWrites());
        }
        const loaded = loadConsumerGroups(log, {
          nowMs: now,
          sessionTimeoutMs: 45_000,
          defaultAssignor: 'uniform',
        });
        assert.deepEqual(
          [...loaded.keys()].sort(),
          [...cg.groups.keys()].sort(),
          `seed=${seed} step=${step}`,
        );
        for (const [groupId, group] of cg.groups) {
          const again = loaded.get(groupId);
          assert.ok(again !== undefined);
          assert.deepEqual(durable(again), durable(group), `seed=${seed} step=${step} group=${groupId}`);
        }
      }
    }
  });

  it('a failed write that nothing was built on is undone in memory only', () => {
    const cg = new ConsumerGroupCoordinator(DEFAULT_GROUP_COORDINATOR_CONFIG, () => 'm1', 100);
    const join = {
      groupId: 'g',
      memberId: '',
      memberEpoch: 0,
      instanceId: null,
      rackId: null,
      rebalanceTimeoutMs: 60_000,
      subscribedTopicNames: ['orders'],
      subscribedTopicRegex: null,
      serverAssignor: null,
      topicPartitions: null,
    };
    cg.heartbeat(join, { clientId: 'c', clientHost: '/h' }, catalog, 0);
    const [write] = cg.takeWrites();
    assert.ok(write !== undefined);
    cg.revert(write, catalog);
    assert.equal(cg.groups.has('g'), false);
    assert.deepEqual(cg.takeWrites(), [], 'nothing was built on it: the log needs no repair');
  });
});
