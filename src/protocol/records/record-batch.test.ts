// Proves the v2 record batch codec and its zero-copy view: generated batches (every attribute
// combination, every codec, headers, null keys/values, extreme timestamps and deltas) round-trip
// exactly; view getters agree with the decoded header; in-place stamping keeps the CRC valid; every
// single-bit flip in the CRC range is caught; truncation and arbitrary corruption raise our typed
// errors and nothing else.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { COMPRESSION_CODECS, CompressionCodec, CompressionError } from '../compression/index.js';
import {
  CorruptRecordError,
  CrcMismatchError,
  createRecordBatch,
  decodeRecordBatch,
  decodeRecordBatchSync,
  encodeRecordBatch,
  encodeRecordBatchSync,
  InvalidBatchHeaderError,
  type KafkaRecord,
  MalformedRecordError,
  type RecordBatch,
  RecordBatchView,
  RecordCountMismatchError,
  recordOffset,
  recordTimestamp,
  TimestampType,
  TruncatedBatchError,
} from './index.js';

const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
const int32 = fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
const bytes = (maxLength: number) => fc.uint8Array({ maxLength }).map((raw) => Buffer.from(raw));
const nullableBytes = fc.oneof(
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 6, arbitrary: bytes(40) },
  { weight: 1, arbitrary: bytes(5000) },
);
const timestampDelta = fc.oneof(
  fc.integer({ min: -1000, max: 1000 }),
  int32,
  fc.integer({ min: Number.MIN_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }),
);

const recordArbitrary: fc.Arbitrary<KafkaRecord> = fc.record(
  {
    attributes: fc.integer({ min: -128, max: 127 }),
    timestampDelta,
    offsetDelta: int32,
    key: nullableBytes,
    value: nullableBytes,
    headers: fc.array(
      fc
        .tuple(fc.string({ unit: 'grapheme', maxLength: 12 }), fc.oneof(fc.constant(null), bytes(20)))
        .map(([key, value]) => ({ key, value })),
      { maxLength: 3 },
    ),
  },
  { noNullPrototype: true },
);

export const batchArbitrary: fc.Arbitrary<RecordBatch> = fc
  .record(
    {
      baseOffset: int64,
      partitionLeaderEpoch: int32,
      compression: fc.constantFrom(...COMPRESSION_CODECS),
      timestampType: fc.constantFrom(TimestampType.createTime, TimestampType.logAppendTime),
      isTransactional: fc.boolean(),
      isControl: fc.boolean(),
      hasDeleteHorizonMs: fc.boolean(),
      baseTimestamp: int64,
      maxTimestamp: int64,
      producerId: int64,
      producerEpoch: fc.integer({ min: -32768, max: 32767 }),
      baseSequence: int32,
      records: fc.array(recordArbitrary, { maxLength: 6 }),
      extraOffsetDelta: fc.nat(),
    },
    { noNullPrototype: true },
  )
  .map(({ extraOffsetDelta, ...batch }) => {
    const minimum = Math.max(batch.records.length - 1, 0);
    return { ...batch, lastOffsetDelta: minimum + (extraOffsetDelta % (2 ** 31 - 1 - minimum)) };
  });

function isTypedFailure(error: unknown): boolean {
  return error instanceof CorruptRecordError || error instanceof CompressionError;
}

/** Decodes with the CRC check off, so that corrupt bytes reach the record parser. */
function decodeUnchecked(bytes: Buffer): void {
  decodeRecordBatchSync(RecordBatchView.at(bytes), { verifyCrc: false, maxDecompressedBytes: 1 << 20 });
}

describe('record batch v2', () => {
  it('decode(encode(batch)) equals batch, sync and async', async () => {
    await fc.assert(
      fc.asyncProperty(batchArbitrary, async (batch) => {
        const encoded = encodeRecordBatchSync(batch);
        assert.deepEqual(decodeRecordBatchSync(RecordBatchView.at(encoded)), batch);
        const encodedAsync = await encodeRecordBatch(batch);
        assert.deepEqual(await decodeRecordBatch(RecordBatchView.at(encodedAsync)), batch);
      }),
      { numRuns: 150 },
    );
  });

  it('round-trips extreme timestamp deltas exactly', () => {
    const deltas = [0, -1, 2 ** 31, -(2 ** 31) - 1, 2 ** 52 - 1, -(2 ** 52) - 1, 2 ** 53 - 1, -(2 ** 53 - 1)];
    const batch = createRecordBatch({ records: [{ timestamp: 0n }] });
    const records = deltas.map((timestampDelta, offsetDelta) => ({
      ...batch.records[0]!,
      timestampDelta,
      offsetDelta,
    }));
    const wide = { ...batch, records, lastOffsetDelta: records.length - 1 };
    assert.deepEqual(decodeRecordBatchSync(RecordBatchView.at(encodeRecordBatchSync(wide))), wide);
  });

  it('view getters match the header fields without decoding', () => {
    fc.assert(
      fc.property(batchArbitrary, (batch) => {
        const encoded = encodeRecordBatchSync(batch);
        const view = RecordBatchView.at(encoded);
        view.validate();
        assert.equal(view.sizeInBytes, encoded.length);
        assert.equal(view.bytes, encoded, 'a batch filling its Buffer is that Buffer');
        const inside = Buffer.concat([Buffer.alloc(3), encoded, Buffer.alloc(5)]);
        assert.deepEqual(RecordBatchView.at(inside, 3).bytes, encoded);
        assert.equal(view.batchLength, encoded.length - 12);
        assert.equal(view.baseOffset, batch.baseOffset);
        assert.equal(view.partitionLeaderEpoch, batch.partitionLeaderEpoch);
        assert.equal(view.magic, 2);
        assert.equal(view.compression, batch.compression);
        assert.equal(view.timestampType, batch.timestampType);
        assert.equal(view.isTransactional, batch.isTransactional);
        assert.equal(view.isControl, batch.isControl);
        assert.equal(view.hasDeleteHorizonMs, batch.hasDeleteHorizonMs);
        assert.equal(view.lastOffsetDelta, batch.lastOffsetDelta);
        assert.equal(view.lastOffset, batch.baseOffset + BigInt(batch.lastOffsetDelta));
        assert.equal(view.nextOffset, batch.baseOffset + BigInt(batch.lastOffsetDelta) + 1n);
        assert.equal(view.baseTimestamp, batch.baseTimestamp);
        assert.equal(view.maxTimestamp, batch.maxTimestamp);
        assert.equal(view.producerId, batch.producerId);
        assert.equal(view.hasProducerId, batch.producerId >= 0n);
        assert.equal(view.producerEpoch, batch.producerEpoch);
        assert.equal(view.baseSequence, batch.baseSequence);
        assert.equal(view.recordsCount, batch.records.length);
      }),
      { numRuns: 60 },
    );
  });

  it('in-place baseOffset and partitionLeaderEpoch keep the CRC; LogAppendTime rewrites it', () => {
    fc.assert(
      fc.property(batchArbitrary, int64, int32, int64, (batch, baseOffset, epoch, appendTime) => {
        const encoded = encodeRecordBatchSync(batch);
        const view = RecordBatchView.at(encoded);
        const crc = view.crc;
        view.setBaseOffset(baseOffset);
        view.setPartitionLeaderEpoch(epoch);
        assert.equal(view.crc, crc);
        view.validate();
        view.setLogAppendTime(appendTime);
        view.validate();
        const decoded = decodeRecordBatchSync(view);
        assert.equal(decoded.baseOffset, baseOffset);
        assert.equal(decoded.partitionLeaderEpoch, epoch);
        assert.equal(decoded.timestampType, TimestampType.logAppendTime);
        assert.equal(decoded.maxTimestamp, appendTime);
        assert.equal(decoded.compression, batch.compression, 'other attribute bits are kept');
        assert.equal(decoded.isControl, batch.isControl);
        for (const record of decoded.records) assert.equal(recordTimestamp(decoded, record), appendTime);
        assert.deepEqual(decoded.records, batch.records);
      }),
      { numRuns: 60 },
    );
  });

  it('detects any single bit flip in the CRC-covered range and in the CRC itself', () => {
    fc.assert(
      fc.property(batchArbitrary, fc.nat(), (batch, choice) => {
        const encoded = encodeRecordBatchSync(batch);
        const bit = 17 * 8 + (choice % ((encoded.length - 17) * 8));
        encoded[bit >> 3]! ^= 1 << (bit & 7);
        assert.throws(() => RecordBatchView.at(encoded).validate(), CrcMismatchError);
      }),
      { numRuns: 300 },
    );
    const small = encodeRecordBatchSync(
      createRecordBatch({ records: [{ key: Buffer.from('k'), value: Buffer.from('v'), timestamp: 5n }] }),
    );
    for (let bit = 17 * 8; bit < small.length * 8; bit++) {
      const copy = Buffer.from(small);
      copy[bit >> 3]! ^= 1 << (bit & 7);
      assert.throws(() => RecordBatchView.at(copy).validate(), CrcMismatchError, `bit ${bit}`);
    }
  });

  it('truncation at any point raises a typed error, never a crash', () => {
    fc.assert(
      fc.property(batchArbitrary, (batch) => {
        const encoded = encodeRecordBatchSync(batch);
        for (let length = 0; length < encoded.length; length++) {
          assert.throws(() => RecordBatchView.at(encoded.subarray(0, length)), TruncatedBatchError);
        }
      }),
      { numRuns: 25 },
    );
  });

  it('corrupt bytes that pass or skip the CRC raise only CorruptRecordError or CompressionError', () => {
    fc.assert(
      fc.property(
        batchArbitrary,
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
        (batch, edits) => {
          const encoded = encodeRecordBatchSync(batch);
          for (const [at, value] of edits) encoded[21 + (at % (encoded.length - 21))] = value;
          try {
            decodeUnchecked(encoded);
          } catch (error: unknown) {
            assert.ok(isTypedFailure(error), String(error));
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('rejects a count that disagrees with the records present', () => {
    const batch = createRecordBatch({
      records: [1, 2, 3].map((n) => ({ value: Buffer.from(`value-${n}`), timestamp: BigInt(n) })),
    });
    for (const [count, lastOffsetDelta] of [
      [2, 2],
      [4, 3],
    ] as const) {
      const encoded = encodeRecordBatchSync(batch);
      encoded.writeInt32BE(count, 57);
      encoded.writeInt32BE(lastOffsetDelta, 23);
      const view = RecordBatchView.at(encoded);
      encoded.writeUInt32BE(view.computeCrc(), 17);
      assert.throws(() => decodeRecordBatchSync(view), RecordCountMismatchError);
    }
  });

  it('validates header fields and produce-time rules', () => {
    const batch = createRecordBatch({ records: [{ value: Buffer.from('a') }, { value: Buffer.from('b') }] });
    const recrc = (bytes: Buffer) => {
      bytes.writeUInt32BE(RecordBatchView.at(bytes).computeCrc(), 17);
      return RecordBatchView.at(bytes);
    };
    const unknownCodec = encodeRecordBatchSync(batch);
    unknownCodec.writeInt16BE(5, 21);
    assert.throws(() => recrc(unknownCodec).validate(), InvalidBatchHeaderError);
    const gap = encodeRecordBatchSync({ ...batch, lastOffsetDelta: 5 });
    RecordBatchView.at(gap).validate();
    assert.throws(() => RecordBatchView.at(gap).validate({ isProduce: true }), RecordCountMismatchError);
    const tooMany = encodeRecordBatchSync(batch);
    tooMany.writeInt32BE(1000, 57);
    tooMany.writeInt32BE(999, 23);
    assert.throws(() => recrc(tooMany).validate(), RecordCountMismatchError);
    const empty = encodeRecordBatchSync({ ...batch, records: [] });
    RecordBatchView.at(empty).validate();
    assert.throws(() => RecordBatchView.at(empty).validate({ isProduce: true }), RecordCountMismatchError);
  });

  it('rejects a record whose length disagrees with its fields', () => {
    const batch = createRecordBatch({ records: [{ key: Buffer.from('key'), value: Buffer.from('value') }] });
    const encoded = encodeRecordBatchSync(batch);
    encoded[61] = encoded[61]! + 2; // the first record's length varint (small, one byte)
    const view = RecordBatchView.at(encoded);
    encoded.writeUInt32BE(view.computeCrc(), 17);
    assert.throws(() => decodeRecordBatchSync(view), MalformedRecordError);
  });

  it('createRecordBatch computes deltas and timestamps as a producer', () => {
    const batch = createRecordBatch({
      baseOffset: 100n,
      compression: CompressionCodec.gzip,
      timestamp: 1_700_000_000_000n,
      records: [
        { value: Buffer.from('a'), timestamp: 1_700_000_000_500n },
        { value: Buffer.from('b') },
        { value: Buffer.from('c'), timestamp: 1_700_000_001_000n, headers: [{ key: 'h', value: null }] },
      ],
    });
    assert.equal(batch.baseTimestamp, 1_700_000_000_500n);
    assert.equal(batch.maxTimestamp, 1_700_000_001_000n);
    assert.equal(batch.lastOffsetDelta, 2);
    const decoded = decodeRecordBatchSync(RecordBatchView.at(encodeRecordBatchSync(batch)));
    assert.deepEqual(
      decoded.records.map((record) => [recordOffset(decoded, record), recordTimestamp(decoded, record)]),
      [
        [100n, 1_700_000_000_500n],
        [101n, 1_700_000_000_000n],
        [102n, 1_700_000_001_000n],
      ],
    );
    assert.throws(() => createRecordBatch({ records: [] }));
  });
});
