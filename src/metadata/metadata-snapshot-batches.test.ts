// Proves that a metadata snapshot framed as KRaft's snapshot batches reads back equal, and that
// damage is caught: every truncation, and every single flipped byte either raises
// MetadataSnapshotCorruptError or (outside what the CRC covers, e.g. a batch's leader epoch)
// leaves the content unchanged.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { MetadataSnapshotCorruptError } from './metadata-errors.js';
import { replay } from './metadata-fixtures.js';
import { emptyMetadataImage } from './metadata-image.js';
import { takeMetadataSnapshot } from './metadata-snapshot.js';
import { decodeMetadataSnapshotBatches, encodeMetadataSnapshotBatches } from './metadata-snapshot-batches.js';
import { opsArbitrary, validRecords } from './valid-records.test-support.js';

const FRAME = { lastContainedLogTimestamp: 1_700_000_000_000n, nowMs: 1_700_000_000_500n };

function decodeOrError(bytes: Buffer, provenance: { lastAppliedOffset: bigint; lastAppliedEpoch: number }) {
  try {
    return decodeMetadataSnapshotBatches(bytes, provenance);
  } catch (error: unknown) {
    assert.ok(error instanceof MetadataSnapshotCorruptError, `unexpected ${String(error)}`);
    return error;
  }
}

describe('metadata snapshot batches', () => {
  it('round-trips random images, and an empty record list', () => {
    fc.assert(
      fc.property(opsArbitrary, (ops) => {
        const snapshot = takeMetadataSnapshot(replay(emptyMetadataImage('c'), validRecords(ops)));
        const provenance = { lastAppliedOffset: 41n, lastAppliedEpoch: 3 };
        const bytes = encodeMetadataSnapshotBatches({ ...snapshot, provenance }, FRAME);
        assert.deepStrictEqual(decodeMetadataSnapshotBatches(bytes, provenance), {
          provenance,
          records: snapshot.records,
        });
      }),
      { numRuns: 100 },
    );
  });

  it('detects every truncation and every flipped byte that changes the content', () => {
    const records = validRecords(Array.from({ length: 40 }, (_, i) => [i % 10, i * 7, i * 3] as const));
    const snapshot = takeMetadataSnapshot(replay(emptyMetadataImage('c'), records));
    const provenance = { lastAppliedOffset: 99n, lastAppliedEpoch: 0 };
    const bytes = encodeMetadataSnapshotBatches({ ...snapshot, provenance }, FRAME);
    const original = decodeMetadataSnapshotBatches(bytes, provenance);
    for (let length = 0; length < bytes.length; length += 1) {
      assert.ok(
        decodeOrError(bytes.subarray(0, length), provenance) instanceof MetadataSnapshotCorruptError,
        `truncated to ${length} of ${bytes.length} bytes`,
      );
    }
    for (let at = 0; at < bytes.length; at += 1) {
      const damaged = Buffer.from(bytes);
      damaged[at]! ^= 0x40;
      const result = decodeOrError(damaged, provenance);
      if (!(result instanceof MetadataSnapshotCorruptError)) {
        assert.deepStrictEqual(result, original, `byte ${at} flipped yet read as a different snapshot`);
      }
    }
  });
});
