import { CompressionCodec, UnsupportedCompressionError } from '../compression/index.js';
import { EncodeError } from '../primitives/index.js';
import type { KafkaRecord, RecordBatch } from './kafka-record.js';
import { recordOffset, recordTimestamp } from './kafka-record.js';
import type { LegacyMagic } from './legacy-message.js';
import {
  type EncodeMessageSetOptions,
  encodeMessageSet,
  encodeMessageSetSync,
  type LegacyMessageSet,
  type LegacyRecordInput,
} from './legacy-message-set.js';
import { type DecodeRecordBatchOptions, decodeRecordBatch } from './record-batch-codec.js';
import { RecordBatchIterator, type RecordBatchIteratorOptions } from './record-batch-iterator.js';
import {
  NO_PARTITION_LEADER_EPOCH,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  NO_SEQUENCE,
  NO_TIMESTAMP,
  TimestampType,
} from './record-batch-layout.js';

/**
 * The messages a v2 batch becomes for a magic 0/1 reader (Kafka's RecordsUtil.downConvert): absolute
 * offsets and timestamps kept, headers dropped (the old formats have none); a control batch becomes
 * nothing, as old consumers must not see markers.
 */
export function toLegacyRecords(batch: RecordBatch): LegacyRecordInput[] {
  if (batch.isControl) return [];
  return batch.records.map((record) => ({
    offset: recordOffset(batch, record),
    timestamp: recordTimestamp(batch, record),
    key: record.key,
    value: record.value,
  }));
}

function downConversionOptions(batch: RecordBatch, toMagic: LegacyMagic): EncodeMessageSetOptions {
  // Kafka answers UNSUPPORTED_COMPRESSION_TYPE to fetches below v10 of zstd data: old readers lack it.
  if (batch.compression === CompressionCodec.zstd) throw new UnsupportedCompressionError(batch.compression);
  return { magic: toMagic, compression: batch.compression, timestampType: batch.timestampType };
}

/**
 * One v2 batch as a magic 0/1 message set, compressed with the batch's codec (one wrapper per
 * batch). Throws UnsupportedCompressionError for zstd, EncodeError and CompressionError.
 */
export function downConvertRecordBatchSync(batch: RecordBatch, toMagic: LegacyMagic): Buffer {
  return encodeMessageSetSync(toLegacyRecords(batch), downConversionOptions(batch, toMagic));
}

export async function downConvertRecordBatch(batch: RecordBatch, toMagic: LegacyMagic): Promise<Buffer> {
  return encodeMessageSet(toLegacyRecords(batch), downConversionOptions(batch, toMagic));
}

export interface DownConvertOptions extends DecodeRecordBatchOptions, RecordBatchIteratorOptions {}

/**
 * Down-converts a Fetch `records` field of v2 batches for a Fetch v0-v3 reader: each complete batch
 * is validated, decoded and rewritten; a partial batch at the end is dropped (the reader fetches it
 * again); control batches vanish. Returns a new Buffer.
 */
export async function downConvertRecords(
  records: Buffer,
  toMagic: LegacyMagic,
  options: DownConvertOptions = {},
): Promise<Buffer> {
  const parts: Buffer[] = [];
  for (const view of new RecordBatchIterator(records, options)) {
    parts.push(await downConvertRecordBatch(await decodeRecordBatch(view, options), toMagic));
  }
  return Buffer.concat(parts);
}

export interface UpConvertOptions {
  /**
   * `sequential` (default) numbers records 0..n-1, as a broker about to assign offsets needs (old
   * producers send arbitrary offsets, KafkaJS -1); `preserve` keeps the messages' offsets, which
   * must then increase strictly and span less than 2^31.
   */
  readonly offsets?: 'sequential' | 'preserve';
  /** Codec of the v2 batch (default: the set's, as Kafka keeps the producer's codec). */
  readonly compression?: CompressionCodec;
}

function offsetDeltas(set: LegacyMessageSet, preserve: boolean): { baseOffset: bigint; deltas: number[] } {
  const first = set.records[0]!;
  if (!preserve) return { baseOffset: 0n, deltas: set.records.map((_, index) => index) };
  let previous = first.offset - 1n;
  const deltas = set.records.map((record) => {
    if (record.offset <= previous || record.offset - first.offset > 0x7fffffffn) {
      throw new EncodeError(`offset ${record.offset} after ${previous} cannot be preserved in one batch`);
    }
    previous = record.offset;
    return Number(record.offset - first.offset);
  });
  return { baseOffset: first.offset, deltas };
}

/**
 * One v2 batch holding every message of a decoded magic 0/1 set, as Kafka's LogValidator converts an
 * old producer's request: no producer id, headers empty; magic 0 messages get NO_TIMESTAMP (-1), and
 * the batch takes LogAppendTime when its first message has it. Throws EncodeError for an empty set,
 * unpreservable offsets, or timestamps more than 2^53 ms apart.
 */
export function upConvertMessageSet(set: LegacyMessageSet, options: UpConvertOptions = {}): RecordBatch {
  const first = set.records[0];
  if (first === undefined) throw new EncodeError('cannot up-convert an empty message set');
  const { baseOffset, deltas } = offsetDeltas(set, options.offsets === 'preserve');
  const baseTimestamp = first.magic === 0 ? NO_TIMESTAMP : first.timestamp;
  let maxTimestamp = baseTimestamp;
  const records = set.records.map((record, index): KafkaRecord => {
    const timestamp = record.magic === 0 ? NO_TIMESTAMP : record.timestamp;
    if (timestamp > maxTimestamp) maxTimestamp = timestamp;
    const timestampDelta = Number(timestamp - baseTimestamp);
    if (!Number.isSafeInteger(timestampDelta))
      throw new EncodeError(`timestamp ${timestamp} too far from the first`);
    return {
      attributes: 0,
      timestampDelta,
      offsetDelta: deltas[index]!,
      key: record.key,
      value: record.value,
      headers: [],
    };
  });
  return {
    baseOffset,
    partitionLeaderEpoch: NO_PARTITION_LEADER_EPOCH,
    compression: options.compression ?? set.compression,
    timestampType:
      first.timestampType === TimestampType.logAppendTime
        ? TimestampType.logAppendTime
        : TimestampType.createTime,
    isTransactional: false,
    isControl: false,
    hasDeleteHorizonMs: false,
    lastOffsetDelta: deltas.at(-1)!,
    baseTimestamp,
    maxTimestamp,
    producerId: NO_PRODUCER_ID,
    producerEpoch: NO_PRODUCER_EPOCH,
    baseSequence: NO_SEQUENCE,
    records,
  };
}
