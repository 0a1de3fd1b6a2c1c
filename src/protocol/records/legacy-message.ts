import { crc32 } from '@node-rs/crc32';
import { isCompressionCodec } from '../compression/index.js';
import { ByteReader, type ByteWriter, DecodeError, EncodeError } from '../primitives/index.js';
import {
  COMPRESSION_CODEC_MASK,
  NO_TIMESTAMP,
  TIMESTAMP_TYPE_BIT,
  TimestampType,
} from './record-batch-layout.js';
import {
  CrcMismatchError,
  InvalidBatchLengthError,
  MalformedRecordError,
  UnsupportedMagicError,
} from './record-errors.js';

// Kafka's legacy message format (LegacyRecord): magic 0 (up to 0.9) and magic 1 (0.10, with a
// timestamp). An entry is offset int64, size int32, then `size` bytes: crc uint32 (CRC-32 IEEE of
// the rest), magic int8, attributes int8, [timestamp int64,] key and value as int32-length bytes.

export type LegacyMagic = 0 | 1;

/** Entry header: offset and size. */
export const LEGACY_LOG_OVERHEAD = 12;
const CRC_BYTES = 4;
/** Smallest `size` of a magic 0 and a magic 1 message. */
export const MIN_LEGACY_MESSAGE_SIZE = [14, 22] as const;

/** One legacy entry exactly as stored; `value` of a wrapper holds its compressed inner entries. */
export interface LegacyEntry {
  readonly offset: bigint;
  readonly magic: LegacyMagic;
  readonly attributes: number;
  /** NO_TIMESTAMP (-1) for magic 0. */
  readonly timestamp: bigint;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  /** Bytes of the whole entry, offset and size included. */
  readonly sizeInBytes: number;
}

export function legacyCompression(attributes: number): number {
  return attributes & COMPRESSION_CODEC_MASK;
}

export function legacyTimestampType(entry: Pick<LegacyEntry, 'magic' | 'attributes'>): TimestampType {
  return entry.magic === 1 && (entry.attributes & TIMESTAMP_TYPE_BIT) !== 0
    ? TimestampType.logAppendTime
    : TimestampType.createTime;
}

/** Outcome of looking at the bytes at a position: a whole entry, or too few bytes for one. */
export type LegacyEntryProbe =
  | { readonly kind: 'entry'; readonly size: number }
  | { readonly kind: 'partial' };

/**
 * Checks the entry header at `position` (as Kafka's ByteBufferLogInputStream): too few bytes for
 * the header or the declared size is `partial`; a size below the minimum of its magic or above
 * `maxEntryBytes` throws InvalidBatchLengthError, a magic other than 0/1 UnsupportedMagicError.
 */
export function probeLegacyEntry(buffer: Buffer, position: number, maxEntryBytes: number): LegacyEntryProbe {
  const remaining = buffer.length - position;
  if (remaining < LEGACY_LOG_OVERHEAD) return { kind: 'partial' };
  const size = buffer.readInt32BE(position + 8);
  if (size < MIN_LEGACY_MESSAGE_SIZE[0] || size > maxEntryBytes - LEGACY_LOG_OVERHEAD) {
    throw new InvalidBatchLengthError(`legacy message at ${position} has size ${size}`);
  }
  if (remaining < LEGACY_LOG_OVERHEAD + CRC_BYTES + 1) return { kind: 'partial' };
  const magic = buffer.readInt8(position + LEGACY_LOG_OVERHEAD + CRC_BYTES);
  if (magic !== 0 && magic !== 1)
    throw new UnsupportedMagicError(magic, `in legacy message set at ${position}`);
  if (size < MIN_LEGACY_MESSAGE_SIZE[magic]) {
    throw new InvalidBatchLengthError(`magic ${magic} message at ${position} has size ${size}`);
  }
  return remaining < LEGACY_LOG_OVERHEAD + size ? { kind: 'partial' } : { kind: 'entry', size };
}

function readNullableBytes(reader: ByteReader, what: string): Buffer | null {
  const length = reader.int32();
  if (length === -1) return null;
  return reader.bytes(reader.checkedLength(length, what), what);
}

/**
 * Reads the entry of `size` (from probeLegacyEntry) at `position`, checking its CRC-32 unless
 * `verifyCrc` is false. Key and value are views into `buffer`. Throws CrcMismatchError or
 * MalformedRecordError.
 */
export function readLegacyEntry(
  buffer: Buffer,
  position: number,
  size: number,
  verifyCrc: boolean,
): LegacyEntry {
  const crcAt = position + LEGACY_LOG_OVERHEAD;
  const end = crcAt + size;
  if (verifyCrc) {
    const computed = crc32(buffer.subarray(crcAt + CRC_BYTES, end));
    const stored = buffer.readUInt32BE(crcAt);
    if (computed !== stored) throw new CrcMismatchError(stored, computed, `in legacy message at ${position}`);
  }
  const reader = new ByteReader(buffer, crcAt + CRC_BYTES, end);
  try {
    const magic = reader.int8() as LegacyMagic;
    const attributes = reader.int8();
    const timestamp = magic === 1 ? reader.int64() : NO_TIMESTAMP;
    const key = readNullableBytes(reader, 'key');
    const value = readNullableBytes(reader, 'value');
    if (reader.remaining !== 0) throw new DecodeError(`${reader.remaining} bytes after the value`);
    const offset = buffer.readBigInt64BE(position);
    return { offset, magic, attributes, timestamp, key, value, sizeInBytes: LEGACY_LOG_OVERHEAD + size };
  } catch (error: unknown) {
    if (!(error instanceof DecodeError)) throw error;
    throw new MalformedRecordError(`legacy message at ${position}: ${error.message}`, { cause: error });
  }
}

/** Fields of one legacy message to write. */
export interface LegacyEntryInput {
  readonly offset: bigint;
  readonly magic: LegacyMagic;
  readonly attributes: number;
  readonly timestamp: bigint;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
}

function writeNullableBytes(writer: ByteWriter, bytes: Buffer | null): void {
  if (bytes === null) writer.int32(-1);
  else writer.int32(bytes.length).bytes(bytes);
}

/**
 * Appends one entry with size and CRC left 0; returns where it starts, for sealLegacyEntries once
 * the writer's output is one Buffer. Throws EncodeError for unknown codec bits or a field outside
 * its wire type.
 */
export function writeLegacyEntry(writer: ByteWriter, entry: LegacyEntryInput): number {
  if (!isCompressionCodec(legacyCompression(entry.attributes))) {
    throw new EncodeError(`legacy attributes ${entry.attributes} name an unknown codec`);
  }
  const start = writer.length;
  try {
    writer.int64(entry.offset).int32(0).uint32(0).int8(entry.magic).int8(entry.attributes);
    if (entry.magic === 1) writer.int64(entry.timestamp);
  } catch (error: unknown) {
    if (!(error instanceof RangeError)) throw error;
    throw new EncodeError(`legacy message field out of range: ${error.message}`, { cause: error });
  }
  writeNullableBytes(writer, entry.key);
  writeNullableBytes(writer, entry.value);
  return start;
}

/** Fills in the size and CRC-32 of the entries starting at `starts` (in order) in `bytes`. */
export function sealLegacyEntries(bytes: Buffer, starts: readonly number[]): Buffer {
  starts.forEach((start, index) => {
    const end = starts[index + 1] ?? bytes.length;
    bytes.writeInt32BE(end - start - LEGACY_LOG_OVERHEAD, start + 8);
    const crcAt = start + LEGACY_LOG_OVERHEAD;
    bytes.writeUInt32BE(crc32(bytes.subarray(crcAt + CRC_BYTES, end)), crcAt);
  });
  return bytes;
}
