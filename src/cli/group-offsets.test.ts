// The reset and lag arithmetic of `pyralog group` on hand-made inputs: targets clamped into the log as
// Kafka's tool clamps them, shifts refused without a committed offset, lag rows with their owners.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConsumerGroupDescription } from '../client/index.js';
import {
  NoCommittedOffsetError,
  offsetMap,
  type PartitionBounds,
  partitionLags,
  planReset,
} from './group-offsets.js';

const bounds: PartitionBounds[] = [
  { topic: 't', partition: 0, currentOffset: 5n, earliest: 2n, latest: 10n, atTimestamp: 4n },
  { topic: 't', partition: 1, currentOffset: 9n, earliest: 0n, latest: 9n, atTimestamp: -1n },
];
const newOffsets = (target: Parameters<typeof planReset>[0]) =>
  planReset(target, bounds).map((p) => p.newOffset);

test('reset targets: earliest, latest, datetime (log end when no record is that late), offset and shift clamped to the log', () => {
  assert.deepEqual(newOffsets({ kind: 'earliest' }), [2n, 0n]);
  assert.deepEqual(newOffsets({ kind: 'latest' }), [10n, 9n]);
  assert.deepEqual(newOffsets({ kind: 'datetime', timestampMs: 0 }), [4n, 9n]);
  assert.deepEqual(newOffsets({ kind: 'offset', offset: 1n }), [2n, 1n]);
  assert.deepEqual(newOffsets({ kind: 'offset', offset: 50n }), [10n, 9n]);
  assert.deepEqual(newOffsets({ kind: 'shiftBy', delta: -4n }), [2n, 5n]);
  assert.deepEqual(newOffsets({ kind: 'shiftBy', delta: 3n }), [8n, 9n]);
  assert.deepEqual(
    planReset({ kind: 'latest' }, bounds).map((p) => p.currentOffset),
    [5n, 9n],
  );
});

test('a shift of a partition without a committed offset is refused', () => {
  const uncommitted = [{ topic: 'u', partition: 3, currentOffset: null, earliest: 0n, latest: 1n }];
  assert.throws(() => planReset({ kind: 'shiftBy', delta: 1n }, uncommitted), NoCommittedOffsetError);
  assert.deepEqual(planReset({ kind: 'earliest' }, uncommitted), [
    { topic: 'u', partition: 3, currentOffset: null, newOffset: 0n },
  ]);
});

test('lag rows: owned and committed partitions, sorted, lag never negative, unknowns as null', () => {
  const group: ConsumerGroupDescription = {
    groupId: 'g',
    type: 'classic',
    state: 'Stable',
    protocolType: 'consumer',
    assignor: 'range',
    groupEpoch: null,
    coordinatorId: 1,
    error: null,
    members: [
      {
        memberId: 'm1',
        groupInstanceId: null,
        clientId: 'c1',
        clientHost: '/10.0.0.1',
        memberEpoch: null,
        subscribedTopics: ['b'],
        assignment: new Map([['b', [1, 0]]]),
        targetAssignment: null,
      },
    ],
  };
  const committed = offsetMap([
    { topic: 'b', partition: 0, offset: 7n },
    { topic: 'a', partition: 2, offset: 12n },
  ]);
  const logEnds = offsetMap([
    { topic: 'a', partition: 2, offset: 10n },
    { topic: 'b', partition: 0, offset: 9n },
    { topic: 'b', partition: 1, offset: 4n },
  ]);
  assert.deepEqual(
    partitionLags(group, committed, logEnds).map((l) => [
      l.topic,
      l.partition,
      l.currentOffset,
      l.logEndOffset,
      l.lag,
      l.memberId,
      l.host,
    ]),
    [
      ['a', 2, 12n, 10n, 0n, null, null],
      ['b', 0, 7n, 9n, 2n, 'm1', '/10.0.0.1'],
      ['b', 1, null, 4n, null, 'm1', '/10.0.0.1'],
    ],
  );
});
