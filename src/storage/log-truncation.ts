import type { GroupCommit } from './group-commit.js';
import type { PartitionLogState } from './partition-log-state.js';
import { ProducerStateTable } from './producer-state.js';
import { LogSegment } from './segment.js';
import type { SegmentRoller } from './segment-roller.js';

/**
 * Follower truncation: cutting the log's tail, or restarting it empty at a new offset. Producer
 * state keeps only what lies below the cut (snapshots above it are removed); unlike Kafka it is
 * not reloaded from an older snapshot, so a producer whose every remembered batch was cut is
 * forgotten, which accepts its next batch at any sequence.
 */
export class LogTruncation {
  constructor(
    private readonly state: PartitionLogState,
    private readonly roller: SegmentRoller,
    private readonly pipeline: GroupCommit,
  ) {}

  /** See PartitionLog.truncateTo. */
  truncateTo(targetOffset: bigint): Promise<void> {
    const state = this.state;
    state.checkOpen();
    if (targetOffset >= state.nextAssignedOffset) return Promise.resolve();
    state.nextAssignedOffset = targetOffset;
    this.pipeline.discardPending();
    // At once, like the offsets: appends made after this call record their producers on top.
    state.producers = state.producers.truncatedTo(targetOffset);
    return state.queue.run(() =>
      state.rewrite(() =>
        targetOffset < state.startOffset ? this.restartAt(targetOffset) : this.truncateInQueue(targetOffset),
      ),
    );
  }

  /** See PartitionLog.truncateFullyAndStartAt. */
  truncateFullyAndStartAt(offset: bigint): Promise<void> {
    this.state.checkOpen();
    this.state.nextAssignedOffset = offset;
    this.pipeline.discardPending();
    this.state.producers = new ProducerStateTable();
    return this.state.queue.run(() => this.state.rewrite(() => this.restartAt(offset)));
  }

  private async truncateInQueue(targetOffset: bigint): Promise<void> {
    const state = this.state;
    state.checkNotFailed();
    state.readTail.clear();
    const nowMs = state.clock.nowMs();
    try {
      await this.pipeline.awaitSync();
      // No zero write may race the cut (it would re-extend the file past it).
      await state.zeroAhead.quiesce();
      await this.roller.awaitRolledSegments();
      let keep = state.segments.length;
      while (keep > 1 && state.segments[keep - 1]!.baseOffset >= targetOffset) keep -= 1;
      const removed = state.segments.slice(keep);
      state.segments = state.segments.slice(0, keep);
      const active = state.activeSegment;
      await active.truncateTo(targetOffset);
      await active.syncAll();
      // The target fell in a gap or inside a removed batch: an empty segment based at the target
      // records the log end on disk, so a reopen finds the same end and appends go on from it.
      state.epochCache.truncateFromEnd(active.nextOffset);
      if (active.nextOffset < targetOffset) await this.roller.roll(targetOffset, nowMs);
      await this.roller.awaitRolledSegments();
      state.checkNotFailed();
      state.logEnd = targetOffset;
      this.afterTruncation();
      await state.epochCache.persist();
      await state.snapshots.deleteAbove(targetOffset);
      await state.deleter.schedule(removed, nowMs, state.config.fileDeleteDelayMs);
    } catch (error: unknown) {
      throw state.fail(error);
    }
  }

  private async restartAt(offset: bigint): Promise<void> {
    const state = this.state;
    state.checkNotFailed();
    state.readTail.clear();
    const nowMs = state.clock.nowMs();
    try {
      await this.pipeline.awaitSync();
      await state.zeroAhead.quiesce();
      await this.roller.awaitRolledSegments();
      const removed = state.segments;
      state.segments = [];
      await state.deleter.schedule(removed, nowMs, state.config.fileDeleteDelayMs);
      state.segments = [
        await LogSegment.create(state.fs, state.dir, offset, state.config, nowMs, state.opensDsyncSegments),
      ];
      state.logEnd = offset;
      state.startOffset = offset;
      state.epochCache.clear();
      this.afterTruncation();
      await state.epochCache.persist();
      await state.snapshots.deleteAbove(-1n);
    } catch (error: unknown) {
      throw state.fail(error);
    }
  }

  private afterTruncation(): void {
    this.state.readTail.clear();
    this.state.clampHighWatermark();
    this.pipeline.resetAfterTruncation();
    this.state.epochCache.truncateFromEnd(this.state.logEnd);
  }
}
