// Proves what one broker is told to create, delete, lead and follow for topic creation, leader
// moves, ISR-only changes, reassignment away, deletion and re-creation under the same name.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { computeLocalReplicaChanges, type LocalReplicaChanges } from './local-replica-changes.js';
import { rec, replay, testUuid } from './metadata-fixtures.js';
import { emptyMetadataImage } from './metadata-image.js';

const A = testUuid(1);
const B = testUuid(2);

function summary(changes: LocalReplicaChanges): Record<string, string[]> {
  const name = (p: { topicName: string; partitionId: number }): string => `${p.topicName}-${p.partitionId}`;
  return {
    deletes: changes.deletes.map(name).sort(),
    leaders: changes.leaders.map((r) => `${name(r)}${r.isNew ? ' new' : ''}`).sort(),
    followers: changes.followers.map((r) => `${name(r)}${r.isNew ? ' new' : ''}`).sort(),
  };
}

const empty = emptyMetadataImage('c');
const created = replay(empty, [
  rec.topic('orders', A),
  rec.partition(A, 0, [1, 2]),
  rec.partition(A, 1, [2, 1]),
  rec.partition(A, 2, [2, 3]),
]);

describe('computeLocalReplicaChanges', () => {
  it('a new topic: broker 1 leads what it is first replica of, follows the rest it hosts', () => {
    assert.deepStrictEqual(summary(computeLocalReplicaChanges(empty, created, 1)), {
      deletes: [],
      leaders: ['orders-0 new'],
      followers: ['orders-1 new'],
    });
    assert.deepStrictEqual(summary(computeLocalReplicaChanges(empty, created, 3)), {
      deletes: [],
      leaders: [],
      followers: ['orders-2 new'],
    });
  });

  it('nothing changes for a broker when the image did not touch its partitions', () => {
    const next = replay(created, [rec.partitionChange(A, 2, { isr: [2] }), rec.registerBroker(1, 1n)]);
    assert.deepStrictEqual(summary(computeLocalReplicaChanges(created, next, 1)), {
      deletes: [],
      leaders: [],
      followers: [],
    });
  });

  it('a leader move makes the old leader a follower and the new one a leader', () => {
    const next = replay(created, [rec.partitionChange(A, 0, { leader: 2 })]);
    assert.deepStrictEqual(summary(computeLocalReplicaChanges(created, next, 1)).followers, ['orders-0']);
    assert.deepStrictEqual(summary(computeLocalReplicaChanges(created, next, 2)).leaders, ['orders-0']);
  });

  it('an ISR change is reported again to the replicas (partition epoch moved)', () => {
    const next = replay(created, [rec.partitionChange(A, 0, { isr: [1] })]);
    assert.deepStrictEqual(summary(computeLocalReplicaChanges(created, next, 1)).leaders, ['orders-0']);
    assert.deepStrictEqual(summary(computeLocalReplicaChanges(created, next, 2)).followers, ['orders-0']);
  });

  it('reassignment away deletes the replica; reassignment in creates it', () => {
    const next = replay(created, [rec.partitionChange(A, 1, { replicas: [2, 3], isr: [2, 3] })]);
    assert.deepStrictEqual(summary(computeLocalReplicaChanges(created, next, 1)).deletes, ['orders-1']);
    assert.deepStrictEqual(summary(computeLocalReplicaChanges(created, next, 3)).followers, ['orders-1 new']);
  });

  it('delete and re-create under the same name: old id deleted, new id created', () => {
    const next = replay(created, [rec.removeTopic(A), rec.topic('orders', B), rec.partition(B, 0, [1])]);
    const changes = computeLocalReplicaChanges(created, next, 1);
    assert.deepStrictEqual(summary(changes), {
      deletes: ['orders-0', 'orders-1'],
      leaders: ['orders-0 new'],
      followers: [],
    });
    assert.ok(changes.deletes.every((p) => p.topicId === A));
    assert.equal(changes.leaders[0]?.topicId, B);
  });
});
