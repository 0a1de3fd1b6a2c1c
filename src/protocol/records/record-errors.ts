import type { KafkaFailureName } from '../errors.js';
import { PyralogError } from '../pyralog-error.js';

/**
 * Bytes that are not a valid record batch or legacy message. Every subclass has a stable `code` and
 * the Kafka error a broker answers with (`kafkaError`, a name from Kafka's error table). Decoders in
 * records/ throw only these (and CompressionError from compression/), never a RangeError.
 */
export abstract class CorruptRecordError extends PyralogError {
  readonly kafkaError: KafkaFailureName = 'CORRUPT_MESSAGE';
}

/** Fewer bytes than a header or a declared length needs (a torn write, a cut-off request). */
export class TruncatedBatchError extends CorruptRecordError {
  readonly code = 'TRUNCATED_BATCH';
}

/** A batch or message length below the format's minimum or above the configured maximum. */
export class InvalidBatchLengthError extends CorruptRecordError {
  readonly code = 'INVALID_BATCH_LENGTH';
}

/** A magic byte this decoder does not handle (v2 decoders see 0 or 1; anything above 2). */
export class UnsupportedMagicError extends CorruptRecordError {
  readonly code = 'UNSUPPORTED_MAGIC';
  override readonly kafkaError = 'UNSUPPORTED_VERSION';

  constructor(
    readonly magic: number,
    where: string,
  ) {
    super(`unsupported magic ${magic} ${where}`);
  }
}

/** The stored CRC (CRC-32C for v2, CRC-32 for magic 0/1) differs from the one computed. */
export class CrcMismatchError extends CorruptRecordError {
  readonly code = 'CRC_MISMATCH';

  constructor(
    readonly storedCrc: number,
    readonly computedCrc: number,
    where: string,
  ) {
    super(`CRC mismatch ${where}: stored ${storedCrc.toString(16)}, computed ${computedCrc.toString(16)}`);
  }
}

/** The header's record count disagrees with the records present or with its offset range. */
export class RecordCountMismatchError extends CorruptRecordError {
  readonly code = 'RECORD_COUNT_MISMATCH';
  override readonly kafkaError = 'INVALID_RECORD';
}

/** A header field out of range: unknown codec, negative count, inconsistent flags or offsets. */
export class InvalidBatchHeaderError extends CorruptRecordError {
  readonly code = 'INVALID_BATCH_HEADER';
}

/** A record (or legacy message) body that does not parse: bad varint, length or null marker. */
export class MalformedRecordError extends CorruptRecordError {
  readonly code = 'MALFORMED_RECORD';
}
