// offsets.retention.minutes against open transactions: drives GroupCoordinator (virtual clock, writes
// confirmed at once) and checks that an offset with a pending TxnOffsetCommit, and the group holding
// it, outlive the retention until the transaction's marker, as Kafka's OffsetMetadataManager keeps them.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { GroupHarness } from './group-harness.test-support.js';

const RETENTION_MS = 60_000;

function txnCommit(h: GroupHarness, groupId: string, topic: string, partition: number, offset: bigint) {
  h.coordinator.txnOffsetCommit(
    {
      transactionalId: 't',
      groupId,
      producerId: 7n,
      producerEpoch: 0,
      generationId: -1,
      memberId: '',
      groupInstanceId: null,
      topics: [
        {
          name: topic,
          partitions: [
            {
              partitionIndex: partition,
              committedOffset: offset,
              committedLeaderEpoch: -1,
              committedMetadata: null,
            },
          ],
        },
      ],
    },
    { requestId: h.nextRequestId(), version: 3 },
    h.nowMs,
  );
  h.pump();
}

function expire(h: GroupHarness): void {
  h.coordinator.expireOffsets(h.nowMs);
  h.pump();
}

it('an offset with a pending transactional commit does not expire, nor does its group, until the marker', () => {
  const h = new GroupHarness({ offsetsRetentionMs: RETENTION_MS });
  h.commit({ groupId: 'g' }, [
    ['t', 0, 10n],
    ['t', 1, 20n],
  ]);
  txnCommit(h, 'g', 't', 0, 15n);
  h.nowMs += RETENTION_MS + 1;
  expire(h);
  // Partition 1 has nothing pending: it expires. Partition 0 stays, and so does the group.
  assert.equal(h.coordinator.offsets.get('g', 't', 1), undefined);
  assert.equal(h.coordinator.offsets.get('g', 't', 0)?.offset, 10n);
  assert.equal(h.coordinator.groups.get('g')?.kind, 'empty');
  assert.ok(!h.log.some((r) => r.kind === 'groupMetadata' && r.value === null), 'no group tombstone');
  h.coordinator.completeTransaction(7n, true, () => true, h.nowMs);
  assert.equal(h.coordinator.offsets.get('g', 't', 0)?.offset, 15n, 'the committed transaction wins');
  // Once the transaction ended the offset expires like any other (counted from its commit).
  h.nowMs += RETENTION_MS + 1;
  expire(h);
  assert.equal(h.coordinator.offsets.get('g', 't', 0), undefined);
  assert.equal(h.coordinator.groups.has('g'), false, 'the empty group without offsets is removed');
});

it('a group whose every offset expired keeps living while a transaction holds offsets of it', () => {
  const h = new GroupHarness({ offsetsRetentionMs: RETENTION_MS });
  h.commit({ groupId: 'g' }, [['t', 0, 10n]]);
  txnCommit(h, 'g', 'other', 3, 1n);
  h.nowMs += RETENTION_MS + 1;
  expire(h);
  assert.equal(
    h.coordinator.offsets.get('g', 't', 0),
    undefined,
    'the partition without a pending offset expired',
  );
  assert.equal(h.coordinator.groups.get('g')?.kind, 'empty', 'not Dead, not removed');
  h.coordinator.completeTransaction(7n, false, () => true, h.nowMs);
  h.nowMs += 1;
  expire(h);
  assert.equal(h.coordinator.offsets.count('g'), 0, 'an aborted transaction brings no offset back');
  assert.equal(h.coordinator.groups.has('g'), false, 'the empty group without offsets is removed');
});
