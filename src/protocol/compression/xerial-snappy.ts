import { CompressionError } from './compression-error.js';

/** `\x82SNAPPY\0`: the start of snappy-java's SnappyOutputStream framing that Java clients send. */
export const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
/** Magic, then version int32 and compatible-version int32 (both 1 in every snappy-java release). */
export const XERIAL_HEADER_BYTES = 16;

export function isXerialFramed(input: Buffer): boolean {
  return input.length >= XERIAL_HEADER_BYTES && XERIAL_MAGIC.equals(input.subarray(0, 8));
}

/**
 * The raw snappy blocks of a xerial stream: after the 16-byte header, int32 big-endian lengths each
 * followed by that many bytes of raw snappy. Returns views into `input`. Throws CompressionError
 * when a length is negative or runs past the end.
 */
export function xerialBlocks(input: Buffer): Buffer[] {
  const blocks: Buffer[] = [];
  let at = XERIAL_HEADER_BYTES;
  while (at < input.length) {
    if (input.length - at < 4) throw new CompressionError('xerial snappy block length is truncated');
    const size = input.readInt32BE(at);
    at += 4;
    if (size < 0 || size > input.length - at) {
      throw new CompressionError(`xerial snappy block of ${size} bytes runs past the end of the input`);
    }
    blocks.push(input.subarray(at, at + size));
    at += size;
  }
  return blocks;
}

/**
 * The uncompressed length announced by a raw snappy block's preamble (an unsigned varint of at
 * most 32 bits), read before decompressing so that a bomb is rejected without allocating.
 */
export function snappyUncompressedLength(block: Buffer): number {
  let value = 0;
  for (let shift = 0, at = 0; shift < 35; shift += 7, at++) {
    if (at >= block.length) throw new CompressionError('snappy preamble is truncated');
    const byte = block[at]!;
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) {
      if (value > 0xffffffff) break;
      return value;
    }
  }
  throw new CompressionError('snappy preamble is longer than 32 bits');
}
