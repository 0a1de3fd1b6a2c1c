/**
 * Kafka's compression codecs as stored in bits 0-2 of a record batch's (or a legacy message's)
 * attributes. The ids are Kafka's `CompressionType.id`; 5-7 are unassigned and rejected.
 */
export const CompressionCodec = {
  none: 0,
  gzip: 1,
  snappy: 2,
  lz4: 3,
  zstd: 4,
} as const;

export type CompressionCodec = (typeof CompressionCodec)[keyof typeof CompressionCodec];

/** Every codec, in id order (handy for tests and benchmarks). */
export const COMPRESSION_CODECS: readonly CompressionCodec[] = [0, 1, 2, 3, 4];

/** Kafka's name of a codec (`compression.type` values). */
export type CompressionCodecName = keyof typeof CompressionCodec;

const NAMES: readonly CompressionCodecName[] = ['none', 'gzip', 'snappy', 'lz4', 'zstd'];

export function isCompressionCodec(id: number): id is CompressionCodec {
  return Number.isInteger(id) && id >= 0 && id <= 4;
}

export function compressionCodecName(codec: CompressionCodec): CompressionCodecName {
  return NAMES[codec]!;
}
