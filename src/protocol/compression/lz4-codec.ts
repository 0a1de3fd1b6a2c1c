import type * as Lz4 from 'lz4-napi';
import { codecFailure, DecompressedSizeLimitError } from './compression-error.js';
import { INLINE_BELOW_BYTES } from './compression-limits.js';
import { lazyAddon } from './lazy-addon.js';
import { legacyLz4HeaderChecksum, lz4HeaderChecksum, scanLz4Frame } from './lz4-frame.js';

const lz4 = lazyAddon<typeof Lz4>('lz4-napi');

// lz4-napi's frame API (lz4_flex) writes frames with independent blocks, no block or content
// checksum and a correct header checksum: what Kafka's Java KafkaLZ4BlockInputStream reads. Its
// plain compress/uncompress are the block format, which no Kafka client understands.

/** Compresses to one LZ4 frame; `legacyChecksum` writes the KAFKA-3160 header checksum of magic 0. */
export function compressLz4Sync(input: Buffer, legacyChecksum: boolean): Buffer {
  let frame: Buffer;
  try {
    frame = lz4().compressFrameSync(input);
  } catch (error: unknown) {
    throw codecFailure('lz4', 'compression', error);
  }
  return legacyChecksum ? withLegacyChecksum(frame) : frame;
}

export async function compressLz4(input: Buffer, legacyChecksum: boolean): Promise<Buffer> {
  if (input.length < INLINE_BELOW_BYTES) return compressLz4Sync(input, legacyChecksum);
  let frame: Buffer;
  try {
    frame = await lz4().compressFrame(input);
  } catch (error: unknown) {
    throw codecFailure('lz4', 'compression', error);
  }
  return legacyChecksum ? withLegacyChecksum(frame) : frame;
}

function withLegacyChecksum(frame: Buffer): Buffer {
  const { headerChecksumOffset } = scanLz4Frame(frame);
  frame[headerChecksumOffset] = legacyLz4HeaderChecksum(frame, headerChecksumOffset);
  return frame;
}

/**
 * The first frame of `input`, priced against `maxBytes`. With `ignoreChecksum` (magic 0 data, whose
 * header checksum Kafka never checks) a copy with the correct checksum is returned, since lz4_flex
 * insists on it; otherwise a view. Bytes after the first frame are ignored, as Kafka's reader does.
 */
function boundedFrame(
  input: Buffer,
  maxBytes: number,
  ignoreChecksum: boolean,
): { frame: Buffer; maxOutputBytes: number } {
  const layout = scanLz4Frame(input);
  if (layout.maxOutputBytes > maxBytes) {
    throw new DecompressedSizeLimitError(
      'lz4',
      maxBytes,
      `blocks allow up to ${layout.maxOutputBytes} bytes`,
    );
  }
  const frame = input.subarray(0, layout.frameLength);
  const { maxOutputBytes, headerChecksumOffset } = layout;
  if (!ignoreChecksum) return { frame, maxOutputBytes };
  const checksum = lz4HeaderChecksum(frame, headerChecksumOffset);
  if (frame[headerChecksumOffset] === checksum) return { frame, maxOutputBytes };
  const copy = Buffer.from(frame);
  copy[headerChecksumOffset] = checksum;
  return { frame: copy, maxOutputBytes };
}

export function decompressLz4Sync(input: Buffer, maxBytes: number, ignoreChecksum: boolean): Buffer {
  const { frame } = boundedFrame(input, maxBytes, ignoreChecksum);
  try {
    return lz4().decompressFrameSync(frame);
  } catch (error: unknown) {
    throw codecFailure('lz4', 'decompression', error);
  }
}

export async function decompressLz4(
  input: Buffer,
  maxBytes: number,
  ignoreChecksum: boolean,
): Promise<Buffer> {
  const { frame, maxOutputBytes } = boundedFrame(input, maxBytes, ignoreChecksum);
  if (maxOutputBytes < INLINE_BELOW_BYTES) return decompressLz4Sync(frame, maxBytes, false);
  try {
    return await lz4().decompressFrame(frame);
  } catch (error: unknown) {
    throw codecFailure('lz4', 'decompression', error);
  }
}
