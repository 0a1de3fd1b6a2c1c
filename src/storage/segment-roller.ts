import type { RecordBatchView } from '../protocol/index.js';
import { relativeOffset } from './index-file.js';
import type { PartitionLogState } from './partition-log-state.js';
import { LogSegment, MAX_RELATIVE_OFFSET } from './segment.js';

/** MAX_RELATIVE_OFFSET as a number, to compare relativeOffset() with. */
const MAX_RELATIVE_OFFSET_NUMBER = Number(MAX_RELATIVE_OFFSET);

/** A segment left by a roll whose fsync has not completed yet. */
interface RolledSegment {
  readonly segment: LogSegment;
  /** The base offset of the segment started after it: once it is fsynced, everything below is. */
  readonly endOffset: bigint;
  /** Its zero-ahead tail trimmed (started at the roll; never rejects: a failure fails the log). */
  readonly released: Promise<void>;
  /** Its fsync, once started (never rejects: a failure fails the log). */
  sync: Promise<void> | undefined;
}

/**
 * Rolling: when a new active segment starts, and the fsyncs of the segments left behind.
 * Callers run in the log's queue.
 */
export class SegmentRoller {
  /** Rolled segments not yet known fsynced, oldest first. */
  private rolled: RolledSegment[] = [];
  /**
   * Told that every offset below `offset` is fsynced once the rolled segments up to it are (the
   * recovery point moves there, as Kafka's flush on roll moves it to the new segment's base offset).
   */
  onRolledSegmentsDurable: (offset: bigint) => void = () => {};

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
    if (relativeOffset(view.lastOffset, active.baseOffset) > MAX_RELATIVE_OFFSET_NUMBER) return true;
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
   * tail cut) at once, and fsynced whole when something needs it (`awaitRolledSegments`): the next
   * durable group commit, a flush (flush.ms, flush.messages, close), a truncation, a deletion, or
   * the recovery-point checkpoint (LogManager, `log.flush.offset.checkpoint.interval.ms`). Kafka
   * schedules that flush at the roll, to move the recovery point past the segment; but the recovery
   * point only counts once checkpointed (or at a clean shutdown, which flushes everything), so the
   * fsync is left until then: in page-cache mode it may cover a whole segment (1 GiB by default),
   * and at the roll it forces all that writeback at once beside the appends, while by the
   * checkpoint the kernel's own writeback (Linux: dirty_expire_centisecs, 30 s by default) has
   * usually written most of it. In durable mode the segment's data is fsynced
   * already and the next group commit's fsync takes the rest at once, as before. An empty old
   * segment stays (reads skip it, retention removes it): it marks where the log starts. As Kafka
   * does at a roll, the producer state below `baseOffset` is snapshotted, so a restart after a
   * crash replays only the segments after it.
   */
  async roll(baseOffset: bigint, nowMs: number): Promise<void> {
    const state = this.state;
    const old = state.activeSegment;
    // Its zero-ahead tail goes before the fsync, which makes the trimmed size durable with the data.
    // A failed trim fails the log at once (as the fsync would); the fsync is then skipped.
    const released = state.zeroAhead.release(old).catch((error: unknown) => void state.fail(error));
    this.rolled.push({ segment: old, endOffset: baseOffset, released, sync: undefined });
    const segment = await LogSegment.create(
      state.fs,
      state.dir,
      baseOffset,
      state.config,
      nowMs,
      state.opensDsyncSegments,
    );
    state.segments = [...state.segments, segment];
    // Reads of the old active segment stay what it holds; a reader keeping state across reads (a
    // fetch's read-ahead) starts again from the new segment list all the same.
    state.readGeneration += 2;
    await state.snapshots.write(baseOffset, state.producers.entriesBelow(baseOffset));
  }

  /** Some rolled segment is not known fsynced yet (awaitRolledSegments has work). */
  get hasRolledSegments(): boolean {
    return this.rolled.length > 0;
  }

  /**
   * fsyncs the rolled segments not yet fsynced (starting those not started) and waits for them,
   * before marking offsets durable or removing segments; then tells onRolledSegmentsDurable. Never
   * rejects: a failure fails the log (callers check it).
   */
  async awaitRolledSegments(): Promise<void> {
    if (this.rolled.length === 0) return;
    const pending = [...this.rolled];
    const state = this.state;
    for (const entry of pending) {
      entry.sync ??= entry.released
        .then(() => (state.failure === undefined ? entry.segment.syncAll() : undefined))
        .then(
          () => {},
          (error: unknown) => void state.fail(error),
        );
    }
    await Promise.all(pending.map((entry) => entry.sync));
    // Segments rolled meanwhile stay for the next call.
    this.rolled = this.rolled.filter((entry) => !pending.includes(entry));
    if (state.failure === undefined) this.onRolledSegmentsDurable(pending.at(-1)!.endOffset);
  }
}
