import type { KafkaFailureName } from '../errors.js';
import { PyralogError } from '../pyralog-error.js';

/**
 * Compressed bytes that the codec rejects (bad frame, bad checksum, truncated input). Brokers answer
 * a produce carrying such a batch with CORRUPT_MESSAGE.
 */
export class CompressionError extends PyralogError {
  readonly code: string = 'COMPRESSION_ERROR';
  /** The Kafka error a broker answers a produce with. */
  readonly kafkaError: KafkaFailureName = 'CORRUPT_MESSAGE';
}

/** A codec id outside 0-4 (Kafka answers UNSUPPORTED_COMPRESSION_TYPE). */
export class UnsupportedCompressionError extends CompressionError {
  override readonly code = 'UNSUPPORTED_COMPRESSION';
  override readonly kafkaError = 'UNSUPPORTED_COMPRESSION_TYPE';

  constructor(readonly codec: number) {
    super(`unsupported compression codec ${codec}`);
  }
}

/**
 * Decompression would produce more than the configured `maxDecompressedBytes`: a decompression bomb
 * or a batch bigger than this broker accepts. Thrown before the output is allocated whenever the
 * format announces its size (snappy, lz4 block bounds, zstd content size), otherwise as soon as the
 * output passes the bound (gzip, zstd without content size). Maps to Kafka's MESSAGE_TOO_LARGE.
 */
export class DecompressedSizeLimitError extends CompressionError {
  override readonly code = 'DECOMPRESSED_SIZE_LIMIT';
  override readonly kafkaError = 'MESSAGE_TOO_LARGE';

  constructor(
    readonly codecName: string,
    readonly maxDecompressedBytes: number,
    detail: string,
  ) {
    super(`${codecName} output exceeds maxDecompressedBytes ${maxDecompressedBytes}: ${detail}`);
  }
}

/** Wraps a native codec failure (whose class and message vary per library) into CompressionError. */
export function codecFailure(codecName: string, action: string, error: unknown): CompressionError {
  if (error instanceof CompressionError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new CompressionError(`${codecName} ${action} failed: ${reason}`, { cause: error });
}
