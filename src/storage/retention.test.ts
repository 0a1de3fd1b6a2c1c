import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type SegmentFacts, selectSegmentsToDelete } from './retention.js';

const segment = (baseOffset: number, sizeInBytes: number, maxTimestamp = 1_000): SegmentFacts => ({
  baseOffset: BigInt(baseOffset),
  sizeInBytes,
  maxTimestamp: BigInt(maxTimestamp),
  rollingBaseMs: 0,
});
const DELETE = { retentionMs: -1, retentionBytes: -1, cleanupPolicy: ['compact', 'delete'] } as const;

describe('selectSegmentsToDelete', () => {
  it('deletes an older segment that compaction emptied, by size and by time, instead of stopping there', () => {
    // Found by the PartitionLog model test: [2 records, emptied by compaction, active] kept everything.
    const segments = [segment(0, 700), segment(10, 0, -1), segment(15, 1_600)];
    assert.deepEqual(selectSegmentsToDelete(segments, { ...DELETE, retentionBytes: 1_000 }, 10_000, 0n), {
      count: 2,
      reason: 'retention.bytes',
    });
    assert.deepEqual(selectSegmentsToDelete(segments, { ...DELETE, retentionMs: 5_000 }, 10_000, 0n), {
      count: 3,
      reason: 'retention.ms',
    });
  });

  it('never counts an empty active segment', () => {
    const segments = [segment(0, 700), segment(10, 0, -1)];
    assert.deepEqual(selectSegmentsToDelete(segments, { ...DELETE, retentionBytes: 0 }, 10_000, 0n), {
      count: 1,
      reason: 'retention.bytes',
    });
    assert.deepEqual(selectSegmentsToDelete(segments, { ...DELETE, retentionMs: 5_000 }, 10_000, 0n), {
      count: 1,
      reason: 'retention.ms',
    });
  });

  it('keeps what a compact-only topic holds above the log start offset', () => {
    const segments = [segment(0, 700), segment(10, 0, -1), segment(15, 1_600)];
    const compactOnly = { ...DELETE, retentionBytes: 0, retentionMs: 0, cleanupPolicy: ['compact'] } as const;
    assert.deepEqual(selectSegmentsToDelete(segments, compactOnly, 10_000, 12n), {
      count: 1,
      reason: 'logStartOffset',
    });
  });
});
