import { CorruptRecordError } from '../protocol/index.js';
import { type FileSystem, joinPath, type StorageFile } from './file-system.js';
import { LEADER_EPOCH_CHECKPOINT, LeaderEpochCache } from './leader-epoch-cache.js';
import { recoverSegment } from './log-recovery.js';
import { OFFSET_INDEX_ENTRY_BYTES, OffsetIndex } from './offset-index.js';
import {
  INDEX_SUFFIX,
  LOG_SUFFIX,
  LogSegment,
  openSegmentFile,
  type SegmentSettings,
  segmentFileName,
  TIME_INDEX_SUFFIX,
  TXN_INDEX_SUFFIX,
} from './segment.js';
import { CorruptStorageFileError } from './storage-errors.js';
import type { StorageLogger } from './storage-logger.js';
import { TIME_INDEX_ENTRY_BYTES, TimeIndex } from './time-index.js';
import { TransactionIndex } from './txn-index.js';

export interface LoadLogParams {
  readonly fs: FileSystem;
  readonly dir: string;
  readonly settings: SegmentSettings;
  readonly nowMs: number;
  /** Open the last segment's `.log` (the active one) O_DSYNC (see LogSegment.isDsync). */
  readonly dsyncActiveSegment?: boolean;
  readonly logger: StorageLogger;
  /** The dir had a clean-shutdown marker: trust the files, check indexes, scan nothing. */
  readonly isCleanShutdown: boolean;
  /** From `recovery-point-offset-checkpoint`: segments wholly below it are not scanned. */
  readonly recoveryPoint: bigint | undefined;
  /** From `log-start-offset-checkpoint`. */
  readonly logStartOffset: bigint | undefined;
}

export interface LoadedLog {
  readonly segments: LogSegment[];
  readonly logStartOffset: bigint;
  readonly logEndOffset: bigint;
  readonly epochCache: LeaderEpochCache;
  readonly truncatedBytes: number;
  /**
   * The base offset of the first segment whose `.txnindex` must be rebuilt from the log (it was
   * recovered, or its `.txnindex` did not parse); undefined when every one can be trusted.
   */
  readonly txnIndexRebuildFrom: bigint | undefined;
}

/** Files left by an interrupted deletion, checkpoint write or cleaning; Kafka removes them on start too. */
const LEFTOVER = /\.(deleted|tmp|cleaned)$/;
const SWAP = /^(\d{20})\.log\.swap$/;
const SEGMENT_LOG = /^(\d{20})\.log$/;

/**
 * Opens a partition directory: removes leftovers, opens every segment, and either trusts it (clean
 * shutdown, or wholly below the recovery point: indexes sanity-checked and rebuilt when they fail)
 * or recovers it (validates every batch and cuts a torn or corrupt tail; every later segment is
 * then deleted). Rebuilds the leader-epoch cache's tail from the recovered batches and makes
 * recovered segments durable, so the recovery point after loading is the log end.
 */
export async function loadLog(params: LoadLogParams): Promise<LoadedLog> {
  const { fs, dir, logger } = params;
  await fs.mkdir(dir);
  const names = await fs.readdir(dir);
  const baseOffsets: bigint[] = [];
  for (const name of names) {
    if (LEFTOVER.test(name)) await fs.unlink(joinPath(dir, name));
    await completeSwap(fs, dir, name, names);
    const match = SEGMENT_LOG.exec(name);
    if (match !== null) baseOffsets.push(BigInt(match[1]!));
  }
  baseOffsets.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const epochCache = await loadEpochCache(fs, dir, logger);
  const segments: LogSegment[] = [];
  const needsRebuild = new Set<LogSegment>();
  let txnIndexRebuildFrom: bigint | undefined;
  const rebuildTxnIndexFrom = (segment: LogSegment): void => {
    if (txnIndexRebuildFrom === undefined || segment.baseOffset < txnIndexRebuildFrom)
      txnIndexRebuildFrom = segment.baseOffset;
  };
  for (const [index, baseOffset] of baseOffsets.entries()) {
    const isLast = index === baseOffsets.length - 1;
    const opened = await openSegment(params, baseOffset, isLast && params.dsyncActiveSegment === true);
    segments.push(opened.segment);
    if (opened.needsRebuild) needsRebuild.add(opened.segment);
    if (opened.needsTxnIndexRebuild) rebuildTxnIndexFrom(opened.segment);
  }

  const recoverFrom = params.isCleanShutdown
    ? segments.length
    : firstToRecover(segments, params.recoveryPoint);
  let truncatedBytes = 0;
  for (let index = 0; index < segments.length; index += 1) {
    const segment = segments[index]!;
    const mustRecover =
      index >= recoverFrom || needsRebuild.has(segment) || !(await isTailConsistent(segment));
    if (!mustRecover) continue;
    rebuildTxnIndexFrom(segment);
    epochCache.truncateFromEnd(segment.baseOffset);
    const recovery = await recoverSegment(segment, logger, (view) =>
      epochCache.assign(view.partitionLeaderEpoch, view.baseOffset),
    );
    await segment.syncAll();
    truncatedBytes += recovery.truncatedBytes;
    // A cut zero-ahead tail (a roll's trim that a crash undid) ends the segment where its data
    // ends, and the next segment starts at that offset: the segments after it still follow on.
    // Any other cut (zeros that are in fact the start of a torn batch leave a gap before the next
    // segment) ends the log there, as Kafka's recovery does.
    const next = segments[index + 1];
    const isWholeZeroTail =
      recovery.truncatedBytes === recovery.zeroTailBytes &&
      (next === undefined || segment.nextOffset === next.baseOffset);
    if (recovery.truncatedBytes > 0 && !isWholeZeroTail) {
      for (const later of segments.splice(index + 1)) await deleteSegmentFiles(fs, later, logger);
    }
  }
  if (segments.length === 0) {
    segments.push(
      await LogSegment.create(
        fs,
        dir,
        params.logStartOffset ?? 0n,
        params.settings,
        params.nowMs,
        params.dsyncActiveSegment === true,
      ),
    );
  }
  let logStartOffset = params.logStartOffset ?? segments[0]!.baseOffset;
  if (logStartOffset < segments[0]!.baseOffset) logStartOffset = segments[0]!.baseOffset;
  // A log start past the last batch (DeleteRecords into a gap, then truncation) is also its end.
  const lastBatchEnd = segments.at(-1)!.nextOffset;
  const logEndOffset = lastBatchEnd > logStartOffset ? lastBatchEnd : logStartOffset;
  epochCache.truncateFromEnd(logEndOffset);
  epochCache.truncateFromStart(logStartOffset);
  await epochCache.persist();
  return { segments, logStartOffset, logEndOffset, epochCache, truncatedBytes, txnIndexRebuildFrom };
}

/**
 * A `.swap` file is a fully written and fsynced cleaned segment: it replaces its `.log` (whose
 * indexes are then rebuilt), unless that segment was deleted meanwhile.
 */
async function completeSwap(
  fs: FileSystem,
  dir: string,
  name: string,
  names: readonly string[],
): Promise<void> {
  const match = SWAP.exec(name);
  if (match === null) return;
  const base = match[1]!;
  if (!names.includes(`${base}.log`)) {
    await fs.unlink(joinPath(dir, name));
    return;
  }
  await fs.rename(joinPath(dir, name), joinPath(dir, `${base}.log`));
  await fs.unlink(joinPath(dir, `${base}.index`));
  await fs.unlink(joinPath(dir, `${base}.timeindex`));
  await fs.fsyncDir(dir);
}

/** A trusted segment's tail state loads and agrees with its indexes; otherwise it is recovered. */
async function isTailConsistent(segment: LogSegment): Promise<boolean> {
  try {
    return await segment.reloadTail();
  } catch (error: unknown) {
    if (error instanceof CorruptRecordError) return false;
    throw error;
  }
}

function firstToRecover(segments: readonly LogSegment[], recoveryPoint: bigint | undefined): number {
  if (recoveryPoint === undefined) return 0;
  let index = 0;
  while (index + 1 < segments.length && segments[index + 1]!.baseOffset <= recoveryPoint) index += 1;
  return index;
}

async function loadEpochCache(fs: FileSystem, dir: string, logger: StorageLogger): Promise<LeaderEpochCache> {
  const path = joinPath(dir, LEADER_EPOCH_CHECKPOINT);
  try {
    return await LeaderEpochCache.load(fs, path);
  } catch (error: unknown) {
    if (!(error instanceof CorruptStorageFileError)) throw error;
    logger.warn({ file: path, reason: error.message }, `ignoring corrupt ${path}; rebuilding from the log`);
    await fs.unlink(path);
    return LeaderEpochCache.load(fs, path);
  }
}

async function openSegment(
  params: LoadLogParams,
  baseOffset: bigint,
  dsync: boolean,
): Promise<{ segment: LogSegment; needsRebuild: boolean; needsTxnIndexRebuild: boolean }> {
  const { fs, dir, settings } = params;
  const open = (suffix: string): Promise<StorageFile> => openSegmentFile(fs, dir, baseOffset, suffix, dsync);
  const log = await open(LOG_SUFFIX);
  const logSize = await log.size();
  const hasIndexes =
    (await fs.stat(joinPath(dir, segmentFileName(baseOffset, INDEX_SUFFIX)))) !== undefined &&
    (await fs.stat(joinPath(dir, segmentFileName(baseOffset, TIME_INDEX_SUFFIX)))) !== undefined;
  const indexFile = await open(INDEX_SUFFIX);
  const timeIndexFile = await open(TIME_INDEX_SUFFIX);
  const maxOffsetEntries = LogSegment.maxIndexEntries(settings, OFFSET_INDEX_ENTRY_BYTES);
  const maxTimeEntries = LogSegment.maxIndexEntries(settings, TIME_INDEX_ENTRY_BYTES);
  let offsetIndex: OffsetIndex;
  let timeIndex: TimeIndex;
  let needsRebuild = !hasIndexes && logSize > 0;
  try {
    offsetIndex = await OffsetIndex.load(indexFile, baseOffset, maxOffsetEntries, logSize);
    timeIndex = await TimeIndex.load(timeIndexFile, baseOffset, maxTimeEntries);
  } catch (error: unknown) {
    if (!(error instanceof CorruptStorageFileError)) throw error;
    params.logger.info(
      { file: indexFile.path, reason: error.message },
      `rebuilding the indexes of ${log.path}`,
    );
    await indexFile.truncate(0);
    await timeIndexFile.truncate(0);
    offsetIndex = OffsetIndex.empty(indexFile, baseOffset, maxOffsetEntries);
    timeIndex = TimeIndex.empty(timeIndexFile, baseOffset, maxTimeEntries);
    needsRebuild = true;
  }
  const txnIndexFile = await open(TXN_INDEX_SUFFIX);
  let txnIndex: TransactionIndex;
  let needsTxnIndexRebuild = false;
  try {
    txnIndex = await TransactionIndex.load(txnIndexFile);
  } catch (error: unknown) {
    if (!(error instanceof CorruptStorageFileError)) throw error;
    params.logger.info(
      { file: txnIndexFile.path, reason: error.message },
      `rebuilding ${txnIndexFile.path} from the log`,
    );
    await txnIndexFile.truncate(0);
    txnIndex = TransactionIndex.empty(txnIndexFile);
    needsTxnIndexRebuild = true;
  }
  const segment = new LogSegment(
    dir,
    baseOffset,
    log,
    offsetIndex,
    timeIndex,
    txnIndex,
    settings,
    params.nowMs,
    dsync,
  );
  segment.setLoadedSize(logSize);
  return { segment, needsRebuild, needsTxnIndexRebuild };
}

/** Closes and removes a segment's files at once (load time: nothing reads them yet). */
export async function deleteSegmentFiles(
  fs: FileSystem,
  segment: LogSegment,
  logger: StorageLogger,
): Promise<void> {
  logger.warn({ file: segment.log.path }, `deleting ${segment.log.path}: it follows a truncated segment`);
  await segment.close();
  for (const path of segment.paths()) await fs.unlink(path);
  await fs.fsyncDir(segment.dir);
}
