import {
  CompressionCodec,
  CompressionError,
  CorruptRecordError,
  downConvertRecords,
  ErrorCode,
  type LegacyMagic,
  RecordBatchIterator,
} from '../protocol/index.js';

/** Fetch v0-1 readers know magic 0 only, v2-3 magic 1 (KIP-32); v4+ read v2 batches as stored. */
export function legacyMagicFor(apiVersion: number): LegacyMagic | undefined {
  if (apiVersion <= 1) return 0;
  if (apiVersion <= 3) return 1;
  return undefined;
}

function hasZstd(records: Buffer): boolean {
  for (const view of new RecordBatchIterator(records)) {
    if (view.compression === CompressionCodec.zstd) return true;
  }
  return false;
}

/**
 * The `records` of a partition as the Fetch version can read them. v10+: as stored. v4-9: as stored,
 * but zstd data answers UNSUPPORTED_COMPRESSION_TYPE, as Kafka does for readers older than KIP-110.
 * v0-3: down-converted to magic 0 or 1 (Kafka's down-conversion: headers dropped, control batches
 * and transaction markers removed, each batch keeping its codec); zstd again cannot be converted.
 * Down-conversion decodes the records, so it costs what Kafka's does: CPU per fetched byte.
 */
export async function recordsForVersion(
  records: Buffer,
  apiVersion: number,
): Promise<{ records: Buffer } | { errorCode: number }> {
  if (apiVersion >= 10 || records.length === 0) return { records };
  if (hasZstd(records)) return { errorCode: ErrorCode.UNSUPPORTED_COMPRESSION_TYPE };
  const magic = legacyMagicFor(apiVersion);
  if (magic === undefined) return { records };
  try {
    return { records: await downConvertRecords(records, magic, { verifyCrc: false }) };
  } catch (error: unknown) {
    if (error instanceof CorruptRecordError || error instanceof CompressionError) {
      return { errorCode: ErrorCode.CORRUPT_MESSAGE };
    }
    throw error;
  }
}
