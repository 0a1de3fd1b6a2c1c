// src/protocol/compression owns Kafka's batch codecs (gzip, snappy raw and xerial, lz4 frames, zstd)
// behind compress/decompress with a bound on output. It must not know about records, sockets or disks.

export {
  type CompressOptions,
  compress,
  compressSync,
  type DecompressOptions,
  decompress,
  decompressSync,
} from './compression.js';
export {
  COMPRESSION_CODECS,
  CompressionCodec,
  type CompressionCodecName,
  compressionCodecName,
  isCompressionCodec,
} from './compression-codec.js';
export {
  CompressionError,
  DecompressedSizeLimitError,
  UnsupportedCompressionError,
} from './compression-error.js';
export { DEFAULT_MAX_DECOMPRESSED_BYTES, INLINE_BELOW_BYTES } from './compression-limits.js';
export { DEFAULT_GZIP_LEVEL } from './gzip-codec.js';
export {
  type Lz4FrameLayout,
  legacyLz4HeaderChecksum,
  lz4HeaderChecksum,
  scanLz4Frame,
} from './lz4-frame.js';
export { isXerialFramed, XERIAL_HEADER_BYTES, XERIAL_MAGIC } from './xerial-snappy.js';
export { DEFAULT_ZSTD_LEVEL } from './zstd-codec.js';
