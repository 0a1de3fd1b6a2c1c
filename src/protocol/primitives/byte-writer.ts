import { EncodeError } from './decode-error.js';
import { writeInt64BE } from './int64.js';
import { type Uuid, uuidToBytes } from './uuid.js';

/** Byte views at least this large are referenced by the output instead of copied into it. */
export const ZERO_COPY_THRESHOLD = 4096;
const INITIAL_SIZE = 256;

/**
 * An append-only encoder. Small values go into a growing scratch buffer; byte views of at least
 * ZERO_COPY_THRESHOLD bytes (a Produce or Fetch `records` field) are kept by reference, so the output
 * is a list of chunks suitable for `socket.writev` or `Buffer.concat` and a fetch response never copies
 * its record batches. Referenced buffers must not change until the output is written.
 */
export class ByteWriter {
  private readonly chunks: Buffer[] = [];
  private scratch: Buffer;
  private position = 0;
  private chunkedLength = 0;

  /**
   * `allocate` gives the first scratch buffer (at least `initialSize` bytes; e.g. from a pool whose
   * owner knows when the output is no longer used); later growth allocates fresh buffers.
   */
  constructor(initialSize = INITIAL_SIZE, allocate?: (bytes: number) => Buffer) {
    this.scratch = allocate === undefined ? Buffer.allocUnsafe(initialSize) : allocate(initialSize);
  }

  /** Bytes written so far. */
  get length(): number {
    return this.chunkedLength + this.position;
  }

  private ensure(size: number): void {
    if (this.position + size <= this.scratch.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.scratch.length * 2, this.position + size));
    this.scratch.copy(grown, 0, 0, this.position);
    this.scratch = grown;
  }

  int8(value: number): this {
    this.ensure(1);
    this.position = this.scratch.writeInt8(value, this.position);
    return this;
  }

  uint8(value: number): this {
    this.ensure(1);
    this.position = this.scratch.writeUInt8(value, this.position);
    return this;
  }

  bool(value: boolean): this {
    return this.uint8(value ? 1 : 0);
  }

  // Fixed-width integers are stored byte by byte after an explicit range check: about 3x faster than
  // Buffer's writeInt32BE family here, with the same refusal of values the type cannot hold.
  int16(value: number): this {
    if ((value << 16) >> 16 !== value) throw new EncodeError(`int16 out of range: ${value}`);
    return this.store16(value);
  }

  uint16(value: number): this {
    if ((value & 0xffff) !== value) throw new EncodeError(`uint16 out of range: ${value}`);
    return this.store16(value);
  }

  int32(value: number): this {
    if ((value | 0) !== value) throw new EncodeError(`int32 out of range: ${value}`);
    return this.store32(value);
  }

  uint32(value: number): this {
    if (value >>> 0 !== value) throw new EncodeError(`uint32 out of range: ${value}`);
    return this.store32(value);
  }

  private store16(value: number): this {
    this.ensure(2);
    const s = this.scratch;
    const at = this.position;
    s[at] = value >>> 8;
    s[at + 1] = value;
    this.position = at + 2;
    return this;
  }

  private store32(value: number): this {
    this.ensure(4);
    const s = this.scratch;
    const at = this.position;
    s[at] = value >>> 24;
    s[at + 1] = value >>> 16;
    s[at + 2] = value >>> 8;
    s[at + 3] = value;
    this.position = at + 4;
    return this;
  }

  int64(value: bigint): this {
    this.ensure(8);
    this.position = writeInt64BE(this.scratch, value, this.position);
    return this;
  }

  float64(value: number): this {
    this.ensure(8);
    this.position = this.scratch.writeDoubleBE(value, this.position);
    return this;
  }

  uuid(value: Uuid): this {
    return this.bytes(uuidToBytes(value));
  }

  unsignedVarint(value: number): this {
    if (!Number.isInteger(value) || value < 0 || value > 0xffffffff) {
      throw new EncodeError(`unsigned varint out of range: ${value}`);
    }
    this.ensure(5);
    let rest = value;
    while (rest >= 0x80) {
      this.scratch[this.position++] = (rest & 0x7f) | 0x80;
      rest = Math.floor(rest / 128);
    }
    this.scratch[this.position++] = rest;
    return this;
  }

  /** Zigzag-encoded int32. */
  varint(value: number): this {
    if (!Number.isInteger(value) || value < -0x80000000 || value > 0x7fffffff) {
      throw new EncodeError(`varint out of int32 range: ${value}`);
    }
    return this.unsignedVarint(value >= 0 ? value * 2 : -value * 2 - 1);
  }

  /** Zigzag-encoded int64. */
  varlong(value: bigint | number): this {
    const signed = BigInt.asIntN(64, BigInt(value));
    let raw = BigInt.asUintN(64, (signed << 1n) ^ (signed >> 63n));
    this.ensure(10);
    while (raw >= 0x80n) {
      this.scratch[this.position++] = Number(raw & 0x7fn) | 0x80;
      raw >>= 7n;
    }
    this.scratch[this.position++] = Number(raw);
    return this;
  }

  /** Appends `value`; views of at least ZERO_COPY_THRESHOLD bytes are referenced, not copied. */
  bytes(value: Uint8Array): this {
    if (value.length >= ZERO_COPY_THRESHOLD) {
      this.flushScratch();
      const view = Buffer.isBuffer(value) ? value : Buffer.from(value.buffer, value.byteOffset, value.length);
      this.chunks.push(view);
      this.chunkedLength += view.length;
      return this;
    }
    this.ensure(value.length);
    this.scratch.set(value, this.position);
    this.position += value.length;
    return this;
  }

  utf8(value: string): this {
    const size = Buffer.byteLength(value, 'utf8');
    this.ensure(size);
    this.position += this.scratch.write(value, this.position, size, 'utf8');
    return this;
  }

  private flushScratch(): void {
    if (this.position === 0) return;
    const used = this.pushWritten();
    // Keep writing into the unused tail of the same allocation; the flushed part is now read-only.
    const tail = this.scratch.length - used;
    this.scratch = tail >= INITIAL_SIZE ? this.scratch.subarray(used) : Buffer.allocUnsafe(INITIAL_SIZE);
  }

  /** Moves the written part of the scratch buffer to the chunks; returns its length. */
  private pushWritten(): number {
    const done = this.scratch.subarray(0, this.position);
    this.chunks.push(done);
    this.chunkedLength += done.length;
    this.position = 0;
    return done.length;
  }

  /** The output as chunks (for writev); the writer must not be used afterwards. */
  toChunks(): Buffer[] {
    // Unlike flushScratch, no fresh scratch: nothing is written after this (one allocation less per message).
    if (this.position > 0) this.pushWritten();
    return this.chunks;
  }

  /** The output as one Buffer (copies when large views were referenced). */
  toBuffer(): Buffer {
    if (this.chunks.length === 0) return this.scratch.subarray(0, this.position);
    const chunks = this.toChunks();
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, this.chunkedLength);
  }
}
