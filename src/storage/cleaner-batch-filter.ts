import {
  CompressionCodec,
  decodeRecordBatch,
  encodeRecordBatchSync,
  type KafkaRecord,
  type RecordBatch,
  type RecordBatchView,
  recordOffset,
  recordTimestamp,
} from '../protocol/index.js';
import type { CleanedTransactions } from './cleaner-transactions.js';
import { endTxnMarkerOf } from './producer-state-loader.js';
import type { AbortedTxn } from './txn-index.js';

/** What the producer state knows of a producer's latest batch (Kafka's LastRecord). */
export interface ProducerLastRecord {
  /** Last offset of the producer's latest data batch; undefined when its latest batch is a marker. */
  readonly lastDataOffset: bigint | undefined;
  readonly producerEpoch: number;
}

export interface BatchFilterContext {
  /** Key → offset of its latest record in the dirty range. */
  readonly map: ReadonlyMap<string, bigint>;
  readonly nowMs: number;
  /** `delete.retention.ms`: how long a delete horizon set now lies ahead. */
  readonly deleteRetentionMs: number;
  readonly transactions: CleanedTransactions;
  /** The log's producers that have not expired, by id (Kafka's lastRecordsOfActiveProducers). */
  readonly lastRecords: ReadonlyMap<bigint, ProducerLastRecord>;
}

export interface FilteredBatch {
  /** What the cleaned segment gets in place of the batch: nothing, the same bytes, or a rewrite. */
  readonly bytes: Buffer | undefined;
  /** An abort marker kept with data of its transaction met in this pass: its `.txnindex` entry stays. */
  readonly keptAbortedTxn?: AbortedTxn;
  /** The delete horizon of the kept batch, when it has one (set now or by an earlier pass). */
  readonly deleteHorizonMs?: bigint;
}

/**
 * One batch of a segment being cleaned, as Kafka's cleaner filters it (Cleaner.cleanInto with
 * MemoryRecords.filterTo), KIP-534 included:
 * - a record stays when it is its key's latest (or has no key), and a tombstone only until its
 *   batch's delete horizon; a batch that keeps a tombstone and has no horizon gets one: now +
 *   `delete.retention.ms`, stored in its base timestamp with the delete-horizon attribute (record
 *   timestamps are rewritten as deltas from it, so they do not change);
 * - data of an aborted transaction goes; a marker goes once no data of its transaction remains
 *   (CleanedTransactions) and the horizon the first such pass set has passed;
 * - the batch holding an active producer's last sequence (or its last marker when its latest batch
 *   is one, for the epoch) stays even when all its records go: as an empty batch with the same
 *   offsets, producer id, epoch and sequences, so the producer's state survives compaction.
 */
export async function filterBatch(
  view: RecordBatchView,
  context: BatchFilterContext,
): Promise<FilteredBatch> {
  const horizon = view.hasDeleteHorizonMs ? view.baseTimestamp : undefined;
  const isHorizonPassed = horizon !== undefined && horizon <= BigInt(context.nowMs);
  const retainsEmpty = isLastBatchOfProducer(view, context.lastRecords);
  if (view.isControl) {
    const marker = endTxnMarkerOf(view);
    const verdict = context.transactions.onControlBatch(
      view.producerId,
      marker?.isCommit,
      view.lastOffset,
      view.recordsCount === 0,
    );
    const kept = verdict.keptAbortedTxn === undefined ? {} : { keptAbortedTxn: verdict.keptAbortedTxn };
    // A control batch an earlier pass emptied stays only as a producer's last batch.
    if (view.recordsCount === 0) return { bytes: retainsEmpty ? Buffer.from(view.bytes) : undefined };
    if (verdict.canDiscard && isHorizonPassed) {
      return { bytes: retainsEmpty ? await emptyBatchOf(view) : undefined, ...kept };
    }
    if (!verdict.canDiscard || horizon !== undefined) {
      return {
        bytes: Buffer.from(view.bytes),
        ...kept,
        ...(horizon === undefined ? {} : { deleteHorizonMs: horizon }),
      };
    }
    const batch = await decodeRecordBatch(view, { verifyCrc: false });
    const deleteHorizonMs = deleteHorizonFrom(context);
    return { bytes: rewrite(batch, batch.records, deleteHorizonMs), ...kept, deleteHorizonMs };
  }
  const isAborted = context.transactions.onDataBatch(view.producerId, view.isTransactional, view.lastOffset);
  if (isAborted) return { bytes: retainsEmpty ? await emptyBatchOf(view) : undefined };
  const batch = await decodeRecordBatch(view, { verifyCrc: false });
  const kept = batch.records.filter((record) => isRecordKept(batch, record, context.map, isHorizonPassed));
  if (kept.length === 0) return { bytes: retainsEmpty ? await emptyBatchOf(view) : undefined };
  const needsHorizon = horizon === undefined && kept.some((record) => record.value === null);
  const deleteHorizonMs = needsHorizon ? deleteHorizonFrom(context) : horizon;
  const withHorizon = deleteHorizonMs === undefined ? {} : { deleteHorizonMs };
  if (!needsHorizon && kept.length === batch.records.length)
    return { bytes: Buffer.from(view.bytes), ...withHorizon };
  return { bytes: rewrite(batch, kept, needsHorizon ? deleteHorizonMs : undefined), ...withHorizon };
}

function deleteHorizonFrom(context: BatchFilterContext): bigint {
  return BigInt(context.nowMs) + BigInt(context.deleteRetentionMs);
}

/**
 * Kafka's isBatchLastRecordOfProducer: the batch holds the last data offset of an active producer,
 * or, when that producer's latest batch is a marker, it is a marker of the producer's epoch.
 */
function isLastBatchOfProducer(
  view: RecordBatchView,
  lastRecords: ReadonlyMap<bigint, ProducerLastRecord>,
): boolean {
  const producerId = view.producerId;
  if (producerId < 0n) return false;
  const last = lastRecords.get(producerId);
  if (last === undefined) return false;
  return last.lastDataOffset !== undefined
    ? view.lastOffset === last.lastDataOffset
    : view.isControl && view.producerEpoch === last.producerEpoch;
}

function isRecordKept(
  batch: RecordBatch,
  record: KafkaRecord,
  map: ReadonlyMap<string, bigint>,
  isHorizonPassed: boolean,
): boolean {
  if (record.key === null) return true;
  const latest = map.get(record.key.toString('latin1'));
  if (latest !== undefined && latest > recordOffset(batch, record)) return false;
  return record.value !== null || !isHorizonPassed;
}

/** `records` of `batch` re-encoded, with `deleteHorizonMs` as its new base timestamp when given. */
function rewrite(
  batch: RecordBatch,
  records: readonly KafkaRecord[],
  deleteHorizonMs: bigint | undefined,
): Buffer {
  if (deleteHorizonMs === undefined) return encodeRecordBatchSync({ ...batch, records });
  return encodeRecordBatchSync({
    ...batch,
    hasDeleteHorizonMs: true,
    baseTimestamp: deleteHorizonMs,
    records: records.map((record) => ({
      ...record,
      timestampDelta: Number(recordTimestamp(batch, record) - deleteHorizonMs),
    })),
  });
}

/** Kafka's writeEmptyHeader: the batch's header with no records (offsets, producer fields, flags kept). */
async function emptyBatchOf(view: RecordBatchView): Promise<Buffer> {
  const batch = await decodeRecordBatch(view, { verifyCrc: false });
  return encodeRecordBatchSync({
    ...batch,
    compression: CompressionCodec.none,
    hasDeleteHorizonMs: false,
    baseTimestamp: batch.maxTimestamp,
    records: [],
  });
}
