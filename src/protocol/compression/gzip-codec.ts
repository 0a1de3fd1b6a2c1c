import { constants as bufferConstants } from 'node:buffer';
import { promisify } from 'node:util';
import { gunzip, gunzipSync, gzip, gzipSync, type ZlibOptions } from 'node:zlib';
import { codecFailure, DecompressedSizeLimitError } from './compression-error.js';
import { INLINE_BELOW_BYTES } from './compression-limits.js';

const gzipAsync = promisify<Buffer, ZlibOptions, Buffer>(gzip);
const gunzipAsync = promisify<Buffer, ZlibOptions, Buffer>(gunzip);

/** Kafka's default gzip level (java.util.zip.Deflater's default, KIP-390 makes it configurable). */
export const DEFAULT_GZIP_LEVEL = 6;
// Larger chunks than zlib's 16 KiB default: fewer thread-pool round trips per megabyte.
const CHUNK_BYTES = 64 * 1024;

function compressOptions(level: number | undefined): ZlibOptions {
  return { level: level ?? DEFAULT_GZIP_LEVEL, chunkSize: CHUNK_BYTES };
}

function decompressOptions(maxBytes: number): ZlibOptions {
  return {
    maxOutputLength: Math.min(Math.max(maxBytes, 1), bufferConstants.MAX_LENGTH),
    chunkSize: CHUNK_BYTES,
  };
}

export function compressGzipSync(input: Buffer, level: number | undefined): Buffer {
  try {
    return gzipSync(input, compressOptions(level));
  } catch (error: unknown) {
    throw codecFailure('gzip', 'compression', error);
  }
}

export async function compressGzip(input: Buffer, level: number | undefined): Promise<Buffer> {
  if (input.length < INLINE_BELOW_BYTES) return compressGzipSync(input, level);
  try {
    return await gzipAsync(input, compressOptions(level));
  } catch (error: unknown) {
    throw codecFailure('gzip', 'compression', error);
  }
}

function decompressionFailure(error: unknown, maxBytes: number): Error {
  if (error instanceof RangeError && (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
    return new DecompressedSizeLimitError('gzip', maxBytes, 'inflated past the bound');
  }
  return codecFailure('gzip', 'decompression', error);
}

function checked(output: Buffer, maxBytes: number): Buffer {
  if (output.length > maxBytes) {
    throw new DecompressedSizeLimitError('gzip', maxBytes, `inflated to ${output.length} bytes`);
  }
  return output;
}

/** Inflation stops as soon as the output passes `maxBytes` (zlib's maxOutputLength). */
export function decompressGzipSync(input: Buffer, maxBytes: number): Buffer {
  try {
    return checked(gunzipSync(input, decompressOptions(maxBytes)), maxBytes);
  } catch (error: unknown) {
    throw decompressionFailure(error, maxBytes);
  }
}

/**
 * Runs on the thread pool: gzip announces no output size, so even a small input may inflate for
 * long. Inflation stops as soon as the output passes `maxBytes`.
 */
export async function decompressGzip(input: Buffer, maxBytes: number): Promise<Buffer> {
  try {
    return checked(await gunzipAsync(input, decompressOptions(maxBytes)), maxBytes);
  } catch (error: unknown) {
    throw decompressionFailure(error, maxBytes);
  }
}
