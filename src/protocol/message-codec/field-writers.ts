import { ByteWriter, EncodeError } from '../primitives/index.js';
import { MAX_STRING_BYTES } from './field-readers.js';

function nullIn(what: string): EncodeError {
  return new EncodeError(`${what} is null but the version being written cannot hold null`);
}

function stringLength(writer: ByteWriter, length: number, compact: boolean): void {
  if (compact) writer.unsignedVarint(length + 1);
  else writer.int16(length);
}

function wideLength(writer: ByteWriter, length: number, compact: boolean): void {
  if (compact) writer.unsignedVarint(length + 1);
  else writer.int32(length);
}

export function writeString(writer: ByteWriter, value: string, compact: boolean, what: string): void {
  const size = Buffer.byteLength(value, 'utf8');
  if (size > MAX_STRING_BYTES) {
    throw new EncodeError(
      `${what} takes ${size} UTF-8 bytes; a Kafka string holds at most ${MAX_STRING_BYTES}`,
    );
  }
  stringLength(writer, size, compact);
  writer.utf8(value);
}

export function writeNullableString(
  writer: ByteWriter,
  value: string | null,
  compact: boolean,
  nullable: boolean,
  what: string,
): void {
  if (value !== null) writeString(writer, value, compact, what);
  else if (nullable) stringLength(writer, -1, compact);
  else throw nullIn(what);
}

/** Views of at least ZERO_COPY_THRESHOLD bytes are referenced by the writer, not copied. */
export function writeBytes(writer: ByteWriter, value: Uint8Array, compact: boolean): void {
  wideLength(writer, value.length, compact);
  writer.bytes(value);
}

export function writeNullableBytes(
  writer: ByteWriter,
  value: Uint8Array | null,
  compact: boolean,
  nullable: boolean,
  what: string,
): void {
  if (value !== null) writeBytes(writer, value, compact);
  else if (nullable) wideLength(writer, -1, compact);
  else throw nullIn(what);
}

/** The count of an array; the caller writes the elements. */
export function writeArrayLength(writer: ByteWriter, length: number, compact: boolean): void {
  wideLength(writer, length, compact);
}

/** The count of a possibly-null array, or its null marker; the caller writes the elements. */
export function writeNullableArrayLength(
  writer: ByteWriter,
  value: readonly unknown[] | null,
  compact: boolean,
  nullable: boolean,
  what: string,
): void {
  if (value !== null) wideLength(writer, value.length, compact);
  else if (nullable) wideLength(writer, -1, compact);
  else throw nullIn(what);
}

/** The int8 marker of a struct in a version where it is nullable (-1 null, 1 present). */
export function writeStructPresence(
  writer: ByteWriter,
  present: boolean,
  nullable: boolean,
  what: string,
): void {
  if (nullable) writer.int8(present ? 1 : -1);
  else if (!present) throw nullIn(what);
}

/**
 * One entry of a tagged-fields section: tag, size, value. The value is encoded on its own first to
 * learn its size; tagged fields are small and rare, so the copy costs little.
 */
export function writeTaggedField(
  writer: ByteWriter,
  tag: number,
  writeValue: (field: ByteWriter) => void,
): void {
  const field = new ByteWriter(64);
  writeValue(field);
  const bytes = field.toBuffer();
  writer.unsignedVarint(tag).unsignedVarint(bytes.length).bytes(bytes);
}

/** A field the target version lacks holds a value other than its default and may not be dropped. */
export function nonDefaultFieldError(what: string, version: number): EncodeError {
  return new EncodeError(
    `${what} holds a non-default value but version ${version} has no such field and it is not ignorable`,
  );
}

export function checkEncodeVersion(version: number, min: number, max: number, name: string): void {
  if (!Number.isInteger(version) || version < min || version > max) {
    throw new EncodeError(`${name} has no version ${version} (valid versions ${min}-${max})`);
  }
}
