import { ErrorCode } from '../protocol/index.js';
import type { PartitionLogState } from './partition-log-state.js';
import { type RetentionReason, selectSegmentsToDelete } from './retention.js';
import type { SegmentRoller } from './segment-roller.js';

/**
 * Removing data from the log's start: DeleteRecords (logStartOffset), retention, `.deleted` files.
 * Producers whose last batch falls below the new start are forgotten and snapshots older than the
 * first segment removed, as Kafka's truncateHead does.
 */
export class LogDeletion {
  constructor(
    private readonly state: PartitionLogState,
    private readonly roller: SegmentRoller,
  ) {}

  /** See PartitionLog.deleteRecordsBefore. */
  async deleteRecordsBefore(offset: bigint): Promise<{ errorCode: number; lowWatermark: bigint }> {
    const state = this.state;
    state.checkOpen();
    const target = offset === -1n ? state.hw : offset;
    if (target < 0n || target > state.hw) {
      return { errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, lowWatermark: state.startOffset };
    }
    return state.queue.run(async () => {
      state.checkNotFailed();
      if (target > state.startOffset) {
        await state.rewrite(async () => {
          state.startOffset = target;
          state.producers.removeBefore(target);
          state.epochCache.truncateFromStart(target);
          await state.epochCache.persist();
        });
      }
      await this.deleteSegmentsInQueue(state.clock.nowMs(), true);
      return { errorCode: ErrorCode.NONE, lowWatermark: state.startOffset };
    });
  }

  /** Retention (retention.ms, retention.bytes, below logStartOffset); returns how many segments went. */
  applyRetention(nowMs: number): Promise<number> {
    this.state.checkOpen();
    return this.state.queue.run(() => this.deleteSegmentsInQueue(nowMs));
  }

  /** Removes `.deleted` files whose delay has passed (the scheduler calls this). */
  deleteExpiredFiles(nowMs: number): Promise<void> {
    return this.state.queue.run(() => this.state.deleter.deleteDue(nowMs));
  }

  /** `onlyBelowLogStart`: DeleteRecords removes what it made unreachable, retention waits for its check. */
  private async deleteSegmentsInQueue(nowMs: number, onlyBelowLogStart = false): Promise<number> {
    const state = this.state;
    state.checkNotFailed();
    const config = onlyBelowLogStart ? { ...state.config, cleanupPolicy: [] } : state.config;
    await this.roller.awaitRolledSegments();
    const decision = selectSegmentsToDelete(state.segments, config, nowMs, state.startOffset);
    if (decision.count === 0) return 0;
    return state.rewrite(() => this.deleteFirstSegments(decision.count, decision.reason, nowMs));
  }

  private async deleteFirstSegments(
    toDelete: number,
    reason: RetentionReason | undefined,
    nowMs: number,
  ): Promise<number> {
    const state = this.state;
    let count = toDelete;
    if (count === state.segments.length) {
      if (state.activeSegment.isEmpty) count -= 1;
      else await this.roller.roll(state.logEnd, nowMs);
    }
    const removed = state.segments.slice(0, count);
    state.segments = state.segments.slice(count);
    const firstBase = state.segments[0]!.baseOffset;
    if (firstBase > state.startOffset) {
      state.startOffset = firstBase;
      if (state.hw < firstBase) state.hw = firstBase;
      state.producers.removeBefore(firstBase);
      state.epochCache.truncateFromStart(firstBase);
      await state.epochCache.persist();
    }
    state.logger.info(
      { topic: state.topic, partition: state.partition, segments: count, reason },
      `deleting ${count} segment(s) of ${state.name} by ${reason}`,
    );
    await state.deleter.schedule(removed, nowMs, state.config.fileDeleteDelayMs);
    await state.snapshots.deleteBelow(firstBase);
    return count;
  }
}
