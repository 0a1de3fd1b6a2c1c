import { CompressionCodec } from '../compression/index.js';
import { EncodeError } from '../primitives/index.js';
import type { KafkaRecord, RecordBatch, RecordHeader } from './kafka-record.js';
import {
  NO_PARTITION_LEADER_EPOCH,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  NO_SEQUENCE,
  NO_TIMESTAMP,
  TimestampType,
} from './record-batch-layout.js';

/** A record as a producer gives it: absolute timestamp, no offsets. */
export interface RecordInput {
  readonly key?: Buffer | null;
  readonly value?: Buffer | null;
  readonly headers?: readonly RecordHeader[];
  /** Milliseconds since the epoch; defaults to the batch input's `timestamp`, else -1 (none). */
  readonly timestamp?: bigint;
}

/** What a producer decides for a batch; every field but `records` has Kafka's "none" default. */
export interface RecordBatchInput {
  readonly records: readonly RecordInput[];
  readonly baseOffset?: bigint;
  readonly partitionLeaderEpoch?: number;
  readonly compression?: CompressionCodec;
  readonly timestampType?: TimestampType;
  readonly isTransactional?: boolean;
  readonly isControl?: boolean;
  readonly producerId?: bigint;
  readonly producerEpoch?: number;
  readonly baseSequence?: number;
  /** Timestamp of records that have none. */
  readonly timestamp?: bigint;
}

/**
 * Builds a RecordBatch as Kafka's producer does: offset deltas 0..n-1, baseTimestamp the first
 * record's timestamp, maxTimestamp the largest, timestamp deltas from the first. Keeps references
 * to the given Buffers. Throws EncodeError for an empty record list or a timestamp delta beyond
 * ±2^53 ms.
 */
export function createRecordBatch(input: RecordBatchInput): RecordBatch {
  const first = input.records[0];
  if (first === undefined) throw new EncodeError('a record batch needs at least one record');
  const timestampOf = (record: RecordInput): bigint => record.timestamp ?? input.timestamp ?? NO_TIMESTAMP;
  const baseTimestamp = timestampOf(first);
  let maxTimestamp = baseTimestamp;
  const records = input.records.map((record, index): KafkaRecord => {
    const timestamp = timestampOf(record);
    if (timestamp > maxTimestamp) maxTimestamp = timestamp;
    const timestampDelta = Number(timestamp - baseTimestamp);
    if (!Number.isSafeInteger(timestampDelta)) {
      throw new EncodeError(
        `timestamp ${timestamp} is too far from the batch's first timestamp ${baseTimestamp}`,
      );
    }
    return {
      attributes: 0,
      timestampDelta,
      offsetDelta: index,
      key: record.key ?? null,
      value: record.value ?? null,
      headers: record.headers ?? [],
    };
  });
  return {
    baseOffset: input.baseOffset ?? 0n,
    partitionLeaderEpoch: input.partitionLeaderEpoch ?? NO_PARTITION_LEADER_EPOCH,
    compression: input.compression ?? CompressionCodec.none,
    timestampType: input.timestampType ?? TimestampType.createTime,
    isTransactional: input.isTransactional ?? false,
    isControl: input.isControl ?? false,
    hasDeleteHorizonMs: false,
    lastOffsetDelta: records.length - 1,
    baseTimestamp,
    maxTimestamp,
    producerId: input.producerId ?? NO_PRODUCER_ID,
    producerEpoch: input.producerEpoch ?? NO_PRODUCER_EPOCH,
    baseSequence: input.baseSequence ?? NO_SEQUENCE,
    records,
  };
}
