import type { BufferPool } from '../network/index.js';
import {
  BATCH_LENGTH_OFFSET,
  CURRENT_MAGIC,
  LAST_OFFSET_DELTA_OFFSET,
  LOG_OVERHEAD,
  MAGIC_OFFSET,
  RECORD_BATCH_HEADER_BYTES,
  readInt64BEPlus,
} from '../protocol/index.js';
import {
  type IsolationLevel,
  type Partition,
  type PartitionRead,
  partitionRead,
} from '../replication/index.js';
import type { BufferLoan } from './buffer-loan.js';

/** One partition read of a fetch, as Partition.read takes it (a class: one shape, see FetchTarget). */
export class ReadSpec {
  constructor(
    readonly fetchOffset: bigint,
    readonly maxBytes: number,
    readonly minOneBatch: boolean,
    readonly isolationLevel: IsolationLevel,
  ) {}

  /** The same read from `fetchOffset`. */
  from(fetchOffset: bigint): ReadSpec {
    return new ReadSpec(fetchOffset, this.maxBytes, this.minOneBatch, this.isolationLevel);
  }
}

export interface FetchReadAheadOptions {
  /** Bytes of buffers read ahead and not yet claimed, at most (plus one read); 0 disables read-ahead. */
  readonly maxBytes: number;
  /** An unclaimed result older than this is dropped (its consumer went away or fetches elsewhere). */
  readonly expiryMs?: number;
  /** Results kept per partition at most (consumers at different positions); the oldest goes first. */
  readonly maxPerPartition?: number;
  /**
   * Ranges kept read ahead of a consumer (default 1): with 2, the range after the next one is read
   * as soon as the next one is, so that the consumer's fetch finds its range read even when a read
   * takes longer than the consumer's round trip (a loaded machine). A read beyond the first never
   * drops another result to make room, and only one read per consumer runs at a time.
   */
  readonly ranges?: number;
  /**
   * Ranges one file read covers (default 1): with 2, a read ahead takes twice the fetch's limit in
   * one positional read and is cut into the next range and the one after it, each exactly what a
   * fresh read of it returns, so a consumer's fetches cost half the thread-pool reads (and their
   * trips through the read path). Both isolation levels (read_committed's aborted transactions are
   * collected per range), and only when the budget holds the wider read. The broker passes
   * `pyralog.fetch.read.ahead.ranges.per.read` (default 2).
   */
  readonly rangesPerRead?: number;
  /**
   * Runs a read-ahead's start later: by default setImmediate, i.e. after the response's socket write
   * (issued on the next tick) has run, so that the thread-pool read does not compete for a CPU with
   * that write on the main thread; it still starts before the next request is read.
   */
  readonly defer?: (start: () => void) => void;
}

const DEFAULT_EXPIRY_MS = 1000;
const DEFAULT_MAX_PER_PARTITION = 4;

/**
 * The pooled buffers one read ahead took (its records are a view of the last one), shared by the
 * ranges cut from that read: they go back to the pool once no kept range and no fetch response
 * (BufferLoan) refers to them any more.
 */
class Lease {
  readonly buffers: Buffer[] = [];
  /** Their bytes, counted in FetchReadAhead.heldBytes while some range cut from the read is kept. */
  bytes = 0;
  /** Ranges of this read still kept (not yet claimed, or dropped but still reading). */
  entries = 1;
  /** Claimed ranges whose fetch response has not given them back yet. */
  loans = 0;
}

/** A read started ahead of the fetch that will want it (or a range cut from such a read). */
interface Entry {
  readonly partition: Partition;
  readonly spec: ReadSpec;
  /** The partition's readGeneration when the read started: any change since makes the result stale. */
  readonly generation: number;
  readonly startedMs: number;
  readonly lease: Lease;
  /** Never rejects: a failed read (a closed log) is no result. Set right after the read starts. */
  read: Promise<PartitionRead | undefined>;
  /** The offset after the records read, once the read settled with some (where the next range starts). */
  nextOffset: bigint | undefined;
  /** Whether the range after this one is (to be) read once this read settles. */
  isContinued: boolean;
  isSettled: boolean;
  /** Dropped before its read settled: no range after it is cut from the read. */
  isDropped: boolean;
}

/**
 * Reading ahead for consumers: once a fetch has read a partition from its log file and more is
 * readable after it, the next range (same limits, from the offset after the last batch returned) is
 * read into pooled buffers at once, while the response travels and the client parses it. The
 * consumer's next fetch from that offset then takes the bytes already read instead of waiting for a
 * file read: with one fetch in flight per consumer (librdkafka, KafkaJS), that read is otherwise on
 * every round trip. Not tied to a connection or a fetch session (librdkafka fetches without one):
 * a result is kept per partition and fetch offset, and claimed by the first fetch that asks for
 * exactly that read.
 *
 * Correctness: a result is used only if the partition's readGeneration is the same as when its read
 * started (no truncation, DeleteRecords, retention, compaction or roll overlapped or followed it),
 * the partition is still hosted, and it holds at least one batch; the high watermark only grows, so
 * bytes read below an older one are still readable. The response then carries the partition's
 * current offsets. Otherwise the fetch reads as usual.
 *
 * Buffers: taken from `pool`; a claimed result's buffers move to the fetch's BufferLoan (given back
 * after its response was written); a result dropped (stale, expired, evicted, not wanted) gives its
 * buffers back only once its read has settled, since the file read writes into them until then.
 * Bounded by `maxBytes` of buffers held, `maxPerPartition` results per partition, and `expiryMs`.
 */
export class FetchReadAhead {
  private readonly byPartition = new Map<Partition, Entry[]>();
  /** Every kept entry, oldest first. */
  private readonly entries = new Set<Entry>();
  private held = 0;
  /**
   * Reads started ahead, how many of them a fetch answered with, and how many of those the fetch
   * found still reading (and waited for): counters for tests and metrics.
   */
  readonly counts = { started: 0, used: 0, waited: 0 };
  private readonly expiryMs: number;
  private readonly maxPerPartition: number;
  private readonly ranges: number;
  private readonly rangesPerRead: number;
  private readonly defer: (start: () => void) => void;

  constructor(
    private readonly pool: BufferPool,
    private readonly options: FetchReadAheadOptions,
    private readonly nowMs: () => number = () => performance.now(),
  ) {
    this.expiryMs = options.expiryMs ?? DEFAULT_EXPIRY_MS;
    this.maxPerPartition = options.maxPerPartition ?? DEFAULT_MAX_PER_PARTITION;
    this.ranges = Math.max(1, options.ranges ?? 1);
    this.rangesPerRead = Math.max(1, options.rangesPerRead ?? 1);
    this.defer = options.defer ?? setImmediate;
  }

  /** Bytes of pooled buffers held by reads ahead not yet claimed (or still settling after a drop). */
  get heldBytes(): number {
    return this.held;
  }

  /** Results kept now (reading or read). */
  get size(): number {
    return this.entries.size;
  }

  /**
   * After a fetch read `spec` and got `records` (raw, as stored) from the log file: reads the range
   * after them ahead (soon, see `defer`) when the partition has more readable already and the budget
   * allows, and the ranges after that one up to `ranges`, each once the one before it was read.
   * `records` are not kept.
   */
  maybeReadAhead(partition: Partition, spec: ReadSpec, records: Buffer): void {
    if (this.options.maxBytes <= 0) return;
    const fetchOffset = nextOffsetAfter(records);
    if (fetchOffset === undefined) return;
    this.defer(() => this.extend(partition, spec.from(fetchOffset), this.ranges));
  }

  /** Makes sure `spec` and the `count - 1` ranges after it are read or being read (see `ranges`). */
  private extend(partition: Partition, spec: ReadSpec, count: number): void {
    let kept = this.keptFrom(partition, spec.fetchOffset);
    if (kept !== undefined && !this.isCurrent(kept)) {
      // Read before a truncation, roll, ...: no fetch may take it, so it must not hold the place.
      this.drop(kept);
      kept = undefined;
    }
    const entry = kept ?? this.maybeStart(partition, spec, count === this.ranges);
    if (entry === undefined || count <= 1 || entry.isContinued) return;
    entry.isContinued = true;
    void entry.read.then(() => {
      // A range read from a log that changed since (truncation, roll, ...) says nothing of what follows.
      if (entry.nextOffset === undefined || !this.isCurrent(entry)) return;
      this.extend(partition, spec.from(entry.nextOffset), count - 1);
    });
  }

  /**
   * Starts reading `spec` ahead when it is readable and the budget allows, dropping the oldest
   * results for room only when `mayDrop`; undefined when it did not start.
   */
  private maybeStart(partition: Partition, spec: ReadSpec, mayDrop: boolean): Entry | undefined {
    const fetchOffset = spec.fetchOffset;
    if (partition.isRemoved) return undefined;
    const readableEnd =
      spec.isolationLevel === 'readCommitted' ? partition.lastStableOffset : partition.highWatermark;
    if (fetchOffset >= readableEnd) return undefined;
    const now = this.nowMs();
    this.dropExpired(now);
    const kept = this.byPartition.get(partition) ?? [];
    if (mayDrop) {
      if (!this.makeRoom(spec.maxBytes)) return undefined;
      if (kept.length >= this.maxPerPartition) this.drop(kept[0]!);
    } else if (this.held + spec.maxBytes > this.options.maxBytes || kept.length >= this.maxPerPartition) {
      return undefined;
    }
    const wideBytes = spec.maxBytes * this.rangesPerRead;
    const isWide = this.rangesPerRead > 1 && this.held + wideBytes <= this.options.maxBytes;
    return this.start(partition, spec, now, isWide ? wideBytes : spec.maxBytes);
  }

  /**
   * The result read ahead for `spec` on `partition`, if one is kept and still valid (see the class
   * comment), with its buffers moved to `loan` for the fetch's `index`th partition; undefined when
   * the fetch must read for itself. Synchronously undefined when nothing is kept for `spec`.
   */
  claim(
    partition: Partition,
    spec: ReadSpec,
    loan: BufferLoan,
    index: number,
  ): Promise<PartitionRead | undefined> | undefined {
    const entry = this.keptFrom(partition, spec.fetchOffset);
    if (
      entry === undefined ||
      entry.spec.maxBytes !== spec.maxBytes ||
      entry.spec.isolationLevel !== spec.isolationLevel
    )
      return undefined;
    this.forget(entry);
    if (!this.isCurrent(entry)) {
      this.giveBackWhenSettled(entry);
      return undefined;
    }
    const wasSettled = entry.isSettled;
    return entry.read.then((read) => {
      // Checked again: a truncation may have started while the read was finishing.
      if (read === undefined || !this.isCurrent(entry) || !isUsable(read, spec)) {
        this.giveBack(entry);
        return undefined;
      }
      const lease = entry.lease;
      this.leaveKept(lease);
      this.counts.used += 1;
      if (!wasSettled) this.counts.waited += 1;
      if (lease.buffers.length > 0) {
        lease.loans += 1;
        loan.adoptShared(index, () => this.releaseLoan(lease));
      }
      const log = entry.partition;
      return partitionRead(
        read,
        log.highWatermark,
        log.logStartOffset,
        log.lastStableOffset,
        read.abortedTxns,
      );
    });
  }

  /** Drops everything kept (buffers go back as their reads settle). */
  clear(): void {
    for (const entry of [...this.entries]) this.drop(entry);
  }

  /**
   * Reads `readBytes` (spec.maxBytes, or a multiple of it: see rangesPerRead) from spec.fetchOffset
   * into pooled buffers; a wider read is cut into spec's range and the ranges after it as it settles.
   */
  private start(partition: Partition, spec: ReadSpec, now: number, readBytes: number): Entry {
    this.counts.started += 1;
    const lease = new Lease();
    const buffers = lease.buffers;
    const entry: Entry = {
      partition,
      spec,
      generation: partition.readGeneration,
      startedMs: now,
      lease,
      read: Promise.resolve(undefined),
      nextOffset: undefined,
      isContinued: false,
      isSettled: false,
      isDropped: false,
    };
    // Called before each file read of this one read (see ReadOptions.allocate): the buffer taken
    // last is reused while large enough, as the read's earlier attempts are discarded.
    const allocate = (length: number): Buffer => {
      const last = buffers.at(-1);
      if (last !== undefined && last.length >= length) return last;
      const buffer = this.pool.take(length);
      buffers.push(buffer);
      lease.bytes += buffer.length;
      this.held += buffer.length;
      return buffer;
    };
    // The first allocate may come before partition.read returns: the entry exists by then.
    entry.read = partition
      .read(spec.fetchOffset, readBytes, spec.minOneBatch, spec.isolationLevel, allocate)
      .then(
        (read) => {
          entry.isSettled = true;
          if (read.kind !== 'records' || buffers.length === 0) return read;
          // Cut now, while the buffers are certainly still this entry's (a claim lends them on).
          if (readBytes !== spec.maxBytes) return this.cutRanges(entry, read, now);
          entry.nextOffset = nextOffsetAfter(read.records);
          return read;
        },
        () => {
          entry.isSettled = true;
          return undefined;
        },
      );
    this.keep(entry);
    return entry;
  }

  /** The result kept for `partition` from `fetchOffset` (at most one: `extend` starts no second one). */
  private keptFrom(partition: Partition, fetchOffset: bigint): Entry | undefined {
    const kept = this.byPartition.get(partition);
    if (kept === undefined) return undefined;
    for (let index = 0; index < kept.length; index += 1)
      if (kept[index]!.spec.fetchOffset === fetchOffset) return kept[index];
    return undefined;
  }

  private isCurrent(entry: Entry): boolean {
    return !entry.partition.isRemoved && entry.partition.readGeneration === entry.generation;
  }

  /** Frees budget for a read of about `bytes` by dropping the oldest results; false if it cannot. */
  private makeRoom(bytes: number): boolean {
    for (const entry of this.entries) {
      if (this.held + bytes <= this.options.maxBytes) return true;
      this.drop(entry);
    }
    return this.held + bytes <= this.options.maxBytes;
  }

  private dropExpired(now: number): void {
    for (const entry of this.entries) {
      if (now - entry.startedMs < this.expiryMs) break;
      this.drop(entry);
    }
  }

  /**
   * A wide read's first range (the records a read of entry.spec returns: whole batches within its
   * limit, the first one whole when minOneBatch allows it), keeping the ranges after it as entries
   * of their own (the same limits, the same lease and readGeneration) while the read is still wanted.
   * Sets entry.nextOffset; each range's batch headers are walked once for where it ends and once for
   * the offset after it, which is where the next range starts.
   */
  private cutRanges(entry: Entry, read: RecordsRead, now: number): RecordsRead {
    const records = read.records;
    const spec = entry.spec;
    const firstEnd = rangeEnd(records, 0, spec.maxBytes, spec.minOneBatch);
    const first = records.subarray(0, firstEnd);
    entry.nextOffset = nextOffsetAfter(first);
    let start = firstEnd;
    let fetchOffset = entry.nextOffset;
    for (let count = 1; count < this.rangesPerRead && start > 0 && start < records.length; count += 1) {
      const end = rangeEnd(records, start, spec.maxBytes, spec.minOneBatch);
      if (end === start || fetchOffset === undefined || entry.isDropped || !this.isCurrent(entry)) break;
      const kept = this.byPartition.get(entry.partition) ?? [];
      if (kept.length >= this.maxPerPartition || this.keptFrom(entry.partition, fetchOffset) !== undefined)
        break;
      const range = records.subarray(start, end);
      const nextOffset = nextOffsetAfter(range);
      entry.lease.entries += 1;
      this.keep({
        partition: entry.partition,
        spec: spec.from(fetchOffset),
        generation: entry.generation,
        startedMs: now,
        lease: entry.lease,
        read: Promise.resolve(this.rangeRead(entry, read, fetchOffset, range)),
        nextOffset,
        isContinued: false,
        isSettled: true,
        isDropped: false,
      });
      start = end;
      fetchOffset = nextOffset;
    }
    return this.rangeRead(entry, read, spec.fetchOffset, first);
  }

  /** `read` answering for `range` of its records (from `fetchOffset`), as a read of that range would. */
  private rangeRead(entry: Entry, read: RecordsRead, fetchOffset: bigint, range: Buffer): RecordsRead {
    const abortedTxns =
      entry.spec.isolationLevel === 'readCommitted'
        ? entry.partition.abortedTxnsOf(fetchOffset, range)
        : undefined;
    return withRecords(read, range, abortedTxns);
  }

  private keep(entry: Entry): void {
    const kept = this.byPartition.get(entry.partition);
    if (kept === undefined) this.byPartition.set(entry.partition, [entry]);
    else kept.push(entry);
    this.entries.add(entry);
  }

  private drop(entry: Entry): void {
    entry.isDropped = true;
    this.forget(entry);
    this.giveBackWhenSettled(entry);
  }

  private forget(entry: Entry): void {
    this.entries.delete(entry);
    const kept = this.byPartition.get(entry.partition);
    if (kept === undefined) return;
    const at = kept.indexOf(entry);
    if (at >= 0) kept.splice(at, 1);
    if (kept.length === 0) this.byPartition.delete(entry.partition);
  }

  /** The file read writes into the buffers until it settles: only then may the pool lend them again. */
  private giveBackWhenSettled(entry: Entry): void {
    if (entry.isSettled) this.giveBack(entry);
    else void entry.read.then(() => this.giveBack(entry));
  }

  /** A range that was kept is no more (claimed, or dropped and settled). */
  private leaveKept(lease: Lease): void {
    lease.entries -= 1;
    if (lease.entries === 0) this.held -= lease.bytes;
  }

  /** A range dropped (or found unusable) once its read settled: its lease may go back to the pool. */
  private giveBack(entry: Entry): void {
    const lease = entry.lease;
    this.leaveKept(lease);
    this.freeIfUnused(lease);
  }

  /** A fetch response holding a claimed range was written. */
  private releaseLoan(lease: Lease): void {
    lease.loans -= 1;
    this.freeIfUnused(lease);
  }

  private freeIfUnused(lease: Lease): void {
    if (lease.entries > 0 || lease.loans > 0) return;
    for (const buffer of lease.buffers) this.pool.give(buffer);
    lease.buffers.length = 0;
    lease.bytes = 0;
  }
}

type RecordsRead = PartitionRead & { readonly kind: 'records' };

/** `read` with `records` instead of its own. */
function withRecords(
  read: RecordsRead,
  records: Buffer,
  abortedTxns: PartitionRead['abortedTxns'],
): RecordsRead {
  return {
    kind: 'records',
    records,
    logStartOffset: read.logStartOffset,
    logEndOffset: read.logEndOffset,
    highWatermark: read.highWatermark,
    lastStableOffset: read.lastStableOffset,
    abortedTxns,
  };
}

/**
 * Where the range of whole batches from `start` (a batch start in `records`) ends within `maxBytes`,
 * as a log read cuts it (readSegment): the first batch whole even above the limit when `minOneBatch`,
 * else none; `start` when not even one batch is taken.
 */
function rangeEnd(records: Buffer, start: number, maxBytes: number, minOneBatch: boolean): number {
  let position = start;
  while (position + LOG_OVERHEAD <= records.length) {
    const end = position + records.readInt32BE(position + BATCH_LENGTH_OFFSET) + LOG_OVERHEAD;
    if (end > records.length) break;
    if (end - start > maxBytes && !(position === start && minOneBatch)) break;
    position = end;
  }
  return position;
}

/** A result the fetch may answer with: some batch, within its limit unless it may exceed it by one batch. */
function isUsable(read: PartitionRead, spec: ReadSpec): boolean {
  if (read.kind !== 'records' || read.records.length === 0) return false;
  return read.records.length <= spec.maxBytes || spec.minOneBatch;
}

/**
 * The offset after the last batch of `records` (whole v2 batches as stored, walked by their headers
 * only); undefined when they are empty or not all v2 batches.
 */
export function nextOffsetAfter(records: Buffer): bigint | undefined {
  let position = 0;
  let last = -1;
  while (position + RECORD_BATCH_HEADER_BYTES <= records.length) {
    if (records[position + MAGIC_OFFSET] !== CURRENT_MAGIC) return undefined;
    last = position;
    position += records.readInt32BE(position + BATCH_LENGTH_OFFSET) + LOG_OVERHEAD;
  }
  if (last < 0 || position !== records.length) return undefined;
  return readInt64BEPlus(records, last, records.readInt32BE(last + LAST_OFFSET_DELTA_OFFSET) + 1);
}
