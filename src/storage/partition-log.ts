import {
  ControlRecordType,
  createEndTxnMarkerBatch,
  ErrorCode,
  encodeRecordBatchSync,
  RecordBatchView,
  viewRecordBatches,
} from '../protocol/index.js';
import { swapInCleanedSegment } from './cleaned-segment-swap.js';
import { type CleanResult, type CompactableLog, cleanLog } from './cleaner.js';
import type { ProducerLastRecord } from './cleaner-batch-filter.js';
import { type AppendOptions, type AppendResult, GroupCommit } from './group-commit.js';
import type { EpochEndOffset } from './leader-epoch-cache.js';
import { LogDeletion } from './log-deletion.js';
import { loadLog } from './log-loader.js';
import {
  findMaxTimestamp,
  findOffsetByTimestamp,
  floorSegment,
  type ReadOptions,
  type ReadResult,
  readBatches,
  type TimestampAndOffset,
} from './log-reader.js';
import { LogTruncation } from './log-truncation.js';
import {
  type LogProgressListener,
  type PartitionLogOptions,
  PartitionLogState,
} from './partition-log-state.js';
import type { ProducerCheck, ProducerStateEntry } from './producer-state.js';
import { loadProducerState, producerBatchOf } from './producer-state-loader.js';
import type { LogSegment } from './segment.js';
import { SegmentRoller } from './segment-roller.js';
import { InvalidAppendError, LogClosedError } from './storage-errors.js';
import type { LogConfig } from './topic-config.js';
import type { AbortedTxn } from './txn-index.js';

export type { AppendOptions, AppendResult } from './group-commit.js';
export type { LogProgressListener, PartitionLogOptions } from './partition-log-state.js';

/** A commit or abort marker a transaction coordinator asks a partition leader to append (WriteTxnMarkers). */
export interface EndTxnMarkerAppend {
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly coordinatorEpoch: number;
  /** True for COMMIT, false for ABORT. */
  readonly isCommit: boolean;
  /** The marker's timestamp (milliseconds since the epoch). */
  readonly timestampMs: bigint;
}

/** ListOffsets' special timestamps. */
export const ListOffsetsTimestamp = { latest: -1n, earliest: -2n, maxTimestamp: -3n } as const;

/**
 * One partition's log: the surface the layers above use. It assigns offsets and reads; the write
 * pipeline (GroupCommit), rolling (SegmentRoller), truncation (LogTruncation) and deletion from the
 * start (LogDeletion) are its parts, sharing one PartitionLogState. Every state change runs in one
 * serial queue. Reads run outside the queue over what has been written: a segment removed meanwhile
 * stays readable until `file.delete.delay.ms` passes.
 */
export class PartitionLog implements CompactableLog {
  readonly topic: string;
  readonly partition: number;
  readonly dir: string;
  private readonly state: PartitionLogState;
  private readonly roller: SegmentRoller;
  private readonly pipeline: GroupCommit;
  private readonly truncation: LogTruncation;
  private readonly deletion: LogDeletion;
  /** First offset the cleaner has not cleaned (Kafka's cleaner checkpoint). */
  cleanerCheckpoint = 0n;
  /** See CompactableLog.latestDeleteHorizonMs. */
  latestDeleteHorizonMs = -1n;

  private constructor(options: PartitionLogOptions) {
    this.topic = options.topic;
    this.partition = options.partition;
    this.dir = options.dir;
    this.state = new PartitionLogState(options);
    this.roller = new SegmentRoller(this.state);
    this.pipeline = new GroupCommit(this.state, this.roller);
    this.roller.onRolledSegmentsDurable = (offset) => this.pipeline.markRolledDurable(offset);
    this.truncation = new LogTruncation(this.state, this.roller, this.pipeline);
    this.deletion = new LogDeletion(this.state, this.roller);
  }

  /** Opens (recovering when needed) or creates the log in `options.dir`. */
  static async open(options: PartitionLogOptions): Promise<PartitionLog> {
    const log = new PartitionLog(options);
    const state = log.state;
    const loaded = await loadLog({
      fs: options.fs,
      dir: options.dir,
      settings: options.config,
      nowMs: options.clock.nowMs(),
      dsyncActiveSegment: state.opensDsyncSegments,
      logger: state.logger,
      isCleanShutdown: options.isCleanShutdown === true,
      recoveryPoint: options.recoveryPoint,
      logStartOffset: options.logStartOffset,
    });
    state.segments = loaded.segments;
    state.epochCache = loaded.epochCache;
    state.logEnd = loaded.logEndOffset;
    state.nextAssignedOffset = loaded.logEndOffset;
    state.startOffset = loaded.logStartOffset;
    state.hw = loaded.logStartOffset;
    state.durableOffset = loaded.logEndOffset;
    state.producers = await loadProducerState({
      store: state.snapshots,
      segments: state.segments,
      logStartOffset: state.startOffset,
      logEndOffset: state.logEnd,
      txnIndexRebuildFrom: loaded.txnIndexRebuildFrom,
      logger: state.logger,
    });
    log.cleanerCheckpoint = options.cleanerCheckpoint ?? loaded.logStartOffset;
    return log;
  }

  get logStartOffset(): bigint {
    return this.state.startOffset;
  }

  /** The offset after the last written batch (what readers can see). */
  get logEndOffset(): bigint {
    return this.state.logEnd;
  }

  /** Everything below is fsynced; what recovery may skip. */
  get recoveryPoint(): bigint {
    return this.state.durableOffset;
  }

  get highWatermark(): bigint {
    return this.state.hw;
  }

  /**
   * Changes whenever bytes an earlier read returned may no longer be what the log holds at their
   * offsets: truncation, DeleteRecords, retention, a compacted segment swapped in, a roll. Equal
   * values before a read starts and after a later check mean no such change overlapped either.
   */
  get readGeneration(): number {
    return this.state.readGeneration;
  }

  /**
   * Tells `listener` (one at a time: a later call replaces it) how the log moves on: the log end
   * after each group write, the durable offset after each fsync, and the stop (close or I/O
   * failure), synchronously as each happens. The replication layer completes its waiting produce
   * requests from these, one pass per event, instead of awaiting a promise per append. A log that
   * is already closed or failed calls `onStopped` at once.
   */
  setProgressListener(listener: LogProgressListener | undefined): void {
    const state = this.state;
    state.progress = listener;
    if (listener === undefined) return;
    if (state.failure !== undefined) listener.onStopped(state.failure);
    else if (state.isClosed) listener.onStopped(new LogClosedError(`${state.name} is closed`));
  }

  /**
   * Stores the high watermark the replication layer computed, clamped to [logStartOffset,
   * logEndOffset]; transactions whose marker it passed become stable.
   */
  setHighWatermark(offset: bigint): bigint {
    const state = this.state;
    state.hw = offset < state.startOffset ? state.startOffset : offset > state.logEnd ? state.logEnd : offset;
    state.producers.onHighWatermarkUpdated(state.hw);
    return state.hw;
  }

  /**
   * Kafka's last stable offset: the first offset of the earliest transaction not yet decided (or
   * decided by a marker not yet below the high watermark), at most the high watermark. What
   * read_committed consumers may read up to.
   */
  get lastStableOffset(): bigint {
    const state = this.state;
    const firstUnstable = state.producers.firstUnstableOffset();
    return firstUnstable !== undefined && firstUnstable < state.hw ? firstUnstable : state.hw;
  }

  /**
   * The aborted transactions a read_committed fetch of [fetchOffset, upperBoundOffset) must return
   * (Kafka's collectAbortedTransactions): from the `.txnindex` of the segment holding fetchOffset
   * and the later ones, until an entry's lastStableOffset reaches the bound. In marker order.
   */
  collectAbortedTxns(fetchOffset: bigint, upperBoundOffset: bigint): AbortedTxn[] {
    const segments = this.state.segments;
    const collected: AbortedTxn[] = [];
    for (let index = floorSegment(segments, fetchOffset); index < segments.length; index += 1) {
      const search = segments[index]!.txnIndex.collect(fetchOffset, upperBoundOffset);
      collected.push(...search.abortedTxns);
      if (search.isComplete) break;
    }
    return collected;
  }

  get segmentCount(): number {
    return this.state.segments.length;
  }

  get sizeInBytes(): number {
    return this.state.segments.reduce((total, segment) => total + segment.size, 0);
  }

  get logConfig(): LogConfig {
    return this.state.config;
  }

  updateConfig(config: LogConfig): void {
    this.state.config = config;
  }

  /** Base offsets of the live segments, oldest first (tests and tools). */
  segmentBaseOffsets(): bigint[] {
    return this.state.segments.map((segment) => segment.baseOffset);
  }

  /**
   * Leader append: assigns offsets from the log end by writing each batch's baseOffset in place (the
   * caller owns the bytes and has validated them, CRC included). A Buffer is viewed batch by batch,
   * its header fields checked but not its CRC. Throws LogClosedError after close or an I/O failure.
   */
  appendAsLeader(records: Buffer | readonly RecordBatchView[], options: AppendOptions = {}): AppendResult {
    const state = this.state;
    const views = this.viewsOf(records);
    const firstOffset = state.nextAssignedOffset;
    let abortedTxns: AbortedTxn[] | undefined;
    for (const view of views) {
      const baseOffset = state.nextAssignedOffset;
      view.setBaseOffset(baseOffset);
      if (options.leaderEpoch !== undefined) view.setPartitionLeaderEpoch(options.leaderEpoch);
      // Read back from the bytes just written: one BigInt instead of base + BigInt(delta) + 1n.
      state.nextAssignedOffset = view.nextOffset;
      // Most batches carry no producer id (-1): no producer state, and no per-batch object for it.
      if (!view.hasProducerId) continue;
      const aborted = this.recordProducerBatch(view, baseOffset, state.nextAssignedOffset - 1n);
      if (aborted === undefined) continue;
      abortedTxns ??= [];
      abortedTxns.push(aborted);
    }
    return this.pipeline.enqueue(views, firstOffset, options, abortedTxns);
  }

  /**
   * Applies an appended batch with a producer id to the producer state; returns the transaction an
   * abort marker ended.
   */
  private recordProducerBatch(
    view: RecordBatchView,
    baseOffset: bigint,
    lastOffset: bigint,
  ): AbortedTxn | undefined {
    const completed = this.state.producers.record(producerBatchOf(view), baseOffset, lastOffset);
    return completed?.isAborted === true ? completed : undefined;
  }

  /**
   * Leader append of a transaction marker (Kafka's appendAsLeader with origin COORDINATOR): checks
   * it against the producer state (INVALID_PRODUCER_EPOCH for an epoch below the producer's,
   * TRANSACTION_COORDINATOR_FENCED for an older coordinator epoch; nothing appended then), else
   * appends one control batch ending the producer's transaction here. An abort is indexed in the
   * `.txnindex`; the last stable offset moves past the transaction once the marker is below the
   * high watermark. Durable when `durable` resolves (markers always need acks=all).
   */
  appendEndTxnMarker(
    marker: EndTxnMarkerAppend,
    options: AppendOptions = {},
  ): AppendResult | { readonly errorCode: number; readonly message: string } {
    this.state.checkOpen();
    const verdict = this.state.producers.checkEndTxnMarker(
      marker.producerId,
      marker.producerEpoch,
      marker.coordinatorEpoch,
    );
    if (verdict.kind === 'refused') return { errorCode: verdict.errorCode, message: verdict.message };
    const bytes = encodeRecordBatchSync(
      createEndTxnMarkerBatch({
        type: marker.isCommit ? ControlRecordType.commit : ControlRecordType.abort,
        producerId: marker.producerId,
        producerEpoch: marker.producerEpoch,
        coordinatorEpoch: marker.coordinatorEpoch,
        timestamp: marker.timestampMs,
      }),
    );
    return this.appendAsLeader([RecordBatchView.at(bytes)], options);
  }

  /**
   * Replica append: keeps the batches' offsets. A batch may start after the log end (a gap: compacted
   * data, a sparse copyset replica), never before it or before the previous batch's end; such input
   * throws InvalidAppendError and nothing is appended.
   */
  appendWithOffsets(records: Buffer | readonly RecordBatchView[], options: AppendOptions = {}): AppendResult {
    const state = this.state;
    const views = this.viewsOf(records);
    let expected = state.nextAssignedOffset;
    for (const view of views) {
      if (view.baseOffset < expected) {
        throw new InvalidAppendError(
          `${state.name}: batch at ${view.baseOffset} is below the log end ${expected}`,
        );
      }
      expected = view.nextOffset;
    }
    const firstOffset = views[0]?.baseOffset ?? state.nextAssignedOffset;
    state.nextAssignedOffset = expected;
    const abortedTxns: AbortedTxn[] = [];
    for (const view of views) {
      if (!view.hasProducerId) continue;
      const aborted = this.recordProducerBatch(view, view.baseOffset, view.lastOffset);
      if (aborted !== undefined) abortedTxns.push(aborted);
    }
    return this.pipeline.enqueue(views, firstOffset, options, abortedTxns);
  }

  /**
   * The leader's idempotence check of a client batch before `appendAsLeader` (see
   * ProducerStateTable.check): append it, answer a duplicate with its original offsets, or refuse
   * it with OUT_OF_ORDER_SEQUENCE_NUMBER, INVALID_PRODUCER_EPOCH, INVALID_RECORD or
   * INVALID_TXN_STATE. Call both in the same synchronous step, so no other append comes between.
   */
  checkProducerBatch(view: RecordBatchView): ProducerCheck {
    this.state.checkOpen();
    return this.state.producers.check(producerBatchOf(view));
  }

  /** True when the producer has a transaction open in this partition (KIP-890 verification is then skipped). */
  hasOngoingTxn(producerId: bigint): boolean {
    return this.state.producers.hasOngoingTxn(producerId);
  }

  /** The producers this partition knows, by id (DescribeProducers, tests). */
  producerStates(): ProducerStateEntry[] {
    return this.state.producers.all();
  }

  /** `producer.id.expiration.ms`: forgets producers idle that long; returns how many went. */
  removeExpiredProducers(nowMs: number, expirationMs: number): number {
    return this.state.producers.removeExpired(nowMs, expirationMs);
  }

  private viewsOf(records: Buffer | readonly RecordBatchView[]): readonly RecordBatchView[] {
    this.state.checkOpen();
    return Buffer.isBuffer(records) ? viewRecordBatches(records, { verifyCrc: false }) : records;
  }

  /** Resolves once the background zero-ahead of the active segment (if any runs) has finished (tests). */
  awaitZeroAhead(): Promise<void> {
    return this.state.zeroAhead.settled();
  }

  /**
   * fsyncs the segments rolls left behind and not yet fsynced (SegmentRoller.roll leaves that until
   * something needs it), moving the recovery point to the active segment's base offset at least:
   * what LogManager does before it checkpoints recovery points. Never rejects: an fsync failure
   * fails the log (and its recovery point stays).
   */
  async syncRolledSegments(): Promise<void> {
    if (!this.state.isClosed) await this.roller.awaitRolledSegments();
  }

  /** fsyncs everything written so far (the active segment, and rolled ones whose fsync still runs). */
  flush(): Promise<void> {
    return this.pipeline.flush();
  }

  /** `flush.ms`: flushes when unflushed messages are older than it. */
  maybeFlush(nowMs: number): Promise<boolean> {
    return this.pipeline.maybeFlush(nowMs);
  }

  /**
   * Reads from `fetchOffset` (see ReadResult): at most `maxBytes` of whole batches from one segment,
   * below `maxOffset` and the log end. OFFSET_OUT_OF_RANGE below logStartOffset or above the log end.
   */
  async read(fetchOffset: bigint, options: ReadOptions): Promise<ReadResult> {
    const state = this.state;
    state.checkOpen();
    const logEndOffset = state.logEnd;
    const logStartOffset = state.startOffset;
    const highWatermark = state.hw;
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
    // Every field written out (no spread): this runs for every fetch, and a spread copies through
    // V8's slow property-definition path.
    const bounded: ReadOptions = {
      maxBytes: options.maxBytes,
      minOneBatch: options.minOneBatch,
      maxOffset,
      buffer: options.buffer,
      allocate: options.allocate,
    };
    const records = await readBatches(state.segments, fetchOffset, bounded, state.readTail);
    return { kind: 'records', records, logStartOffset, logEndOffset, highWatermark };
  }

  /**
   * ListOffsets: -2 earliest (logStartOffset), -1 latest (the log end; the replication layer answers
   * the high watermark or LSO itself), -3 the record with the largest timestamp, else the first
   * record with a timestamp at or after the target. Undefined when no record qualifies.
   */
  async offsetForTimestamp(timestamp: bigint): Promise<TimestampAndOffset | undefined> {
    const state = this.state;
    state.checkOpen();
    if (timestamp === ListOffsetsTimestamp.earliest) {
      const offset = state.startOffset;
      return { timestamp: -1n, offset, leaderEpoch: state.epochCache.epochFor(offset) ?? -1 };
    }
    if (timestamp === ListOffsetsTimestamp.latest) {
      return { timestamp: -1n, offset: state.logEnd, leaderEpoch: state.epochCache.latest()?.epoch ?? -1 };
    }
    if (timestamp === ListOffsetsTimestamp.maxTimestamp)
      return findMaxTimestamp(state.segments, state.startOffset);
    if (timestamp < 0n) return undefined;
    return findOffsetByTimestamp(state.segments, timestamp, state.startOffset);
  }

  /** OffsetForLeaderEpoch for this replica (Kafka's LeaderEpochFileCache.endOffsetFor). */
  endOffsetForEpoch(leaderEpoch: number): EpochEndOffset {
    return this.state.epochCache.endOffsetFor(leaderEpoch, this.state.logEnd);
  }

  /** The epoch → start offset entries (tests, DescribeProducers-like tools). */
  leaderEpochEntries(): readonly { epoch: number; startOffset: bigint }[] {
    return this.state.epochCache.all;
  }

  /** A new leader records that `leaderEpoch` starts at the current log end (Kafka's maybeAssignEpochStartOffset). */
  assignLeaderEpoch(leaderEpoch: number): Promise<void> {
    const state = this.state;
    return state.queue.run(async () => {
      state.checkNotFailed();
      state.epochCache.assign(leaderEpoch, state.logEnd);
      await state.epochCache.persist();
    });
  }

  /**
   * Follower truncation: removes every batch holding an offset >= `targetOffset` (whole batches, as
   * Kafka) and makes the target the log end, as Kafka does: offsets of a removed batch below the
   * target become a gap. Appends made after this call land after the truncation. A target below
   * logStartOffset empties the log and restarts it there.
   */
  truncateTo(targetOffset: bigint): Promise<void> {
    const truncating = this.truncation.truncateTo(targetOffset);
    // Kafka's maybeTruncateCheckpoint: what is appended after the cut is dirty again.
    if (this.cleanerCheckpoint > targetOffset) this.cleanerCheckpoint = targetOffset;
    return truncating;
  }

  /** Kafka's truncateFullyAndStartAt: a follower whose leader's log starts past this log's end. */
  truncateFullyAndStartAt(offset: bigint): Promise<void> {
    const truncating = this.truncation.truncateFullyAndStartAt(offset);
    this.cleanerCheckpoint = offset;
    return truncating;
  }

  /**
   * Kafka's UnifiedLog.roll: after the appends queued so far are written, starts a new active
   * segment at the log end (nothing when the active one is empty), so that what came before can be
   * cleaned or deleted.
   */
  roll(): Promise<void> {
    const state = this.state;
    state.checkOpen();
    return state.queue.run(async () => {
      state.checkNotFailed();
      if (state.activeSegment.isEmpty) return;
      try {
        await this.roller.roll(state.logEnd, state.clock.nowMs());
      } catch (error: unknown) {
        throw state.fail(error);
      }
    });
  }

  /**
   * DeleteRecords: moves logStartOffset up to `offset` (-1: the high watermark) and deletes the
   * segments wholly below it. OFFSET_OUT_OF_RANGE above the high watermark, as Kafka.
   */
  deleteRecordsBefore(offset: bigint): Promise<{ errorCode: number; lowWatermark: bigint }> {
    return this.deletion.deleteRecordsBefore(offset);
  }

  /** Retention (retention.ms, retention.bytes, below logStartOffset); returns how many segments went. */
  applyRetention(nowMs: number): Promise<number> {
    return this.deletion.applyRetention(nowMs);
  }

  /** Removes `.deleted` files whose delay has passed (the scheduler calls this). */
  deleteExpiredFiles(nowMs: number): Promise<void> {
    return this.deletion.deleteExpiredFiles(nowMs);
  }

  inactiveSegments(): readonly LogSegment[] {
    return this.state.segments.slice(0, -1);
  }

  /** One compaction pass (see cleanLog); undefined when the log is not compacted or not dirty enough. */
  compact(nowMs: number, maxKeys?: number): Promise<CleanResult | undefined> {
    this.state.checkOpen();
    return cleanLog(this.state.fs, this, nowMs, this.state.logger, maxKeys);
  }

  /** See swapInCleanedSegment. */
  swapInCleanedSegment(
    old: LogSegment,
    swapPath: string,
    abortedTxns: readonly AbortedTxn[],
  ): Promise<boolean> {
    return swapInCleanedSegment(this.state, this.roller, old, swapPath, abortedTxns);
  }

  /** Kafka's lastRecordsOfActiveProducers: each remembered producer's last data offset (if any) and epoch. */
  lastRecordsOfActiveProducers(): Map<bigint, ProducerLastRecord> {
    const lastRecords = new Map<bigint, ProducerLastRecord>();
    for (const entry of this.state.producers.all()) {
      lastRecords.set(entry.producerId, {
        lastDataOffset: entry.batches.at(-1)?.lastOffset,
        producerEpoch: entry.producerEpoch,
      });
    }
    return lastRecords;
  }

  /**
   * Flushes everything, snapshots the producer state at the log end (so the next open replays
   * nothing), deletes pending `.deleted` files and closes. Appends after this throw.
   */
  async close(): Promise<void> {
    const state = this.state;
    if (state.isClosed) return;
    state.isClosed = true;
    await state.queue.run(async () => {
      await this.pipeline.awaitSync();
      await this.roller.awaitRolledSegments();
      // Quiesced even after a failure: no zero write may still run when the files close.
      await state.zeroAhead.quiesce();
      if (state.failure === undefined) {
        const target = state.logEnd;
        // A clean close leaves the file holding its data exactly: the next start trusts its size.
        await state.activeSegment.trimZeroTail();
        await state.activeSegment.syncAll();
        this.pipeline.markDurable(target);
        await state.snapshots.write(target, state.producers.entriesBelow(target));
      }
      await state.deleter.deleteDue(Number.MAX_SAFE_INTEGER);
      for (const segment of state.segments) await segment.close();
      const closed = new LogClosedError(`${state.name} is closed`);
      state.durableWaiters.failAll(closed);
      if (state.failure === undefined) state.progress?.onStopped(closed);
    });
  }
}
