import { ByteReader, DecodeError } from '../primitives/index.js';

/**
 * The most elements an array may declare when its elements can encode as zero bytes, so that a
 * hostile count cannot make a decoder allocate without the input to back it. Arrays whose elements
 * take at least one byte are bounded by the bytes that remain instead.
 */
export const MAX_EMPTY_ELEMENT_COUNT = 1_000_000;

/** Kafka strings hold at most 32767 UTF-8 bytes in every version, compact or not. */
export const MAX_STRING_BYTES = 0x7fff;

/** Classic strings use an int16 length, compact ones an unsigned varint of length + 1; -1 is null. */
function stringLength(reader: ByteReader, compact: boolean): number {
  return compact ? reader.unsignedVarint() - 1 : reader.int16();
}

/** Classic bytes and arrays use an int32 length, compact ones an unsigned varint of length + 1. */
function wideLength(reader: ByteReader, compact: boolean): number {
  return compact ? reader.unsignedVarint() - 1 : reader.int32();
}

function nullIn(what: string): DecodeError {
  return new DecodeError(`${what} is null in a version where it is not nullable`);
}

function utf8(reader: ByteReader, length: number, what: string): string {
  if (length < 0 || length > MAX_STRING_BYTES) throw new DecodeError(`${what} has invalid length ${length}`);
  return reader.utf8(reader.checkedLength(length, what));
}

export function readString(reader: ByteReader, compact: boolean, what: string): string {
  const length = stringLength(reader, compact);
  if (length === -1) throw nullIn(what);
  return utf8(reader, length, what);
}

export function readNullableString(
  reader: ByteReader,
  compact: boolean,
  nullable: boolean,
  what: string,
): string | null {
  const length = stringLength(reader, compact);
  if (length !== -1) return utf8(reader, length, what);
  if (nullable) return null;
  throw nullIn(what);
}

/** A view into the reader's buffer (no copy): the caller must keep that buffer unchanged meanwhile. */
export function readBytes(reader: ByteReader, compact: boolean, what: string): Buffer {
  const length = wideLength(reader, compact);
  if (length === -1) throw nullIn(what);
  return reader.bytes(reader.checkedLength(length, what), what);
}

/** As readBytes; a Produce/Fetch `records` field comes back as a zero-copy view of the frame. */
export function readNullableBytes(
  reader: ByteReader,
  compact: boolean,
  nullable: boolean,
  what: string,
): Buffer | null {
  const length = wideLength(reader, compact);
  if (length !== -1) return reader.bytes(reader.checkedLength(length, what), what);
  if (nullable) return null;
  throw nullIn(what);
}

function elements<T>(
  reader: ByteReader,
  count: number,
  minElementSize: number,
  what: string,
  readElement: () => T,
): T[] {
  reader.checkedCount(count, minElementSize, MAX_EMPTY_ELEMENT_COUNT, what);
  const result: T[] = [];
  for (let i = 0; i < count; i++) result.push(readElement());
  return result;
}

/**
 * An array of elements that each encode in at least `minElementSize` bytes (0 when they may be
 * empty): the count is checked against the bytes that remain before anything is allocated.
 */
export function readArray<T>(
  reader: ByteReader,
  compact: boolean,
  minElementSize: number,
  what: string,
  readElement: () => T,
): T[] {
  const count = wideLength(reader, compact);
  if (count === -1) throw nullIn(what);
  return elements(reader, count, minElementSize, what, readElement);
}

export function readNullableArray<T>(
  reader: ByteReader,
  compact: boolean,
  nullable: boolean,
  minElementSize: number,
  what: string,
  readElement: () => T,
): T[] | null {
  const count = wideLength(reader, compact);
  if (count !== -1) return elements(reader, count, minElementSize, what, readElement);
  if (nullable) return null;
  throw nullIn(what);
}

/**
 * Whether a struct field follows. Kafka marks nullable structs with an int8 (-1 null, 1 present) in
 * the versions where they are nullable only; like Kafka's reader, any non-negative marker means present.
 */
export function readStructPresence(reader: ByteReader, nullable: boolean): boolean {
  return !nullable || reader.int8() >= 0;
}

/**
 * Reads the tagged-fields section that ends every struct of a flexible version. Each field is handed to
 * `readField` in a reader limited to its declared size; `readField` returns false for a tag it does not
 * know in this version, which is then skipped. A known field must use exactly its declared size.
 */
export function readTaggedFields(
  reader: ByteReader,
  what: string,
  readField?: (tag: number, field: ByteReader) => boolean,
): void {
  const count = reader.unsignedVarint();
  // Every field takes at least two bytes (tag and size), so this loop is bounded by the input.
  for (let i = 0; i < count; i++) {
    const tag = reader.unsignedVarint();
    const size = reader.checkedLength(reader.unsignedVarint(), 'tagged field');
    const start = reader.take(size, 'tagged field');
    if (readField === undefined) continue;
    const field = new ByteReader(reader.buffer, start, start + size);
    if (readField(tag, field) && field.remaining !== 0) {
      throw new DecodeError(
        `${what} tagged field ${tag} left ${field.remaining} of its ${size} bytes unread`,
      );
    }
  }
}

/** Rejects a version outside a message's valid versions before any byte is read. */
export function checkDecodeVersion(version: number, min: number, max: number, name: string): void {
  if (!Number.isInteger(version) || version < min || version > max) {
    throw new DecodeError(`${name} has no version ${version} (valid versions ${min}-${max})`);
  }
}
