// Proves the magic 0/1 message set codec: generated sets round-trip for every legal codec, wrappers
// carry Kafka's offsets (magic 1 relative inner offsets, wrapper = last offset) and timestamps
// (LogAppendTime on the wrapper wins), CRC-32 catches corruption, a cut last message is reported as
// partial, and arbitrary bytes raise only our typed errors.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { crc32 } from '@node-rs/crc32';
import fc from 'fast-check';
import {
  CompressionCodec,
  CompressionError,
  compressSync,
  UnsupportedCompressionError,
} from '../compression/index.js';
import {
  CorruptRecordError,
  CrcMismatchError,
  decodeMessageSet,
  decodeMessageSetSync,
  encodeMessageSet,
  encodeMessageSetSync,
  InvalidBatchHeaderError,
  type LegacyRecordInput,
  TimestampType,
  UnsupportedMagicError,
} from './index.js';

const LEGACY_CODECS = [
  CompressionCodec.none,
  CompressionCodec.gzip,
  CompressionCodec.snappy,
  CompressionCodec.lz4,
];
const nullableBytes = fc.oneof(
  fc.constant(null),
  fc.uint8Array({ maxLength: 60 }).map((raw) => Buffer.from(raw)),
);

const recordsArbitrary: fc.Arbitrary<LegacyRecordInput[]> = fc
  .tuple(
    fc.bigInt({ min: 0n, max: 2n ** 60n }),
    fc.array(
      fc.record(
        {
          gap: fc.integer({ min: 1, max: 5 }),
          timestamp: fc.bigInt({ min: 0n, max: 2n ** 50n }),
          key: nullableBytes,
          value: nullableBytes,
        },
        { noNullPrototype: true },
      ),
      { minLength: 1, maxLength: 6 },
    ),
  )
  .map(([start, entries]) => {
    let offset = start;
    return entries.map(({ gap, ...entry }) => {
      offset += BigInt(gap);
      return { offset, ...entry };
    });
  });

describe('legacy message sets', () => {
  it('round-trip for magic 0 and 1 with every legal codec, sync and async', async () => {
    await fc.assert(
      fc.asyncProperty(
        recordsArbitrary,
        fc.constantFrom(0 as const, 1 as const),
        fc.constantFrom(...LEGACY_CODECS),
        async (records, magic, compression) => {
          const bytes = encodeMessageSetSync(records, { magic, compression });
          assert.deepEqual(await encodeMessageSet(records, { magic, compression }), bytes);
          for (const set of [decodeMessageSetSync(bytes), await decodeMessageSet(bytes)]) {
            assert.equal(set.compression, compression);
            assert.equal(set.partialBytes, 0);
            assert.deepEqual(
              set.records,
              records.map((record) => ({
                offset: record.offset,
                magic,
                timestampType: TimestampType.createTime,
                timestamp: magic === 1 ? record.timestamp : -1n,
                key: record.key,
                value: record.value,
              })),
            );
          }
        },
      ),
      { numRuns: 120 },
    );
  });

  it('writes one wrapper at the last offset with relative inner offsets for magic 1', () => {
    const records = [10n, 11n, 15n].map((offset) => ({
      offset,
      timestamp: offset * 100n,
      value: Buffer.from('x'),
    }));
    const bytes = encodeMessageSetSync(records, { magic: 1, compression: CompressionCodec.gzip });
    assert.equal(bytes.readBigInt64BE(0), 15n, 'wrapper offset is the last inner offset');
    assert.equal(bytes[17]! & 0x07, CompressionCodec.gzip);
    assert.equal(bytes.readBigInt64BE(18), 1500n, 'wrapper timestamp is the max inner timestamp');
  });

  it('applies a LogAppendTime wrapper timestamp to every inner message', () => {
    const records = [1n, 2n].map((offset) => ({ offset, timestamp: 777n, value: Buffer.from('v') }));
    for (const compression of [CompressionCodec.none, CompressionCodec.snappy]) {
      const set = decodeMessageSetSync(
        encodeMessageSetSync(records, { magic: 1, compression, timestampType: TimestampType.logAppendTime }),
      );
      assert.deepEqual(
        set.records.map((record) => [record.timestampType, record.timestamp]),
        [
          [TimestampType.logAppendTime, 777n],
          [TimestampType.logAppendTime, 777n],
        ],
      );
    }
  });

  it('keeps relative offsets when the wrapper offset would make them negative, as produce requests do', () => {
    const inner = encodeMessageSetSync(
      [0n, 1n, 2n].map((offset) => ({ offset, timestamp: 1n, value: Buffer.from('p') })),
      { magic: 1 },
    );
    const produced = encodeMessageSetSync(
      [{ offset: 0n, timestamp: 1n, value: compressSync(CompressionCodec.gzip, inner) }],
      {
        magic: 1,
      },
    );
    produced[17] = CompressionCodec.gzip; // mark the single message as a gzip wrapper
    produced.writeUInt32BE(crc32(produced.subarray(16)), 12);
    assert.deepEqual(
      decodeMessageSetSync(produced).records.map((record) => record.offset),
      [0n, 1n, 2n],
    );
  });

  it('reports a cut last message as partial and decodes the rest', () => {
    const records = [1n, 2n, 3n].map((offset) => ({
      offset,
      timestamp: 5n,
      value: Buffer.from(`value ${offset}`),
    }));
    const bytes = encodeMessageSetSync(records, { magic: 1 });
    const ends = records.map(
      (_, index) => encodeMessageSetSync(records.slice(0, index + 1), { magic: 1 }).length,
    );
    for (let cut = 0; cut <= bytes.length; cut++) {
      const set = decodeMessageSetSync(bytes.subarray(0, cut));
      const whole = ends.filter((end) => end <= cut).length;
      assert.equal(set.records.length, whole);
      assert.equal(set.partialBytes, cut - (whole === 0 ? 0 : ends[whole - 1]!));
    }
  });

  it('detects CRC-32 corruption, zstd, nested compression and v2 batches', () => {
    const bytes = encodeMessageSetSync([{ offset: 0n, value: Buffer.from('abc') }], { magic: 0 });
    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 1]! ^= 1;
    assert.throws(() => decodeMessageSetSync(flipped), CrcMismatchError);
    assert.equal(decodeMessageSetSync(flipped, { verifyCrc: false }).records.length, 1);
    assert.throws(
      () => encodeMessageSetSync([{ offset: 0n }], { magic: 1, compression: CompressionCodec.zstd }),
      UnsupportedCompressionError,
    );
    const wrapped = encodeMessageSetSync([{ offset: 0n, value: Buffer.from('x') }], {
      magic: 1,
      compression: CompressionCodec.gzip,
    });
    const nested = encodeMessageSetSync(
      [{ offset: 0n, value: compressSync(CompressionCodec.gzip, wrapped) }],
      { magic: 1 },
    );
    nested[17] = CompressionCodec.gzip;
    nested.writeUInt32BE(crc32(nested.subarray(16)), 12);
    assert.throws(() => decodeMessageSetSync(nested), InvalidBatchHeaderError);
    const v2 = Buffer.alloc(70);
    v2.writeInt32BE(58, 8);
    v2[16] = 2;
    assert.throws(() => decodeMessageSetSync(v2), UnsupportedMagicError);
  });

  it('never throws anything but typed errors on corrupt bytes', () => {
    const base = encodeMessageSetSync(
      [1n, 2n].map((offset) => ({ offset, timestamp: 1n, key: Buffer.from('k'), value: Buffer.from('vv') })),
      { magic: 1, compression: CompressionCodec.lz4 },
    );
    fc.assert(
      fc.property(
        fc.nat(),
        fc.uint8Array({ minLength: 1, maxLength: 6 }),
        fc.boolean(),
        (at, patch, verifyCrc) => {
          const bytes = Buffer.from(base);
          Buffer.from(patch).copy(bytes, at % bytes.length);
          try {
            decodeMessageSetSync(bytes, { verifyCrc, maxDecompressedBytes: 1 << 20 });
          } catch (error: unknown) {
            assert.ok(
              error instanceof CorruptRecordError || error instanceof CompressionError,
              String(error),
            );
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
