import { type ByteReader, type ByteWriter, DecodeError, EncodeError } from '../primitives/index.js';
import type { KafkaRecord, RecordHeader } from './kafka-record.js';
import { MalformedRecordError, RecordCountMismatchError } from './record-errors.js';

export const INT32_MIN = -0x80000000;
export const INT32_MAX = 0x7fffffff;
/** The fewest bytes a header takes: key length and value length. */
const MIN_HEADER_BYTES = 2;

/** Size of the unsigned varint of a non-negative safe integer (branches below 2^28, the common case). */
function sizeOfUnsignedVarint(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  let size = 5;
  for (let rest = Math.floor(value / 0x800000000); rest > 0; rest = Math.floor(rest / 128)) size++;
  return size;
}

/** Size of a zigzag varint/varlong of a safe integer (zigzag of an int32 is the same either way). */
export function sizeOfZigzag(value: number): number {
  return sizeOfUnsignedVarint(value >= 0 ? value * 2 : -value * 2 - 1);
}

export function sizeOfNullableBytes(bytes: Uint8Array | null): number {
  return bytes === null ? 1 : sizeOfZigzag(bytes.length) + bytes.length;
}

function checkedTimestampDelta(value: number): number {
  if (!Number.isSafeInteger(value)) throw new EncodeError(`timestampDelta ${value} is not a safe integer`);
  return value;
}

/** Bytes of the record after its length prefix. Header keys are measured as UTF-8. */
function sizeOfRecordBody(record: KafkaRecord, headerKeyBytes: number[]): number {
  let size =
    1 +
    sizeOfZigzag(checkedTimestampDelta(record.timestampDelta)) +
    sizeOfZigzag(record.offsetDelta) +
    sizeOfNullableBytes(record.key) +
    sizeOfNullableBytes(record.value) +
    sizeOfZigzag(record.headers.length);
  const { headers } = record;
  // Indexed loops on the per-record path: a for-of that V8 leaves unoptimized allocates an iterator
  // result per step (most records have no headers at all).
  for (let i = 0; i < headers.length; i++) {
    const header = headers[i]!;
    const keyBytes = Buffer.byteLength(header.key, 'utf8');
    headerKeyBytes.push(keyBytes);
    size += sizeOfZigzag(keyBytes) + keyBytes + sizeOfNullableBytes(header.value);
  }
  return size;
}

function writeNullableBytes(writer: ByteWriter, bytes: Uint8Array | null): void {
  if (bytes === null) writer.varint(-1);
  else writer.varint(bytes.length).bytes(bytes);
}

/**
 * Appends `records` in Kafka's v2 record format (length varint, attributes, deltas, key, value,
 * headers). Key and value views of 4 KiB or more are referenced by the writer, not copied. Throws
 * EncodeError for a field its type cannot hold (attributes outside int8, offsetDelta outside int32,
 * timestampDelta not a safe integer).
 */
export function writeRecords(writer: ByteWriter, records: readonly KafkaRecord[]): void {
  const headerKeyBytes: number[] = [];
  for (let r = 0; r < records.length; r++) {
    const record = records[r]!;
    if (!Number.isInteger(record.attributes) || record.attributes < -128 || record.attributes > 127) {
      throw new EncodeError(`record attributes ${record.attributes} outside int8`);
    }
    headerKeyBytes.length = 0;
    writer.varint(sizeOfRecordBody(record, headerKeyBytes)).int8(record.attributes);
    const { timestampDelta } = record;
    if (timestampDelta >= INT32_MIN && timestampDelta <= INT32_MAX) writer.varint(timestampDelta);
    else writer.varlong(timestampDelta);
    writer.varint(record.offsetDelta);
    writeNullableBytes(writer, record.key);
    writeNullableBytes(writer, record.value);
    const { headers } = record;
    writer.varint(headers.length);
    for (let h = 0; h < headers.length; h++) {
      const header = headers[h]!;
      writer.varint(headerKeyBytes[h]!).utf8(header.key);
      writeNullableBytes(writer, header.value);
    }
  }
}

function readNullableBytes(reader: ByteReader, what: string): Buffer | null {
  const length = reader.varint();
  if (length === -1) return null;
  return reader.bytes(reader.checkedLength(length, what), what);
}

function readHeaders(reader: ByteReader): RecordHeader[] {
  const count = reader.checkedCount(reader.varint(), MIN_HEADER_BYTES, 0, 'header');
  const headers: RecordHeader[] = [];
  for (let i = 0; i < count; i++) {
    const key = reader.utf8(reader.checkedLength(reader.varint(), 'header key'));
    headers.push({ key, value: readNullableBytes(reader, 'header value') });
  }
  return headers;
}

function readRecord(reader: ByteReader): KafkaRecord {
  const bodyBytes = reader.checkedLength(reader.varint(), 'record');
  const bodyEnd = reader.offset + bodyBytes;
  const record: KafkaRecord = {
    attributes: reader.int8(),
    timestampDelta: reader.varlongNumber(),
    offsetDelta: reader.varint(),
    key: readNullableBytes(reader, 'key'),
    value: readNullableBytes(reader, 'value'),
    headers: readHeaders(reader),
  };
  if (reader.offset !== bodyEnd) {
    throw new DecodeError(
      `record declares ${bodyBytes} bytes but its fields take ${bodyBytes + reader.offset - bodyEnd}`,
    );
  }
  return record;
}

/**
 * Reads exactly `count` records from `reader`, which must then be at its end. Throws
 * RecordCountMismatchError when the bytes run out before `count` records or remain after them,
 * MalformedRecordError when a record does not parse (`cause` holds the DecodeError). The returned
 * Buffers are views into the reader's buffer.
 */
export function readRecords(reader: ByteReader, count: number, where: string): KafkaRecord[] {
  const records: KafkaRecord[] = [];
  for (let i = 0; i < count; i++) {
    if (reader.remaining === 0) {
      throw new RecordCountMismatchError(`${where} declares ${count} records but holds ${i}`);
    }
    const start = reader.offset;
    try {
      records.push(readRecord(reader));
    } catch (error: unknown) {
      if (!(error instanceof DecodeError)) throw error;
      throw new MalformedRecordError(`record ${i} at ${start} ${where}: ${error.message}`, { cause: error });
    }
  }
  if (reader.remaining !== 0) {
    throw new RecordCountMismatchError(`${where} holds ${reader.remaining} bytes after its ${count} records`);
  }
  return records;
}
