// src/protocol/records owns Kafka's record formats: v2 batches (zero-copy views, CRC-32C, in-place stamping, codecs), control records, legacy magic 0/1 sets and conversions.
// It must not know about sockets, disks, topics, partitions or what a record means to a subsystem.
export {
  CONTROL_RECORD_KEY_VERSION,
  type ControlRecordKey,
  ControlRecordType,
  createEndTxnMarkerBatch,
  decodeControlRecordKey,
  decodeEndTxnMarker,
  END_TXN_MARKER_VERSION,
  type EndTxnMarker,
  type EndTxnMarkerBatchInput,
  encodeControlRecordKey,
  encodeEndTxnMarker,
} from './control-record.js';
export { createRecordBatch, type RecordBatchInput, type RecordInput } from './create-record-batch.js';
export {
  type KafkaRecord,
  type RecordBatch,
  type RecordHeader,
  recordOffset,
  recordTimestamp,
} from './kafka-record.js';
export {
  type LegacyEntry,
  type LegacyEntryInput,
  type LegacyMagic,
  legacyCompression,
  legacyTimestampType,
  probeLegacyEntry,
  readLegacyEntry,
} from './legacy-message.js';
export {
  type DecodeMessageSetOptions,
  decodeMessageSet,
  decodeMessageSetSync,
  type EncodeMessageSetOptions,
  encodeMessageSet,
  encodeMessageSetSync,
  type LegacyMessageSet,
  type LegacyRecord,
  type LegacyRecordInput,
} from './legacy-message-set.js';
export {
  type DownConvertOptions,
  downConvertRecordBatch,
  downConvertRecordBatchSync,
  downConvertRecords,
  toLegacyRecords,
  type UpConvertOptions,
  upConvertMessageSet,
} from './message-format-conversion.js';
export {
  type BuiltBatchHeader,
  RecordBatchBuilder,
  type RecordBatchBuilderOptions,
} from './record-batch-builder.js';
export {
  batchAttributes,
  type DecodedRecordBatches,
  type DecodeRecordBatchOptions,
  decodeRecordBatch,
  decodeRecordBatches,
  decodeRecordBatchesSync,
  decodeRecordBatchSync,
  type EncodeRecordBatchOptions,
  encodeRecordBatch,
  encodeRecordBatchSync,
} from './record-batch-codec.js';
export {
  RecordBatchIterator,
  type RecordBatchIteratorOptions,
  type ViewRecordBatchesOptions,
  viewRecordBatches,
} from './record-batch-iterator.js';
export {
  ATTRIBUTES_OFFSET,
  BATCH_LENGTH_OFFSET,
  CURRENT_MAGIC,
  LAST_OFFSET_DELTA_OFFSET,
  LOG_OVERHEAD,
  MAGIC_OFFSET,
  NO_PARTITION_LEADER_EPOCH,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  NO_SEQUENCE,
  NO_TIMESTAMP,
  RECORD_BATCH_HEADER_BYTES,
  TimestampType,
  TRANSACTIONAL_BIT,
} from './record-batch-layout.js';
export { MIN_RECORD_BYTES, type RecordBatchValidation, RecordBatchView } from './record-batch-view.js';
export {
  CorruptRecordError,
  CrcMismatchError,
  InvalidBatchHeaderError,
  InvalidBatchLengthError,
  MalformedRecordError,
  RecordCountMismatchError,
  TruncatedBatchError,
  UnsupportedMagicError,
} from './record-errors.js';
