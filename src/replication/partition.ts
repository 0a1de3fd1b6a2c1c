import { ErrorCode, type RecordBatchView, viewRecordBatches } from '../protocol/index.js';
import {
  type AbortedTxn,
  type AppendResult,
  type EndTxnMarkerAppend,
  ListOffsetsTimestamp,
  type PartitionLog,
  type ProducerBatchMetadata,
  type ProducerCheck,
  type ProducerStateEntry,
  type ReadResult,
  type TimestampAndOffset,
} from '../storage/index.js';

/** Produce's acks: 0 none, 1 the leader's write, -1 (all) the in-sync replicas, here the leader's fsync. */
export type Acks = 0 | 1 | -1;

/** An append the leader accepted: offsets are final; `acknowledged` resolves when `acks` allow an answer. */
export interface LeaderAppend {
  readonly firstOffset: bigint;
  readonly lastOffset: bigint;
  readonly logStartOffset: bigint;
  /** Rejects with the I/O error that failed the log. Never needs awaiting (rejections are handled). */
  readonly acknowledged: Promise<void>;
  /**
   * Settles once the batches are in the log file (or the write failed): from then on the log holds no
   * view of the appended buffers, so their owner may reuse them. Never rejects.
   */
  readonly written: Promise<void>;
  /** Set when the batch was a producer's retry of one already appended: nothing new was written. */
  readonly duplicateOf?: ProducerBatchMetadata;
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
  readonly abortedTxns?: readonly AbortedTxn[];
};

/** A marker the leader accepted: `acknowledged` resolves once it is below the high watermark (durable). */
export interface MarkerAppend {
  readonly offset: bigint;
  readonly acknowledged: Promise<void>;
}

/**
 * One partition this node leads (single node: the ISR is this node alone). Wraps the storage log and
 * owns the high watermark, which on a single node moves as follows:
 * - `pyralog.flush.policy=durable` (default): to an append's end once its bytes are fsynced
 *   (`durable` resolved), so a consumer never sees a record a power loss could take back, and
 *   acks=all is answered at that same moment;
 * - `page-cache` (Kafka's policy): to an append's end once its bytes are written to the file
 *   (`written` resolved), exactly when Kafka's leader with ISR = {itself} advances it.
 * At open the high watermark is the log end: recovery has already cut what was not durable.
 * The high watermark never moves back; listeners run after every advance (long-poll wake-ups).
 */
export class Partition {
  private readonly hwListeners = new Set<() => void>();
  private removed = false;

  constructor(
    readonly topicId: string,
    readonly log: PartitionLog,
    private epoch: number,
  ) {
    log.setHighWatermark(log.logEndOffset);
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
    if (verdict.kind === 'duplicate') return this.duplicateAppend(verdict.batch, acks);
    const noSync = options.requestSync === false && acks !== -1;
    const result = this.log.appendAsLeader(
      views,
      noSync ? { leaderEpoch: this.leaderEpoch, sync: false } : { leaderEpoch: this.leaderEpoch },
    );
    const committed = this.commitWhenDone(result);
    // Both have a rejection handler already (commitWhenDone's, `written`'s catch below).
    const acknowledged = acks === -1 ? committed : result.written;
    return {
      firstOffset: result.firstOffset,
      lastOffset: result.lastOffset,
      logStartOffset: this.log.logStartOffset,
      acknowledged,
      written: result.written.catch(() => {}),
    };
  }

  /** Moves the high watermark over `result` once its policy allows (fsynced, or written in page-cache mode). */
  private commitWhenDone(result: AppendResult): Promise<void> {
    const durableMode = this.log.logConfig.flushPolicy === 'durable';
    const end = result.lastOffset + 1n;
    const committed = durableMode ? result.durable : result.written;
    committed.then(
      () => this.advanceHighWatermark(end),
      () => {},
    );
    return committed;
  }

  /**
   * Appends a coordinator's commit or abort marker (see PartitionLog.appendEndTxnMarker). As Kafka
   * appends markers with acks=all, `acknowledged` resolves once the high watermark covers the marker
   * (so the marker is also fsynced in page-cache mode: the coordinator moves on only then).
   * RefusedAppend: INVALID_PRODUCER_EPOCH or TRANSACTION_COORDINATOR_FENCED. Throws the log's error
   * synchronously when it is closed or failed.
   */
  appendEndTxnMarker(marker: EndTxnMarkerAppend): MarkerAppend | RefusedAppend {
    const result = this.log.appendEndTxnMarker(marker, { leaderEpoch: this.leaderEpoch, sync: true });
    if ('errorCode' in result) return result;
    const end = result.lastOffset + 1n;
    const committed = this.commitWhenDone(result);
    const acknowledged = Promise.all([committed, result.durable]).then(() => this.waitForHighWatermark(end));
    acknowledged.catch(() => {});
    return { offset: result.lastOffset, acknowledged };
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

  private duplicateAppend(batch: ProducerBatchMetadata, acks: Acks): LeaderAppend {
    const acknowledged = acks === -1 ? this.waitForHighWatermark(batch.lastOffset + 1n) : Promise.resolve();
    return {
      firstOffset: batch.firstOffset,
      lastOffset: batch.lastOffset,
      logStartOffset: this.log.logStartOffset,
      acknowledged,
      written: Promise.resolve(),
      duplicateOf: batch,
    };
  }

  /** Resolves once the high watermark reaches `offset` (at once when it has). */
  waitForHighWatermark(offset: bigint): Promise<void> {
    if (this.highWatermark >= offset) return Promise.resolve();
    return new Promise((resolve) => {
      const stop = this.onHighWatermark(() => {
        if (this.highWatermark < offset) return;
        stop();
        resolve();
      });
    });
  }

  private advanceHighWatermark(offset: bigint): void {
    if (offset <= this.log.highWatermark) return;
    this.log.setHighWatermark(offset);
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
    const read = await this.log.read(fetchOffset, {
      maxBytes,
      minOneBatch,
      maxOffset,
      ...(allocate === undefined ? {} : { allocate }),
    });
    if (!isReadCommitted || read.kind !== 'records') return { ...read, lastStableOffset };
    const upperBound = read.records.length === 0 ? fetchOffset : lastOffsetOf(read.records) + 1n;
    const abortedTxns = upperBound > fetchOffset ? this.log.collectAbortedTxns(fetchOffset, upperBound) : [];
    return { ...read, lastStableOffset, abortedTxns };
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
