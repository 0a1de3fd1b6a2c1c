import type { CompressionCodec } from '../compression/index.js';
import { TimestampType } from './record-batch-layout.js';

/** A record header: Kafka keys headers by UTF-8 strings and allows a null value. */
export interface RecordHeader {
  readonly key: string;
  readonly value: Buffer | null;
}

/**
 * One record of a v2 batch, as on the wire: offsets and timestamps are deltas from the batch's base
 * (see recordOffset and recordTimestamp). `timestampDelta` is a number: Kafka timestamps are
 * milliseconds, so any delta between real timestamps is far inside ±2^53; a batch carrying a delta
 * outside that range is rejected as malformed. Decoded `key`, `value` and header values are views
 * into the batch or its decompressed records and live as long as that memory is not reused.
 */
export interface KafkaRecord {
  /** Record-level attributes (int8); unused by Kafka and written as 0 by every client. */
  readonly attributes: number;
  readonly timestampDelta: number;
  readonly offsetDelta: number;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: readonly RecordHeader[];
}

/** A v2 record batch with its records decoded; int64 fields are bigint, attributes are split out. */
export interface RecordBatch {
  readonly baseOffset: bigint;
  readonly partitionLeaderEpoch: number;
  readonly compression: CompressionCodec;
  readonly timestampType: TimestampType;
  readonly isTransactional: boolean;
  readonly isControl: boolean;
  /** KIP-534: when set, `baseTimestamp` holds the delete horizon of a compacted batch. */
  readonly hasDeleteHorizonMs: boolean;
  readonly lastOffsetDelta: number;
  readonly baseTimestamp: bigint;
  readonly maxTimestamp: bigint;
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly baseSequence: number;
  readonly records: readonly KafkaRecord[];
}

/** The absolute offset of `record` in `batch`. */
export function recordOffset(batch: RecordBatch, record: KafkaRecord): bigint {
  return batch.baseOffset + BigInt(record.offsetDelta);
}

/** The record's timestamp: the batch's maxTimestamp under LogAppendTime, base + delta otherwise. */
export function recordTimestamp(batch: RecordBatch, record: KafkaRecord): bigint {
  return batch.timestampType === TimestampType.logAppendTime
    ? batch.maxTimestamp
    : batch.baseTimestamp + BigInt(record.timestampDelta);
}
