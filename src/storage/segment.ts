import type { RecordBatchView } from '../protocol/index.js';
import { scanBatches } from './batch-scanner.js';
import { type FileSystem, joinPath, type StorageFile } from './file-system.js';
import { INDEX_WRITE_BATCH_BYTES } from './index-file.js';
import { OFFSET_INDEX_ENTRY_BYTES, OffsetIndex } from './offset-index.js';
import { TIME_INDEX_ENTRY_BYTES, TimeIndex } from './time-index.js';
import { TransactionIndex } from './txn-index.js';

/** Kafka's file name of a segment: its base offset in 20 digits, zero-padded. */
export function segmentFileName(baseOffset: bigint, suffix: string): string {
  return `${baseOffset.toString().padStart(20, '0')}${suffix}`;
}

export const LOG_SUFFIX = '.log';
export const INDEX_SUFFIX = '.index';
export const TIME_INDEX_SUFFIX = '.timeindex';
export const TXN_INDEX_SUFFIX = '.txnindex';
export const DELETED_SUFFIX = '.deleted';
export const SEGMENT_SUFFIXES = [LOG_SUFFIX, INDEX_SUFFIX, TIME_INDEX_SUFFIX, TXN_INDEX_SUFFIX] as const;

/**
 * Opens (creating it when missing) the segment file of `baseOffset` with `suffix` in `dir`; `dsync`
 * opens a `.log` O_DSYNC (an active segment of a durable log, see LogSegment.isDsync), never an index.
 */
export function openSegmentFile(
  fs: FileSystem,
  dir: string,
  baseOffset: bigint,
  suffix: string,
  dsync: boolean,
): Promise<StorageFile> {
  return fs.open(joinPath(dir, segmentFileName(baseOffset, suffix)), {
    create: true,
    dsync: dsync && suffix === LOG_SUFFIX,
  });
}

/** Read hints a segment keeps (about one per consumer reading it at the same time). */
const MAX_READ_HINTS = 16;

/** Largest offset a `.index` entry can hold relative to its segment's base (int32). */
export const MAX_RELATIVE_OFFSET = 2n ** 31n - 1n;

export interface SegmentSettings {
  readonly indexIntervalBytes: number;
  /** `segment.index.bytes`: bounds both indexes' entry counts as Kafka's preallocated files do. */
  readonly segmentIndexBytes: number;
}

/** Where a batch is in its segment, with the header facts a reader needs. */
export interface BatchLocation {
  readonly position: number;
  readonly sizeInBytes: number;
  readonly baseOffset: bigint;
  readonly lastOffset: bigint;
}

/** A zero-ahead write in flight (see ZeroAhead): an append reaching into [start, …) waits for `done`. */
export interface ZeroWrite {
  readonly start: number;
  readonly done: Promise<void>;
}

/**
 * One segment of a partition log: a `.log` of batches back to back exactly as on the wire, its sparse
 * `.index` and `.timeindex`, and the `.txnindex` of the transactions aborted by markers in it. `size` and `nextOffset` cover bytes already
 * written (readers never see more); the owner (PartitionLog) serialises appends and truncations.
 *
 * `size` is the segment's logical size, tracked in memory: the active segment's file may be longer,
 * with a tail of zeros written ahead of the data (see ZeroAhead), so nothing may take the file's size
 * for the data's end while the segment is open. The tail is trimmed (`trimZeroTail`) when the
 * segment rolls and when the log closes, so a cleanly closed segment's file holds its data exactly
 * (Kafka's layout); after a crash, recovery cuts a zero tail as the normal end of the log.
 */
export class LogSegment {
  /** Bytes of the `.log` written so far (the logical size: readers never go past it). */
  size = 0;
  /**
   * How long the `.log` file may be: `size`, or more while appends or a zero-ahead write are in
   * flight or a zero tail is there. Never less than what the file holds.
   */
  fileEnd = 0;
  /** End of the data including an append in flight (ZeroAhead starts its zeros past it). */
  dataEnd = 0;
  /** The zero-ahead write in flight, if any. */
  zeroWrite: ZeroWrite | undefined;
  /** The offset after the last batch (the base offset while empty). */
  nextOffset: bigint;
  /** Largest batch maxTimestamp and the last offset of the batch that carried it (-1 while none). */
  maxTimestamp = -1n;
  offsetOfMaxTimestamp = -1n;
  /** Clock time of the first append, for `segment.ms` (the creation time while empty). */
  rollingBaseMs: number;
  /** This segment's `segment.jitter.ms` draw (Kafka's rollJitterMs), made when first needed. */
  rollJitterMs: number | undefined;
  private bytesSinceLastIndexEntry = 0;
  /**
   * Where earlier reads ended: offset K → the position of the first batch whose last offset is
   * >= K (or the end of the data then, where the next append goes). A consumer's next fetch asks
   * for exactly the offset its previous one ended at, and this saves walking batch headers from
   * the sparse index's position to find it (one to three reads per fetch before). Appends keep a
   * hint true; truncation clears them. Bounded (MAX_READ_HINTS, oldest dropped first).
   */
  private readonly readHints = new Map<bigint, number>();

  constructor(
    readonly dir: string,
    readonly baseOffset: bigint,
    readonly log: StorageFile,
    readonly offsetIndex: OffsetIndex,
    readonly timeIndex: TimeIndex,
    readonly txnIndex: TransactionIndex,
    private readonly settings: SegmentSettings,
    createdMs: number,
    /**
     * The `.log` was opened O_DSYNC: every append's writev is durable when it returns, so a durable
     * group commit needs no fsync of its own (GroupCommit).
     */
    readonly isDsync = false,
  ) {
    this.nextOffset = baseOffset;
    this.rollingBaseMs = createdMs;
  }

  static maxIndexEntries(settings: SegmentSettings, entryBytes: number): number {
    return Math.max(1, Math.floor(settings.segmentIndexBytes / entryBytes));
  }

  /**
   * Creates the four files (empty) and makes their names durable; `dsync` opens the `.log` O_DSYNC
   * (an active segment of a durable log, see isDsync).
   */
  static async create(
    fs: FileSystem,
    dir: string,
    baseOffset: bigint,
    settings: SegmentSettings,
    nowMs: number,
    dsync = false,
  ): Promise<LogSegment> {
    const segment = await LogSegment.openWithEmptyIndexes(fs, dir, baseOffset, settings, nowMs, true, dsync);
    await fs.fsyncDir(dir);
    return segment;
  }

  /**
   * Opens an existing `.log` with fresh, empty index files (after compaction swapped it in) for
   * recoverSegment to fill; `size` is the file's.
   */
  static async openForRebuild(
    fs: FileSystem,
    dir: string,
    baseOffset: bigint,
    settings: SegmentSettings,
    nowMs: number,
  ): Promise<LogSegment> {
    const segment = await LogSegment.openWithEmptyIndexes(fs, dir, baseOffset, settings, nowMs, false);
    segment.setLoadedSize(await segment.log.size());
    return segment;
  }

  /**
   * Opens (creating) the four files and empties the three indexes, and also `.log` when `emptyAll`
   * (a cleaned segment gets its aborted transactions back from the segment it replaces).
   */
  private static async openWithEmptyIndexes(
    fs: FileSystem,
    dir: string,
    baseOffset: bigint,
    settings: SegmentSettings,
    nowMs: number,
    emptyAll: boolean,
    dsync = false,
  ): Promise<LogSegment> {
    const open = (suffix: string) => openSegmentFile(fs, dir, baseOffset, suffix, dsync);
    const [log, index, timeIndex, txnIndex] = await Promise.all(SEGMENT_SUFFIXES.map(open));
    const emptied = emptyAll ? [log!, index!, timeIndex!, txnIndex!] : [index!, timeIndex!, txnIndex!];
    await Promise.all(emptied.map((file) => file.truncate(0)));
    return new LogSegment(
      dir,
      baseOffset,
      log!,
      OffsetIndex.empty(index!, baseOffset, LogSegment.maxIndexEntries(settings, OFFSET_INDEX_ENTRY_BYTES)),
      TimeIndex.empty(timeIndex!, baseOffset, LogSegment.maxIndexEntries(settings, TIME_INDEX_ENTRY_BYTES)),
      TransactionIndex.empty(txnIndex!),
      settings,
      nowMs,
      dsync,
    );
  }

  /** An opened file's size (which recovery may then cut to its last valid batch). */
  setLoadedSize(fileSize: number): void {
    this.size = fileSize;
    this.dataEnd = fileSize;
    this.fileEnd = fileSize;
  }

  get sizeInBytes(): number {
    return this.size;
  }

  get isEmpty(): boolean {
    return this.size === 0;
  }

  get isIndexFull(): boolean {
    return this.offsetIndex.isFull || this.timeIndex.isFull;
  }

  /**
   * Writes validated batches (offsets already assigned, each above the previous) with one writev
   * at the end of the `.log`, then records them in memory and in the indexes. `chunks`: the views'
   * bytes, when the caller has them already.
   */
  async append(
    views: readonly RecordBatchView[],
    nowMs: number,
    chunks: readonly Buffer[] = views.map((view) => view.bytes),
  ): Promise<void> {
    if (views.length === 0) return;
    const position = await this.writeAppend(chunks);
    await this.completeAppend(views, chunks, position, nowMs);
  }

  /**
   * The first half of an append: reserves the bytes after the data and the appends already in
   * flight (`dataEnd`, moved past `chunks` before any await) and writes `chunks` there with one
   * writev; resolves with their position once they are in the file. Several may be in flight; each
   * must then be completed (`completeAppend`) in the order they began, and none of its bytes is
   * visible to readers (`size`) before that. Rejects with the write's error: the caller fails the
   * log, so the reserved range is never completed.
   */
  async writeAppend(chunks: readonly Buffer[]): Promise<number> {
    const position = this.dataEnd;
    let end = position;
    for (const chunk of chunks) end += chunk.length;
    // Set before any await: a zero-ahead write or an append that starts meanwhile begins past these bytes.
    this.dataEnd = end;
    if (end > this.fileEnd) this.fileEnd = end;
    const zeroing = this.zeroWrite;
    // The writer caught up with a zero-ahead write still in flight: that write must land first, or
    // its zeros could overwrite these bytes (rare: zeroing starts half a runway ahead).
    if (zeroing !== undefined && end > zeroing.start) await zeroing.done;
    await this.log.writev(chunks, position);
    return position;
  }

  /**
   * The second half of an append whose bytes are in the file at `position` (from writeAppend):
   * records `views` in memory and in the indexes and moves `size` past them.
   */
  async completeAppend(
    views: readonly RecordBatchView[],
    chunks: readonly Buffer[],
    position: number,
    nowMs: number,
  ): Promise<void> {
    if (position !== this.size) {
      throw new Error(`append at ${position} completed out of order: ${this.log.path} ends at ${this.size}`);
    }
    if (this.isEmpty) this.rollingBaseMs = nowMs;
    let at = position;
    for (let index = 0; index < views.length; index += 1) {
      const size = chunks[index]!.length;
      const view = views[index]!;
      this.indexBatch(view.lastOffset, view.maxTimestamp, at, size);
      at += size;
    }
    // Once for the run, not per batch (each `lastOffset + 1n` is a BigInt).
    const last = views.at(-1);
    if (last !== undefined) this.nextOffset = last.nextOffset;
    this.size = at;
    if (this.offsetIndex.pendingBytes >= INDEX_WRITE_BATCH_BYTES) await this.offsetIndex.writePending();
    if (this.timeIndex.pendingBytes >= INDEX_WRITE_BATCH_BYTES) await this.timeIndex.writePending();
  }

  /** Accounts for a batch already in the file at `position` (append and index rebuild share it). */
  recordBatch(lastOffset: bigint, maxTimestamp: bigint, position: number, sizeInBytes: number): void {
    this.indexBatch(lastOffset, maxTimestamp, position, sizeInBytes);
    this.nextOffset = lastOffset + 1n;
  }

  /** recordBatch but for `nextOffset`, which the caller moves past the batch. */
  private indexBatch(lastOffset: bigint, maxTimestamp: bigint, position: number, sizeInBytes: number): void {
    if (maxTimestamp > this.maxTimestamp) {
      this.maxTimestamp = maxTimestamp;
      this.offsetOfMaxTimestamp = lastOffset;
    }
    if (this.bytesSinceLastIndexEntry > this.settings.indexIntervalBytes) {
      this.offsetIndex.append(lastOffset, position);
      this.timeIndex.maybeAppend(this.maxTimestamp, lastOffset);
      this.bytesSinceLastIndexEntry = 0;
    }
    this.bytesSinceLastIndexEntry += sizeInBytes;
  }

  /** The position of the first batch whose last offset is >= `offset`, if an earlier read left a hint. */
  readHint(offset: bigint): number | undefined {
    return this.readHints.get(offset);
  }

  /** Remembers that the first batch whose last offset is >= `offset` starts at `position` (see readHints). */
  rememberReadEnd(offset: bigint, position: number): void {
    if (position > this.size || this.readHints.get(offset) === position) return;
    this.readHints.delete(offset);
    this.readHints.set(offset, position);
    if (this.readHints.size > MAX_READ_HINTS) this.readHints.delete(this.readHints.keys().next().value!);
  }

  /** The first batch holding an offset >= `target` at or after `fromPosition`, or undefined. */
  async locate(target: bigint, fromPosition?: number): Promise<BatchLocation | undefined> {
    const end = this.size;
    const start = fromPosition ?? this.offsetIndex.lookup(target).position;
    for await (const { position, view } of scanBatches(this.log, start, end)) {
      const lastOffset = view.lastOffset;
      if (lastOffset >= target) {
        return { position, sizeInBytes: view.sizeInBytes, baseOffset: view.baseOffset, lastOffset };
      }
    }
    return undefined;
  }

  /** Where a scan for the first batch with maxTimestamp >= `target` may start (from the time index). */
  timestampSearchStart(target: bigint): number {
    const entry = this.timeIndex.lastBelow(target);
    return entry === undefined ? 0 : this.offsetIndex.lookup(entry.offset).position;
  }

  /**
   * Cuts the segment before the first batch holding an offset >= `offset` (the whole batch goes, as
   * Kafka's truncation) and drops the index entries past the cut. Returns the bytes removed.
   */
  async truncateTo(offset: bigint): Promise<number> {
    const location = await this.locate(offset);
    if (location === undefined) return 0;
    return this.truncateToPosition(location.position);
  }

  /** Cuts the `.log` at `position` (a batch boundary) and rebuilds the in-memory tail state. */
  async truncateToPosition(position: number): Promise<number> {
    const removed = this.size - position;
    this.readHints.clear();
    await this.offsetIndex.truncateToPosition(position);
    await this.timeIndex.truncateToOffset(
      (this.offsetIndex.lastEntry()?.offset ?? this.baseOffset - 1n) + 1n,
    );
    await this.log.truncate(position);
    this.size = position;
    this.dataEnd = position;
    this.fileEnd = position;
    await this.reloadTail();
    await this.txnIndex.truncateTo(this.nextOffset);
    return removed;
  }

  /**
   * Recomputes nextOffset and maxTimestamp from the last index entries and the batches after the
   * last offset index entry (a short scan: at most `index.interval.bytes` plus one batch). Returns
   * false when the indexes disagree with the `.log` (an entry past its last batch): rebuild them.
   */
  async reloadTail(): Promise<boolean> {
    const lastIndexEntry = this.offsetIndex.lastEntry();
    const lastTimeEntry = this.timeIndex.lastEntry();
    this.maxTimestamp = lastTimeEntry?.timestamp ?? -1n;
    this.offsetOfMaxTimestamp = lastTimeEntry?.offset ?? -1n;
    const start = lastIndexEntry?.position ?? 0;
    let bytes = 0;
    // Set once the scan is done: a read running meanwhile (after a truncation) may rely on every
    // batch below `size` ending below `nextOffset` (see readSegment), which the old value keeps.
    let nextOffset = this.baseOffset;
    for await (const { view } of scanBatches(this.log, start, this.size)) {
      if (view.maxTimestamp > this.maxTimestamp) {
        this.maxTimestamp = view.maxTimestamp;
        this.offsetOfMaxTimestamp = view.lastOffset;
      }
      nextOffset = view.nextOffset;
      bytes += view.sizeInBytes;
    }
    this.nextOffset = nextOffset;
    this.bytesSinceLastIndexEntry = bytes;
    return (
      (lastIndexEntry === undefined || lastIndexEntry.offset < this.nextOffset) &&
      (lastTimeEntry === undefined || lastTimeEntry.offset < this.nextOffset)
    );
  }

  /** Empties both indexes and re-adds entries for every batch (after a recovery scan or a failed check). */
  async resetIndexes(): Promise<void> {
    this.readHints.clear();
    await this.offsetIndex.truncateToPosition(0);
    await this.timeIndex.truncateToOffset(this.baseOffset);
    this.nextOffset = this.baseOffset;
    this.maxTimestamp = -1n;
    this.offsetOfMaxTimestamp = -1n;
    this.bytesSinceLastIndexEntry = 0;
  }

  /**
   * Cuts the `.log` file back to the data (`size`), removing a zero-ahead tail: at a roll and at
   * close, after the zeroing stopped (ZeroAhead.release). The next fsync makes the new size durable.
   */
  async trimZeroTail(): Promise<void> {
    if (this.fileEnd <= this.size) return;
    await this.log.truncate(this.size);
    this.fileEnd = this.size;
  }

  /** fsync of the `.log` only: what an acknowledgement needs (indexes are rebuilt if lost). */
  async syncLog(): Promise<void> {
    await this.log.sync();
  }

  /** fsync of every file (roll, flush, close). */
  async syncAll(): Promise<void> {
    await Promise.all([
      this.log.sync(),
      this.offsetIndex.sync(),
      this.timeIndex.sync(),
      this.txnIndex.sync(),
    ]);
  }

  async close(): Promise<void> {
    await Promise.all([
      this.log.close(),
      this.offsetIndex.close(),
      this.timeIndex.close(),
      this.txnIndex.close(),
    ]);
  }

  /** The four files' paths, `.log` first. */
  paths(): string[] {
    return SEGMENT_SUFFIXES.map((suffix) => joinPath(this.dir, segmentFileName(this.baseOffset, suffix)));
  }
}
