import {
  CompressionCodec,
  CompressionError,
  CorruptRecordError,
  decodeMessageSetSync,
  decodeRecordBatchSync,
  EncodeError,
  ErrorCode,
  encodeRecordBatchSync,
  type ProduceResponseBatchIndexAndErrorMessage,
  type RecordBatch,
  RecordBatchView,
  recordTimestamp,
  TimestampType,
  TruncatedBatchError,
  upConvertMessageSet,
  viewRecordBatches,
} from '../protocol/index.js';

/** Kafka's "never" for the timestamp bounds (Long.MAX_VALUE, as storage resolves it). */
const UNBOUNDED_MS = Number.MAX_SAFE_INTEGER;
/** Where the magic byte sits in both a v2 batch and a legacy message (offset, size, crc first). */
const MAGIC_OFFSET = 16;
/** Kafka shows at most this many record errors in the partition's error message. */
const SHOWN_RECORD_ERRORS = 3;

/** What a topic asks of produced batches (from its configs, Kafka names in brackets). */
export interface ProduceRules {
  /** [max.message.bytes] */
  readonly maxMessageBytes: number;
  /** [message.timestamp.type] LogAppendTime skips the timestamp bounds. */
  readonly usesLogAppendTime: boolean;
  /** [message.timestamp.before.max.ms] */
  readonly timestampBeforeMaxMs: number;
  /** [message.timestamp.after.max.ms] */
  readonly timestampAfterMaxMs: number;
  /** [cleanup.policy] includes compact: every record needs a key. */
  readonly isCompacted: boolean;
  /** [compression.type]: `producer`, `uncompressed` or a codec name. */
  readonly compressionType: string;
}

export type RecordError = ProduceResponseBatchIndexAndErrorMessage;

/** The one v2 batch to append (maybe rebuilt), or the partition's error with its record errors. */
export type ProduceCheck =
  | { readonly kind: 'accepted'; readonly view: RecordBatchView }
  | {
      readonly kind: 'refused';
      readonly errorCode: number;
      readonly message: string;
      readonly recordErrors: RecordError[];
    };

function refuse(errorCode: number, message: string, recordErrors: RecordError[] = []): ProduceCheck {
  return { kind: 'refused', errorCode, message, recordErrors };
}

/** The codec a topic's compression.type stores with, or undefined to keep the producer's. */
export function targetCodec(compressionType: string): CompressionCodec | undefined {
  switch (compressionType) {
    case 'producer':
      return undefined;
    case 'uncompressed':
      return CompressionCodec.none;
    case 'gzip':
    case 'snappy':
    case 'lz4':
    case 'zstd':
      return CompressionCodec[compressionType];
    default:
      return undefined;
  }
}

/**
 * Produce v0-2 carries legacy magic 0/1 message sets: they become one v2 batch, as Kafka's
 * LogValidator converts an old producer's messages (headers empty, no producer id). A magic 2
 * batch in those versions is taken as is.
 */
function toBatchBuffer(records: Buffer, apiVersion: number): Buffer {
  if (apiVersion >= 3 || records.length <= MAGIC_OFFSET || records.readInt8(MAGIC_OFFSET) >= 2) {
    return records;
  }
  const set = decodeMessageSetSync(records);
  if (set.partialBytes > 0) {
    throw new TruncatedBatchError(`message set ends with ${set.partialBytes} bytes of a cut-off message`);
  }
  return encodeRecordBatchSync(upConvertMessageSet(set));
}

function timestampErrors(batch: RecordBatch, rules: ProduceRules, nowMs: number): RecordError[] {
  const earliest =
    rules.timestampBeforeMaxMs >= UNBOUNDED_MS ? -Infinity : nowMs - rules.timestampBeforeMaxMs;
  const latest = rules.timestampAfterMaxMs >= UNBOUNDED_MS ? Infinity : nowMs + rules.timestampAfterMaxMs;
  const errors: RecordError[] = [];
  batch.records.forEach((record, batchIndex) => {
    const timestamp = Number(recordTimestamp(batch, record));
    if (timestamp === -1 || (timestamp >= earliest && timestamp <= latest)) return;
    errors.push({
      batchIndex,
      batchIndexErrorMessage:
        `timestamp ${timestamp} of the record is out of range: it must be within ` +
        `[${earliest}, ${latest}] (message.timestamp.before.max.ms / after.max.ms)`,
    });
  });
  return errors;
}

function missingKeyErrors(batch: RecordBatch): RecordError[] {
  const errors: RecordError[] = [];
  batch.records.forEach((record, batchIndex) => {
    if (record.key === null) {
      errors.push({
        batchIndex,
        batchIndexErrorMessage: 'a compacted topic cannot accept a record without a key',
      });
    }
  });
  return errors;
}

/**
 * Header-only screen of the CreateTime bounds: with no `before` bound, a batch whose base and max
 * timestamps lie within the bounds needs no decoding (the hot path). Otherwise the records decide.
 */
function timestampsNeedRecords(view: RecordBatchView, rules: ProduceRules, nowMs: number): boolean {
  if (rules.usesLogAppendTime || view.timestampType === TimestampType.logAppendTime) return false;
  const before = rules.timestampBeforeMaxMs;
  const after = rules.timestampAfterMaxMs;
  if (before >= UNBOUNDED_MS && after >= UNBOUNDED_MS) return false;
  if (before < UNBOUNDED_MS) return true;
  const latest = nowMs + after;
  return Number(view.baseTimestamp) > latest || Number(view.maxTimestamp) > latest;
}

function summary(what: string, errors: readonly RecordError[]): string {
  const shown = errors
    .slice(0, SHOWN_RECORD_ERRORS)
    .map((error) => `#${error.batchIndex}: ${error.batchIndexErrorMessage}`);
  return `${errors.length} record(s) rejected (${what}); first: ${shown.join('; ')}`;
}

function checkRecords(view: RecordBatchView, rules: ProduceRules, nowMs: number): ProduceCheck {
  const checkTimestamps = timestampsNeedRecords(view, rules, nowMs);
  const codec = targetCodec(rules.compressionType);
  const recompress = codec !== undefined && codec !== view.compression;
  if (!checkTimestamps && !rules.isCompacted && !recompress) return { kind: 'accepted', view };
  const batch = decodeRecordBatchSync(view);
  if (rules.isCompacted && !batch.isControl) {
    const errors = missingKeyErrors(batch);
    if (errors.length > 0)
      return refuse(ErrorCode.INVALID_RECORD, summary('compacted topic', errors), errors);
  }
  if (checkTimestamps) {
    const errors = timestampErrors(batch, rules, nowMs);
    if (errors.length > 0)
      return refuse(ErrorCode.INVALID_TIMESTAMP, summary('invalid timestamp', errors), errors);
  }
  if (!recompress) return { kind: 'accepted', view };
  // Kafka rebuilds the batch with the topic's codec (BrokerCompressionType.targetCompression).
  const rebuilt = encodeRecordBatchSync({ ...batch, compression: codec });
  return { kind: 'accepted', view: RecordBatchView.at(rebuilt) };
}

/**
 * Kafka's LogValidator for one partition of a produce request: one v2 batch (legacy message sets
 * of v0-2 converted), CRC and header checks, max.message.bytes, CreateTime bounds and compacted
 * keys with record errors (batchIndex = the record's index in the batch), and the topic's
 * compression.type. Synchronous: the caller appends before its first await to keep request order.
 * Errors: CORRUPT_MESSAGE, INVALID_RECORD, MESSAGE_TOO_LARGE, INVALID_TIMESTAMP,
 * UNSUPPORTED_COMPRESSION_TYPE (a codec the broker cannot rebuild).
 */
export function validateProduce(
  records: Buffer | null,
  apiVersion: number,
  rules: ProduceRules,
  nowMs: number,
): ProduceCheck {
  if (records === null || records.length === 0) {
    return refuse(ErrorCode.CORRUPT_MESSAGE, 'no record batch in the request');
  }
  try {
    const views = viewRecordBatches(toBatchBuffer(records, apiVersion), { isProduce: true });
    // Produce v3+ carries exactly one batch per partition (Kafka's LogValidator).
    if (views.length !== 1)
      return refuse(ErrorCode.INVALID_RECORD, `${views.length} record batches; expected one`);
    const view = views[0]!;
    if (view.isControl) return refuse(ErrorCode.INVALID_RECORD, 'clients may not write control batches');
    // Kafka refuses zstd below Produce v7 (KIP-110): older readers could not decompress it.
    if (view.compression === CompressionCodec.zstd && apiVersion < 7) {
      return refuse(ErrorCode.UNSUPPORTED_COMPRESSION_TYPE, 'zstd needs Produce v7 or later');
    }
    if (view.sizeInBytes > rules.maxMessageBytes) {
      const message = `batch of ${view.sizeInBytes} bytes is over max.message.bytes ${rules.maxMessageBytes}`;
      return refuse(ErrorCode.MESSAGE_TOO_LARGE, message);
    }
    return checkRecords(view, rules, nowMs);
  } catch (error: unknown) {
    if (error instanceof CorruptRecordError) {
      const errorCode =
        apiVersion >= 3 && error.kafkaError === 'UNSUPPORTED_VERSION' ? 'INVALID_RECORD' : 'CORRUPT_MESSAGE';
      return refuse(ErrorCode[errorCode], error.message);
    }
    if (error instanceof CompressionError) return refuse(ErrorCode[error.kafkaError], error.message);
    if (error instanceof EncodeError) return refuse(ErrorCode.INVALID_RECORD, error.message);
    throw error;
  }
}
