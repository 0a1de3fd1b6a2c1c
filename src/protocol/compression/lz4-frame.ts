import type * as XxHash from '@node-rs/xxhash';
import { CompressionError } from './compression-error.js';
import { lazyAddon } from './lazy-addon.js';

const xxhash = lazyAddon<typeof XxHash>('@node-rs/xxhash');

const FRAME_MAGIC = 0x184d2204;
const FLG_VERSION_MASK = 0xc0;
const FLG_VERSION_1 = 0x40;
const FLG_BLOCK_CHECKSUM = 0x10;
const FLG_CONTENT_SIZE = 0x08;
const FLG_CONTENT_CHECKSUM = 0x04;
const FLG_DICT_ID = 0x01;
const UNCOMPRESSED_BLOCK_BIT = 0x80000000;

/** What a walk over an LZ4 frame's headers learned, without decompressing anything. */
export interface Lz4FrameLayout {
  /** Bytes of the first frame, from its magic number to the end of its content checksum. */
  readonly frameLength: number;
  /** Offset of the header checksum byte (HC): the descriptor is `[4, headerChecksumOffset)`. */
  readonly headerChecksumOffset: number;
  /** An upper bound of the decompressed size: exact for stored blocks, block max size otherwise. */
  readonly maxOutputBytes: number;
}

function corrupt(detail: string): CompressionError {
  return new CompressionError(`lz4 frame ${detail}`);
}

/**
 * Walks the header and block headers of the LZ4 frame at the start of `input` (the LZ4 frame format
 * that Kafka's KafkaLZ4BlockOutputStream writes: one frame, usually 64 KiB independent blocks).
 * Reads block sizes only, so a decompression bomb is priced before anything is allocated.
 * Throws CompressionError on a bad magic number, version, block size or truncation.
 */
export function scanLz4Frame(input: Buffer): Lz4FrameLayout {
  if (input.length < 7) throw corrupt(`of ${input.length} bytes is shorter than a frame header`);
  if (input.readUInt32LE(0) !== FRAME_MAGIC) throw corrupt('has a bad magic number');
  const flags = input[4]!;
  if ((flags & FLG_VERSION_MASK) !== FLG_VERSION_1) throw corrupt(`has unsupported version flags ${flags}`);
  const blockSizeId = (input[5]! >> 4) & 0x07;
  if (blockSizeId < 4) throw corrupt(`has an invalid block size id ${blockSizeId}`);
  const blockMaxBytes = 1 << (2 * blockSizeId + 8);
  let at = 6;
  let contentSize = -1;
  if ((flags & FLG_CONTENT_SIZE) !== 0) {
    if (input.length < at + 8) throw corrupt('is truncated in its content size');
    contentSize = Number(input.readBigUInt64LE(at));
    at += 8;
  }
  if ((flags & FLG_DICT_ID) !== 0) at += 4;
  const headerChecksumOffset = at;
  at += 1;
  const blockChecksumBytes = (flags & FLG_BLOCK_CHECKSUM) !== 0 ? 4 : 0;
  let maxOutputBytes = 0;
  for (;;) {
    if (input.length < at + 4) throw corrupt('is truncated before its end mark');
    const word = input.readUInt32LE(at);
    at += 4;
    if (word === 0) break;
    const isStored = (word & UNCOMPRESSED_BLOCK_BIT) !== 0;
    const size = word & ~UNCOMPRESSED_BLOCK_BIT;
    if (size > blockMaxBytes)
      throw corrupt(`block of ${size} bytes exceeds its block max size ${blockMaxBytes}`);
    at += size + blockChecksumBytes;
    maxOutputBytes += isStored ? size : blockMaxBytes;
  }
  if ((flags & FLG_CONTENT_CHECKSUM) !== 0) at += 4;
  if (input.length < at) throw corrupt('is truncated');
  if (contentSize >= 0) maxOutputBytes = Math.min(maxOutputBytes, contentSize);
  return { frameLength: at, headerChecksumOffset, maxOutputBytes };
}

/** The LZ4 frame specification's header checksum: second byte of XXH32 over FLG..DictID. */
export function lz4HeaderChecksum(frame: Buffer, headerChecksumOffset: number): number {
  return (xxhash().xxh32(frame.subarray(4, headerChecksumOffset)) >>> 8) & 0xff;
}

/**
 * The checksum Kafka before 0.10 wrote for magic 0 messages (KAFKA-3160): XXH32 over the magic
 * number too. Kafka still writes it for magic 0 and skips the check when reading magic 0.
 */
export function legacyLz4HeaderChecksum(frame: Buffer, headerChecksumOffset: number): number {
  return (xxhash().xxh32(frame.subarray(0, headerChecksumOffset)) >>> 8) & 0xff;
}
