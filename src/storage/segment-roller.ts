import type { RecordBatchView } from '../protocol/index.js';
import type { PartitionLogState } from './partition-log-state.js';
import { LogSegment, MAX_RELATIVE_OFFSET } from './segment.js';

/**
 * Rolling: when a new active segment starts, and the background fsyncs of the segments left behind.
 * Callers run in the log's queue.
 */
export class SegmentRoller {
  /** fsyncs of rolled segments still running (they never reject: a failure fails the log). */
  private readonly rolledSegmentSyncs = new Set<Promise<void>>();

  constructor(private readonly state: PartitionLogState) {}

  /**
   * Kafka's roll conditions for appending `view` after `runBytes`/`runCount` not yet in the active
   * segment: size, age (segment.ms less the segment's jitter), a full index, or an offset the
   * relative index cannot hold. The size counts appends in flight (`dataEnd`); `runCount` must count
   * their batches too (their index entries are added when they complete).
   */
  shouldRoll(view: RecordBatchView, runBytes: number, runCount: number, nowMs: number): boolean {
    const active = this.state.activeSegment;
    const config = this.state.config;
    if (view.lastOffset - active.baseOffset > MAX_RELATIVE_OFFSET) return true;
    const size = active.dataEnd + runBytes;
    if (size === 0) return false;
    active.rollJitterMs ??= this.drawRollJitterMs();
    const maxOffsetEntries = active.offsetIndex.maxEntries;
    const maxTimeEntries = active.timeIndex.maxEntries;
    return (
      size + view.sizeInBytes > config.segmentBytes ||
      (!active.isEmpty && nowMs - active.rollingBaseMs > config.segmentMs - active.rollJitterMs) ||
      active.offsetIndex.entryCount + runCount + 1 >= maxOffsetEntries ||
      active.timeIndex.entryCount + runCount + 1 >= maxTimeEntries
    );
  }

  /**
   * Kafka's randomSegmentJitter: uniform in [0, min(segment.jitter.ms, segment.ms)), drawn once per
   * segment from the injected random, so that partitions created together do not all roll together.
   */
  private drawRollJitterMs(): number {
    const config = this.state.config;
    const bound = Math.min(config.segmentJitterMs, config.segmentMs);
    return bound <= 0 ? 0 : Math.floor(this.state.random() * bound);
  }

  /**
   * Starts a new active segment at `baseOffset`. The old one is trimmed to its data (its zero-ahead
   * tail cut) and fsynced whole in the background, as
   * Kafka flushes a rolled segment asynchronously: in page-cache mode that fsync may cover a whole
   * segment, and appends must not wait for it; whatever marks offsets durable awaits it first. An
   * empty old segment stays (reads skip it, retention removes it): it marks where the log starts.
   * As Kafka does at a roll, the producer state below `baseOffset` is snapshotted, so a restart
   * after a crash replays only the segments after it.
   */
  async roll(baseOffset: bigint, nowMs: number): Promise<void> {
    const state = this.state;
    const old = state.activeSegment;
    // Its zero-ahead tail goes before the fsync, which makes the trimmed size durable with the data.
    const sync: Promise<void> = state.zeroAhead
      .release(old)
      .then(() => old.syncAll())
      .then(
        () => {},
        (error: unknown) => void state.fail(error),
      )
      .finally(() => this.rolledSegmentSyncs.delete(sync));
    this.rolledSegmentSyncs.add(sync);
    const segment = await LogSegment.create(state.fs, state.dir, baseOffset, state.config, nowMs);
    state.segments = [...state.segments, segment];
    // Reads of the old active segment stay what it holds; a reader keeping state across reads (a
    // fetch's read-ahead) starts again from the new segment list all the same.
    state.readGeneration += 2;
    await state.snapshots.write(baseOffset, state.producers.entriesBelow(baseOffset));
  }

  /** Waits for the background fsyncs of rolled segments (before marking offsets durable or removing segments). */
  async awaitRolledSegments(): Promise<void> {
    if (this.rolledSegmentSyncs.size > 0) await Promise.all([...this.rolledSegmentSyncs]);
  }
}
