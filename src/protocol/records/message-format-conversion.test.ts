// Proves down-conversion (v2 → magic 0/1, for Fetch v0-v3 readers) and up-conversion (magic 0/1 →
// v2, for Produce v0-v2 writers): a generated batch survives v2 → v0/v1 → v2 with its keys, values,
// offsets (gaps included) and timestamps (magic 1; magic 0 has none), control batches disappear,
// zstd is refused to old readers, and old producers' offsets are renumbered.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CompressionCodec, UnsupportedCompressionError } from '../compression/index.js';
import { EncodeError } from '../primitives/index.js';
import {
  ControlRecordType,
  createEndTxnMarkerBatch,
  createRecordBatch,
  decodeMessageSetSync,
  decodeRecordBatchSync,
  downConvertRecordBatch,
  downConvertRecordBatchSync,
  downConvertRecords,
  encodeMessageSetSync,
  encodeRecordBatchSync,
  type RecordBatch,
  RecordBatchView,
  recordOffset,
  recordTimestamp,
  TimestampType,
  upConvertMessageSet,
} from './index.js';

const nullableBytes = fc.oneof(
  fc.constant(null),
  fc.uint8Array({ maxLength: 40 }).map((raw) => Buffer.from(raw)),
);

/** Producer-made batches, then offset gaps as compaction leaves them. */
const batchArbitrary: fc.Arbitrary<RecordBatch> = fc
  .record(
    {
      baseOffset: fc.bigInt({ min: 0n, max: 2n ** 60n }),
      compression: fc.constantFrom(
        CompressionCodec.none,
        CompressionCodec.gzip,
        CompressionCodec.snappy,
        CompressionCodec.lz4,
      ),
      timestampType: fc.constantFrom(TimestampType.createTime, TimestampType.logAppendTime),
      records: fc.array(
        fc.record(
          {
            key: nullableBytes,
            value: nullableBytes,
            timestamp: fc.bigInt({ min: 1_500_000_000_000n, max: 1_800_000_000_000n }),
            gap: fc.integer({ min: 1, max: 4 }),
          },
          { noNullPrototype: true },
        ),
        { minLength: 1, maxLength: 6 },
      ),
    },
    { noNullPrototype: true },
  )
  .map(({ records, ...options }) => {
    const batch = createRecordBatch({
      ...options,
      records: records.map(({ key, value, timestamp }) => ({
        key,
        value,
        timestamp,
        headers: [{ key: 'h', value: null }],
      })),
    });
    let offsetDelta = -1;
    const gapped = batch.records.map((record, index) => {
      offsetDelta += records[index]!.gap;
      return { ...record, offsetDelta };
    });
    return { ...batch, records: gapped, lastOffsetDelta: offsetDelta };
  });

describe('message format conversion', () => {
  it('v2 → v0/v1 → v2 keeps keys, values, offsets and (magic 1) timestamps', async () => {
    await fc.assert(
      fc.asyncProperty(batchArbitrary, fc.constantFrom(0 as const, 1 as const), async (batch, magic) => {
        const legacy = downConvertRecordBatchSync(batch, magic);
        assert.deepEqual(await downConvertRecordBatch(batch, magic), legacy);
        const set = decodeMessageSetSync(legacy);
        assert.equal(set.compression, batch.compression);
        const back = upConvertMessageSet(set, { offsets: 'preserve' });
        const reencoded = decodeRecordBatchSync(RecordBatchView.at(encodeRecordBatchSync(back)));
        assert.equal(reencoded.compression, batch.compression);
        assert.equal(reencoded.records.length, batch.records.length);
        batch.records.forEach((record, index) => {
          const converted = reencoded.records[index]!;
          assert.equal(recordOffset(reencoded, converted), recordOffset(batch, record));
          assert.deepEqual(converted.key, record.key);
          assert.deepEqual(converted.value, record.value);
          assert.deepEqual(converted.headers, [], 'magic 0/1 carry no headers');
          const expected = magic === 1 ? recordTimestamp(batch, record) : -1n;
          assert.equal(recordTimestamp(reencoded, converted), expected);
          if (magic === 1) assert.equal(reencoded.timestampType, batch.timestampType);
        });
      }),
      { numRuns: 120 },
    );
  });

  it('down-converts a fetch response: control batches vanish, a partial tail is dropped', async () => {
    const data = createRecordBatch({
      baseOffset: 0n,
      compression: CompressionCodec.snappy,
      isTransactional: true,
      producerId: 9n,
      producerEpoch: 0,
      timestamp: 1_700_000_000_000n,
      records: ['a', 'b'].map((value) => ({ value: Buffer.from(value) })),
    });
    const marker = createEndTxnMarkerBatch({
      type: ControlRecordType.commit,
      producerId: 9n,
      producerEpoch: 0,
      coordinatorEpoch: 1,
      timestamp: 1_700_000_000_001n,
      baseOffset: 2n,
    });
    const more = createRecordBatch({ baseOffset: 3n, timestamp: 5n, records: [{ value: Buffer.from('c') }] });
    const records = Buffer.concat([data, marker, more].map((batch) => encodeRecordBatchSync(batch)));
    const cut = records.subarray(0, records.length - 4);
    for (const magic of [0, 1] as const) {
      const whole = decodeMessageSetSync(await downConvertRecords(records, magic));
      assert.deepEqual(
        whole.records.map((record) => [record.offset, String(record.value)]),
        [
          [0n, 'a'],
          [1n, 'b'],
          [3n, 'c'],
        ],
      );
      const partial = decodeMessageSetSync(await downConvertRecords(cut, magic));
      assert.deepEqual(
        partial.records.map((record) => record.offset),
        [0n, 1n],
      );
    }
  });

  it('refuses to down-convert zstd batches (Kafka: UNSUPPORTED_COMPRESSION_TYPE)', () => {
    const batch = createRecordBatch({
      compression: CompressionCodec.zstd,
      records: [{ value: Buffer.from('z') }],
    });
    assert.throws(() => downConvertRecordBatchSync(batch, 1), UnsupportedCompressionError);
  });

  it('up-converts an old producer set with sequential offsets, or preserves strictly increasing ones', () => {
    const fromKafkaJs = encodeMessageSetSync(
      ['x', 'y', 'z'].map((value) => ({ offset: -1n, timestamp: 10n, value: Buffer.from(value) })),
      { magic: 1 },
    );
    const set = decodeMessageSetSync(fromKafkaJs);
    const batch = upConvertMessageSet(set, { compression: CompressionCodec.lz4 });
    assert.deepEqual(
      batch.records.map((record) => record.offsetDelta),
      [0, 1, 2],
    );
    assert.equal(batch.compression, CompressionCodec.lz4);
    RecordBatchView.at(encodeRecordBatchSync(batch)).validate({ isProduce: true });
    assert.throws(() => upConvertMessageSet(set, { offsets: 'preserve' }), EncodeError);
    assert.throws(() => upConvertMessageSet({ records: [], compression: 0, partialBytes: 0 }), EncodeError);
  });
});
