import { ErrorCode, type RecordBatchView, viewRecordBatches } from '../protocol/index.js';
import { type CleanResult, type CompactableLog, cleanLog } from './cleaner.js';
import type { Clock, FileSystem } from './file-system.js';
import type { EpochEndOffset, LeaderEpochCache } from './leader-epoch-cache.js';
import { loadLog } from './log-loader.js';
import {
  findMaxTimestamp,
  findOffsetByTimestamp,
  type ReadOptions,
  type ReadResult,
  readBatches,
  type TimestampAndOffset,
} from './log-reader.js';
import { recoverSegment } from './log-recovery.js';
import { selectSegmentsToDelete } from './retention.js';
import { DELETED_SUFFIX, LogSegment, MAX_RELATIVE_OFFSET } from './segment.js';
import { SegmentDeleter } from './segment-deleter.js';
import { Deferred, OffsetWaiters, SerialQueue } from './serial-queue.js';
import { InvalidAppendError, LogClosedError } from './storage-errors.js';
import { type StorageLogger, silentLogger } from './storage-logger.js';
import type { LogConfig } from './topic-config.js';

/** ListOffsets' special timestamps. */
export const ListOffsetsTimestamp = { latest: -1n, earliest: -2n, maxTimestamp: -3n } as const;

export interface AppendOptions {
  /** Leader appends: stamp this partitionLeaderEpoch into every batch (in place, outside the CRC). */
  readonly leaderEpoch?: number;
  /**
   * fsync in this group commit, so that `durable` resolves with it (acks=all). Default: true when
   * the topic's `pyralog.flush.policy` is `durable`; otherwise flush.messages/flush.ms decide.
   */
  readonly sync?: boolean;
}

/**
 * An accepted append. Offsets are final at once. `written` resolves when the bytes are in the file
 * (readable, what acks=1 waits for); `durable` when they are fsynced (acks=all). Both reject with
 * the I/O error that failed the log. Neither needs awaiting: unobserved rejections are handled.
 */
export interface AppendResult {
  readonly firstOffset: bigint;
  readonly lastOffset: bigint;
  readonly written: Promise<void>;
  readonly durable: Promise<void>;
}

export interface PartitionLogOptions {
  readonly fs: FileSystem;
  /** `<log dir>/<topic>-<partition>`. */
  readonly dir: string;
  readonly topic: string;
  readonly partition: number;
  readonly config: LogConfig;
  readonly clock: Clock;
  readonly logger?: StorageLogger;
  readonly isCleanShutdown?: boolean;
  readonly recoveryPoint?: bigint;
  readonly logStartOffset?: bigint;
  /** From `cleaner-offset-checkpoint`: the first offset the cleaner has not cleaned. */
  readonly cleanerCheckpoint?: bigint;
  /** Called after each group commit with the new log end offset (long-poll fetch wake-ups). */
  readonly onAppend?: (logEndOffset: bigint) => void;
}

/** The appends of one group commit; they are written together, so they share one promise. */
interface PendingGroup {
  readonly views: RecordBatchView[];
  needsSync: boolean;
  readonly written: Deferred;
}

/**
 * One partition's log: segments, appends with group commit, reads, timestamp lookups, the leader
 * epoch cache, truncation, retention. Every state change runs in one serial queue; appends that
 * arrive while a group commit is in flight join the next one, which writes them with one writev
 * (per segment) and, when any asked for it, one fsync. Reads run outside the queue over what has
 * been written: a segment removed meanwhile stays readable until `file.delete.delay.ms` passes.
 */
export class PartitionLog implements CompactableLog {
  readonly topic: string;
  readonly partition: number;
  readonly dir: string;
  private config: LogConfig;
  private segments: LogSegment[] = [];
  private readonly queue = new SerialQueue();
  private pendingGroup: PendingGroup | undefined;
  private nextAssignedOffset = 0n;
  private logEnd = 0n;
  private startOffset = 0n;
  private hw = 0n;
  private durableOffset = 0n;
  private readonly durableWaiters = new OffsetWaiters();
  private unflushedMessages = 0;
  private lastFlushMs: number;
  private readonly deleter: SegmentDeleter;
  /** fsyncs of rolled segments still running (they never reject: a failure fails the log). */
  private readonly rolledSegmentSyncs = new Set<Promise<void>>();
  private failure: Error | undefined;
  private isClosed = false;
  private epochCache!: LeaderEpochCache;
  /** First offset the cleaner has not cleaned (Kafka's cleaner checkpoint). */
  cleanerCheckpoint = 0n;

  private constructor(private readonly options: PartitionLogOptions) {
    this.topic = options.topic;
    this.partition = options.partition;
    this.dir = options.dir;
    this.config = options.config;
    this.lastFlushMs = options.clock.nowMs();
    this.deleter = new SegmentDeleter(options.fs, options.dir);
  }

  /** Opens (recovering when needed) or creates the log in `options.dir`. */
  static async open(options: PartitionLogOptions): Promise<PartitionLog> {
    const log = new PartitionLog(options);
    const loaded = await loadLog({
      fs: options.fs,
      dir: options.dir,
      settings: options.config,
      nowMs: options.clock.nowMs(),
      logger: log.logger,
      isCleanShutdown: options.isCleanShutdown === true,
      recoveryPoint: options.recoveryPoint,
      logStartOffset: options.logStartOffset,
    });
    log.segments = loaded.segments;
    log.epochCache = loaded.epochCache;
    log.logEnd = loaded.logEndOffset;
    log.nextAssignedOffset = loaded.logEndOffset;
    log.startOffset = loaded.logStartOffset;
    log.hw = loaded.logStartOffset;
    log.durableOffset = loaded.logEndOffset;
    log.cleanerCheckpoint = options.cleanerCheckpoint ?? loaded.logStartOffset;
    return log;
  }

  private get logger(): StorageLogger {
    return this.options.logger ?? silentLogger;
  }

  get logStartOffset(): bigint {
    return this.startOffset;
  }

  /** The offset after the last written batch (what readers can see). */
  get logEndOffset(): bigint {
    return this.logEnd;
  }

  /** Everything below is fsynced; what recovery may skip. */
  get recoveryPoint(): bigint {
    return this.durableOffset;
  }

  get highWatermark(): bigint {
    return this.hw;
  }

  /** Stores the high watermark the replication layer computed, clamped to [logStartOffset, logEndOffset]. */
  setHighWatermark(offset: bigint): bigint {
    this.hw = offset < this.startOffset ? this.startOffset : offset > this.logEnd ? this.logEnd : offset;
    return this.hw;
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  get sizeInBytes(): number {
    return this.segments.reduce((total, segment) => total + segment.size, 0);
  }

  get logConfig(): LogConfig {
    return this.config;
  }

  updateConfig(config: LogConfig): void {
    this.config = config;
  }

  /** Base offsets of the live segments, oldest first (tests and tools). */
  segmentBaseOffsets(): bigint[] {
    return this.segments.map((segment) => segment.baseOffset);
  }

  /**
   * Leader append: assigns offsets from the log end by writing each batch's baseOffset in place (the
   * caller owns the bytes and has validated them, CRC included). A Buffer is viewed batch by batch,
   * its header fields checked but not its CRC. Throws LogClosedError after close or an I/O failure.
   */
  appendAsLeader(records: Buffer | readonly RecordBatchView[], options: AppendOptions = {}): AppendResult {
    const views = this.viewsOf(records);
    const firstOffset = this.nextAssignedOffset;
    for (const view of views) {
      view.setBaseOffset(this.nextAssignedOffset);
      if (options.leaderEpoch !== undefined) view.setPartitionLeaderEpoch(options.leaderEpoch);
      this.nextAssignedOffset = view.nextOffset;
    }
    return this.enqueueAppend(views, firstOffset, options);
  }

  /**
   * Replica append: keeps the batches' offsets. A batch may start after the log end (a gap: compacted
   * data, a sparse copyset replica), never before it or before the previous batch's end; such input
   * throws InvalidAppendError and nothing is appended.
   */
  appendWithOffsets(records: Buffer | readonly RecordBatchView[], options: AppendOptions = {}): AppendResult {
    const views = this.viewsOf(records);
    let expected = this.nextAssignedOffset;
    for (const view of views) {
      if (view.baseOffset < expected) {
        throw new InvalidAppendError(
          `${this.topic}-${this.partition}: batch at ${view.baseOffset} is below the log end ${expected}`,
        );
      }
      expected = view.nextOffset;
    }
    const firstOffset = views[0]?.baseOffset ?? this.nextAssignedOffset;
    this.nextAssignedOffset = expected;
    return this.enqueueAppend(views, firstOffset, options);
  }

  private viewsOf(records: Buffer | readonly RecordBatchView[]): readonly RecordBatchView[] {
    this.checkOpen();
    return Buffer.isBuffer(records) ? viewRecordBatches(records, { verifyCrc: false }) : records;
  }

  private enqueueAppend(
    views: readonly RecordBatchView[],
    firstOffset: bigint,
    options: AppendOptions,
  ): AppendResult {
    const lastOffset = this.nextAssignedOffset - 1n;
    if (views.length === 0) {
      return { firstOffset, lastOffset, written: Promise.resolve(), durable: Promise.resolve() };
    }
    let group = this.pendingGroup;
    if (group === undefined) {
      const created: PendingGroup = { views: [], needsSync: false, written: new Deferred() };
      group = created;
      this.pendingGroup = created;
      this.queue.run(() => this.commitGroup(created)).catch(() => {});
    }
    for (const view of views) group.views.push(view);
    if (options.sync ?? this.config.flushPolicy === 'durable') group.needsSync = true;
    const log = this;
    let durable: Promise<void> | undefined;
    return {
      firstOffset,
      lastOffset,
      written: group.written.promise,
      get durable(): Promise<void> {
        durable ??= log.durableWaiters.wait(lastOffset + 1n, log.durableOffset, log.failure);
        return durable;
      },
    };
  }

  private get activeSegment(): LogSegment {
    return this.segments.at(-1)!;
  }

  /** One group commit: every append queued since the previous one, written and maybe fsynced. */
  private async commitGroup(group: PendingGroup): Promise<void> {
    if (this.pendingGroup === group) this.pendingGroup = undefined;
    try {
      this.checkNotFailed();
      const nowMs = this.options.clock.nowMs();
      let run: RecordBatchView[] = [];
      let runBytes = 0;
      let records = 0;
      for (const view of group.views) {
        if (this.shouldRoll(view, runBytes, run.length, nowMs)) {
          await this.writeRun(run, nowMs);
          run = [];
          runBytes = 0;
          await this.roll(view.baseOffset, nowMs);
        }
        run.push(view);
        runBytes += view.sizeInBytes;
        records += view.recordsCount;
      }
      await this.writeRun(run, nowMs);
      await this.epochCache.persist();
      group.written.resolve();
      this.options.onAppend?.(this.logEnd);
      this.unflushedMessages += records;
      if (group.needsSync || this.unflushedMessages >= this.config.flushMessages) {
        await this.syncToLogEnd('logOnly');
      }
    } catch (error: unknown) {
      const failure = this.fail(error);
      group.written.reject(failure);
      throw failure;
    }
  }

  private async writeRun(run: readonly RecordBatchView[], nowMs: number): Promise<void> {
    if (run.length === 0) return;
    await this.activeSegment.append(run, nowMs);
    for (const view of run) this.epochCache.assign(view.partitionLeaderEpoch, view.baseOffset);
    const end = run.at(-1)!.nextOffset;
    if (end > this.logEnd) this.logEnd = end;
  }

  /** Kafka's roll conditions: size, age, a full index, or an offset the relative index cannot hold. */
  private shouldRoll(view: RecordBatchView, runBytes: number, runCount: number, nowMs: number): boolean {
    const active = this.activeSegment;
    if (view.lastOffset - active.baseOffset > MAX_RELATIVE_OFFSET) return true;
    const size = active.size + runBytes;
    if (size === 0) return false;
    const maxOffsetEntries = active.offsetIndex.maxEntries;
    const maxTimeEntries = active.timeIndex.maxEntries;
    return (
      size + view.sizeInBytes > this.config.segmentBytes ||
      (!active.isEmpty && nowMs - active.rollingBaseMs > this.config.segmentMs) ||
      active.offsetIndex.entryCount + runCount + 1 >= maxOffsetEntries ||
      active.timeIndex.entryCount + runCount + 1 >= maxTimeEntries
    );
  }

  /**
   * Starts a new active segment at `baseOffset`. The old one is fsynced whole in the background, as
   * Kafka flushes a rolled segment asynchronously: in page-cache mode that fsync may cover a whole
   * segment, and appends must not wait for it; whatever marks offsets durable awaits it first. An
   * empty old segment stays (reads skip it, retention removes it): it marks where the log starts.
   */
  private async roll(baseOffset: bigint, nowMs: number): Promise<void> {
    const old = this.activeSegment;
    const sync: Promise<void> = old
      .syncAll()
      .then(
        () => {},
        (error: unknown) => void this.fail(error),
      )
      .finally(() => this.rolledSegmentSyncs.delete(sync));
    this.rolledSegmentSyncs.add(sync);
    const segment = await LogSegment.create(this.options.fs, this.dir, baseOffset, this.config, nowMs);
    this.segments = [...this.segments, segment];
  }

  /** Waits for the background fsyncs of rolled segments (before marking offsets durable or removing segments). */
  private async awaitRolledSegments(): Promise<void> {
    if (this.rolledSegmentSyncs.size > 0) await Promise.all([...this.rolledSegmentSyncs]);
  }

  /**
   * fsyncs the active segment (its `.log` only, or all its files) and awaits the rolled segments'
   * fsyncs, then marks the log end as of the call durable.
   */
  private async syncToLogEnd(files: 'logOnly' | 'allFiles'): Promise<void> {
    const target = this.logEnd;
    const active = this.activeSegment;
    await Promise.all([
      files === 'logOnly' ? active.syncLog() : active.syncAll(),
      this.awaitRolledSegments(),
    ]);
    this.checkNotFailed();
    this.markDurable(target);
  }

  private markDurable(offset: bigint): void {
    if (offset > this.durableOffset) this.durableOffset = offset;
    if (offset >= this.logEnd) this.unflushedMessages = 0;
    this.lastFlushMs = this.options.clock.nowMs();
    this.durableWaiters.advanceTo(this.durableOffset);
  }

  /** fsyncs everything written so far (the active segment, and rolled ones whose fsync still runs). */
  flush(): Promise<void> {
    return this.queue.run(async () => {
      this.checkNotFailed();
      await this.syncToLogEnd('allFiles');
    });
  }

  /** `flush.ms`: flushes when unflushed messages are older than it. */
  async maybeFlush(nowMs: number): Promise<boolean> {
    if (this.unflushedMessages === 0 || nowMs - this.lastFlushMs < this.config.flushMs) return false;
    await this.flush();
    return true;
  }

  /**
   * Reads from `fetchOffset` (see ReadResult): at most `maxBytes` of whole batches from one segment,
   * below `maxOffset` and the log end. OFFSET_OUT_OF_RANGE below logStartOffset or above the log end.
   */
  async read(fetchOffset: bigint, options: ReadOptions): Promise<ReadResult> {
    this.checkOpen();
    const logEndOffset = this.logEnd;
    const logStartOffset = this.startOffset;
    const highWatermark = this.hw;
    if (fetchOffset < logStartOffset || fetchOffset > logEndOffset) {
      return {
        kind: 'offsetOutOfRange',
        errorCode: ErrorCode.OFFSET_OUT_OF_RANGE,
        logStartOffset,
        logEndOffset,
        highWatermark,
      };
    }
    const maxOffset =
      options.maxOffset !== undefined && options.maxOffset < logEndOffset ? options.maxOffset : logEndOffset;
    const records = await readBatches(this.segments, fetchOffset, { ...options, maxOffset });
    return { kind: 'records', records, logStartOffset, logEndOffset, highWatermark };
  }

  /**
   * ListOffsets: -2 earliest (logStartOffset), -1 latest (the log end; the replication layer answers
   * the high watermark or LSO itself), -3 the record with the largest timestamp, else the first
   * record with a timestamp at or after the target. Undefined when no record qualifies.
   */
  async offsetForTimestamp(timestamp: bigint): Promise<TimestampAndOffset | undefined> {
    this.checkOpen();
    if (timestamp === ListOffsetsTimestamp.earliest) {
      const offset = this.startOffset;
      return { timestamp: -1n, offset, leaderEpoch: this.epochCache.epochFor(offset) ?? -1 };
    }
    if (timestamp === ListOffsetsTimestamp.latest) {
      return { timestamp: -1n, offset: this.logEnd, leaderEpoch: this.epochCache.latest()?.epoch ?? -1 };
    }
    if (timestamp === ListOffsetsTimestamp.maxTimestamp)
      return findMaxTimestamp(this.segments, this.startOffset);
    if (timestamp < 0n) return undefined;
    return findOffsetByTimestamp(this.segments, timestamp, this.startOffset);
  }

  /** OffsetForLeaderEpoch for this replica (Kafka's LeaderEpochFileCache.endOffsetFor). */
  endOffsetForEpoch(leaderEpoch: number): EpochEndOffset {
    return this.epochCache.endOffsetFor(leaderEpoch, this.logEnd);
  }

  /** The epoch → start offset entries (tests, DescribeProducers-like tools). */
  leaderEpochEntries(): readonly { epoch: number; startOffset: bigint }[] {
    return this.epochCache.all;
  }

  /** A new leader records that `leaderEpoch` starts at the current log end (Kafka's maybeAssignEpochStartOffset). */
  assignLeaderEpoch(leaderEpoch: number): Promise<void> {
    return this.queue.run(async () => {
      this.checkNotFailed();
      this.epochCache.assign(leaderEpoch, this.logEnd);
      await this.epochCache.persist();
    });
  }

  /**
   * Follower truncation: removes every batch holding an offset >= `targetOffset` (whole batches, as
   * Kafka) and makes the target the log end, as Kafka does: offsets of a removed batch below the
   * target become a gap. Appends made after this call land after the truncation. A target below
   * logStartOffset empties the log and restarts it there.
   */
  truncateTo(targetOffset: bigint): Promise<void> {
    this.checkOpen();
    if (targetOffset >= this.nextAssignedOffset) return Promise.resolve();
    this.nextAssignedOffset = targetOffset;
    this.pendingGroup = undefined;
    return this.queue.run(() =>
      targetOffset < this.startOffset ? this.restartAt(targetOffset) : this.truncateInQueue(targetOffset),
    );
  }

  private async truncateInQueue(targetOffset: bigint): Promise<void> {
    this.checkNotFailed();
    const nowMs = this.options.clock.nowMs();
    try {
      await this.awaitRolledSegments();
      let keep = this.segments.length;
      while (keep > 1 && this.segments[keep - 1]!.baseOffset >= targetOffset) keep -= 1;
      const removed = this.segments.slice(keep);
      this.segments = this.segments.slice(0, keep);
      const active = this.activeSegment;
      await active.truncateTo(targetOffset);
      await active.syncAll();
      // The target fell in a gap or inside a removed batch: an empty segment based at the target
      // records the log end on disk, so a reopen finds the same end and appends go on from it.
      this.epochCache.truncateFromEnd(active.nextOffset);
      if (active.nextOffset < targetOffset) await this.roll(targetOffset, nowMs);
      await this.awaitRolledSegments();
      this.checkNotFailed();
      this.logEnd = targetOffset;
      this.afterTruncation();
      await this.epochCache.persist();
      await this.deleter.schedule(removed, nowMs, this.config.fileDeleteDelayMs);
    } catch (error: unknown) {
      throw this.fail(error);
    }
  }

  /** Kafka's truncateFullyAndStartAt: a follower whose leader's log starts past this log's end. */
  truncateFullyAndStartAt(offset: bigint): Promise<void> {
    this.checkOpen();
    this.nextAssignedOffset = offset;
    this.pendingGroup = undefined;
    return this.queue.run(() => this.restartAt(offset));
  }

  private async restartAt(offset: bigint): Promise<void> {
    this.checkNotFailed();
    const nowMs = this.options.clock.nowMs();
    try {
      await this.awaitRolledSegments();
      const removed = this.segments;
      this.segments = [];
      await this.deleter.schedule(removed, nowMs, this.config.fileDeleteDelayMs);
      this.segments = [await LogSegment.create(this.options.fs, this.dir, offset, this.config, nowMs)];
      this.logEnd = offset;
      this.startOffset = offset;
      this.epochCache.clear();
      this.afterTruncation();
      await this.epochCache.persist();
    } catch (error: unknown) {
      throw this.fail(error);
    }
  }

  private afterTruncation(): void {
    if (this.hw > this.logEnd) this.hw = this.logEnd;
    if (this.hw < this.startOffset) this.hw = this.startOffset;
    this.durableOffset = this.logEnd;
    this.unflushedMessages = 0;
    this.epochCache.truncateFromEnd(this.logEnd);
  }

  /**
   * DeleteRecords: moves logStartOffset up to `offset` (-1: the high watermark) and deletes the
   * segments wholly below it. OFFSET_OUT_OF_RANGE above the high watermark, as Kafka.
   */
  async deleteRecordsBefore(offset: bigint): Promise<{ errorCode: number; lowWatermark: bigint }> {
    this.checkOpen();
    const target = offset === -1n ? this.hw : offset;
    if (target < 0n || target > this.hw) {
      return { errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, lowWatermark: this.startOffset };
    }
    return this.queue.run(async () => {
      this.checkNotFailed();
      if (target > this.startOffset) {
        this.startOffset = target;
        this.epochCache.truncateFromStart(target);
        await this.epochCache.persist();
      }
      await this.deleteSegmentsInQueue(this.options.clock.nowMs(), true);
      return { errorCode: ErrorCode.NONE, lowWatermark: this.startOffset };
    });
  }

  /** Retention (retention.ms, retention.bytes, below logStartOffset); returns how many segments went. */
  applyRetention(nowMs: number): Promise<number> {
    this.checkOpen();
    return this.queue.run(() => this.deleteSegmentsInQueue(nowMs));
  }

  /** `onlyBelowLogStart`: DeleteRecords removes what it made unreachable, retention waits for its check. */
  private async deleteSegmentsInQueue(nowMs: number, onlyBelowLogStart = false): Promise<number> {
    this.checkNotFailed();
    const config = onlyBelowLogStart ? { ...this.config, cleanupPolicy: [] } : this.config;
    await this.awaitRolledSegments();
    const decision = selectSegmentsToDelete(this.segments, config, nowMs, this.startOffset);
    let count = decision.count;
    if (count === 0) return 0;
    if (count === this.segments.length) {
      if (this.activeSegment.isEmpty) count -= 1;
      else await this.roll(this.logEnd, nowMs);
    }
    const removed = this.segments.slice(0, count);
    this.segments = this.segments.slice(count);
    const firstBase = this.segments[0]!.baseOffset;
    if (firstBase > this.startOffset) {
      this.startOffset = firstBase;
      if (this.hw < firstBase) this.hw = firstBase;
      this.epochCache.truncateFromStart(firstBase);
      await this.epochCache.persist();
    }
    this.logger.info(
      { topic: this.topic, partition: this.partition, segments: count, reason: decision.reason },
      `deleting ${count} segment(s) of ${this.topic}-${this.partition} by ${decision.reason}`,
    );
    await this.deleter.schedule(removed, nowMs, this.config.fileDeleteDelayMs);
    return count;
  }

  /** Removes `.deleted` files whose delay has passed (the scheduler calls this). */
  deleteExpiredFiles(nowMs: number): Promise<void> {
    return this.queue.run(() => this.deleter.deleteDue(nowMs));
  }

  inactiveSegments(): readonly LogSegment[] {
    return this.segments.slice(0, -1);
  }

  /** One compaction pass (see cleanLog); undefined when the log is not compacted or not dirty enough. */
  compact(nowMs: number, maxKeys?: number): Promise<CleanResult | undefined> {
    this.checkOpen();
    return cleanLog(this.options.fs, this, nowMs, this.logger, maxKeys);
  }

  /**
   * Replaces `old` by the cleaned `.swap` file: renamed over the `.log` (atomic: a crash leaves the
   * old or the new content), indexes rebuilt and checked by a full validation of the new file. The
   * old segment's handles stay open for in-flight reads until file.delete.delay.ms has passed.
   */
  swapInCleanedSegment(old: LogSegment, swapPath: string): Promise<boolean> {
    return this.queue.run(async () => {
      this.checkNotFailed();
      await this.awaitRolledSegments();
      const index = this.segments.indexOf(old);
      if (index < 0 || index === this.segments.length - 1) return false;
      const nowMs = this.options.clock.nowMs();
      const [logPath, ...indexPaths] = old.paths();
      for (const path of indexPaths) await this.options.fs.rename(path, path + DELETED_SUFFIX);
      await this.options.fs.rename(swapPath, logPath!);
      await this.options.fs.fsyncDir(this.dir);
      const fresh = await LogSegment.openForRebuild(
        this.options.fs,
        this.dir,
        old.baseOffset,
        this.config,
        nowMs,
      );
      await recoverSegment(fresh, this.logger, () => {});
      await fresh.syncAll();
      this.segments = [...this.segments.slice(0, index), fresh, ...this.segments.slice(index + 1)];
      this.deleter.scheduleReplaced(old, nowMs, this.config.fileDeleteDelayMs);
      await this.deleter.deleteDue(nowMs);
      return true;
    });
  }

  /** Flushes everything, deletes pending `.deleted` files and closes. Appends after this throw. */
  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    await this.queue.run(async () => {
      await this.awaitRolledSegments();
      if (this.failure === undefined) {
        const target = this.logEnd;
        await this.activeSegment.syncAll();
        this.markDurable(target);
      }
      await this.deleter.deleteDue(Number.MAX_SAFE_INTEGER);
      for (const segment of this.segments) await segment.close();
      this.durableWaiters.failAll(new LogClosedError(`${this.topic}-${this.partition} is closed`));
    });
  }

  private checkOpen(): void {
    if (this.isClosed) throw new LogClosedError(`${this.topic}-${this.partition} is closed`);
    this.checkNotFailed();
  }

  private checkNotFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  /** An I/O failure leaves the files in an unknown state: the log refuses everything afterwards. */
  private fail(error: unknown): Error {
    if (this.failure === undefined) {
      this.failure = new LogClosedError(`${this.topic}-${this.partition} failed: ${String(error)}`, {
        cause: error,
      });
      this.logger.warn(
        { topic: this.topic, partition: this.partition, error: String(error) },
        'partition log failed',
      );
      this.durableWaiters.failAll(this.failure);
    }
    return this.failure;
  }
}
