import type { Clock, FileSystem } from './file-system.js';
import type { LeaderEpochCache } from './leader-epoch-cache.js';
import { ProducerSnapshotStore } from './producer-snapshot-store.js';
import { ProducerStateTable } from './producer-state.js';
import { ReadTail } from './read-tail.js';
import type { LogSegment } from './segment.js';
import { SegmentDeleter } from './segment-deleter.js';
import { OffsetWaiters, SerialQueue } from './serial-queue.js';
import { LogClosedError, LogFailedError } from './storage-errors.js';
import { type StorageLogger, silentLogger } from './storage-logger.js';
import type { LogConfig } from './topic-config.js';
import { ZeroAhead, type ZeroAheadHost } from './zero-ahead.js';

/**
 * What the layer above (the partition's leader) is told as the log moves on, instead of a promise
 * per append: the log end after each group write, the durable offset after each fsync, and once the
 * log stops (closed, or failed by an I/O error). Calls are synchronous, in the order the log moves.
 */
export interface LogProgressListener {
  /** A group commit's bytes are in the file: everything below `logEndOffset` is written (readable). */
  onWritten(logEndOffset: bigint): void;
  /** Everything below `durableOffset` is fsynced (an fsync, a roll's fsync, a flush or a clean close). */
  onDurable(durableOffset: bigint): void;
  /** No more progress: `error` is a LogFailedError (I/O) or a LogClosedError (closed). Called once. */
  onStopped(error: Error): void;
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
  /** Bytes of the latest appends kept in memory for reads at the log end (see ReadTail; 0: none). */
  readonly readTailBytes?: number;
  /** Uniform in [0, 1): draws `segment.jitter.ms` (Math.random when absent; seeded in tests). */
  readonly random?: () => number;
  /**
   * Most bytes of zeros kept written ahead of the active segment's data for durable appends (see
   * ZeroAhead; `pyralog.log.zero.ahead.max.bytes`). 0 or absent: none.
   */
  readonly zeroAheadMaxBytes?: number;
  /**
   * Group writes kept in flight at once (see GroupCommit; default DEFAULT_WRITES_IN_FLIGHT, at
   * least 1). They still complete and are acknowledged in order.
   */
  readonly writesInFlight?: number;
  /**
   * fsyncs of the active `.log` kept in flight at once (see GroupCommit; default
   * DEFAULT_SYNCS_IN_FLIGHT, at least 1). Offsets become durable in their submission order.
   */
  readonly syncsInFlight?: number;
  /**
   * A durable log (`pyralog.flush.policy=durable`) opens each new active segment's `.log` O_DSYNC,
   * so a group commit is one write that is durable when it returns instead of a write and then an
   * fsync, each a trip through the thread pool and back (see GroupCommit). Default false (write +
   * fsync): in alternating A/Bs on 2 cores O_DSYNC cut syscalls and wake-ups per request and moved
   * the 10,000 msg/s p99 by ~10%, but its throughput was well below write + fsync's (see README).
   */
  readonly dsyncSegments?: boolean;
}

/**
 * The state one partition log's parts (append pipeline, truncation, deletion, roll) share. Every
 * change runs in `queue`, except offset assignment (`nextAssignedOffset`), which happens at the
 * call so that offsets are final when an append returns.
 */
export class PartitionLogState implements ZeroAheadHost {
  readonly topic: string;
  readonly partition: number;
  readonly dir: string;
  readonly fs: FileSystem;
  readonly clock: Clock;
  readonly random: () => number;
  readonly logger: StorageLogger;
  config: LogConfig;
  segments: LogSegment[] = [];
  readonly queue = new SerialQueue();
  /** The offset the next leader append gets; runs ahead of `logEnd` while appends are queued. */
  nextAssignedOffset = 0n;
  /** The offset after the last written batch (what readers can see). */
  logEnd = 0n;
  startOffset = 0n;
  hw = 0n;
  /** Everything below is fsynced. */
  durableOffset = 0n;
  readonly durableWaiters = new OffsetWaiters();
  /** See PartitionLog.setProgressListener. */
  progress: LogProgressListener | undefined;
  /** The latest appends' bytes, for reads at the log end. */
  readonly readTail: ReadTail;
  readonly deleter: SegmentDeleter;
  epochCache!: LeaderEpochCache;
  /** Producer ids, epochs and last batches, updated as offsets are assigned (ahead of the writes). */
  producers = new ProducerStateTable();
  readonly snapshots: ProducerSnapshotStore;
  failure: Error | undefined;
  isClosed = false;
  readonly zeroAhead: ZeroAhead;
  /**
   * Changes whenever bytes a read returned may stop being what the log holds at their offsets (see
   * `rewrite`); appends leave it alone. Bumped when such a change starts and again when it ends, so
   * a read that overlapped the change is told apart from every read made after it.
   */
  readGeneration = 0;

  constructor(readonly options: PartitionLogOptions) {
    this.topic = options.topic;
    this.partition = options.partition;
    this.dir = options.dir;
    this.fs = options.fs;
    this.clock = options.clock;
    this.random = options.random ?? Math.random;
    this.logger = options.logger ?? silentLogger;
    this.config = options.config;
    this.readTail = new ReadTail(options.readTailBytes);
    this.deleter = new SegmentDeleter(options.fs, options.dir);
    this.snapshots = new ProducerSnapshotStore(options.fs, options.dir, this.logger);
    this.zeroAhead = new ZeroAhead(this, options.zeroAheadMaxBytes ?? 0);
  }

  get segmentBytes(): number {
    return this.config.segmentBytes;
  }

  /** Whether a segment that becomes active now opens its `.log` O_DSYNC (see PartitionLogOptions.dsyncSegments). */
  get opensDsyncSegments(): boolean {
    return (this.options.dsyncSegments ?? false) && this.config.flushPolicy === 'durable';
  }

  get canWrite(): boolean {
    return !this.isClosed && this.failure === undefined;
  }

  get name(): string {
    return `${this.topic}-${this.partition}`;
  }

  get activeSegment(): LogSegment {
    return this.segments.at(-1)!;
  }

  /** Keeps the high watermark within [logStartOffset, logEndOffset] after either moved. */
  clampHighWatermark(): void {
    if (this.hw > this.logEnd) this.hw = this.logEnd;
    if (this.hw < this.startOffset) this.hw = this.startOffset;
  }

  /**
   * Runs a change that removes or replaces bytes readers may have read (truncation, deletion from
   * the start, a compacted segment swapped in, a roll), bumping `readGeneration` around it.
   */
  async rewrite<T>(change: () => Promise<T>): Promise<T> {
    this.readGeneration += 1;
    try {
      return await change();
    } finally {
      this.readGeneration += 1;
    }
  }

  checkOpen(): void {
    if (this.isClosed) throw new LogClosedError(`${this.name} is closed`);
    this.checkNotFailed();
  }

  checkNotFailed(): void {
    if (this.failure !== undefined) throw this.failure;
  }

  /** An I/O failure leaves the files in an unknown state: the log refuses everything afterwards. */
  fail(error: unknown): Error {
    if (this.failure === undefined) {
      this.failure = new LogFailedError(`${this.name} failed: ${String(error)}`, { cause: error });
      this.logger.warn(
        { topic: this.topic, partition: this.partition, error: String(error) },
        'partition log failed',
      );
      this.durableWaiters.failAll(this.failure);
      this.progress?.onStopped(this.failure);
    }
    return this.failure;
  }
}
