// Proves that the records-field iterator yields each complete batch as a view without decoding,
// reports (and never parses) a partial batch at the end as a fetch response may carry, and raises
// typed errors for bad sizes, legacy magic and garbage, never a RangeError.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CompressionCodec } from '../compression/index.js';
import {
  CorruptRecordError,
  CrcMismatchError,
  createRecordBatch,
  decodeRecordBatches,
  decodeRecordBatchesSync,
  encodeMessageSetSync,
  encodeRecordBatchSync,
  InvalidBatchLengthError,
  RecordBatchIterator,
  TruncatedBatchError,
  UnsupportedMagicError,
  viewRecordBatches,
} from './index.js';

function batchBytes(
  baseOffset: bigint,
  count: number,
  compression: CompressionCodec = CompressionCodec.none,
): Buffer {
  return encodeRecordBatchSync(
    createRecordBatch({
      baseOffset,
      compression,
      timestamp: 1_000n,
      records: Array.from({ length: count }, (_, index) => ({
        value: Buffer.from(`value ${baseOffset} ${index}`),
      })),
    }),
  );
}

const three = Buffer.concat([batchBytes(0n, 2), batchBytes(2n, 3, CompressionCodec.lz4), batchBytes(5n, 1)]);

describe('record batch iterator', () => {
  it('yields every complete batch in order', () => {
    const iterator = new RecordBatchIterator(three);
    assert.deepEqual(
      [...iterator].map((view) => [view.baseOffset, view.recordsCount, view.compression]),
      [
        [0n, 2, 0],
        [2n, 3, 3],
        [5n, 1, 0],
      ],
    );
    assert.equal(iterator.partialBytes, 0);
    assert.equal(iterator.position, three.length);
    assert.equal(viewRecordBatches(three, { isProduce: true }).length, 3);
    const byNextBatch = new RecordBatchIterator(three);
    const offsets: bigint[] = [];
    for (let view = byNextBatch.nextBatch(); view !== undefined; view = byNextBatch.nextBatch()) {
      offsets.push(view.baseOffset);
    }
    assert.deepEqual(offsets, [0n, 2n, 5n]);
    assert.equal(byNextBatch.nextBatch(), undefined, 'stays at the end');
    assert.equal(byNextBatch.position, three.length);
  });

  it('reports a partial last batch at every cut point without parsing it', async () => {
    const secondStart = batchBytes(0n, 2).length;
    for (let cut = 0; cut <= three.length; cut++) {
      const iterator = new RecordBatchIterator(three.subarray(0, cut));
      const views = [...iterator];
      const whole = views.reduce((sum, view) => sum + view.sizeInBytes, 0);
      assert.equal(whole + iterator.partialBytes, cut);
      if (cut >= secondStart) assert.ok(views.length >= 1);
      const decoded = decodeRecordBatchesSync(three.subarray(0, cut));
      assert.equal(decoded.batches.length, views.length);
      assert.equal(decoded.partialBytes, iterator.partialBytes);
      if (iterator.partialBytes > 0) {
        assert.throws(() => viewRecordBatches(three.subarray(0, cut)), TruncatedBatchError);
        assert.equal(
          viewRecordBatches(three.subarray(0, cut), { allowPartialTail: true }).length,
          views.length,
        );
      }
    }
    const decoded = await decodeRecordBatches(three.subarray(0, three.length - 1));
    assert.deepEqual(
      decoded.batches.map((batch) => batch.records.length),
      [2, 3],
    );
  });

  it('rejects sizes below the minimum or above maxBatchBytes', () => {
    const small = Buffer.from(three);
    small.writeInt32BE(13, 8);
    assert.throws(() => [...new RecordBatchIterator(small)], InvalidBatchLengthError);
    const belowV2 = Buffer.from(three);
    belowV2.writeInt32BE(48, 8);
    assert.throws(() => [...new RecordBatchIterator(belowV2)], InvalidBatchLengthError);
    assert.throws(() => [...new RecordBatchIterator(three, { maxBatchBytes: 80 })], InvalidBatchLengthError);
  });

  it('raises UnsupportedMagicError for legacy message sets and unknown magic', () => {
    const legacy = encodeMessageSetSync([{ offset: 0n, value: Buffer.from('old') }], { magic: 1 });
    assert.throws(
      () => [...new RecordBatchIterator(legacy)],
      (error: unknown) => error instanceof UnsupportedMagicError && error.magic === 1,
    );
    const future = Buffer.from(three);
    future[16] = 3;
    assert.throws(() => [...new RecordBatchIterator(future)], UnsupportedMagicError);
  });

  it('viewRecordBatches checks each CRC', () => {
    const corrupt = Buffer.from(three);
    corrupt[corrupt.length - 1]! ^= 0x40;
    assert.throws(() => viewRecordBatches(corrupt), CrcMismatchError);
  });

  it('never throws anything but CorruptRecordError on arbitrary bytes', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 200 }),
        fc.nat(),
        fc.uint8Array({ maxLength: 8 }),
        (raw, at, patch) => {
          const candidates = [Buffer.from(raw), Buffer.from(three)];
          Buffer.from(patch).copy(candidates[1]!, at % three.length);
          for (const bytes of candidates) {
            try {
              viewRecordBatches(bytes, { allowPartialTail: true });
            } catch (error: unknown) {
              assert.ok(error instanceof CorruptRecordError, String(error));
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
