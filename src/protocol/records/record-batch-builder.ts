import { crc32c } from '@node-rs/crc32';
import {
  CompressionCodec,
  type CompressOptions,
  compress,
  isCompressionCodec,
} from '../compression/index.js';
import { EncodeError } from '../primitives/index.js';
import type { RecordHeader } from './kafka-record.js';
import {
  ATTRIBUTES_OFFSET,
  BASE_OFFSET_OFFSET,
  BASE_SEQUENCE_OFFSET,
  BASE_TIMESTAMP_OFFSET,
  BATCH_LENGTH_OFFSET,
  CRC_OFFSET,
  CURRENT_MAGIC,
  LAST_OFFSET_DELTA_OFFSET,
  LOG_OVERHEAD,
  MAGIC_OFFSET,
  MAX_TIMESTAMP_OFFSET,
  NO_PARTITION_LEADER_EPOCH,
  PARTITION_LEADER_EPOCH_OFFSET,
  PRODUCER_EPOCH_OFFSET,
  PRODUCER_ID_OFFSET,
  RECORD_BATCH_HEADER_BYTES,
  RECORDS_COUNT_OFFSET,
} from './record-batch-layout.js';
import { INT32_MAX, INT32_MIN, sizeOfNullableBytes, sizeOfZigzag } from './record-encoding.js';

/** The header fields a producer chooses; the rest follows from the records (CreateTime, baseOffset 0). */
export interface BuiltBatchHeader {
  readonly compression: CompressionCodec;
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly baseSequence: number;
}

export interface RecordBatchBuilderOptions {
  /** Bytes of the first buffer (grown as records need). */
  readonly initialBytes?: number;
  /** Where buffers come from (at least the given bytes); Buffer.allocUnsafeSlow by default. */
  readonly allocate?: (bytes: number) => Buffer;
  /** Takes back a buffer the builder grew out of (nothing references it). */
  readonly release?: (buffer: Buffer) => void;
}

/** The zigzag varlong of a safe integer outside int32, as bytes. */
function varlongBytes(value: number): number[] {
  const signed = BigInt(value);
  let raw = BigInt.asUintN(64, (signed << 1n) ^ (signed >> 63n));
  const bytes: number[] = [];
  while (raw >= 0x80n) {
    bytes.push(Number(raw & 0x7fn) | 0x80);
    raw >>= 7n;
  }
  bytes.push(Number(raw));
  return bytes;
}

/**
 * Writes records in Kafka's v2 format into one buffer as they arrive, the way Kafka's
 * MemoryRecordsBuilder does: a record costs its bytes and no object, and building the batch only fills
 * in the 61-byte header and the CRC-32C. Offset deltas are 0, 1, 2...; timestamp deltas are from the
 * first record's timestamp (CreateTime). Key, value and header bytes are copied at append, so the
 * caller's buffers may change afterwards.
 */
export class RecordBatchBuilder {
  private buffer: Buffer;
  private position = RECORD_BATCH_HEADER_BYTES;
  private count = 0;
  private baseTimestampMs = 0;
  private maxTimestampMs = 0;
  private readonly allocate: (bytes: number) => Buffer;
  private readonly release: ((buffer: Buffer) => void) | undefined;

  constructor(options: RecordBatchBuilderOptions = {}) {
    this.allocate = options.allocate ?? ((bytes) => Buffer.allocUnsafeSlow(bytes));
    this.release = options.release;
    this.buffer = this.allocate(Math.max(RECORD_BATCH_HEADER_BYTES, options.initialBytes ?? 1024));
  }

  get recordCount(): number {
    return this.count;
  }

  /** Bytes of the batch so far: header and records. */
  get sizeInBytes(): number {
    return this.position;
  }

  /** The buffer the records are written into (for its owner to reuse once the batch is no longer read). */
  get backingBuffer(): Buffer {
    return this.buffer;
  }

  /**
   * Appends a record. Throws EncodeError when `timestampMs` is not a safe integer, the batch already
   * holds INT32_MAX records, or the record cannot fit a batch; nothing is written then.
   */
  append(
    timestampMs: number,
    key: Buffer | null,
    value: Buffer | null,
    headers: readonly RecordHeader[],
  ): void {
    if (!Number.isSafeInteger(timestampMs))
      throw new EncodeError(`timestamp ${timestampMs} is not a safe integer`);
    const offsetDelta = this.count;
    if (offsetDelta === INT32_MAX) throw new EncodeError('a record batch holds at most 2^31-1 records');
    if (offsetDelta === 0) {
      this.baseTimestampMs = timestampMs;
      this.maxTimestampMs = timestampMs;
    } else if (timestampMs > this.maxTimestampMs) this.maxTimestampMs = timestampMs;
    const timestampDelta = timestampMs - this.baseTimestampMs;
    const isIntDelta = timestampDelta >= INT32_MIN && timestampDelta <= INT32_MAX;
    const longDelta = isIntDelta ? undefined : varlongBytes(timestampDelta);
    let bodyBytes =
      1 +
      (longDelta === undefined ? sizeOfZigzag(timestampDelta) : longDelta.length) +
      sizeOfZigzag(offsetDelta) +
      sizeOfNullableBytes(key) +
      sizeOfNullableBytes(value) +
      sizeOfZigzag(headers.length);
    for (let i = 0; i < headers.length; i++) {
      const header = headers[i]!;
      const keyBytes = Buffer.byteLength(header.key, 'utf8');
      bodyBytes += sizeOfZigzag(keyBytes) + keyBytes + sizeOfNullableBytes(header.value);
    }
    if (bodyBytes > INT32_MAX - RECORD_BATCH_HEADER_BYTES - 5)
      throw new EncodeError(`a record of ${bodyBytes} bytes cannot fit a record batch`);
    this.ensure(sizeOfZigzag(bodyBytes) + bodyBytes);
    const b = this.buffer;
    let at = this.writeVarint(this.position, bodyBytes);
    b[at++] = 0; // attributes
    if (longDelta === undefined) at = this.writeVarint(at, timestampDelta);
    else for (let i = 0; i < longDelta.length; i++) b[at++] = longDelta[i]!;
    at = this.writeVarint(at, offsetDelta);
    at = this.writeNullableBytes(at, key);
    at = this.writeNullableBytes(at, value);
    at = this.writeVarint(at, headers.length);
    for (let i = 0; i < headers.length; i++) {
      const header = headers[i]!;
      at = this.writeVarint(at, Buffer.byteLength(header.key, 'utf8'));
      at += b.write(header.key, at, 'utf8');
      at = this.writeNullableBytes(at, header.value);
    }
    this.position = at;
    this.count = offsetDelta + 1;
  }

  /** The records as written, after the header: what a codec compresses. A view; valid until the next append. */
  recordsBytes(): Buffer {
    return this.buffer.subarray(RECORD_BATCH_HEADER_BYTES, this.position);
  }

  /**
   * The uncompressed batch, header and CRC filled in, as a view of the builder's buffer (no copy).
   * Throws EncodeError for an empty batch or a header field out of range.
   */
  build(header: BuiltBatchHeader): Buffer {
    if (header.compression !== CompressionCodec.none)
      throw new EncodeError('build() writes uncompressed batches: use buildCompressed');
    const batch = this.buffer.subarray(0, this.position);
    this.writeHeader(batch, header);
    return batch;
  }

  /**
   * A new buffer holding the batch with its records compressed by `header.compression` (large inputs
   * on the thread pool, see compress); the builder's buffer is left as it is. Throws EncodeError as
   * build does and CompressionError from the codec.
   */
  async buildCompressed(header: BuiltBatchHeader, options?: CompressOptions): Promise<Buffer> {
    if (!isCompressionCodec(header.compression))
      throw new EncodeError(`unknown compression codec ${header.compression}`);
    if (header.compression === CompressionCodec.none) return Buffer.from(this.build(header));
    const payload = await compress(header.compression, this.recordsBytes(), options);
    const batch = Buffer.allocUnsafe(RECORD_BATCH_HEADER_BYTES + payload.length);
    payload.copy(batch, RECORD_BATCH_HEADER_BYTES);
    this.writeHeader(batch, header);
    return batch;
  }

  private writeHeader(batch: Buffer, header: BuiltBatchHeader): void {
    if (this.count === 0) throw new EncodeError('a record batch needs at least one record');
    if ((header.producerEpoch << 16) >> 16 !== header.producerEpoch)
      throw new EncodeError(`producerEpoch out of int16 range: ${header.producerEpoch}`);
    if ((header.baseSequence | 0) !== header.baseSequence)
      throw new EncodeError(`baseSequence out of int32 range: ${header.baseSequence}`);
    try {
      batch.writeBigInt64BE(0n, BASE_OFFSET_OFFSET);
      batch.writeInt32BE(batch.length - LOG_OVERHEAD, BATCH_LENGTH_OFFSET);
      batch.writeInt32BE(NO_PARTITION_LEADER_EPOCH, PARTITION_LEADER_EPOCH_OFFSET);
      batch.writeInt8(CURRENT_MAGIC, MAGIC_OFFSET);
      batch.writeInt16BE(header.compression, ATTRIBUTES_OFFSET);
      batch.writeInt32BE(this.count - 1, LAST_OFFSET_DELTA_OFFSET);
      batch.writeBigInt64BE(BigInt(this.baseTimestampMs), BASE_TIMESTAMP_OFFSET);
      batch.writeBigInt64BE(BigInt(this.maxTimestampMs), MAX_TIMESTAMP_OFFSET);
      batch.writeBigInt64BE(header.producerId, PRODUCER_ID_OFFSET);
      batch.writeInt16BE(header.producerEpoch, PRODUCER_EPOCH_OFFSET);
      batch.writeInt32BE(header.baseSequence, BASE_SEQUENCE_OFFSET);
      batch.writeInt32BE(this.count, RECORDS_COUNT_OFFSET);
    } catch (error: unknown) {
      if (!(error instanceof RangeError)) throw error;
      throw new EncodeError(`record batch header field out of range: ${error.message}`, { cause: error });
    }
    batch.writeUInt32BE(crc32c(batch.subarray(ATTRIBUTES_OFFSET)), CRC_OFFSET);
  }

  /** Makes room for `bytes` more, moving the written bytes to a larger buffer when needed. */
  private ensure(bytes: number): void {
    const needed = this.position + bytes;
    if (needed <= this.buffer.length) return;
    const grown = this.allocate(Math.max(needed, this.buffer.length * 2));
    this.buffer.copy(grown, 0, 0, this.position);
    const old = this.buffer;
    this.buffer = grown;
    this.release?.(old);
  }

  /** Writes the zigzag varint of an int32 at `at`; returns the position after it. */
  private writeVarint(at: number, value: number): number {
    const b = this.buffer;
    // The zigzag of an int32 is below 2^32, where >>> is exact.
    let rest = value >= 0 ? value * 2 : -value * 2 - 1;
    while (rest >= 0x80) {
      b[at++] = (rest & 0x7f) | 0x80;
      rest >>>= 7;
    }
    b[at++] = rest;
    return at;
  }

  private writeNullableBytes(at: number, bytes: Buffer | null): number {
    if (bytes === null) return this.writeVarint(at, -1);
    const start = this.writeVarint(at, bytes.length);
    this.buffer.set(bytes, start);
    return start + bytes.length;
  }
}
