import { crc32c } from '@node-rs/crc32';
import { readInt64BE, readInt64BEPlus, writeInt64BE } from '../primitives/index.js';
import {
  ATTRIBUTES_OFFSET,
  BASE_OFFSET_OFFSET,
  BASE_SEQUENCE_OFFSET,
  BASE_TIMESTAMP_OFFSET,
  BATCH_LENGTH_OFFSET,
  COMPRESSION_CODEC_MASK,
  CONTROL_BIT,
  CRC_OFFSET,
  CURRENT_MAGIC,
  DELETE_HORIZON_BIT,
  HEADER_BYTES_UP_TO_MAGIC,
  LAST_OFFSET_DELTA_OFFSET,
  LOG_OVERHEAD,
  MAGIC_OFFSET,
  MAX_TIMESTAMP_OFFSET,
  MIN_BATCH_LENGTH,
  PARTITION_LEADER_EPOCH_OFFSET,
  PRODUCER_EPOCH_OFFSET,
  PRODUCER_ID_OFFSET,
  RECORD_BATCH_HEADER_BYTES,
  RECORDS_COUNT_OFFSET,
  TIMESTAMP_TYPE_BIT,
  TimestampType,
  TRANSACTIONAL_BIT,
} from './record-batch-layout.js';
import {
  CrcMismatchError,
  InvalidBatchHeaderError,
  InvalidBatchLengthError,
  RecordCountMismatchError,
  TruncatedBatchError,
  UnsupportedMagicError,
} from './record-errors.js';

/** The fewest bytes a v2 record takes: length, attributes, timestamp and offset deltas, key, value, headers. */
export const MIN_RECORD_BYTES = 7;

export interface RecordBatchValidation {
  /** Check the CRC-32C (default true). Skip it only for bytes this process wrote itself. */
  readonly verifyCrc?: boolean;
  /**
   * Apply Kafka's produce-time checks (LogValidator): at least one record and
   * `lastOffsetDelta === recordsCount - 1`. Batches read back after compaction may have gaps.
   */
  readonly isProduce?: boolean;
}

/**
 * A zero-copy view of one v2 record batch inside a Buffer: header fields are read from the bytes on
 * each access and nothing is decoded or copied. The view does not own the Buffer; the set* methods
 * write into it, so the caller must own those bytes (a received frame it will not reuse elsewhere).
 * Construction (`RecordBatchView.at`) guarantees the whole batch lies inside the Buffer, so no getter
 * can read out of bounds.
 */
export class RecordBatchView {
  private constructor(
    /** The Buffer holding the batch (not owned). */
    readonly buffer: Buffer,
    /** Where the batch starts in `buffer`. */
    readonly offset: number,
    /** `batchLength + 12`: the bytes of the whole batch. */
    readonly sizeInBytes: number,
  ) {}

  /**
   * Views the batch at `offset`. Checks only what reading the header safely needs: the magic is 2,
   * `batchLength` is at least 49 (and at most `maxBatchBytes - 12` when given) and the batch ends
   * inside the Buffer. Throws TruncatedBatchError, InvalidBatchLengthError or UnsupportedMagicError;
   * call `validate()` for the CRC and field checks.
   */
  static at(buffer: Buffer, offset = 0, maxBatchBytes = Number.MAX_SAFE_INTEGER): RecordBatchView {
    const available = buffer.length - offset;
    if (offset < 0 || available < HEADER_BYTES_UP_TO_MAGIC) {
      throw new TruncatedBatchError(
        `record batch at ${offset} needs ${HEADER_BYTES_UP_TO_MAGIC} header bytes`,
      );
    }
    const magic = buffer.readInt8(offset + MAGIC_OFFSET);
    if (magic !== CURRENT_MAGIC) throw new UnsupportedMagicError(magic, `in record batch at ${offset}`);
    const batchLength = buffer.readInt32BE(offset + BATCH_LENGTH_OFFSET);
    checkBatchLength(batchLength, offset, maxBatchBytes);
    if (batchLength + LOG_OVERHEAD > available) {
      throw new TruncatedBatchError(
        `record batch at ${offset} of ${batchLength + LOG_OVERHEAD} bytes has only ${available} present`,
      );
    }
    return new RecordBatchView(buffer, offset, batchLength + LOG_OVERHEAD);
  }

  /**
   * The batch's bytes (a view, no copy): `buffer` itself when the batch fills it (a produce request's
   * records for a partition are usually one batch), so that no Buffer object is made per batch.
   */
  get bytes(): Buffer {
    const buffer = this.buffer;
    if (this.offset === 0 && this.sizeInBytes === buffer.length) return buffer;
    return buffer.subarray(this.offset, this.offset + this.sizeInBytes);
  }

  get baseOffset(): bigint {
    return readInt64BE(this.buffer, this.offset + BASE_OFFSET_OFFSET);
  }

  get batchLength(): number {
    return this.sizeInBytes - LOG_OVERHEAD;
  }

  get partitionLeaderEpoch(): number {
    return this.buffer.readInt32BE(this.offset + PARTITION_LEADER_EPOCH_OFFSET);
  }

  get magic(): number {
    return CURRENT_MAGIC;
  }

  /** The stored CRC-32C (unsigned). */
  get crc(): number {
    return this.buffer.readUInt32BE(this.offset + CRC_OFFSET);
  }

  get attributes(): number {
    return this.buffer.readInt16BE(this.offset + ATTRIBUTES_OFFSET);
  }

  /** Codec id from attribute bits 0-2 (0-4 valid; `validate()` rejects 5-7). */
  get compression(): number {
    return this.attributes & COMPRESSION_CODEC_MASK;
  }

  get timestampType(): TimestampType {
    return (this.attributes & TIMESTAMP_TYPE_BIT) !== 0
      ? TimestampType.logAppendTime
      : TimestampType.createTime;
  }

  get isTransactional(): boolean {
    return (this.attributes & TRANSACTIONAL_BIT) !== 0;
  }

  get isControl(): boolean {
    return (this.attributes & CONTROL_BIT) !== 0;
  }

  get hasDeleteHorizonMs(): boolean {
    return (this.attributes & DELETE_HORIZON_BIT) !== 0;
  }

  get lastOffsetDelta(): number {
    return this.buffer.readInt32BE(this.offset + LAST_OFFSET_DELTA_OFFSET);
  }

  get lastOffset(): bigint {
    return readInt64BEPlus(this.buffer, this.offset + BASE_OFFSET_OFFSET, this.lastOffsetDelta);
  }

  /** The offset after this batch: where the next batch of the log starts. */
  get nextOffset(): bigint {
    return readInt64BEPlus(this.buffer, this.offset + BASE_OFFSET_OFFSET, this.lastOffsetDelta + 1);
  }

  get baseTimestamp(): bigint {
    return readInt64BE(this.buffer, this.offset + BASE_TIMESTAMP_OFFSET);
  }

  get maxTimestamp(): bigint {
    return readInt64BE(this.buffer, this.offset + MAX_TIMESTAMP_OFFSET);
  }

  get producerId(): bigint {
    return readInt64BE(this.buffer, this.offset + PRODUCER_ID_OFFSET);
  }

  /** producerId >= 0 (a negative one, -1, means none), read from its high word: no BigInt. */
  get hasProducerId(): boolean {
    return this.buffer.readInt32BE(this.offset + PRODUCER_ID_OFFSET) >= 0;
  }

  get producerEpoch(): number {
    return this.buffer.readInt16BE(this.offset + PRODUCER_EPOCH_OFFSET);
  }

  get baseSequence(): number {
    return this.buffer.readInt32BE(this.offset + BASE_SEQUENCE_OFFSET);
  }

  get recordsCount(): number {
    return this.buffer.readInt32BE(this.offset + RECORDS_COUNT_OFFSET);
  }

  /** The bytes after the header: the records, compressed as a whole when `compression` is not 0. */
  get recordsBytes(): Buffer {
    return this.buffer.subarray(this.offset + RECORD_BATCH_HEADER_BYTES, this.offset + this.sizeInBytes);
  }

  /** CRC-32C of `[attributes, end of batch)`, computed natively over the bytes in place. */
  computeCrc(): number {
    return crc32c(this.buffer.subarray(this.offset + ATTRIBUTES_OFFSET, this.offset + this.sizeInBytes));
  }

  isCrcValid(): boolean {
    return this.computeCrc() === this.crc;
  }

  /**
   * Checks the CRC (unless `verifyCrc: false`), then that the codec is known, counts and offset
   * deltas are consistent and an uncompressed batch has room for its records. Throws
   * CrcMismatchError, InvalidBatchHeaderError or RecordCountMismatchError; decodes nothing.
   */
  validate(options: RecordBatchValidation = {}): void {
    if (options.verifyCrc !== false) {
      const computed = this.computeCrc();
      if (computed !== this.crc) throw new CrcMismatchError(this.crc, computed, this.where());
    }
    const compression = this.compression;
    if (compression > 4)
      throw new InvalidBatchHeaderError(`unknown compression codec ${compression} ${this.where()}`);
    const count = this.recordsCount;
    const lastOffsetDelta = this.lastOffsetDelta;
    if (count < 0) throw new InvalidBatchHeaderError(`negative records count ${count} ${this.where()}`);
    if (lastOffsetDelta < count - 1 || lastOffsetDelta < 0) {
      throw new RecordCountMismatchError(
        `${count} records cannot fit lastOffsetDelta ${lastOffsetDelta} ${this.where()}`,
      );
    }
    if (compression === 0 && count > (this.sizeInBytes - RECORD_BATCH_HEADER_BYTES) / MIN_RECORD_BYTES) {
      throw new RecordCountMismatchError(
        `${count} records cannot fit in ${this.sizeInBytes} bytes ${this.where()}`,
      );
    }
    if (options.isProduce === true && (count === 0 || lastOffsetDelta !== count - 1)) {
      throw new RecordCountMismatchError(
        `produced batch has ${count} records but lastOffsetDelta ${lastOffsetDelta} ${this.where()}`,
      );
    }
  }

  /** Assigns offsets in place (outside the CRC range: the CRC stays valid). */
  setBaseOffset(baseOffset: bigint): void {
    writeInt64BE(this.buffer, baseOffset, this.offset + BASE_OFFSET_OFFSET);
  }

  /** Stamps the leader epoch in place (outside the CRC range). */
  setPartitionLeaderEpoch(partitionLeaderEpoch: number): void {
    this.buffer.writeInt32BE(partitionLeaderEpoch, this.offset + PARTITION_LEADER_EPOCH_OFFSET);
  }

  /**
   * Sets the timestamp type bit and maxTimestamp in place and rewrites the CRC, as Kafka's
   * `DefaultRecordBatch.setMaxTimestamp` (a no-op when both already match). Other attribute bits
   * are kept. Assumes the batch was validated: a corrupt batch gets a valid CRC over corrupt bytes.
   */
  setMaxTimestamp(timestampType: TimestampType, maxTimestamp: bigint): void {
    if (this.timestampType === timestampType && this.maxTimestamp === maxTimestamp) return;
    const attributes = this.attributes;
    const updated =
      timestampType === TimestampType.logAppendTime
        ? attributes | TIMESTAMP_TYPE_BIT
        : attributes & ~TIMESTAMP_TYPE_BIT;
    this.buffer.writeInt16BE(updated, this.offset + ATTRIBUTES_OFFSET);
    writeInt64BE(this.buffer, maxTimestamp, this.offset + MAX_TIMESTAMP_OFFSET);
    this.buffer.writeUInt32BE(this.computeCrc(), this.offset + CRC_OFFSET);
  }

  /** The broker's `LogAppendTime` stamp: every record's timestamp becomes `timestampMs`. */
  setLogAppendTime(timestampMs: bigint): void {
    this.setMaxTimestamp(TimestampType.logAppendTime, timestampMs);
  }

  private where(): string {
    return `in record batch at ${this.offset} (baseOffset ${this.baseOffset})`;
  }
}

/** Throws InvalidBatchLengthError unless `batchLength` is within the v2 minimum and the maximum. */
export function checkBatchLength(batchLength: number, offset: number, maxBatchBytes: number): void {
  if (batchLength < MIN_BATCH_LENGTH) {
    throw new InvalidBatchLengthError(
      `record batch at ${offset} has batchLength ${batchLength} < ${MIN_BATCH_LENGTH}`,
    );
  }
  if (batchLength > maxBatchBytes - LOG_OVERHEAD) {
    throw new InvalidBatchLengthError(
      `record batch at ${offset} of ${batchLength} bytes exceeds ${maxBatchBytes}`,
    );
  }
}
