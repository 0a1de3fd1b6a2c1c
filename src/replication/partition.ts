import {
  ErrorCode,
  kafkaError,
  PyralogError,
  type RecordBatchView,
  viewRecordBatches,
} from '../protocol/index.js';
import {
  type AbortedTxn,
  type AppendResult,
  type EndTxnMarkerAppend,
  ListOffsetsTimestamp,
  type LogProgressListener,
  type PartitionLog,
  type ProducerBatchMetadata,
  type ProducerCheck,
  type ProducerStateEntry,
  type ReadResult,
  type TimestampAndOffset,
} from '../storage/index.js';
import type { DelayedProduce, PartitionAck } from './delayed-produce.js';
import { OffsetQueue, type OffsetWaiter } from './offset-queue.js';

/** Produce's acks: 0 none, 1 the leader's write, -1 (all) the in-sync replicas, here the leader's fsync. */
export type Acks = 0 | 1 | -1;

/** What a produce waits for: acks=all the high watermark, acks=1 the log end (the leader's write). */
export type Watermark = 'highWatermark' | 'logEnd';

/**
 * An append the leader accepted: offsets are final. A produce request waits for it through
 * DelayedProduce.watch (the partition's queue, no promise per append); `acknowledged` is the same
 * wait as a promise, made only when read (coordinators, tests).
 */
export class LeaderAppend {
  constructor(
    private readonly partition: Partition,
    readonly firstOffset: bigint,
    readonly lastOffset: bigint,
    readonly logStartOffset: bigint,
    /** The watermark the append's acks wait for; undefined for acks=0 (nothing to wait for). */
    readonly watermark: Watermark | undefined,
    private readonly result: AppendResult | undefined,
    /** Set when the batch was a producer's retry of one already appended: nothing new was written. */
    readonly duplicateOf?: ProducerBatchMetadata,
  ) {}

  /** The offset the watermark must reach: the one after the append's last record. */
  get requiredOffset(): bigint {
    return this.lastOffset + 1n;
  }

  /**
   * Resolves when `acks` allow an answer; rejects with the log's error (LogFailedError,
   * LogClosedError) or a KafkaError (the partition went away or lost its leadership). Never needs
   * awaiting (rejections are handled).
   */
  get acknowledged(): Promise<void> {
    if (this.watermark === undefined) return Promise.resolve();
    return this.partition.waitFor(this.requiredOffset, this.watermark);
  }

  /**
   * Settles once the batches are in the log file (or the write failed): from then on the log holds no
   * view of the appended buffers, so their owner may reuse them. Never rejects.
   */
  get written(): Promise<void> {
    return this.result === undefined ? Promise.resolve() : this.result.written.catch(() => {});
  }

  /**
   * Joins `delayed` (a produce request in purgatory) until this append's acks are satisfied; undefined
   * for acks=0 (nothing to wait for).
   */
  waitIn(delayed: DelayedProduce): PartitionAck | undefined {
    if (this.watermark === undefined) return undefined;
    return delayed.watch(this.partition, this.requiredOffset, this.watermark);
  }

  /** Calls `callback` once `written` would settle (one promise, none when nothing was written). */
  afterWritten(callback: () => void): void {
    if (this.result === undefined) callback();
    else void this.result.written.then(callback, callback);
  }
}

/** An append the leader refused before writing anything (producer state): the partition's error. */
export interface RefusedAppend {
  readonly errorCode: number;
  readonly message: string;
}

/** Fetch's isolation_level: read_uncommitted reads up to the high watermark, read_committed up to the last stable offset. */
export type IsolationLevel = 'readUncommitted' | 'readCommitted';

/**
 * A fetch read bounded by the high watermark (read_uncommitted) or the last stable offset
 * (read_committed, with the aborted transactions overlapping the records returned).
 */
export type PartitionRead = ReadResult & {
  readonly lastStableOffset: bigint;
  /** read_committed only: the aborted transactions the consumer must skip; undefined for read_uncommitted. */
  readonly abortedTxns?: readonly AbortedTxn[] | undefined;
};

/**
 * `read` with the partition's offsets as given (a read ahead answers with the offsets current when it
 * is claimed). Every field written out, one object shape per kind: a fetch makes one per partition
 * read, and an object spread would copy through V8's slow property-definition path.
 */
export function partitionRead(
  read: ReadResult,
  highWatermark: bigint,
  logStartOffset: bigint,
  lastStableOffset: bigint,
  abortedTxns: readonly AbortedTxn[] | undefined,
): PartitionRead {
  if (read.kind === 'records') {
    return {
      kind: 'records',
      records: read.records,
      logStartOffset,
      logEndOffset: read.logEndOffset,
      highWatermark,
      lastStableOffset,
      abortedTxns,
    };
  }
  return {
    kind: 'offsetOutOfRange',
    errorCode: read.errorCode,
    logStartOffset,
    logEndOffset: read.logEndOffset,
    highWatermark,
    lastStableOffset,
    abortedTxns,
  };
}

/** A marker the leader accepted: `acknowledged` resolves once it is below the high watermark (durable). */
export interface MarkerAppend {
  readonly offset: bigint;
  readonly acknowledged: Promise<void>;
}

/**
 * One partition this node leads (single node: the ISR is this node alone). Wraps the storage log and
 * owns the high watermark, which on a single node moves as follows:
 * - `pyralog.flush.policy=durable` (default): to the durable offset after each fsync (one move per
 *   fsync, covering every append of its group commits), so a consumer never sees a record a power
 *   loss could take back, and acks=all is answered at that same moment;
 * - `page-cache` (Kafka's policy): to the log end after each group write, exactly when Kafka's leader
 *   with ISR = {itself} advances it.
 * At open the high watermark is the log end: recovery has already cut what was not durable.
 * The high watermark never moves back. After every advance the produce purgatory's waiters up to it
 * complete in one pass (offset order), then the listeners run (long-poll wake-ups). A replicated
 * high watermark would complete the same queue through `advanceHighWatermark`.
 *
 * The partition learns of the log's progress through its LogProgressListener (set here: one
 * Partition per log at a time). When the log stops (I/O failure: KAFKA_STORAGE_ERROR; closed:
 * NOT_LEADER_OR_FOLLOWER), the partition is removed (UNKNOWN_TOPIC_OR_PARTITION) or resigns its
 * leadership (NOT_LEADER_OR_FOLLOWER), every waiter completes with that error, and so does every
 * later wait.
 */
export class Partition {
  private readonly hwListeners = new Set<() => void>();
  private removed = false;
  /** acks=all waiters, by the high watermark they need. */
  private readonly hwWaiters = new OffsetQueue();
  /** acks=1 waiters, by the log end they need. */
  private readonly logEndWaiters = new OffsetQueue();
  /** NONE while waits can complete; else the error every wait completes with. */
  private stopErrorCode: number = ErrorCode.NONE;
  private stopError: Error | undefined;

  constructor(
    readonly topicId: string,
    readonly log: PartitionLog,
    private epoch: number,
  ) {
    log.setHighWatermark(log.logEndOffset);
    const progress: LogProgressListener = {
      onWritten: (logEndOffset) => this.onWritten(logEndOffset),
      onDurable: (durableOffset) => this.onDurable(durableOffset),
      onStopped: (error) => this.stop(errorCodeOfLogStop(error), error),
    };
    log.setProgressListener(progress);
  }

  /** The leader epoch stamped into appended batches. */
  get leaderEpoch(): number {
    return this.epoch;
  }

  /** A new registration of the same partition (metadata changed): keeps waiters and the high watermark. */
  updateLeaderEpoch(leaderEpoch: number): void {
    this.epoch = leaderEpoch;
  }

  get topic(): string {
    return this.log.topic;
  }

  get partition(): number {
    return this.log.partition;
  }

  get highWatermark(): bigint {
    return this.log.highWatermark;
  }

  get logStartOffset(): bigint {
    return this.log.logStartOffset;
  }

  get logEndOffset(): bigint {
    return this.log.logEndOffset;
  }

  /** See PartitionLog.readGeneration: what a result kept across requests (a read-ahead) is checked against. */
  get readGeneration(): number {
    return this.log.readGeneration;
  }

  /** The topic's `max.message.bytes`: the largest batch a produce may append. */
  get maxMessageBytes(): number {
    return this.log.logConfig.maxMessageBytes;
  }

  /** The in-sync replicas: this node alone until replication to followers exists. */
  get isrSize(): number {
    return 1;
  }

  /** The topic's `min.insync.replicas`: acks=all needs at least this many in-sync replicas. */
  get minInsyncReplicas(): number {
    return this.log.logConfig.minInsyncReplicas;
  }

  /** True when the topic's `message.timestamp.type` is LogAppendTime (the broker stamps batches). */
  get usesLogAppendTime(): boolean {
    return this.log.logConfig.messageTimestampType === 'LogAppendTime';
  }

  /** The topic's `message.timestamp.before.max.ms`: how old a CreateTime record may be. */
  get timestampBeforeMaxMs(): number {
    return this.log.logConfig.messageTimestampBeforeMaxMs;
  }

  /** The topic's `message.timestamp.after.max.ms`: how far in the future a CreateTime record may be. */
  get timestampAfterMaxMs(): number {
    return this.log.logConfig.messageTimestampAfterMaxMs;
  }

  /** True when the topic's `cleanup.policy` includes compact (every record then needs a key). */
  get isCompacted(): boolean {
    return this.log.logConfig.cleanupPolicy.includes('compact');
  }

  /** The topic's `compression.type`: a codec name, `uncompressed`, or `producer` (keep the producer's). */
  get compressionType(): string {
    return this.log.logConfig.compressionType;
  }

  /**
   * Appends validated batches as leader (offsets and leader epoch written in place). acks=0 and
   * acks=1 are acknowledged once written, acks=-1 once the high watermark covers the append. Throws
   * the log's error synchronously when it is closed or failed. Idempotent producers' batches are
   * checked against the producer state first, in the same synchronous step: a retry of one of a
   * producer's last 5 batches answers with its original offsets (acks=-1 once the high watermark
   * covers it) and appends nothing; a sequence or epoch error refuses the append (RefusedAppend).
   * `requestSync: false` (acks 0 or 1 only) writes without asking for an fsync of its own even under
   * the durable flush policy: the append becomes durable with the partition's next fsync (a
   * coordinator's record that nothing waits on, which the next record's fsync covers).
   */
  appendAsLeader(
    views: readonly RecordBatchView[],
    acks: Acks,
    options: { readonly requestSync?: boolean } = {},
  ): LeaderAppend | RefusedAppend {
    const verdict = this.checkProducerState(views);
    if (verdict.kind === 'refused') return { errorCode: verdict.errorCode, message: verdict.message };
    const watermark = acks === -1 ? 'highWatermark' : acks === 1 ? 'logEnd' : undefined;
    const logStartOffset = this.log.logStartOffset;
    if (verdict.kind === 'duplicate') {
      const batch = verdict.batch;
      // A retry appends nothing: acks=1 is already satisfied (the original was accepted).
      const waitsFor = watermark === 'highWatermark' ? watermark : undefined;
      return new LeaderAppend(
        this,
        batch.firstOffset,
        batch.lastOffset,
        logStartOffset,
        waitsFor,
        undefined,
        batch,
      );
    }
    const noSync = options.requestSync === false && acks !== -1;
    const result = this.log.appendAsLeader(
      views,
      noSync ? { leaderEpoch: this.leaderEpoch, sync: false } : { leaderEpoch: this.leaderEpoch },
    );
    return new LeaderAppend(this, result.firstOffset, result.lastOffset, logStartOffset, watermark, result);
  }

  /**
   * Appends a coordinator's commit or abort marker (see PartitionLog.appendEndTxnMarker). As Kafka
   * appends markers with acks=all, `acknowledged` resolves once the high watermark covers the marker
   * and it is fsynced (in page-cache mode too: the coordinator moves on only then).
   * RefusedAppend: INVALID_PRODUCER_EPOCH or TRANSACTION_COORDINATOR_FENCED. Throws the log's error
   * synchronously when it is closed or failed.
   */
  appendEndTxnMarker(marker: EndTxnMarkerAppend): MarkerAppend | RefusedAppend {
    const result = this.log.appendEndTxnMarker(marker, { leaderEpoch: this.leaderEpoch, sync: true });
    if ('errorCode' in result) return result;
    const end = result.lastOffset + 1n;
    const acknowledged = result.durable.then(() => this.waitFor(end, 'highWatermark'));
    acknowledged.catch(() => {});
    return { offset: result.lastOffset, acknowledged };
  }

  /**
   * Queues `waiter` until `watermark` reaches its required offset (the produce purgatory). Completes
   * it at once, without queueing, when the watermark is there already or the partition stopped
   * (with the stop's error). Returns the queue it joined, if it did.
   */
  watch(waiter: OffsetWaiter, watermark: Watermark): OffsetQueue | undefined {
    if (this.stopErrorCode !== ErrorCode.NONE) {
      waiter.complete(this.stopErrorCode);
      return undefined;
    }
    const isHighWatermark = watermark === 'highWatermark';
    const reached = isHighWatermark ? this.log.highWatermark : this.log.logEndOffset;
    if (waiter.requiredOffset <= reached) {
      waiter.complete(ErrorCode.NONE);
      return undefined;
    }
    const queue = isHighWatermark ? this.hwWaiters : this.logEndWaiters;
    queue.add(waiter);
    return queue;
  }

  /** Produce requests' partitions waiting here (both watermarks). */
  get waitingAcks(): number {
    return this.hwWaiters.size + this.logEndWaiters.size;
  }

  /**
   * `watch` as a promise (coordinators, tests): resolves once `watermark` reaches `offset`, rejects
   * with the stop's error (see the class comment).
   */
  waitFor(offset: bigint, watermark: Watermark): Promise<void> {
    return new Promise((resolve, reject) => {
      this.watch(
        {
          requiredOffset: offset,
          isWaiting: true,
          complete: (errorCode) => {
            if (errorCode === ErrorCode.NONE) resolve();
            else reject(this.stopError ?? kafkaError('UNKNOWN_SERVER_ERROR'));
          },
        },
        watermark,
      );
    });
  }

  /** Resolves once the high watermark reaches `offset` (at once when it has); rejects as `waitFor`. */
  waitForHighWatermark(offset: bigint): Promise<void> {
    return this.waitFor(offset, 'highWatermark');
  }

  /**
   * This node stops leading the partition (another leader took it, or the partition is handed to a
   * new Partition): every wait completes with NOT_LEADER_OR_FOLLOWER, as Kafka's delayed produce
   * does once its partition's leader is elsewhere.
   */
  resign(): void {
    this.stop(ErrorCode.NOT_LEADER_OR_FOLLOWER, kafkaError('NOT_LEADER_OR_FOLLOWER'));
  }

  private onWritten(logEndOffset: bigint): void {
    this.logEndWaiters.completeUpTo(logEndOffset);
    if (this.log.logConfig.flushPolicy !== 'durable') this.advanceHighWatermark(logEndOffset);
  }

  private onDurable(durableOffset: bigint): void {
    if (this.log.logConfig.flushPolicy === 'durable') this.advanceHighWatermark(durableOffset);
  }

  /** Completes every wait, now and later, with `errorCode` (the first stop wins). */
  private stop(errorCode: number, error: Error): void {
    if (this.stopErrorCode === ErrorCode.NONE) {
      this.stopErrorCode = errorCode;
      this.stopError = error;
    }
    this.hwWaiters.completeAll(this.stopErrorCode);
    this.logEndWaiters.completeAll(this.stopErrorCode);
  }

  /** The last stable offset: read_committed consumers read below it (see PartitionLog.lastStableOffset). */
  get lastStableOffset(): bigint {
    return this.log.lastStableOffset;
  }

  /**
   * KIP-890: a transactional batch of a producer with no transaction open in this partition must
   * be verified with the transaction coordinator (the partition was added to the transaction)
   * before it is appended; later batches of the open transaction need no check.
   */
  needsTxnVerification(view: RecordBatchView): boolean {
    return view.isTransactional && view.producerId >= 0n && !this.log.hasOngoingTxn(view.producerId);
  }

  private checkProducerState(views: readonly RecordBatchView[]): ProducerCheck {
    if (views.length === 1) return this.log.checkProducerBatch(views[0]!);
    if (views.some((view) => view.producerId >= 0n)) {
      const message = `${views.length} batches from an idempotent producer; expected one per partition`;
      return { kind: 'refused', errorCode: ErrorCode.INVALID_RECORD, message };
    }
    return { kind: 'append' };
  }

  /**
   * Moves the high watermark up to `offset` (clamped to the log end), completes the acks=all waiters
   * it now covers in one pass, then wakes the listeners. Never moves it back.
   */
  advanceHighWatermark(offset: bigint): void {
    if (offset <= this.log.highWatermark) return;
    const highWatermark = this.log.setHighWatermark(offset);
    this.hwWaiters.completeUpTo(highWatermark);
    for (const listener of [...this.hwListeners]) listener();
  }

  /**
   * Reads from `fetchOffset` below the high watermark (read_uncommitted) or the last stable offset
   * (read_committed); see PartitionLog.read. read_committed also returns the aborted transactions
   * overlapping the records returned (Kafka's upper bound: the offset after the last batch read).
   * `allocate` lends the buffer a file read fills (ReadOptions.allocate): the records may be a view of it.
   */
  async read(
    fetchOffset: bigint,
    maxBytes: number,
    minOneBatch: boolean,
    isolationLevel: IsolationLevel = 'readUncommitted',
    allocate?: (length: number) => Buffer,
  ): Promise<PartitionRead> {
    const lastStableOffset = this.log.lastStableOffset;
    const isReadCommitted = isolationLevel === 'readCommitted';
    const maxOffset = isReadCommitted ? lastStableOffset : this.log.highWatermark;
    const read = await this.log.read(fetchOffset, { maxBytes, minOneBatch, maxOffset, allocate });
    if (!isReadCommitted || read.kind !== 'records')
      return partitionRead(read, read.highWatermark, read.logStartOffset, lastStableOffset, undefined);
    const abortedTxns = this.abortedTxnsOf(fetchOffset, read.records);
    return partitionRead(read, read.highWatermark, read.logStartOffset, lastStableOffset, abortedTxns);
  }

  /**
   * read_committed: the aborted transactions overlapping `records` (whole batches read from
   * `fetchOffset` below the last stable offset), up to Kafka's bound, the offset after the last batch.
   */
  abortedTxnsOf(fetchOffset: bigint, records: Buffer): AbortedTxn[] {
    const upperBound = records.length === 0 ? fetchOffset : lastOffsetOf(records) + 1n;
    return upperBound > fetchOffset ? this.log.collectAbortedTxns(fetchOffset, upperBound) : [];
  }

  /**
   * ListOffsets for a consumer: latest is the high watermark (read_uncommitted) or the last stable
   * offset (read_committed), earliest the log start, -3 the largest timestamp, else the first offset
   * at or after `timestamp`; as Kafka, an offset at or past what the consumer may read is no answer.
   */
  async offsetForTimestamp(
    timestamp: bigint,
    isolationLevel: IsolationLevel = 'readUncommitted',
  ): Promise<TimestampAndOffset | undefined> {
    const leaderEpoch = this.leaderEpoch;
    const lastFetchable = isolationLevel === 'readCommitted' ? this.lastStableOffset : this.highWatermark;
    if (timestamp === ListOffsetsTimestamp.latest)
      return { offset: lastFetchable, timestamp: -1n, leaderEpoch };
    if (timestamp === ListOffsetsTimestamp.earliest)
      return { offset: this.logStartOffset, timestamp: -1n, leaderEpoch };
    const found = await this.log.offsetForTimestamp(timestamp);
    if (found === undefined || found.offset >= lastFetchable) return undefined;
    return found;
  }

  /** True once this node stopped hosting the partition (its topic was deleted): answer UNKNOWN_TOPIC_OR_PARTITION. */
  get isRemoved(): boolean {
    return this.removed;
  }

  /**
   * Marks the partition as no longer hosted and wakes every listener, so a long-poll fetch held on
   * it answers at once instead of waiting for its max.wait.ms on a log about to be closed.
   */
  markRemoved(): void {
    this.removed = true;
    // Kafka's delayed produce finds its partition gone: UNKNOWN_TOPIC_OR_PARTITION.
    this.stop(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, kafkaError('UNKNOWN_TOPIC_OR_PARTITION'));
    for (const listener of [...this.hwListeners]) listener();
  }

  /**
   * DeleteRecords: moves the log start offset up to `offset` (-1: the high watermark). Answers
   * OFFSET_OUT_OF_RANGE above the high watermark; `lowWatermark` is the log start offset after it.
   */
  deleteRecordsBefore(offset: bigint): Promise<{ errorCode: number; lowWatermark: bigint }> {
    return this.log.deleteRecordsBefore(offset);
  }

  /** Calls `listener` after every high watermark advance until the returned function is called. */
  /** Every producer this partition knows, in producer id order (DescribeProducers). */
  producerStates(): ProducerStateEntry[] {
    return this.log.producerStates();
  }

  onHighWatermark(listener: () => void): () => void {
    this.hwListeners.add(listener);
    return () => this.hwListeners.delete(listener);
  }
}

/** The last offset of the last batch in `records` (whole v2 batches, as a read returns them). */
function lastOffsetOf(records: Buffer): bigint {
  let last = -1n;
  for (const view of viewRecordBatches(records, { verifyCrc: false })) last = view.lastOffset;
  return last;
}

/** The log stopped: an I/O failure is KAFKA_STORAGE_ERROR; a closed log (going away) NOT_LEADER_OR_FOLLOWER. */
function errorCodeOfLogStop(error: Error): number {
  return error instanceof PyralogError && error.code === 'LOG_FAILED'
    ? ErrorCode.KAFKA_STORAGE_ERROR
    : ErrorCode.NOT_LEADER_OR_FOLLOWER;
}
