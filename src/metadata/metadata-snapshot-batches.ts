import {
  ByteReader,
  ByteWriter,
  CONTROL_RECORD_KEY_VERSION,
  CompressionError,
  ControlRecordType,
  CorruptRecordError,
  createRecordBatch,
  DecodeError,
  decodeControlRecordKey,
  decodeRecordBatchesSync,
  decodeSnapshotHeaderRecord,
  encodeControlRecordKey,
  encodeRecordBatchSync,
  encodeSnapshotFooterRecord,
  encodeSnapshotHeaderRecord,
  type RecordBatch,
} from '../protocol/index.js';
import { MetadataSnapshotCorruptError } from './metadata-errors.js';
import {
  decodeMetadataRecord,
  encodeMetadataRecord,
  isMetadataDecodeFailure,
  type MetadataRecord,
} from './metadata-record.js';
import type { MetadataSnapshot } from './metadata-snapshot.js';

/** Metadata records per data batch of a snapshot (Kafka cuts its snapshot batches at 8 KiB). */
const RECORDS_PER_BATCH = 500;
const SNAPSHOT_HEADER_VERSION = 0;
const SNAPSHOT_FOOTER_VERSION = 0;

export interface SnapshotFrameOptions {
  /** The header's lastContainedLogTimestamp: the append time of the last record the snapshot covers. */
  readonly lastContainedLogTimestamp: bigint;
  /** Batch timestamps (ms since the epoch). */
  readonly nowMs: bigint;
}

function controlBatch(type: number, value: Buffer, offset: bigint, epoch: number, nowMs: bigint): Buffer {
  return encodeRecordBatchSync({
    ...createRecordBatch({
      records: [{ key: encodeControlRecordKey({ version: CONTROL_RECORD_KEY_VERSION, type }), value }],
      baseOffset: offset,
      partitionLeaderEpoch: epoch,
      isControl: true,
      timestamp: nowMs,
    }),
  });
}

function bodyOf(write: (writer: ByteWriter) => void): Buffer {
  const writer = new ByteWriter(16);
  write(writer);
  return writer.toBuffer();
}

/**
 * A snapshot as KRaft writes its `.checkpoint` files: v2 record batches back to back, offsets from
 * 0, first a control batch with a SnapshotHeaderRecord, then the metadata records (framed as in the
 * log) in batches of RECORDS_PER_BATCH, last a control batch with a SnapshotFooterRecord. Each batch
 * carries the snapshot's epoch and a CRC-32C, so a torn or flipped byte is detected on reading.
 */
export function encodeMetadataSnapshotBatches(
  snapshot: MetadataSnapshot,
  options: SnapshotFrameOptions,
): Buffer {
  const epoch = snapshot.provenance.lastAppliedEpoch;
  const header = bodyOf((w) =>
    encodeSnapshotHeaderRecord(w, 0, {
      version: SNAPSHOT_HEADER_VERSION,
      lastContainedLogTimestamp: options.lastContainedLogTimestamp,
    }),
  );
  const parts = [controlBatch(ControlRecordType.snapshotHeader, header, 0n, epoch, options.nowMs)];
  let offset = 1n;
  for (let at = 0; at < snapshot.records.length; at += RECORDS_PER_BATCH) {
    const chunk = snapshot.records.slice(at, at + RECORDS_PER_BATCH);
    parts.push(
      encodeRecordBatchSync(
        createRecordBatch({
          records: chunk.map((record) => ({ value: encodeMetadataRecord(record) })),
          baseOffset: offset,
          partitionLeaderEpoch: epoch,
          timestamp: options.nowMs,
        }),
      ),
    );
    offset += BigInt(chunk.length);
  }
  const footer = bodyOf((w) => encodeSnapshotFooterRecord(w, 0, { version: SNAPSHOT_FOOTER_VERSION }));
  parts.push(controlBatch(ControlRecordType.snapshotFooter, footer, offset, epoch, options.nowMs));
  return Buffer.concat(parts);
}

function controlTypeOf(batch: RecordBatch | undefined): number | undefined {
  if (batch === undefined || !batch.isControl || batch.records.length !== 1) return undefined;
  return decodeControlRecordKey(batch.records[0]!.key).type;
}

function decodeBatches(bytes: Buffer): RecordBatch[] {
  const { batches, partialBytes } = decodeRecordBatchesSync(bytes);
  if (partialBytes !== 0)
    throw new MetadataSnapshotCorruptError(`${partialBytes} bytes of a torn batch at the end`);
  return batches;
}

/**
 * Reads what encodeMetadataSnapshotBatches wrote (or Kafka's snapshot records) into a snapshot at
 * `provenance` (which the file name holds). Throws MetadataSnapshotCorruptError when a batch fails
 * its CRC or is torn, the header or footer is missing, offsets are not consecutive from 0, or a
 * record does not decode.
 */
export function decodeMetadataSnapshotBatches(
  bytes: Buffer,
  provenance: MetadataSnapshot['provenance'],
): MetadataSnapshot {
  let batches: RecordBatch[];
  try {
    batches = decodeBatches(bytes);
    const first = batches[0];
    if (controlTypeOf(first) !== ControlRecordType.snapshotHeader)
      throw new MetadataSnapshotCorruptError('no snapshot header');
    decodeSnapshotHeaderRecord(new ByteReader(first!.records[0]!.value ?? Buffer.alloc(0)), 0);
    if (controlTypeOf(batches.at(-1)) !== ControlRecordType.snapshotFooter || batches.length < 2) {
      throw new MetadataSnapshotCorruptError('no snapshot footer');
    }
  } catch (error: unknown) {
    throw asCorrupt(error);
  }
  const records: MetadataRecord[] = [];
  let expectedOffset = 0n;
  for (const batch of batches) {
    if (batch.baseOffset !== expectedOffset) {
      throw new MetadataSnapshotCorruptError(
        `batch at offset ${batch.baseOffset}, expected ${expectedOffset}`,
      );
    }
    expectedOffset = batch.baseOffset + BigInt(batch.lastOffsetDelta) + 1n;
    if (batch.isControl) continue;
    for (const record of batch.records) {
      if (record.value === null) throw new MetadataSnapshotCorruptError('a snapshot record without a value');
      try {
        records.push(decodeMetadataRecord(record.value));
      } catch (error: unknown) {
        if (!isMetadataDecodeFailure(error)) throw error;
        throw new MetadataSnapshotCorruptError(`record at offset ${batch.baseOffset}: ${String(error)}`, {
          cause: error,
        });
      }
    }
  }
  return { provenance, records };
}

function asCorrupt(error: unknown): Error {
  if (error instanceof MetadataSnapshotCorruptError) return error;
  if (
    error instanceof CorruptRecordError ||
    error instanceof DecodeError ||
    error instanceof CompressionError
  ) {
    return new MetadataSnapshotCorruptError(error.message, { cause: error });
  }
  return error instanceof Error ? error : new Error(String(error));
}
