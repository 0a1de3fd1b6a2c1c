// Byte offsets of the v2 record batch header (Kafka's DefaultRecordBatch) and its attribute bits.

export const BASE_OFFSET_OFFSET = 0;
export const BATCH_LENGTH_OFFSET = 8;
export const PARTITION_LEADER_EPOCH_OFFSET = 12;
export const MAGIC_OFFSET = 16;
export const CRC_OFFSET = 17;
/** The CRC-32C covers `[ATTRIBUTES_OFFSET, end of batch)`: baseOffset, length, epoch and magic are outside. */
export const ATTRIBUTES_OFFSET = 21;
export const LAST_OFFSET_DELTA_OFFSET = 23;
export const BASE_TIMESTAMP_OFFSET = 27;
export const MAX_TIMESTAMP_OFFSET = 35;
export const PRODUCER_ID_OFFSET = 43;
export const PRODUCER_EPOCH_OFFSET = 51;
export const BASE_SEQUENCE_OFFSET = 53;
export const RECORDS_COUNT_OFFSET = 57;
/** Bytes of the header, also the size of a batch with no records. */
export const RECORD_BATCH_HEADER_BYTES = 61;
/** baseOffset and batchLength: the bytes a batch has beyond its `batchLength`. */
export const LOG_OVERHEAD = 12;
/** Bytes up to and including the magic byte: enough to tell a batch from a legacy message. */
export const HEADER_BYTES_UP_TO_MAGIC = 17;
/** The smallest valid `batchLength`. */
export const MIN_BATCH_LENGTH = RECORD_BATCH_HEADER_BYTES - LOG_OVERHEAD;

export const CURRENT_MAGIC = 2;

export const COMPRESSION_CODEC_MASK = 0x07;
export const TIMESTAMP_TYPE_BIT = 0x08;
export const TRANSACTIONAL_BIT = 0x10;
export const CONTROL_BIT = 0x20;
export const DELETE_HORIZON_BIT = 0x40;

/** Kafka's `TimestampType`: who set a record's timestamp. */
export const TimestampType = {
  createTime: 0,
  logAppendTime: 1,
} as const;
export type TimestampType = (typeof TimestampType)[keyof typeof TimestampType];

/** Kafka's `RecordBatch.NO_TIMESTAMP`, `NO_PRODUCER_ID`, `NO_PRODUCER_EPOCH`, `NO_SEQUENCE`. */
export const NO_TIMESTAMP = -1n;
export const NO_PRODUCER_ID = -1n;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;
/** Kafka's `RecordBatch.NO_PARTITION_LEADER_EPOCH`. */
export const NO_PARTITION_LEADER_EPOCH = -1;
