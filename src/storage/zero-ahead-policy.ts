/**
 * How far ahead of its data a partition's active `.log` is kept written with zeros (see
 * zero-ahead.ts for why and for the I/O). Pure: byte counts and clock readings in, a range out.
 *
 * The distance follows the partition's recent rate of durable appends, so that a busy partition
 * never catches up with its zeroed end while an idle one carries nothing:
 * - nothing until the partition's first durable append (a partition in page-cache mode, or one
 *   nobody writes to, such as most of the 50 `__consumer_offsets` partitions, gets no zeros);
 * - nothing either while its durable group commits average more than ZERO_AHEAD_MAX_GROUP_BYTES
 *   (zeroing would cost more bandwidth than the fsync commits it saves);
 * - otherwise the target runway is twice the bytes durably appended in the last rate window (one second:
 *   the larger of the current and the previous window), at least MIN_ZERO_AHEAD_BYTES and at most
 *   `maxBytes` (`pyralog.log.zero.ahead.max.bytes`), and never past `segment.bytes` (the segment
 *   rolls there);
 * - a new zeroing run starts only when less than half the target is left, and zeroes from its
 *   start (the zeroed end, at least ZERO_AHEAD_LEAD_BYTES past the data) a target's worth, rounded
 *   to ZERO_AHEAD_UNIT_BYTES: few large runs rather than many small ones, since each
 *   run's fsync commits the file system's journal once (and an append's fsync meanwhile waits for
 *   that commit too).
 * A partition that goes quiet keeps what is already zeroed (at most `maxBytes`) until its segment
 * rolls or the log closes, when the file is trimmed back to its data.
 */
export const MIN_ZERO_AHEAD_BYTES = 64 * 1024;
export const ZERO_AHEAD_UNIT_BYTES = 64 * 1024;
export const ZERO_AHEAD_RATE_WINDOW_MS = 1000;
/**
 * Zeros start at least this far past the data. An append that reaches a zero write still in flight
 * must wait for it (the two would race over the same bytes), and that write may sit in the I/O
 * thread pool behind other partitions' fsyncs; starting a run this far ahead (rather than at the
 * data's end) keeps the next appends off it. The gap is appended to as without zero-ahead.
 */
export const ZERO_AHEAD_LEAD_BYTES = 64 * 1024;
/**
 * Above this many bytes per durable group commit (on average over the rate window) no new zeros
 * are written. Zeroing writes every byte twice; what it saves is one journal commit per fsync
 * (a few ms at worst). Small groups (acks=all at a moderate rate, transaction markers, offset
 * commits) gain latency; from about a megabyte per group the fsync's commit is already amortized
 * and the second write costs throughput: `node --import tsx bench/storage/main.ts --only "16 KiB
 * batches, durable"` (groups of 64 x 16 KiB) gave 0.44 and 0.50 of raw with zeros against 0.64 and
 * 0.68 without, on an idle machine with a 4 MiB bound (1 MiB batches, 40 per group: 0.77 -> 0.54).
 */
export const ZERO_AHEAD_MAX_GROUP_BYTES = 256 * 1024;

/** A byte range of the `.log` to write with zeros: [start, end). */
export interface ZeroRange {
  readonly start: number;
  readonly end: number;
}

export class ZeroAheadPolicy {
  private windowStartMs: number | undefined;
  private windowBytes = 0;
  private previousWindowBytes = 0;
  private windowGroups = 0;
  private previousWindowGroups = 0;

  /** `maxBytes` <= 0 disables zeroing: `nextRange` then always answers undefined. */
  constructor(readonly maxBytes: number) {}

  get isEnabled(): boolean {
    return this.maxBytes > 0;
  }

  /** A durable group commit (an fsync requested) appended `bytes` at `nowMs`. */
  recordDurableWrite(bytes: number, nowMs: number): void {
    this.rollWindow(nowMs);
    this.windowBytes += bytes;
    this.windowGroups += 1;
  }

  /** The zeroed runway wanted ahead of the data now (0 before any durable append). */
  targetBytes(nowMs: number): number {
    if (!this.isEnabled || this.windowStartMs === undefined) return 0;
    this.rollWindow(nowMs);
    const groups = this.windowGroups + this.previousWindowGroups;
    const groupBytes = (this.windowBytes + this.previousWindowBytes) / Math.max(1, groups);
    if (groupBytes > ZERO_AHEAD_MAX_GROUP_BYTES) return 0;
    const recent = Math.max(this.windowBytes, this.previousWindowBytes);
    const wanted = Math.min(this.maxBytes, Math.max(MIN_ZERO_AHEAD_BYTES, 2 * recent));
    return roundUp(wanted, ZERO_AHEAD_UNIT_BYTES);
  }

  /**
   * The range to zero next, given where the data ends (`dataEnd`, appends in flight included), how
   * far the file may already reach (`fileEnd`, zeros included) and the segment's size limit; or
   * undefined when the runway left is at least half the target.
   */
  nextRange(dataEnd: number, fileEnd: number, limitBytes: number, nowMs: number): ZeroRange | undefined {
    const target = this.targetBytes(nowMs);
    if (target === 0 || fileEnd - dataEnd >= target / 2) return undefined;
    // (A sixteenth of a small segment at most, so that test-sized segments get zeros too.)
    const lead = Math.min(ZERO_AHEAD_LEAD_BYTES, Math.floor(limitBytes / 16));
    const start = Math.max(fileEnd, dataEnd + lead);
    const end = Math.min(limitBytes, roundUp(start + target, ZERO_AHEAD_UNIT_BYTES));
    return end > start ? { start, end } : undefined;
  }

  private rollWindow(nowMs: number): void {
    if (this.windowStartMs === undefined) {
      this.windowStartMs = nowMs;
      return;
    }
    const elapsed = nowMs - this.windowStartMs;
    if (elapsed < ZERO_AHEAD_RATE_WINDOW_MS) return;
    // A window with no durable append in between makes the previous one count as empty.
    const isAdjacent = elapsed < 2 * ZERO_AHEAD_RATE_WINDOW_MS;
    this.previousWindowBytes = isAdjacent ? this.windowBytes : 0;
    this.previousWindowGroups = isAdjacent ? this.windowGroups : 0;
    this.windowBytes = 0;
    this.windowGroups = 0;
    this.windowStartMs = nowMs;
  }
}

function roundUp(value: number, unit: number): number {
  return Math.ceil(value / unit) * unit;
}
