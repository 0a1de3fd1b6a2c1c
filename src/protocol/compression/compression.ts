import { CompressionCodec, compressionCodecName, isCompressionCodec } from './compression-codec.js';
import { DecompressedSizeLimitError, UnsupportedCompressionError } from './compression-error.js';
import { DEFAULT_MAX_DECOMPRESSED_BYTES } from './compression-limits.js';
import { compressGzip, compressGzipSync, decompressGzip, decompressGzipSync } from './gzip-codec.js';
import { compressLz4, compressLz4Sync, decompressLz4, decompressLz4Sync } from './lz4-codec.js';
import {
  compressSnappy,
  compressSnappySync,
  decompressSnappy,
  decompressSnappySync,
} from './snappy-codec.js';
import { compressZstdSync, decompressZstdSync } from './zstd-codec.js';

export interface CompressOptions {
  /** gzip 1-9 (default 6) or zstd level (default 3), as Kafka's `compression.<codec>.level`. */
  readonly level?: number;
  /** Magic 0 only: write LZ4's broken KAFKA-3160 header checksum, as Kafka does for magic 0. */
  readonly legacyLz4Checksum?: boolean;
}

export interface DecompressOptions {
  /** Upper bound of the output; past it DecompressedSizeLimitError. Default 64 MiB. */
  readonly maxDecompressedBytes?: number;
  /** Magic 0 only: ignore LZ4's header checksum, which pre-0.10 Kafka computed wrongly (KAFKA-3160). */
  readonly legacyLz4Checksum?: boolean;
}

function known(codec: number): CompressionCodec {
  if (!isCompressionCodec(codec)) throw new UnsupportedCompressionError(codec);
  return codec;
}

function bound(options: DecompressOptions | undefined): number {
  return options?.maxDecompressedBytes ?? DEFAULT_MAX_DECOMPRESSED_BYTES;
}

/**
 * Compresses `input` on the calling thread. Codec `none` returns `input` itself. The output is a new
 * Buffer owned by the caller; `input` is not retained. Throws UnsupportedCompressionError for an id
 * outside 0-4 and CompressionError when the native codec fails.
 */
export function compressSync(codec: number, input: Buffer, options?: CompressOptions): Buffer {
  switch (known(codec)) {
    case CompressionCodec.none:
      return input;
    case CompressionCodec.gzip:
      return compressGzipSync(input, options?.level);
    case CompressionCodec.snappy:
      return compressSnappySync(input);
    case CompressionCodec.lz4:
      return compressLz4Sync(input, options?.legacyLz4Checksum ?? false);
    case CompressionCodec.zstd:
      return compressZstdSync(input, options?.level);
  }
}

/**
 * Like compressSync, but gzip, snappy and lz4 inputs of 16 KiB or more (INLINE_BELOW_BYTES) are
 * compressed on the libuv thread pool so that the event loop keeps serving; zstd always runs on the
 * calling thread (zstd-napi has no async API). `input` must not change until the promise settles.
 */
export async function compress(codec: number, input: Buffer, options?: CompressOptions): Promise<Buffer> {
  switch (known(codec)) {
    case CompressionCodec.none:
      return input;
    case CompressionCodec.gzip:
      return compressGzip(input, options?.level);
    case CompressionCodec.snappy:
      return compressSnappy(input);
    case CompressionCodec.lz4:
      return compressLz4(input, options?.legacyLz4Checksum ?? false);
    case CompressionCodec.zstd:
      return compressZstdSync(input, options?.level);
  }
}

/**
 * Decompresses `input` on the calling thread into a new Buffer (codec `none` returns `input`).
 * Snappy input may be raw or xerial-framed; lz4 input is the LZ4 frame format; zstd input may hold
 * several frames. Throws DecompressedSizeLimitError past `maxDecompressedBytes` (before allocating
 * whenever the format announces its size), CompressionError on corrupt input and
 * UnsupportedCompressionError for an id outside 0-4.
 */
export function decompressSync(codec: number, input: Buffer, options?: DecompressOptions): Buffer {
  const maxBytes = bound(options);
  switch (known(codec)) {
    case CompressionCodec.none:
      return checkedNone(input, maxBytes);
    case CompressionCodec.gzip:
      return decompressGzipSync(input, maxBytes);
    case CompressionCodec.snappy:
      return decompressSnappySync(input, maxBytes);
    case CompressionCodec.lz4:
      return decompressLz4Sync(input, maxBytes, options?.legacyLz4Checksum ?? false);
    case CompressionCodec.zstd:
      return decompressZstdSync(input, maxBytes);
  }
}

/**
 * Like decompressSync, with the work on the libuv thread pool for gzip (always: its output size is
 * unknown) and for snappy and lz4 when the announced output reaches 16 KiB. zstd runs on the calling
 * thread. `input` must not change until the promise settles.
 */
export async function decompress(codec: number, input: Buffer, options?: DecompressOptions): Promise<Buffer> {
  const maxBytes = bound(options);
  switch (known(codec)) {
    case CompressionCodec.none:
      return checkedNone(input, maxBytes);
    case CompressionCodec.gzip:
      return decompressGzip(input, maxBytes);
    case CompressionCodec.snappy:
      return decompressSnappy(input, maxBytes);
    case CompressionCodec.lz4:
      return decompressLz4(input, maxBytes, options?.legacyLz4Checksum ?? false);
    case CompressionCodec.zstd:
      return decompressZstdSync(input, maxBytes);
  }
}

function checkedNone(input: Buffer, maxBytes: number): Buffer {
  if (input.length > maxBytes) {
    throw new DecompressedSizeLimitError(
      compressionCodecName(CompressionCodec.none),
      maxBytes,
      `${input.length} bytes`,
    );
  }
  return input;
}
