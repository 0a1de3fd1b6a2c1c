import { performance } from 'node:perf_hooks';
import type { RecordBatchView } from '../protocol/index.js';
import { publishGroupCommit, publishLogSync, traceClock } from './commit-trace.js';
import type { PartitionLogState } from './partition-log-state.js';
import type { LogSegment } from './segment.js';
import type { SegmentRoller } from './segment-roller.js';
import { Deferred } from './serial-queue.js';
import type { AbortedTxn } from './txn-index.js';

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

/**
 * The AppendResult of one enqueue: a class, so that the lazy `durable` getter lives on the prototype
 * instead of being defined per append (an object literal with a getter costs microseconds each).
 */
class PendingAppend implements AppendResult {
  private durablePromise: Promise<void> | undefined;

  constructor(
    private readonly state: PartitionLogState,
    readonly firstOffset: bigint,
    /** The offset after the append (the log's next offset then): lastOffset + 1, no BigInt made. */
    private readonly nextOffset: bigint,
    /** Its group commit's: the appends of one group share it, and one durable promise keyed by it. */
    readonly written: Promise<void>,
  ) {}

  get lastOffset(): bigint {
    return this.nextOffset - 1n;
  }

  get durable(): Promise<void> {
    const state = this.state;
    this.durablePromise ??= state.durableWaiters.waitShared(
      this.nextOffset,
      state.durableOffset,
      state.failure,
      this.written,
    );
    return this.durablePromise;
  }
}

/** The appends of one group commit; they are written together, so they share one promise. */
interface PendingGroup {
  readonly views: RecordBatchView[];
  /** The SerialQueue ticket of this group's commit task. */
  readonly ticket: number;
  /** Its write has started (a commit task chained it, or its own task ran). */
  isTaken: boolean;
  /** Records in `views`, counted when written (flush.messages). */
  records: number;
  /** Bytes of `views`, counted when written (zero-ahead's write rate, the group-commit trace). */
  bytes: number;
  /** Transactions aborted by markers among `views`: written to the `.txnindex` of the marker's segment. */
  readonly abortedTxns: AbortedTxn[];
  needsSync: boolean;
  readonly written: Deferred;
  /** When the first append was queued (traceClock: -1 unless the write path is traced). */
  readonly queuedMs: number;
}

/** An fsync of the sync loop, submitted. */
interface RunningSync {
  /** The log end when it was submitted: durable once it returns. */
  readonly target: bigint;
  /** traceClock() at its submission. */
  readonly startedMs: number;
  readonly done: Promise<void>;
}

/**
 * fsyncs of the active `.log` a partition keeps in flight at most, unless
 * PartitionLogOptions.syncsInFlight says otherwise.
 */
export const DEFAULT_SYNCS_IN_FLIGHT = 2;

/** Group writes a partition keeps in flight at most, unless PartitionLogOptions.writesInFlight says otherwise. */
export const DEFAULT_WRITES_IN_FLIGHT = 2;

/** A group whose writev was submitted: `landed` settles once its bytes are in the file, then `complete` makes them visible. */
interface GroupWrite {
  readonly group: PendingGroup;
  /** Rejects with the write's error; a no-op handler is attached, so it is awaited in order only. */
  readonly landed: Promise<unknown>;
  /** After `landed`, in submission order: records the bytes in the segment, the read tail and the log end. */
  readonly complete: () => Promise<void>;
  /** performance.now() of the submission (-1 unless the write path is traced). */
  readonly startedMs: number;
  /**
   * A group that rolls: written alone, no other group is submitted until it completed (the active
   * segment changes under it, so a group sized against the old one could land behind it).
   */
  readonly isExclusive: boolean;
  /** Written through an O_DSYNC `.log` (LogSegment.isDsync): durable once landed, no fsync needed. */
  readonly isDurableWhenLanded: boolean;
}

/**
 * The write pipeline and flush policy: appends that arrive while a group commit is in flight join
 * the next one, which writes them with one writev (per segment) and, when any asked for it or
 * flush.messages is reached, asks for an fsync. Batches reach it with their offsets assigned.
 *
 * The fsync runs beside the queue, not in it: while group N is being fsynced, group N+1 is already
 * written, and one fsync after N's covers every group written meanwhile. So the disk always has a
 * write and an fsync to do, instead of idling through each fsync's wait. Up to `syncsInFlight`
 * fsyncs run at once: a group written while one runs gets its own at once, so the next fsync is
 * already in the thread pool when one returns, instead of waiting for the main thread to take the
 * return and submit it (with one in flight, the disk idles through that hop between every two
 * fsyncs). Each fsync makes durable what was written before it started, whatever else runs (POSIX
 * fsync; Linux waits for pages another fsync is writing back), and they are taken in submission
 * order: a later one's offsets are marked durable only after every earlier one returned, and a
 * failed one fails the log before any later one counts.
 *
 * Writes are pipelined: up to `writesInFlight` groups' writevs run at once (each at its own reserved
 * position, see LogSegment.writeAppend), so the next write is already queued in the thread pool when
 * one returns, instead of waiting for the main thread to submit it. They complete strictly in
 * submission order: a group becomes readable, moves the log end and resolves `written` only after
 * every group before it did, and a failed write fails the log, so no group after it is ever
 * completed or acknowledged (their bytes, if they landed, lie past the log end and recovery cuts
 * them at the failed group's torn or missing bytes). A group that needs a roll waits until the
 * writes in flight completed and is then written alone.
 */
export class GroupCommit {
  private pendingGroup: PendingGroup | undefined;
  private unflushedMessages = 0;
  private lastFlushMs: number;
  /** The fsync loop running beside the queue, if any: it runs while `runningSyncs` has any. */
  private syncing: Promise<void> | undefined;
  /** The fsyncs submitted and not yet taken by the loop, oldest first. */
  private readonly runningSyncs: RunningSync[] = [];
  /** A group was written since the last fsync started: fsync again (once a slot is free). */
  private isSyncWanted = false;
  private readonly writesInFlight: number;
  private readonly syncsInFlight: number;
  /**
   * Set while the running commit chain has a free write slot and waits: the next group queued
   * resolves it (a turn of the event loop later, so that the group gathers that turn's appends).
   */
  private groupQueued: Deferred | undefined;
  private isGroupSignalScheduled = false;

  constructor(
    private readonly state: PartitionLogState,
    private readonly roller: SegmentRoller,
  ) {
    this.lastFlushMs = state.clock.nowMs();
    this.writesInFlight = Math.max(1, state.options.writesInFlight ?? DEFAULT_WRITES_IN_FLIGHT);
    this.syncsInFlight = Math.max(1, state.options.syncsInFlight ?? DEFAULT_SYNCS_IN_FLIGHT);
  }

  /**
   * Queues `views` (offsets assigned, ending at `state.nextAssignedOffset`) for the next group commit,
   * with the transactions their abort markers end (indexed in the segment each marker lands in).
   */
  enqueue(
    views: readonly RecordBatchView[],
    firstOffset: bigint,
    options: AppendOptions,
    abortedTxns?: readonly AbortedTxn[],
  ): AppendResult {
    const state = this.state;
    const nextOffset = state.nextAssignedOffset;
    if (views.length === 0) {
      const lastOffset = nextOffset - 1n;
      return { firstOffset, lastOffset, written: Promise.resolve(), durable: Promise.resolve() };
    }
    let group = this.pendingGroup;
    if (group === undefined) {
      const created: PendingGroup = {
        views: [],
        ticket: state.queue.queuedCount + 1,
        isTaken: false,
        records: 0,
        bytes: 0,
        abortedTxns: [],
        needsSync: false,
        written: new Deferred(),
        queuedMs: traceClock(),
      };
      group = created;
      this.pendingGroup = created;
      state.queue.run(() => this.commitGroup(created)).catch(() => {});
      if (this.groupQueued !== undefined) this.signalGroupQueued();
    }
    for (const view of views) group.views.push(view);
    if (abortedTxns !== undefined) for (const txn of abortedTxns) group.abortedTxns.push(txn);
    if (options.sync ?? state.config.flushPolicy === 'durable') group.needsSync = true;
    return new PendingAppend(state, firstOffset, nextOffset, group.written.promise);
  }

  /** Truncation: appends not yet written are dropped (their offsets are reassigned). */
  discardPending(): void {
    this.pendingGroup = undefined;
  }

  /**
   * Group commits, starting with `first`: every append queued since the previous group, written and
   * maybe fsynced. A group whose task comes right after the previous group's in the queue (nothing
   * else was queued between) is chained here: it is submitted while up to `writesInFlight` writes
   * run, and always before the waiters of the group just written are resumed, so their next appends
   * are prepared (offsets, producer state, the producers' own work) while the disk writes, instead
   * of the disk idling through that work. A chained group's own task then finds it taken and
   * returns. The task ends once every write it submitted completed, so a task queued after it
   * (truncation, roll by deletion, close) never runs beside a write.
   */
  private async commitGroup(first: PendingGroup): Promise<void> {
    if (first.isTaken) return;
    const writes: GroupWrite[] = [];
    /** The write that landed and is being completed (no longer in `writes`). */
    let completing: GroupWrite | undefined;
    let lastTicket = first.ticket - 1;
    let next: PendingGroup | undefined = first;
    /** Submits `next` and the groups chained after it while slots are free (a roll waits for none in flight). */
    const submitReady = (): void => {
      next ??= this.chainable(lastTicket);
      while (next !== undefined && writes.length < this.writesInFlight) {
        const write = this.submitGroup(next, completing === undefined ? writes : [completing, ...writes]);
        if (write === undefined) return;
        writes.push(write);
        lastTicket = next.ticket;
        next = this.chainable(lastTicket);
      }
    };
    try {
      for (;;) {
        submitReady();
        const head = writes[0];
        if (head === undefined) break;
        if (next === undefined && writes.length < this.writesInFlight) {
          // A free slot: the next group may be written before the head lands.
          if (await this.awaitLandedOrQueued(head)) {
            next = this.chainable(lastTicket);
            if (next !== undefined) continue;
          }
        }
        await head.landed;
        writes.shift();
        completing = head;
        // The next writes go out before this group's bookkeeping (index writes, read tail copy).
        submitReady();
        await head.complete();
        completing = undefined;
        if (head.startedMs >= 0) this.traceGroup(head.group, head.startedMs);
        submitReady();
        this.finishGroup(head.group, head.isDurableWhenLanded);
      }
    } catch (error: unknown) {
      const failure = this.state.fail(error);
      completing?.group.written.reject(failure);
      for (const write of writes) write.group.written.reject(failure);
      next?.written.reject(failure);
      // No write of this task may still run once the queue moves on (close closes the files).
      await Promise.allSettled(writes.map((write) => write.landed));
      throw failure;
    } finally {
      this.groupQueued = undefined;
    }
  }

  /** The pending group, when its commit task is the one queued right after ticket `lastTicket`. */
  private chainable(lastTicket: number): PendingGroup | undefined {
    const pending = this.pendingGroup;
    return pending !== undefined && pending.ticket === lastTicket + 1 ? pending : undefined;
  }

  /**
   * Waits until `head` landed (false) or a group was queued (true), whichever comes first. Rejects
   * with the head's write error.
   */
  private async awaitLandedOrQueued(head: GroupWrite): Promise<boolean> {
    const queued = new Deferred();
    this.groupQueued = queued;
    try {
      const landed = head.landed.then(() => false);
      return await Promise.race([landed, queued.promise.then(() => true)]);
    } finally {
      this.groupQueued = undefined;
    }
  }

  /**
   * A group was queued while the chain waits with a free slot: wakes the chain after the appends of
   * this event-loop turn (the producers' requests read in the same turn) joined the group, not at
   * the first one, which would write groups of one batch.
   */
  private signalGroupQueued(): void {
    if (this.isGroupSignalScheduled) return;
    this.isGroupSignalScheduled = true;
    setImmediate(() => {
      this.isGroupSignalScheduled = false;
      this.groupQueued?.resolve();
    });
  }

  /**
   * Starts writing `group` after the writes in flight or still completing (`writes`): its writev is
   * submitted before this returns, unless it needs a roll, which waits for an empty pipeline
   * (undefined while there are `writes`) and is then written whole, alone, before its GroupWrite
   * lands; nothing is submitted behind such a write (undefined) until it completed.
   */
  private submitGroup(group: PendingGroup, writes: readonly GroupWrite[]): GroupWrite | undefined {
    const state = this.state;
    state.checkNotFailed();
    for (const write of writes) if (write.isExclusive) return undefined;
    const nowMs = state.clock.nowMs();
    let batchesInFlight = 0;
    // Batches of groups still to be completed (roll and index bounds count them).
    for (const write of writes) batchesInFlight += write.group.views.length;
    let bytes = 0;
    let records = 0;
    let needsRoll = false;
    const views = group.views;
    for (let index = 0; index < views.length; index += 1) {
      const view = views[index]!;
      if (this.roller.shouldRoll(view, bytes, batchesInFlight + index, nowMs)) {
        needsRoll = true;
        break;
      }
      bytes += view.sizeInBytes;
      records += view.recordsCount;
    }
    if (needsRoll && writes.length > 0) return undefined;
    group.isTaken = true;
    if (this.pendingGroup === group) this.pendingGroup = undefined;
    const startedMs = group.queuedMs < 0 ? -1 : performance.now();
    if (needsRoll) {
      const landed = this.writeGroup(group, nowMs);
      landed.catch(() => {});
      return {
        group,
        landed,
        complete: () => Promise.resolve(),
        startedMs,
        isExclusive: true,
        isDurableWhenLanded: false,
      };
    }
    group.records = records;
    group.bytes = bytes;
    const segment = state.activeSegment;
    const chunks = views.map((view) => view.bytes);
    const landed = segment.writeAppend(chunks);
    landed.catch(() => {});
    const complete = async (): Promise<void> => {
      await this.completeRun(segment, await landed, views, chunks, group.abortedTxns, nowMs);
      await state.epochCache.persist();
    };
    return { group, landed, complete, startedMs, isExclusive: false, isDurableWhenLanded: segment.isDsync };
  }

  /**
   * Writes `group`'s batches with nothing else in flight, rolling where needed, and completes them
   * (a group that needs a roll). Moves the log end, not the waiters.
   */
  private async writeGroup(group: PendingGroup, nowMs: number): Promise<void> {
    const state = this.state;
    let run: RecordBatchView[] = [];
    let runBytes = 0;
    let records = 0;
    let bytes = 0;
    for (const view of group.views) {
      if (this.roller.shouldRoll(view, runBytes, run.length, nowMs)) {
        await this.writeRun(run, group.abortedTxns, nowMs);
        run = [];
        runBytes = 0;
        await this.roller.roll(view.baseOffset, nowMs);
        // An O_DSYNC write is durable when it returns: the segments before it must be first, or a
        // power loss could keep this segment's bytes and lose theirs (a hole instead of one cut).
        if (state.activeSegment.isDsync) {
          await this.roller.awaitRolledSegments();
          state.checkNotFailed();
        }
      }
      run.push(view);
      runBytes += view.sizeInBytes;
      bytes += view.sizeInBytes;
      records += view.recordsCount;
    }
    group.records = records;
    group.bytes = bytes;
    await this.writeRun(run, group.abortedTxns, nowMs);
    await state.epochCache.persist();
  }

  /**
   * `group` is in the file: resolves its waiters, wakes long polls, asks for its fsync. A group
   * written through an O_DSYNC `.log` (`isDurable`) is durable already: when everything before it
   * is too (the groups before it in this segment were, and completed first; a rolled segment or bytes
   * written before the file was opened O_DSYNC may still need an fsync), its offsets are marked
   * durable at once, with no fsync; otherwise the fsync it would have needed runs as usual.
   */
  private finishGroup(group: PendingGroup, isDurable: boolean): void {
    const state = this.state;
    group.written.resolve();
    state.progress?.onWritten(state.logEnd);
    this.unflushedMessages += group.records;
    const views = group.views;
    if (isDurable && state.durableOffset >= views[0]!.baseOffset) {
      const endedMs = traceClock();
      if (endedMs >= 0) publishLogSync({ dir: state.dir, startedMs: endedMs, endedMs });
      this.markDurable(views.at(-1)!.nextOffset);
    } else if (group.needsSync || this.unflushedMessages >= state.config.flushMessages) this.requestSync();
    // After the fsync was requested: a zero run starting now does not delay it.
    if (group.needsSync) state.zeroAhead.afterDurableWrite(group.bytes);
  }

  /** After the group completed (its submission counted `group.bytes`). */
  private traceGroup(group: PendingGroup, startedMs: number): void {
    publishGroupCommit({
      dir: this.state.dir,
      queuedMs: group.queuedMs,
      startedMs,
      writtenMs: performance.now(),
      batches: group.views.length,
      bytes: group.bytes,
    });
  }

  private async writeRun(
    run: readonly RecordBatchView[],
    abortedTxns: readonly AbortedTxn[],
    nowMs: number,
  ): Promise<void> {
    if (run.length === 0) return;
    const segment = this.state.activeSegment;
    const chunks = run.map((view) => view.bytes);
    const position = await segment.writeAppend(chunks);
    await this.completeRun(segment, position, run, chunks, abortedTxns, nowMs);
  }

  /**
   * `run` landed at `position` of `segment`: makes it readable (segment size and indexes, the read
   * tail, the transaction index, the leader epochs) and moves the log end past it.
   */
  private async completeRun(
    segment: LogSegment,
    position: number,
    run: readonly RecordBatchView[],
    chunks: readonly Buffer[],
    abortedTxns: readonly AbortedTxn[],
    nowMs: number,
  ): Promise<void> {
    const state = this.state;
    await segment.completeAppend(run, chunks, position, nowMs);
    state.readTail.add(segment, position, chunks);
    const epochs = state.epochCache;
    for (const view of run) {
      // Reading baseOffset (a BigInt) only when the epoch is new: nearly every batch repeats the latest.
      const epoch = view.partitionLeaderEpoch;
      if (epoch >= 0 && epoch > (epochs.latest()?.epoch ?? -1)) epochs.assign(epoch, view.baseOffset);
    }
    const end = run.at(-1)!.nextOffset;
    // Before the log end moves: a reader that sees an abort marker finds its index entry too.
    for (const txn of abortedTxns) {
      if (txn.lastOffset >= run[0]!.baseOffset && txn.lastOffset < end) await segment.txnIndex.append(txn);
    }
    if (end > state.logEnd) state.logEnd = end;
  }

  /** Starts an fsync (with the loop that takes it) when a slot is free, or tells the loop to start one. */
  private requestSync(): void {
    this.isSyncWanted = true;
    if (this.syncing === undefined) this.syncing = this.syncLoop();
    else this.startWantedSyncs();
  }

  /**
   * fsyncs the rolled segments not yet fsynced, then the active `.log`, until no group was written
   * since the last fsync started, marking the log end as of each start durable, in submission
   * order. A failure fails the log, which rejects every durable waiter. Never rejects.
   *
   * The next fsync is submitted before the one that returned marks its offsets durable: resolving
   * the durable waiters runs their continuations (a broker's acknowledgements, a producer's next
   * appends: tens of appends per group) before anything queued after them, and the disk would idle
   * through all of that with the next group already written. Only a missing rolled segment's fsync
   * puts a step between: without one, the fsync is submitted synchronously.
   */
  private async syncLoop(): Promise<void> {
    const state = this.state;
    const running = this.runningSyncs;
    try {
      this.startWantedSyncs();
      for (let oldest = running[0]; oldest !== undefined; oldest = running[0]) {
        await oldest.done;
        running.shift();
        if (oldest.startedMs >= 0) {
          publishLogSync({ dir: state.dir, startedMs: oldest.startedMs, endedMs: performance.now() });
        }
        state.checkNotFailed();
        this.startWantedSyncs();
        this.markDurable(oldest.target);
      }
    } catch (error: unknown) {
      state.fail(error);
      // None may still run once the loop is gone (close closes the files after awaitSync).
      await Promise.allSettled(running.map((sync) => sync.done));
      running.length = 0;
    } finally {
      this.syncing = undefined;
    }
  }

  /** Submits the fsyncs wanted while slots are free (one alone while a rolled segment waits for its own). */
  private startWantedSyncs(): void {
    const running = this.runningSyncs;
    while (this.isSyncWanted && this.state.failure === undefined && running.length < this.syncsInFlight) {
      if (running.length > 0 && this.roller.hasRolledSegments) return;
      running.push(this.startSync());
    }
  }

  /** Submits the fsync that makes the log end as of now durable (after the rolled segments'). */
  private startSync(): RunningSync {
    const state = this.state;
    this.isSyncWanted = false;
    const target = state.logEnd;
    const startedMs = traceClock();
    // Rolled segments first: a later segment's bytes are never made durable before an earlier
    // one's, so a power loss cuts the log at one point instead of leaving a hole.
    const done = this.roller.hasRolledSegments
      ? this.roller.awaitRolledSegments().then(() => state.activeSegment.syncLog())
      : state.activeSegment.syncLog();
    // Taken in order by the loop; a later one's rejection waits for its turn.
    done.catch(() => {});
    return { target, startedMs, done };
  }

  /**
   * Resolves once no fsync of the loop is running. Truncation and close await it in the queue, where
   * no new one can start, so it never marks a truncated log end durable or syncs a closed file.
   */
  async awaitSync(): Promise<void> {
    while (this.syncing !== undefined) await this.syncing;
  }

  /** Everything below `offset` is on disk (after an fsync, or a truncation that fsynced the rest). */
  markDurable(offset: bigint): void {
    const state = this.state;
    if (offset > state.durableOffset) state.durableOffset = offset;
    if (offset >= state.logEnd) this.unflushedMessages = 0;
    this.lastFlushMs = state.clock.nowMs();
    state.durableWaiters.advanceTo(state.durableOffset);
    state.progress?.onDurable(state.durableOffset);
  }

  /**
   * The rolled segments below `offset` are fsynced, and everything before them was: the recovery
   * point and the durable waiters move there (not the flush.ms clock: the active segment is not).
   */
  markRolledDurable(offset: bigint): void {
    const state = this.state;
    if (offset <= state.durableOffset) return;
    state.durableOffset = offset;
    state.durableWaiters.advanceTo(offset);
    state.progress?.onDurable(offset);
  }

  /** Truncation fsynced what it kept: the new log end is durable and nothing is left unflushed. */
  resetAfterTruncation(): void {
    this.state.durableOffset = this.state.logEnd;
    this.unflushedMessages = 0;
  }

  /** fsyncs everything written so far (the active segment, and rolled ones whose fsync still runs). */
  flush(): Promise<void> {
    const state = this.state;
    return state.queue.run(async () => {
      state.checkNotFailed();
      await this.awaitSync();
      const target = state.logEnd;
      await this.roller.awaitRolledSegments();
      await state.activeSegment.syncAll();
      state.checkNotFailed();
      this.markDurable(target);
    });
  }

  /** `flush.ms`: flushes when unflushed messages are older than it. */
  async maybeFlush(nowMs: number): Promise<boolean> {
    if (this.unflushedMessages === 0 || nowMs - this.lastFlushMs < this.state.config.flushMs) return false;
    await this.flush();
    return true;
  }
}
