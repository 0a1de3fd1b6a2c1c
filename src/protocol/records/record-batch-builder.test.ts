// Proves RecordBatchBuilder writes exactly the bytes encodeRecordBatchSync writes for the same records
// (generated keys, values, headers, timestamps far apart and out of order, producer fields), whether it
// grows its buffer or not; that compressed batches decode to the same records with every codec; and
// that bad input raises EncodeError and writes nothing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { COMPRESSION_CODECS, CompressionCodec } from '../compression/index.js';
import { EncodeError } from '../primitives/index.js';
import {
  type BuiltBatchHeader,
  decodeRecordBatchSync,
  encodeRecordBatchSync,
  type KafkaRecord,
  type RecordBatch,
  RecordBatchBuilder,
  RecordBatchView,
  type RecordHeader,
  TimestampType,
} from './index.js';

interface Input {
  readonly timestampMs: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: readonly RecordHeader[];
}

const bytes = (maxLength: number) => fc.uint8Array({ maxLength }).map((raw) => Buffer.from(raw));
const nullableBytes = fc.oneof(
  { weight: 1, arbitrary: fc.constant(null) },
  { weight: 6, arbitrary: bytes(40) },
  { weight: 1, arbitrary: bytes(5000) },
);
const inputArbitrary: fc.Arbitrary<Input> = fc.record(
  {
    timestampMs: fc.oneof(
      fc.integer({ min: 1_700_000_000_000, max: 1_700_000_001_000 }),
      fc.integer({ min: 0, max: 2 ** 52 }),
    ),
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
const headerArbitrary: fc.Arbitrary<BuiltBatchHeader> = fc.record({
  compression: fc.constant(CompressionCodec.none),
  producerId: fc.oneof(fc.constant(-1n), fc.bigInt({ min: 0n, max: 2n ** 63n - 1n })),
  producerEpoch: fc.integer({ min: -1, max: 32767 }),
  baseSequence: fc.integer({ min: -1, max: 2 ** 31 - 1 }),
});

/** The RecordBatch a producer means by these inputs, as encodeRecordBatchSync takes it. */
function expectedBatch(inputs: readonly Input[], header: BuiltBatchHeader): RecordBatch {
  const base = inputs[0]!.timestampMs;
  const records: KafkaRecord[] = inputs.map((input, offsetDelta) => ({
    attributes: 0,
    timestampDelta: input.timestampMs - base,
    offsetDelta,
    key: input.key,
    value: input.value,
    headers: input.headers,
  }));
  return {
    baseOffset: 0n,
    partitionLeaderEpoch: -1,
    compression: header.compression,
    timestampType: TimestampType.createTime,
    isTransactional: false,
    isControl: false,
    hasDeleteHorizonMs: false,
    lastOffsetDelta: inputs.length - 1,
    baseTimestamp: BigInt(base),
    maxTimestamp: BigInt(Math.max(...inputs.map((input) => input.timestampMs))),
    producerId: header.producerId,
    producerEpoch: header.producerEpoch,
    baseSequence: header.baseSequence,
    records,
  };
}

function build(inputs: readonly Input[], builder = new RecordBatchBuilder()): RecordBatchBuilder {
  for (const input of inputs) builder.append(input.timestampMs, input.key, input.value, input.headers);
  return builder;
}

describe('RecordBatchBuilder', () => {
  it('writes the bytes encodeRecordBatchSync writes for the same records', () => {
    fc.assert(
      fc.property(
        fc.array(inputArbitrary, { minLength: 1, maxLength: 20 }),
        headerArbitrary,
        (inputs, header) => {
          const built = build(inputs).build(header);
          assert.deepEqual(built, encodeRecordBatchSync(expectedBatch(inputs, header)));
        },
      ),
      { numRuns: 200 },
    );
  });

  it('writes timestamp deltas at the int32 edges and beyond as Kafka does', () => {
    const base = 1_700_000_000_000;
    const inputs = [0, 2 ** 31 - 1, -(2 ** 31), 2 ** 31, -(2 ** 31) - 1, 1, -1].map((delta) => ({
      timestampMs: base + delta,
      key: null,
      value: Buffer.from('v'),
      headers: [],
    }));
    const header = {
      compression: CompressionCodec.none,
      producerId: -1n,
      producerEpoch: -1,
      baseSequence: -1,
    };
    assert.deepEqual(build(inputs).build(header), encodeRecordBatchSync(expectedBatch(inputs, header)));
  });

  it('grows from a small buffer through allocate, releasing each buffer it outgrew', () => {
    const allocated: Buffer[] = [];
    const released: Buffer[] = [];
    const builder = new RecordBatchBuilder({
      initialBytes: 64,
      allocate: (size) => {
        const buffer = Buffer.alloc(size);
        allocated.push(buffer);
        return buffer;
      },
      release: (buffer) => released.push(buffer),
    });
    const inputs = Array.from({ length: 50 }, (_, i) => ({
      timestampMs: 1_700_000_000_000 + i,
      key: Buffer.from(`key-${i}`),
      value: Buffer.alloc(100 + i, i),
      headers: [],
    }));
    build(inputs, builder);
    const header = { compression: CompressionCodec.none, producerId: 7n, producerEpoch: 1, baseSequence: 40 };
    const built = builder.build(header);
    assert.deepEqual(built, encodeRecordBatchSync(expectedBatch(inputs, header)));
    assert.ok(allocated.length > 1);
    assert.deepEqual(released, allocated.slice(0, -1));
    assert.equal(builder.backingBuffer, allocated.at(-1));
    assert.equal(built.buffer, builder.backingBuffer.buffer, 'the batch is a view of the builder buffer');
    assert.equal(builder.sizeInBytes, built.length);
    assert.equal(builder.recordCount, 50);
  });

  it('copies record bytes at append, so the caller may reuse its buffers', () => {
    const value = Buffer.from('first');
    const builder = new RecordBatchBuilder();
    builder.append(1000, null, value, []);
    value.write('later');
    const header = {
      compression: CompressionCodec.none,
      producerId: -1n,
      producerEpoch: -1,
      baseSequence: -1,
    };
    const [record] = decodeRecordBatchSync(RecordBatchView.at(builder.build(header))).records;
    assert.equal(record?.value?.toString(), 'first');
  });

  for (const codec of COMPRESSION_CODECS.filter((c) => c !== CompressionCodec.none)) {
    it(`builds a batch compressed with codec ${codec} that decodes to the same records`, async () => {
      const inputs = Array.from({ length: 200 }, (_, i) => ({
        timestampMs: 1_700_000_000_000 + (i % 7),
        key: i % 3 === 0 ? null : Buffer.from(`key-${i}`),
        value: Buffer.from(`value ${i} `.repeat(20)),
        headers: i % 5 === 0 ? [{ key: 'h', value: Buffer.from([i & 0xff]) }] : [],
      }));
      const header = { compression: codec, producerId: 3n, producerEpoch: 0, baseSequence: 0 };
      const builder = build(inputs);
      const uncompressedSize = builder.sizeInBytes;
      const decoded = decodeRecordBatchSync(RecordBatchView.at(await builder.buildCompressed(header)));
      const expected = expectedBatch(inputs, header);
      assert.deepEqual(decoded, { ...expected, records: decoded.records });
      assert.deepEqual(
        decoded.records.map((r) => ({
          ...r,
          key: r.key && Buffer.from(r.key),
          value: r.value && Buffer.from(r.value),
        })),
        expected.records,
      );
      assert.equal(builder.sizeInBytes, uncompressedSize, 'the builder keeps its uncompressed records');
    });
  }

  it('refuses an empty batch, an unsafe timestamp, header fields out of range and build() with a codec', () => {
    const builder = new RecordBatchBuilder();
    const none = { compression: CompressionCodec.none, producerId: -1n, producerEpoch: -1, baseSequence: -1 };
    assert.throws(() => builder.build(none), EncodeError);
    assert.throws(() => builder.append(2 ** 53, null, null, []), EncodeError);
    assert.equal(builder.recordCount, 0);
    builder.append(5, null, Buffer.from('v'), []);
    assert.throws(() => builder.build({ ...none, producerEpoch: 40_000 }), EncodeError);
    assert.throws(() => builder.build({ ...none, baseSequence: 2 ** 31 }), EncodeError);
    assert.throws(() => builder.build({ ...none, compression: CompressionCodec.gzip }), EncodeError);
    assert.equal(builder.recordCount, 1);
  });
});
