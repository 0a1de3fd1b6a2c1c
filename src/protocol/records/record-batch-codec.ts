import { crc32c } from '@node-rs/crc32';
import {
  CompressionCodec,
  type CompressOptions,
  compress,
  compressSync,
  type DecompressOptions,
  decompress,
  decompressSync,
  isCompressionCodec,
} from '../compression/index.js';
import { ByteReader, ByteWriter, EncodeError, ZERO_COPY_THRESHOLD } from '../primitives/index.js';
import type { KafkaRecord, RecordBatch } from './kafka-record.js';
import { RecordBatchIterator, type RecordBatchIteratorOptions } from './record-batch-iterator.js';
import {
  ATTRIBUTES_OFFSET,
  BATCH_LENGTH_OFFSET,
  CONTROL_BIT,
  CRC_OFFSET,
  CURRENT_MAGIC,
  DELETE_HORIZON_BIT,
  LOG_OVERHEAD,
  RECORD_BATCH_HEADER_BYTES,
  TIMESTAMP_TYPE_BIT,
  TimestampType,
  TRANSACTIONAL_BIT,
} from './record-batch-layout.js';
import type { RecordBatchValidation, RecordBatchView } from './record-batch-view.js';
import { readRecords, writeRecords } from './record-encoding.js';

const EMPTY = Buffer.alloc(0);

/** The attributes int16 of `batch`'s flags. Throws EncodeError for a codec outside 0-4. */
export function batchAttributes(batch: RecordBatch): number {
  if (!isCompressionCodec(batch.compression))
    throw new EncodeError(`unknown compression codec ${batch.compression}`);
  return (
    batch.compression |
    (batch.timestampType === TimestampType.logAppendTime ? TIMESTAMP_TYPE_BIT : 0) |
    (batch.isTransactional ? TRANSACTIONAL_BIT : 0) |
    (batch.isControl ? CONTROL_BIT : 0) |
    (batch.hasDeleteHorizonMs ? DELETE_HORIZON_BIT : 0)
  );
}

/**
 * Writes the 61-byte header with batchLength and CRC left 0 for `sealBatch`. A field outside its
 * wire type (Buffer's RangeError) becomes EncodeError.
 */
function writeHeader(writer: ByteWriter, batch: RecordBatch): ByteWriter {
  const attributes = batchAttributes(batch);
  try {
    return writer
      .int64(batch.baseOffset)
      .int32(0)
      .int32(batch.partitionLeaderEpoch)
      .int8(CURRENT_MAGIC)
      .uint32(0)
      .int16(attributes)
      .int32(batch.lastOffsetDelta)
      .int64(batch.baseTimestamp)
      .int64(batch.maxTimestamp)
      .int64(batch.producerId)
      .int16(batch.producerEpoch)
      .int32(batch.baseSequence)
      .int32(batch.records.length);
  } catch (error: unknown) {
    if (!(error instanceof RangeError)) throw error;
    throw new EncodeError(`record batch header field out of range: ${error.message}`, { cause: error });
  }
}

/** Fills in batchLength and the CRC-32C of a fully written batch. */
function sealBatch(bytes: Buffer): Buffer {
  bytes.writeInt32BE(bytes.length - LOG_OVERHEAD, BATCH_LENGTH_OFFSET);
  bytes.writeUInt32BE(crc32c(bytes.subarray(ATTRIBUTES_OFFSET)), CRC_OFFSET);
  return bytes;
}

/** A record's fields besides its bytes, each varint at its widest: length, attributes, deltas, counts. */
const RECORD_FIELDS_MAX_BYTES = 5 + 1 + 10 + 5 + 5 + 5 + 5;

/**
 * An upper bound of what writeRecords copies into a writer's scratch buffer (byte views of at least
 * ZERO_COPY_THRESHOLD are referenced, not copied), so that the writer is allocated once instead of
 * doubling and copying its way up to a producer's megabyte batch.
 */
function scratchBytesBound(records: readonly KafkaRecord[]): number {
  let size = 0;
  for (let r = 0; r < records.length; r++) {
    const record = records[r]!;
    size += RECORD_FIELDS_MAX_BYTES + copiedBytes(record.key) + copiedBytes(record.value);
    const { headers } = record;
    for (let h = 0; h < headers.length; h++) {
      const header = headers[h]!;
      size += 10 + 3 * header.key.length + copiedBytes(header.value);
    }
  }
  return size;
}

/** Bytes of a view that a ByteWriter copies (0 for one it references). */
function copiedBytes(bytes: Buffer | null): number {
  return bytes === null || bytes.length >= ZERO_COPY_THRESHOLD ? 0 : bytes.length;
}

function encodeRecordsOnly(batch: RecordBatch): Buffer {
  const writer = new ByteWriter(Math.max(1024, scratchBytesBound(batch.records)));
  writeRecords(writer, batch.records);
  return writer.toBuffer();
}

function withPayload(batch: RecordBatch, payload: Buffer): Buffer {
  return sealBatch(writeHeader(new ByteWriter(), batch).bytes(payload).toBuffer());
}

export interface EncodeRecordBatchOptions extends CompressOptions {
  /**
   * Uncompressed batches only: where the encoder's buffer comes from (at least the given bytes, which
   * bound the encoded batch unless it references records of ZERO_COPY_THRESHOLD bytes or more). The
   * result may then be a view into that buffer.
   */
  readonly allocate?: (bytes: number) => Buffer;
}

/**
 * Encodes `batch` exactly as given (header fields are not recomputed from the records: see
 * createRecordBatch), compressing the records with `batch.compression` on the calling thread. The
 * result is a new Buffer owned by the caller (or a view into `options.allocate`'s). Throws EncodeError
 * for a field out of range and CompressionError from the codec.
 */
export function encodeRecordBatchSync(batch: RecordBatch, options?: EncodeRecordBatchOptions): Buffer {
  if (batch.compression === CompressionCodec.none) {
    const writer = writeHeader(
      new ByteWriter(RECORD_BATCH_HEADER_BYTES + scratchBytesBound(batch.records), options?.allocate),
      batch,
    );
    writeRecords(writer, batch.records);
    return sealBatch(writer.toBuffer());
  }
  return withPayload(batch, compressSync(batch.compression, encodeRecordsOnly(batch), options));
}

/** encodeRecordBatchSync with compression of large batches on the thread pool (see compress). */
export async function encodeRecordBatch(batch: RecordBatch, options?: CompressOptions): Promise<Buffer> {
  if (batch.compression === CompressionCodec.none) return encodeRecordBatchSync(batch);
  return withPayload(batch, await compress(batch.compression, encodeRecordsOnly(batch), options));
}

export interface DecodeRecordBatchOptions
  extends DecompressOptions,
    Pick<RecordBatchValidation, 'verifyCrc'> {}

function headerOf(view: RecordBatchView, options: DecodeRecordBatchOptions): Omit<RecordBatch, 'records'> {
  view.validate({ verifyCrc: options.verifyCrc ?? true });
  return {
    baseOffset: view.baseOffset,
    partitionLeaderEpoch: view.partitionLeaderEpoch,
    compression: view.compression as CompressionCodec,
    timestampType: view.timestampType,
    isTransactional: view.isTransactional,
    isControl: view.isControl,
    hasDeleteHorizonMs: view.hasDeleteHorizonMs,
    lastOffsetDelta: view.lastOffsetDelta,
    baseTimestamp: view.baseTimestamp,
    maxTimestamp: view.maxTimestamp,
    producerId: view.producerId,
    producerEpoch: view.producerEpoch,
    baseSequence: view.baseSequence,
  };
}

function withRecords(
  view: RecordBatchView,
  header: Omit<RecordBatch, 'records'>,
  payload: Buffer,
): RecordBatch {
  const where = `in record batch at ${view.offset} (baseOffset ${header.baseOffset})`;
  return { ...header, records: readRecords(new ByteReader(payload), view.recordsCount, where) };
}

/** The records payload when it needs no decompression (uncompressed, or 0 records as in Kafka), else undefined. */
function storedPayload(view: RecordBatchView, header: Omit<RecordBatch, 'records'>): Buffer | undefined {
  if (header.compression === CompressionCodec.none) return view.recordsBytes;
  return view.recordsCount === 0 ? EMPTY : undefined;
}

/**
 * Validates (CRC-32C unless `verifyCrc: false`, header fields) and decodes the batch `view` points
 * at, decompressing on the calling thread within `maxDecompressedBytes`. Like Kafka, a batch
 * declaring 0 records is not decompressed. Decoded Buffers are views into the batch (uncompressed)
 * or into a new decompressed Buffer. Throws CorruptRecordError subclasses and CompressionError.
 */
export function decodeRecordBatchSync(
  view: RecordBatchView,
  options: DecodeRecordBatchOptions = {},
): RecordBatch {
  const header = headerOf(view, options);
  const payload =
    storedPayload(view, header) ?? decompressSync(header.compression, view.recordsBytes, options);
  return withRecords(view, header, payload);
}

/** decodeRecordBatchSync with decompression on the thread pool where the codec allows (see decompress). */
export async function decodeRecordBatch(
  view: RecordBatchView,
  options: DecodeRecordBatchOptions = {},
): Promise<RecordBatch> {
  const header = headerOf(view, options);
  const payload =
    storedPayload(view, header) ?? (await decompress(header.compression, view.recordsBytes, options));
  return withRecords(view, header, payload);
}

export interface DecodedRecordBatches {
  readonly batches: RecordBatch[];
  /** Bytes after the last complete batch (a fetch may cut its last batch), not decoded. */
  readonly partialBytes: number;
}

/**
 * Decodes every complete v2 batch of a Fetch or Produce `records` field, in order, decompressing on
 * the thread pool where the codec allows. Throws as RecordBatchIterator and decodeRecordBatch.
 */
export async function decodeRecordBatches(
  records: Buffer,
  options: DecodeRecordBatchOptions & RecordBatchIteratorOptions = {},
): Promise<DecodedRecordBatches> {
  const iterator = new RecordBatchIterator(records, options);
  const batches: RecordBatch[] = [];
  for (const view of iterator) batches.push(await decodeRecordBatch(view, options));
  return { batches, partialBytes: iterator.partialBytes };
}

/** decodeRecordBatches on the calling thread. */
export function decodeRecordBatchesSync(
  records: Buffer,
  options: DecodeRecordBatchOptions & RecordBatchIteratorOptions = {},
): DecodedRecordBatches {
  const iterator = new RecordBatchIterator(records, options);
  const batches: RecordBatch[] = [];
  for (const view of iterator) batches.push(decodeRecordBatchSync(view, options));
  return { batches, partialBytes: iterator.partialBytes };
}
