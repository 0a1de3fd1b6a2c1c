import {
  decodeRecordBatch,
  encodeRecordBatchSync,
  type KafkaRecord,
  type RecordBatch,
  recordOffset,
} from '../protocol/index.js';
import { scanBatches } from './batch-scanner.js';
import { type FileSystem, joinPath } from './file-system.js';
import { type LogSegment, segmentFileName } from './segment.js';
import type { StorageLogger } from './storage-logger.js';
import type { LogConfig } from './topic-config.js';
import type { AbortedTxn } from './txn-index.js';

/** Kafka's cleaner suffixes: a segment being written, and one ready to replace the original. */
export const CLEANED_SUFFIX = '.cleaned';
export const SWAP_SUFFIX = '.swap';

/** Default bound of the key → offset map (Kafka sizes it by `log.cleaner.dedupe.buffer.size`). */
export const DEFAULT_MAX_CLEANER_KEYS = 1_000_000;

/** What the cleaner needs of a partition log (PartitionLog implements it). */
export interface CompactableLog {
  readonly topic: string;
  readonly partition: number;
  readonly dir: string;
  readonly logConfig: LogConfig;
  /** First offset not yet cleaned (Kafka's cleaner checkpoint); the log start when never cleaned. */
  cleanerCheckpoint: bigint;
  /** Every segment but the active one, oldest first. */
  inactiveSegments(): readonly LogSegment[];
  /** In the log's queue: replaces `old` by the `.swap` file at `swapPath`; false when `old` is gone. */
  swapInCleanedSegment(old: LogSegment, swapPath: string): Promise<boolean>;
  /** The aborted transactions overlapping [fetchOffset, upperBoundOffset) (from the `.txnindex` files). */
  collectAbortedTxns(fetchOffset: bigint, upperBoundOffset: bigint): AbortedTxn[];
}

export interface CleanResult {
  readonly segmentsCleaned: number;
  readonly bytesBefore: number;
  readonly bytesAfter: number;
  /** The new cleaner checkpoint. */
  readonly firstDirtyOffset: bigint;
}

/**
 * One cleaning pass over a `compact` log, as Kafka's LogCleaner: the cleanable range is every
 * inactive segment older than `min.compaction.lag.ms`; it is cleaned when the bytes after the
 * cleaner checkpoint make at least `min.cleanable.dirty.ratio` of it. A map of key → last offset is
 * built from the dirty part (at most `maxKeys` keys: a range that does not fit is cut at a segment
 * boundary), then every segment of the range is rewritten keeping, per key, only the last record;
 * tombstones go once their batch is older than `delete.retention.ms`. The data batches of aborted
 * transactions are removed (as Kafka's cleaner does, from the `.txnindex` entries); committed
 * transactional batches and control batches are kept whole (markers are not removed yet: Kafka's
 * KIP-534 delete horizon for markers is not implemented).
 * Appends and reads go on meanwhile: each rewritten segment is swapped in through the log's queue.
 */
export async function cleanLog(
  fs: FileSystem,
  log: CompactableLog,
  nowMs: number,
  logger: StorageLogger,
  maxKeys = DEFAULT_MAX_CLEANER_KEYS,
): Promise<CleanResult | undefined> {
  const config = log.logConfig;
  if (!config.cleanupPolicy.includes('compact')) return undefined;
  const cleanable = log
    .inactiveSegments()
    .filter((segment) => !segment.isEmpty)
    .filter((segment) => nowMs - Number(segment.maxTimestamp) >= config.minCompactionLagMs);
  const range = takeWhileOldEnough(log.inactiveSegments(), nowMs, config.minCompactionLagMs).filter(
    (segment) => cleanable.includes(segment),
  );
  if (range.length === 0) return undefined;
  const dirty = range.filter((segment) => segment.nextOffset > log.cleanerCheckpoint);
  const dirtyBytes = dirty.reduce((total, segment) => total + segment.size, 0);
  const totalBytes = range.reduce((total, segment) => total + segment.size, 0);
  if (dirty.length === 0 || dirtyBytes / totalBytes < config.minCleanableDirtyRatio) return undefined;

  const map = new Map<string, bigint>();
  let mappedUpTo = -1;
  for (const [index, segment] of dirty.entries()) {
    if (!(await addSegmentKeys(segment, map, maxKeys))) break;
    mappedUpTo = index;
  }
  if (mappedUpTo < 0) {
    logger.warn(
      { topic: log.topic, partition: log.partition },
      `a segment has more than ${maxKeys} keys; not cleaned`,
    );
    return undefined;
  }
  const lastMapped = dirty[mappedUpTo]!;
  const toClean = range.slice(0, range.indexOf(lastMapped) + 1);
  const deleteHorizonMs = nowMs - config.deleteRetentionMs;
  let bytesAfter = 0;
  let bytesBefore = 0;
  let cleaned = 0;
  for (const segment of toClean) {
    bytesBefore += segment.size;
    const aborted = log.collectAbortedTxns(segment.baseOffset, segment.nextOffset);
    const swapPath = await writeCleanedSegment(fs, log.dir, segment, map, deleteHorizonMs, aborted);
    if (!(await log.swapInCleanedSegment(segment, swapPath.path))) {
      await fs.unlink(swapPath.path);
      return undefined;
    }
    bytesAfter += swapPath.bytes;
    cleaned += 1;
  }
  log.cleanerCheckpoint = lastMapped.nextOffset;
  logger.info(
    { topic: log.topic, partition: log.partition, segments: cleaned, bytesBefore, bytesAfter },
    `cleaned ${cleaned} segment(s) of ${log.topic}-${log.partition}: ${bytesBefore} → ${bytesAfter} bytes`,
  );
  return { segmentsCleaned: cleaned, bytesBefore, bytesAfter, firstDirtyOffset: lastMapped.nextOffset };
}

function takeWhileOldEnough(segments: readonly LogSegment[], nowMs: number, lagMs: number): LogSegment[] {
  const result: LogSegment[] = [];
  for (const segment of segments) {
    if (nowMs - Number(segment.maxTimestamp) < lagMs) break;
    result.push(segment);
  }
  return result;
}

function keyOf(record: KafkaRecord): string | undefined {
  return record.key === null ? undefined : record.key.toString('latin1');
}

function isKeptWhole(batch: Pick<RecordBatch, 'isControl' | 'isTransactional'>): boolean {
  return batch.isControl || batch.isTransactional;
}

/** Adds the segment's keys; false (the map unchanged) when they would exceed `maxKeys`. */
async function addSegmentKeys(
  segment: LogSegment,
  map: Map<string, bigint>,
  maxKeys: number,
): Promise<boolean> {
  const updates = new Map<string, bigint>();
  for await (const { view } of scanBatches(segment.log, 0, segment.size)) {
    if (isKeptWhole(view)) continue;
    const batch = await decodeRecordBatch(view, { verifyCrc: false });
    for (const record of batch.records) {
      const key = keyOf(record);
      if (key !== undefined) updates.set(key, recordOffset(batch, record));
    }
    if (map.size + updates.size > maxKeys) {
      let added = 0;
      for (const key of updates.keys()) if (!map.has(key)) added += 1;
      if (map.size + added > maxKeys) return false;
    }
  }
  for (const [key, offset] of updates) map.set(key, offset);
  return true;
}

/** Writes the kept records of `segment` to `<base>.log.cleaned`, fsyncs it and renames it to `.swap`. */
async function writeCleanedSegment(
  fs: FileSystem,
  dir: string,
  segment: LogSegment,
  map: ReadonlyMap<string, bigint>,
  deleteHorizonMs: number,
  abortedTxns: readonly AbortedTxn[],
): Promise<{ path: string; bytes: number }> {
  const cleanedPath = joinPath(dir, segmentFileName(segment.baseOffset, `.log${CLEANED_SUFFIX}`));
  const swapPath = joinPath(dir, segmentFileName(segment.baseOffset, `.log${SWAP_SUFFIX}`));
  await fs.unlink(cleanedPath);
  const file = await fs.open(cleanedPath, { create: true });
  let position = 0;
  try {
    for await (const { view } of scanBatches(segment.log, 0, segment.size)) {
      let bytes: Buffer;
      if (isAbortedData(view, abortedTxns)) continue;
      if (isKeptWhole(view)) {
        bytes = Buffer.from(view.bytes);
      } else {
        const batch = await decodeRecordBatch(view, { verifyCrc: false });
        const kept = batch.records.filter((record) => isKept(batch, record, map, deleteHorizonMs));
        if (kept.length === 0) continue;
        bytes =
          kept.length === batch.records.length
            ? Buffer.from(view.bytes)
            : encodeRecordBatchSync({ ...batch, records: kept });
      }
      await file.writev([bytes], position);
      position += bytes.length;
    }
    await file.sync();
  } finally {
    await file.close();
  }
  await fs.rename(cleanedPath, swapPath);
  await fs.fsyncDir(dir);
  return { path: swapPath, bytes: position };
}

/** A transactional data batch inside an aborted transaction of its producer (first offset to abort marker). */
function isAbortedData(
  batch: Pick<RecordBatch, 'isControl' | 'isTransactional' | 'producerId' | 'baseOffset'>,
  abortedTxns: readonly AbortedTxn[],
): boolean {
  if (!batch.isTransactional || batch.isControl) return false;
  return abortedTxns.some(
    (txn) =>
      txn.producerId === batch.producerId &&
      txn.firstOffset <= batch.baseOffset &&
      batch.baseOffset < txn.lastOffset,
  );
}

function isKept(
  batch: RecordBatch,
  record: KafkaRecord,
  map: ReadonlyMap<string, bigint>,
  deleteHorizonMs: number,
): boolean {
  const key = keyOf(record);
  if (key === undefined) return true;
  const latest = map.get(key);
  const offset = recordOffset(batch, record);
  if (latest !== undefined && latest > offset) return false;
  const isTombstone = record.value === null;
  return !isTombstone || batch.maxTimestamp >= BigInt(deleteHorizonMs);
}
