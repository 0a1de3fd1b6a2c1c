import {
  CompressionCodec,
  type CompressOptions,
  compress,
  compressSync,
  DEFAULT_MAX_DECOMPRESSED_BYTES,
  type DecompressOptions,
  decompress,
  decompressSync,
  UnsupportedCompressionError,
} from '../compression/index.js';
import { ByteWriter } from '../primitives/index.js';
import {
  type LegacyEntry,
  type LegacyMagic,
  legacyCompression,
  legacyTimestampType,
  probeLegacyEntry,
  readLegacyEntry,
  sealLegacyEntries,
  writeLegacyEntry,
} from './legacy-message.js';
import { NO_TIMESTAMP, TIMESTAMP_TYPE_BIT, TimestampType } from './record-batch-layout.js';
import { InvalidBatchHeaderError, TruncatedBatchError } from './record-errors.js';

/** A message of a legacy set with wrappers expanded: absolute offset and effective timestamp. */
export interface LegacyRecord {
  readonly offset: bigint;
  readonly magic: LegacyMagic;
  readonly timestampType: TimestampType;
  /** NO_TIMESTAMP (-1) for magic 0; the wrapper's timestamp for LogAppendTime wrappers. */
  readonly timestamp: bigint;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
}

export interface LegacyMessageSet {
  readonly records: LegacyRecord[];
  /** The codec of the first compressed wrapper (what Kafka up-converts with), else none. */
  readonly compression: CompressionCodec;
  /** Bytes at the end too few for the next message (a fetch may cut it), ignored. */
  readonly partialBytes: number;
}

export interface DecodeMessageSetOptions extends Pick<DecompressOptions, 'maxDecompressedBytes'> {
  /** Check every message's CRC-32, inner messages included (default true). */
  readonly verifyCrc?: boolean;
  /** Largest entry accepted, offset and size included (default: unbounded). */
  readonly maxMessageBytes?: number;
}

function scanEntries(
  buffer: Buffer,
  options: DecodeMessageSetOptions,
): { entries: LegacyEntry[]; end: number } {
  const maxBytes = options.maxMessageBytes ?? Number.MAX_SAFE_INTEGER;
  const entries: LegacyEntry[] = [];
  let position = 0;
  for (;;) {
    const probe = probeLegacyEntry(buffer, position, maxBytes);
    if (probe.kind === 'partial') return { entries, end: position };
    const entry = readLegacyEntry(buffer, position, probe.size, options.verifyCrc ?? true);
    entries.push(entry);
    position += entry.sizeInBytes;
  }
}

function plainRecord(entry: LegacyEntry): LegacyRecord {
  const { offset, magic, timestamp, key, value } = entry;
  return { offset, magic, timestampType: legacyTimestampType(entry), timestamp, key, value };
}

/**
 * The inner messages of `wrapper`, decompressed into `inner`. As Kafka's DeepRecordsIterator: magic 1
 * inner offsets are relative and the wrapper carries the last one's absolute offset (kept relative
 * when that would go negative, as in produce requests); magic 0 inner offsets are absolute; a
 * LogAppendTime wrapper's timestamp applies to every inner message.
 */
function expandWrapper(wrapper: LegacyEntry, inner: Buffer, verifyCrc: boolean): LegacyRecord[] {
  const where = `in the wrapper at offset ${wrapper.offset}`;
  const entries: LegacyEntry[] = [];
  for (let position = 0; position < inner.length; ) {
    const probe = probeLegacyEntry(inner, position, Number.MAX_SAFE_INTEGER);
    if (probe.kind === 'partial')
      throw new TruncatedBatchError(`inner message at ${position} is cut ${where}`);
    const entry = readLegacyEntry(inner, position, probe.size, verifyCrc);
    if (legacyCompression(entry.attributes) !== CompressionCodec.none) {
      throw new InvalidBatchHeaderError(`nested compression ${where}`);
    }
    if (entry.magic !== wrapper.magic)
      throw new InvalidBatchHeaderError(`inner magic ${entry.magic} ${where}`);
    entries.push(entry);
    position += entry.sizeInBytes;
  }
  const last = entries.at(-1);
  if (last === undefined) throw new InvalidBatchHeaderError(`no inner messages ${where}`);
  const base = wrapper.magic === 1 ? wrapper.offset - last.offset : 0n;
  const isLogAppendTime = legacyTimestampType(wrapper) === TimestampType.logAppendTime;
  return entries.map((entry) => ({
    offset: base >= 0n ? base + entry.offset : entry.offset,
    magic: entry.magic,
    timestampType: isLogAppendTime ? TimestampType.logAppendTime : legacyTimestampType(entry),
    timestamp: isLogAppendTime ? wrapper.timestamp : entry.timestamp,
    key: entry.key,
    value: entry.value,
  }));
}

/** Kafka accepts zstd only in v2 batches (KIP-110): old formats and old readers lack it. */
function legacyCodec(codec: number): number {
  if (codec === CompressionCodec.zstd) throw new UnsupportedCompressionError(codec);
  return codec;
}

function compressedValue(entry: LegacyEntry): Buffer {
  if (entry.value === null)
    throw new InvalidBatchHeaderError(`compressed message at offset ${entry.offset} has no value`);
  return entry.value;
}

/**
 * Decodes a magic 0/1 message set (a Produce v0-v2 or Fetch v0-v3 `records` field), expanding
 * compressed wrappers on the calling thread. `maxDecompressedBytes` bounds all wrappers together.
 * Throws the CorruptRecordError subclasses (UnsupportedMagicError with magic 2 for a v2 batch),
 * CompressionError, and UnsupportedCompressionError for zstd (v2 only). Keys and values are views
 * into `buffer` or the decompressed Buffers.
 */
export function decodeMessageSetSync(
  buffer: Buffer,
  options: DecodeMessageSetOptions = {},
): LegacyMessageSet {
  const { entries, end } = scanEntries(buffer, options);
  const records: LegacyRecord[] = [];
  let compression: CompressionCodec = CompressionCodec.none;
  let budget = options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES;
  for (const entry of entries) {
    const codec = legacyCodec(legacyCompression(entry.attributes));
    if (codec === CompressionCodec.none) {
      records.push(plainRecord(entry));
      continue;
    }
    const inner = decompressSync(codec, compressedValue(entry), {
      maxDecompressedBytes: budget,
      legacyLz4Checksum: entry.magic === 0,
    });
    budget -= inner.length;
    if (compression === CompressionCodec.none) compression = codec as CompressionCodec;
    records.push(...expandWrapper(entry, inner, options.verifyCrc ?? true));
  }
  return { records, compression, partialBytes: buffer.length - end };
}

/** decodeMessageSetSync with decompression on the thread pool where the codec allows. */
export async function decodeMessageSet(
  buffer: Buffer,
  options: DecodeMessageSetOptions = {},
): Promise<LegacyMessageSet> {
  const { entries, end } = scanEntries(buffer, options);
  const records: LegacyRecord[] = [];
  let compression: CompressionCodec = CompressionCodec.none;
  let budget = options.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES;
  for (const entry of entries) {
    const codec = legacyCodec(legacyCompression(entry.attributes));
    if (codec === CompressionCodec.none) {
      records.push(plainRecord(entry));
      continue;
    }
    const inner = await decompress(codec, compressedValue(entry), {
      maxDecompressedBytes: budget,
      legacyLz4Checksum: entry.magic === 0,
    });
    budget -= inner.length;
    if (compression === CompressionCodec.none) compression = codec as CompressionCodec;
    records.push(...expandWrapper(entry, inner, options.verifyCrc ?? true));
  }
  return { records, compression, partialBytes: buffer.length - end };
}

/** A message to write; magic 0 drops `timestamp`. */
export interface LegacyRecordInput {
  readonly offset: bigint;
  readonly timestamp?: bigint;
  readonly key?: Buffer | null;
  readonly value?: Buffer | null;
}

export interface EncodeMessageSetOptions extends CompressOptions {
  readonly magic: LegacyMagic;
  /** One wrapper holding every message when not none (default none: one entry per message). */
  readonly compression?: CompressionCodec;
  /** Magic 1 only: LogAppendTime marks each message, or the wrapper when compressed. */
  readonly timestampType?: TimestampType;
}

function writeSet(
  records: readonly LegacyRecordInput[],
  magic: LegacyMagic,
  attributes: number,
  base: bigint,
): Buffer {
  const writer = new ByteWriter(1024);
  const starts = records.map((record) =>
    writeLegacyEntry(writer, {
      offset: record.offset - base,
      magic,
      attributes,
      timestamp: magic === 1 ? (record.timestamp ?? NO_TIMESTAMP) : NO_TIMESTAMP,
      key: record.key ?? null,
      value: record.value ?? null,
    }),
  );
  return sealLegacyEntries(writer.toBuffer(), starts);
}

function timestampBit(options: EncodeMessageSetOptions): number {
  return options.magic === 1 && options.timestampType === TimestampType.logAppendTime
    ? TIMESTAMP_TYPE_BIT
    : 0;
}

/** The inner set of a wrapper: magic 1 offsets relative to the first message, magic 0 absolute. */
function innerSet(records: readonly LegacyRecordInput[], options: EncodeMessageSetOptions): Buffer {
  return writeSet(records, options.magic, 0, options.magic === 1 ? records[0]!.offset : 0n);
}

function wrapper(
  records: readonly LegacyRecordInput[],
  options: EncodeMessageSetOptions,
  value: Buffer,
): Buffer {
  let maxTimestamp = NO_TIMESTAMP;
  for (const record of records)
    if ((record.timestamp ?? NO_TIMESTAMP) > maxTimestamp) maxTimestamp = record.timestamp!;
  const last = records.at(-1)!;
  const attributes = options.compression! | timestampBit(options);
  return writeSet(
    [{ offset: last.offset, timestamp: maxTimestamp, key: null, value }],
    options.magic,
    attributes,
    0n,
  );
}

function compressOptions(options: EncodeMessageSetOptions): CompressOptions {
  const legacy = { legacyLz4Checksum: options.magic === 0 };
  return options.level === undefined ? legacy : { ...legacy, level: options.level };
}

/**
 * Encodes messages as a magic 0/1 message set: one entry per message, or, with a codec, one
 * wrapper (offset of the last message, max timestamp) whose value is the compressed inner set, as
 * Kafka's MemoryRecordsBuilder writes it. LZ4 under magic 0 gets the KAFKA-3160 header checksum.
 * Offsets are the caller's (producers send 0..n-1). Throws EncodeError, CompressionError, and
 * UnsupportedCompressionError for zstd (v2 only).
 */
export function encodeMessageSetSync(
  records: readonly LegacyRecordInput[],
  options: EncodeMessageSetOptions,
): Buffer {
  const codec = legacyCodec(options.compression ?? CompressionCodec.none);
  if (codec === CompressionCodec.none || records.length === 0) {
    return writeSet(records, options.magic, timestampBit(options), 0n);
  }
  return wrapper(records, options, compressSync(codec, innerSet(records, options), compressOptions(options)));
}

/** encodeMessageSetSync with compression on the thread pool where the codec allows. */
export async function encodeMessageSet(
  records: readonly LegacyRecordInput[],
  options: EncodeMessageSetOptions,
): Promise<Buffer> {
  const codec = legacyCodec(options.compression ?? CompressionCodec.none);
  if (codec === CompressionCodec.none || records.length === 0) {
    return writeSet(records, options.magic, timestampBit(options), 0n);
  }
  return wrapper(
    records,
    options,
    await compress(codec, innerSet(records, options), compressOptions(options)),
  );
}
