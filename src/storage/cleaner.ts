import { decodeRecordBatch, recordOffset } from '../protocol/index.js';
import { scanBatches } from './batch-scanner.js';
import { type BatchFilterContext, filterBatch, type ProducerLastRecord } from './cleaner-batch-filter.js';
import { CleanedTransactions } from './cleaner-transactions.js';
import { type FileSystem, joinPath } from './file-system.js';
import { endTxnMarkerOf } from './producer-state-loader.js';
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
  /**
   * The largest delete horizon (KIP-534) the last pass left in the log, -1 when none: once it has
   * passed, a pass is due even without dirty bytes, to remove what it guards.
   */
  latestDeleteHorizonMs: bigint;
  /** Nothing at or above it is cleaned: an undecided transaction's data could still be aborted. */
  readonly lastStableOffset: bigint;
  /** Every segment but the active one, oldest first. */
  inactiveSegments(): readonly LogSegment[];
  /** The producers the log remembers (not expired), with their latest batch (see filterBatch). */
  lastRecordsOfActiveProducers(): ReadonlyMap<bigint, ProducerLastRecord>;
  /**
   * In the log's queue: replaces `old` by the `.swap` file at `swapPath`, whose `.txnindex` gets
   * `abortedTxns`; false when `old` is gone.
   */
  swapInCleanedSegment(
    old: LogSegment,
    swapPath: string,
    abortedTxns: readonly AbortedTxn[],
  ): Promise<boolean>;
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
 * inactive segment older than `min.compaction.lag.ms` and below the last stable offset; it is
 * cleaned when the bytes after the cleaner checkpoint make at least `min.cleanable.dirty.ratio` of
 * it, or when a delete horizon left by an earlier pass has passed. A map of key → last offset is
 * built from the dirty part (at most `maxKeys` keys: a range that does not fit is cut at a segment
 * boundary; aborted transactional data and markers add no key), then every segment of the range is
 * rewritten batch by batch by filterBatch (KIP-534 delete horizons for tombstones and markers,
 * aborted data removed, each active producer's last batch kept). Appends and reads go on meanwhile:
 * each rewritten segment is swapped in through the log's queue.
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
  const stableEnd = log.lastStableOffset;
  const range = takeWhileOldEnough(log.inactiveSegments(), nowMs, config.minCompactionLagMs).filter(
    (segment) => !segment.isEmpty && segment.nextOffset <= stableEnd,
  );
  if (range.length === 0) return undefined;
  const dirty = range.filter((segment) => segment.nextOffset > log.cleanerCheckpoint);
  const dirtyBytes = dirty.reduce((total, segment) => total + segment.size, 0);
  const totalBytes = range.reduce((total, segment) => total + segment.size, 0);
  const isHorizonDue = log.latestDeleteHorizonMs >= 0n && log.latestDeleteHorizonMs <= BigInt(nowMs);
  const isDirtyEnough = dirty.length > 0 && dirtyBytes / totalBytes >= config.minCleanableDirtyRatio;
  if (!isDirtyEnough && !isHorizonDue) return undefined;

  const map = new Map<string, bigint>();
  let toClean = range;
  let firstDirtyOffset = log.cleanerCheckpoint;
  if (dirty.length > 0) {
    const mapping = new CleanedTransactions(
      log.collectAbortedTxns(dirty[0]!.baseOffset, dirty.at(-1)!.nextOffset),
    );
    let mappedUpTo = -1;
    for (const [index, segment] of dirty.entries()) {
      if (!(await addSegmentKeys(segment, map, maxKeys, mapping))) break;
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
    toClean = range.slice(0, range.indexOf(lastMapped) + 1);
    firstDirtyOffset = lastMapped.nextOffset;
  }
  const context: BatchFilterContext = {
    map,
    nowMs,
    deleteRetentionMs: config.deleteRetentionMs,
    transactions: new CleanedTransactions(
      log.collectAbortedTxns(toClean[0]!.baseOffset, toClean.at(-1)!.nextOffset),
    ),
    lastRecords: log.lastRecordsOfActiveProducers(),
  };
  let bytesAfter = 0;
  let bytesBefore = 0;
  let cleaned = 0;
  let latestDeleteHorizonMs = -1n;
  for (const segment of toClean) {
    bytesBefore += segment.size;
    const written = await writeCleanedSegment(fs, log.dir, segment, context);
    if (!(await log.swapInCleanedSegment(segment, written.path, written.abortedTxns))) {
      await fs.unlink(written.path);
      return undefined;
    }
    if (written.latestDeleteHorizonMs > latestDeleteHorizonMs)
      latestDeleteHorizonMs = written.latestDeleteHorizonMs;
    bytesAfter += written.bytes;
    cleaned += 1;
  }
  log.cleanerCheckpoint = firstDirtyOffset;
  log.latestDeleteHorizonMs = latestDeleteHorizonMs;
  logger.info(
    { topic: log.topic, partition: log.partition, segments: cleaned, bytesBefore, bytesAfter },
    `cleaned ${cleaned} segment(s) of ${log.topic}-${log.partition}: ${bytesBefore} → ${bytesAfter} bytes`,
  );
  return { segmentsCleaned: cleaned, bytesBefore, bytesAfter, firstDirtyOffset };
}

function takeWhileOldEnough(segments: readonly LogSegment[], nowMs: number, lagMs: number): LogSegment[] {
  const result: LogSegment[] = [];
  for (const segment of segments) {
    if (nowMs - Number(segment.maxTimestamp) < lagMs) break;
    result.push(segment);
  }
  return result;
}

/**
 * Adds the segment's keys (Kafka's buildOffsetMapForSegment: markers and aborted transactional data
 * add none); false (the map unchanged) when they would exceed `maxKeys`.
 */
async function addSegmentKeys(
  segment: LogSegment,
  map: Map<string, bigint>,
  maxKeys: number,
  transactions: CleanedTransactions,
): Promise<boolean> {
  const updates = new Map<string, bigint>();
  for await (const { view } of scanBatches(segment.log, 0, segment.size)) {
    if (view.isControl) {
      transactions.onControlBatch(
        view.producerId,
        endTxnMarkerOf(view)?.isCommit,
        view.lastOffset,
        view.recordsCount === 0,
      );
      continue;
    }
    if (transactions.onDataBatch(view.producerId, view.isTransactional, view.lastOffset)) continue;
    const batch = await decodeRecordBatch(view, { verifyCrc: false });
    for (const record of batch.records) {
      if (record.key !== null) updates.set(record.key.toString('latin1'), recordOffset(batch, record));
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

/**
 * Writes what filterBatch keeps of `segment` to `<base>.log.cleaned`, fsyncs it and renames it to
 * `.swap`; returns the aborted transactions its `.txnindex` keeps and its latest delete horizon.
 */
async function writeCleanedSegment(
  fs: FileSystem,
  dir: string,
  segment: LogSegment,
  context: BatchFilterContext,
): Promise<{ path: string; bytes: number; abortedTxns: AbortedTxn[]; latestDeleteHorizonMs: bigint }> {
  const cleanedPath = joinPath(dir, segmentFileName(segment.baseOffset, `.log${CLEANED_SUFFIX}`));
  const swapPath = joinPath(dir, segmentFileName(segment.baseOffset, `.log${SWAP_SUFFIX}`));
  await fs.unlink(cleanedPath);
  const file = await fs.open(cleanedPath, { create: true });
  const abortedTxns: AbortedTxn[] = [];
  let latestDeleteHorizonMs = -1n;
  let position = 0;
  try {
    for await (const { view } of scanBatches(segment.log, 0, segment.size)) {
      const filtered = await filterBatch(view, context);
      if (filtered.keptAbortedTxn !== undefined) abortedTxns.push(filtered.keptAbortedTxn);
      if (filtered.bytes === undefined) continue;
      if (filtered.deleteHorizonMs !== undefined && filtered.deleteHorizonMs > latestDeleteHorizonMs)
        latestDeleteHorizonMs = filtered.deleteHorizonMs;
      await file.writev([filtered.bytes], position);
      position += filtered.bytes.length;
    }
    await file.sync();
  } finally {
    await file.close();
  }
  await fs.rename(cleanedPath, swapPath);
  await fs.fsyncDir(dir);
  return { path: swapPath, bytes: position, abortedTxns, latestDeleteHorizonMs };
}
