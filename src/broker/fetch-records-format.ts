import {
  CompressionError,
  CorruptRecordError,
  downConvertRecords,
  ErrorCode,
  type LegacyMagic,
} from '../protocol/index.js';

/** From this Fetch version on (KIP-110, zstd) the records go out as stored; recordsForVersion changes nothing. */
export const RECORDS_AS_STORED_VERSION = 10;

/** Fetch v0-1 readers know magic 0 only, v2-3 magic 1 (KIP-32); v4+ read v2 batches as stored. */
export function legacyMagicFor(apiVersion: number): LegacyMagic | undefined {
  if (apiVersion <= 1) return 0;
  if (apiVersion <= 3) return 1;
  return undefined;
}

/**
 * The `records` of a partition as the Fetch version can read them. v10+: as stored. Below v10 (older
 * than KIP-110), a topic whose compression.type is zstd answers UNSUPPORTED_COMPRESSION_TYPE, as
 * Kafka does; with `producer` the batches go out as stored, zstd or not (Kafka checks the config,
 * not the data). v0-3: down-converted to magic 0 or 1 (Kafka's down-conversion: headers dropped,
 * control batches removed, each batch keeping its codec); zstd batches cannot be converted.
 * Down-conversion decodes the records, so it costs what Kafka's does: CPU per fetched byte.
 */
export async function recordsForVersion(
  records: Buffer,
  apiVersion: number,
  topicCompressionType: string,
): Promise<{ records: Buffer } | { errorCode: number }> {
  if (apiVersion >= RECORDS_AS_STORED_VERSION) return { records };
  if (topicCompressionType === 'zstd') return { errorCode: ErrorCode.UNSUPPORTED_COMPRESSION_TYPE };
  if (records.length === 0) return { records };
  const magic = legacyMagicFor(apiVersion);
  if (magic === undefined) return { records };
  try {
    return { records: await downConvertRecords(records, magic, { verifyCrc: false }) };
  } catch (error: unknown) {
    if (error instanceof CompressionError) return { errorCode: ErrorCode[error.kafkaError] };
    if (error instanceof CorruptRecordError) return { errorCode: ErrorCode.CORRUPT_MESSAGE };
    throw error;
  }
}
