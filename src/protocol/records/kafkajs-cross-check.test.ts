// Cross-checks our codecs against an independent implementation, KafkaJS 2.2.4 (with kafkajs-snappy,
// kafkajs-lz4 and the project's zstd registration), used here only as a test oracle: batches KafkaJS encodes (every codec it has)
// validate (CRC-32C) and decode with ours to the same records, ours decode with KafkaJS's decoder,
// and legacy message sets travel both ways.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { registerKafkaJsCodecs } from '../../testing/kafkajs-codecs.js';
import { CompressionCodec } from '../compression/index.js';
import {
  createRecordBatch,
  decodeMessageSetSync,
  decodeRecordBatch,
  encodeMessageSet,
  encodeRecordBatch,
  RecordBatchView,
  type RecordHeader,
  recordOffset,
  recordTimestamp,
  TimestampType,
} from './index.js';

const require = createRequire(import.meta.url);
interface KafkaJsEncoder {
  buffer: Buffer;
}
interface KafkaJsRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers: Record<string, Buffer | Buffer[]>;
  offset: string;
  timestamp: string;
}
registerKafkaJsCodecs();
const Long = require('kafkajs/src/utils/long') as { fromValue(value: string | number): unknown };
const { RecordBatch: kafkaJsRecordBatch } = require('kafkajs/src/protocol/recordBatch/v0') as {
  RecordBatch(options: Record<string, unknown>): Promise<KafkaJsEncoder>;
};
const kafkaJsRecord = require('kafkajs/src/protocol/recordBatch/record/v0') as (
  options: Record<string, unknown>,
) => KafkaJsEncoder;
const KafkaJsDecoder = require('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => unknown;
const kafkaJsDecodeBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder') as (
  decoder: unknown,
) => Promise<{ records: KafkaJsRecord[]; firstOffset: string; maxTimestamp: string; producerId: string }>;
const kafkaJsMessageSet = require('kafkajs/src/protocol/messageSet') as (options: {
  messageVersion: number;
  compression: number;
  entries: Array<{ key: Buffer | null; value: Buffer | null; timestamp?: number }>;
}) => KafkaJsEncoder;
const kafkaJsDecodeMessageSet = require('kafkajs/src/protocol/messageSet/decoder') as (
  decoder: unknown,
  size: number,
) => Promise<Array<{ offset: string; key: Buffer | null; value: Buffer | null; timestamp?: string }>>;

/**
 * Codecs for v2 batches. KafkaJS brings gzip; snappy (snappyjs) and lz4 (node-lz4) are independent
 * implementations; its zstd codec is zstd-napi as ours, so zstd checks only the batch framing.
 */
const V2_CODECS = [
  CompressionCodec.none,
  CompressionCodec.gzip,
  CompressionCodec.snappy,
  CompressionCodec.lz4,
  CompressionCodec.zstd,
];
/** Kafka allows no zstd in magic 0/1. */
const LEGACY_CODECS = [
  CompressionCodec.none,
  CompressionCodec.gzip,
  CompressionCodec.snappy,
  CompressionCodec.lz4,
];

const messageArbitrary = fc.record(
  {
    key: fc.oneof(
      fc.constant(null),
      fc.uint8Array({ maxLength: 30 }).map((raw) => Buffer.from(raw)),
    ),
    value: fc.uint8Array({ maxLength: 300 }).map((raw) => Buffer.from(raw)),
    timestampDelta: fc.integer({ min: 0, max: 1_000_000 }),
    headers: fc.array(
      fc.tuple(
        fc.stringMatching(/^[a-z]{1,4}$/),
        fc.uint8Array({ maxLength: 10 }).map((raw) => Buffer.from(raw)),
      ),
      { maxLength: 3 },
    ),
  },
  { noNullPrototype: true },
);

/** Headers in KafkaJS's shape: an object, repeated keys gathered into arrays. */
function asKafkaJsHeaders(
  headers: ReadonlyArray<readonly [string, Buffer]>,
): Record<string, Buffer | Buffer[]> {
  const result: Record<string, Buffer | Buffer[]> = {};
  for (const [key, value] of headers) {
    const existing = result[key];
    result[key] =
      existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return result;
}

function pairs(headers: readonly RecordHeader[]): Array<[string, Buffer]> {
  return headers.map((header) => [header.key, header.value ?? Buffer.alloc(0)]);
}

describe('KafkaJS cross-check', () => {
  it('decodes batches encoded by KafkaJS with every shared codec', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...V2_CODECS),
        fc.array(messageArbitrary, { minLength: 1, maxLength: 8 }),
        fc.bigInt({ min: 0n, max: 2n ** 53n }),
        async (codec, messages, firstOffset) => {
          const firstTimestamp = 1_700_000_000_000;
          const maxTimestamp =
            firstTimestamp + Math.max(...messages.map((message) => message.timestampDelta));
          const encoder = await kafkaJsRecordBatch({
            compression: codec,
            firstOffset: Long.fromValue(firstOffset.toString()),
            firstTimestamp,
            maxTimestamp,
            partitionLeaderEpoch: 3,
            lastOffsetDelta: messages.length - 1,
            producerId: Long.fromValue(1234),
            producerEpoch: 2,
            firstSequence: 17,
            records: messages.map((message, index) =>
              kafkaJsRecord({ ...message, offsetDelta: index, headers: asKafkaJsHeaders(message.headers) }),
            ),
          });
          const view = RecordBatchView.at(encoder.buffer);
          view.validate({ isProduce: true });
          assert.equal(view.sizeInBytes, encoder.buffer.length);
          const batch = await decodeRecordBatch(view);
          assert.equal(batch.compression, codec);
          assert.equal(batch.baseOffset, firstOffset);
          assert.equal(batch.producerId, 1234n);
          assert.equal(batch.baseSequence, 17);
          assert.equal(batch.partitionLeaderEpoch, 3);
          assert.equal(batch.maxTimestamp, BigInt(maxTimestamp));
          assert.equal(batch.records.length, messages.length);
          batch.records.forEach((record, index) => {
            const message = messages[index]!;
            assert.equal(recordOffset(batch, record), firstOffset + BigInt(index));
            assert.equal(recordTimestamp(batch, record), BigInt(firstTimestamp + message.timestampDelta));
            assert.deepEqual(record.key, message.key);
            assert.deepEqual(record.value, message.value);
            assert.deepEqual(asKafkaJsHeaders(pairs(record.headers)), asKafkaJsHeaders(message.headers));
          });
        },
      ),
      { numRuns: 60 },
    );
  });

  it('encodes batches that KafkaJS decodes to the same records', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...V2_CODECS),
        fc.array(messageArbitrary, { minLength: 1, maxLength: 8 }),
        fc.constantFrom(TimestampType.createTime, TimestampType.logAppendTime),
        async (codec, messages, timestampType) => {
          const base = 1_700_000_000_000n;
          const batch = createRecordBatch({
            baseOffset: 500n,
            compression: codec,
            timestampType,
            producerId: 77n,
            producerEpoch: 1,
            baseSequence: 0,
            records: messages.map((message) => ({
              key: message.key,
              value: message.value,
              timestamp: base + BigInt(message.timestampDelta),
              headers: message.headers.map(([key, value]) => ({ key, value })),
            })),
          });
          const decoded = await kafkaJsDecodeBatch(new KafkaJsDecoder(await encodeRecordBatch(batch)));
          assert.equal(decoded.firstOffset, '500');
          assert.equal(decoded.producerId, '77');
          assert.equal(decoded.records.length, messages.length);
          decoded.records.forEach((record, index) => {
            const message = messages[index]!;
            const ours = batch.records[index]!;
            assert.equal(record.offset, String(500 + index));
            assert.equal(record.timestamp, String(recordTimestamp(batch, ours)));
            assert.deepEqual(record.key, message.key);
            assert.deepEqual(record.value, message.value);
            assert.deepEqual(record.headers, asKafkaJsHeaders(message.headers));
          });
        },
      ),
      { numRuns: 60 },
    );
  });

  it('reads magic 0 and 1 message sets written by KafkaJS', () => {
    for (const messageVersion of [0, 1]) {
      // Uncompressed, KafkaJS writes offset -1 for every message (the broker assigns offsets).
      const entries = [
        { key: Buffer.from('k1'), value: Buffer.from('v1'), timestamp: 1_600_000_000_000 },
        { key: null, value: Buffer.from('v2'), timestamp: 1_600_000_000_007 },
      ];
      const set = decodeMessageSetSync(kafkaJsMessageSet({ messageVersion, compression: 0, entries }).buffer);
      assert.equal(set.partialBytes, 0);
      assert.deepEqual(
        set.records.map((record) => [
          record.offset,
          record.magic,
          record.timestamp,
          record.key,
          record.value,
        ]),
        entries.map((entry) => [
          -1n,
          messageVersion,
          messageVersion === 1 ? BigInt(entry.timestamp) : -1n,
          entry.key,
          entry.value,
        ]),
      );
    }
  });

  it('writes magic 0 and 1 message sets, compressed or not, that KafkaJS reads', async () => {
    const records = [
      { offset: 10n, timestamp: 1_600_000_000_000n, key: Buffer.from('a'), value: Buffer.from('first') },
      { offset: 11n, timestamp: 1_600_000_000_009n, key: null, value: Buffer.from('second') },
      { offset: 13n, timestamp: 1_600_000_000_003n, key: Buffer.from('c'), value: null },
    ];
    for (const magic of [0, 1] as const) {
      for (const compression of LEGACY_CODECS) {
        // node-lz4 insists on a correct header checksum, which Kafka never wrote for magic 0.
        if (magic === 0 && compression === CompressionCodec.lz4) continue;
        const bytes = await encodeMessageSet(records, { magic, compression });
        const decoded = await kafkaJsDecodeMessageSet(new KafkaJsDecoder(bytes), bytes.length);
        assert.deepEqual(
          decoded.map((message) => [message.offset, message.key, message.value]),
          records.map((record) => [String(record.offset), record.key, record.value]),
          `magic ${magic} codec ${compression}`,
        );
        if (magic === 1) {
          assert.deepEqual(
            decoded.map((message) => message.timestamp),
            records.map((record) => String(record.timestamp)),
          );
        }
      }
    }
  });
});
