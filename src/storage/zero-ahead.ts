import type { Clock } from './file-system.js';
import type { LogSegment } from './segment.js';
import type { StorageLogger } from './storage-logger.js';
import { ZeroAheadPolicy } from './zero-ahead-policy.js';

/** Largest single zero write: bounds how long an append that caught up with one waits for it. */
export const ZERO_WRITE_CHUNK_BYTES = 1024 * 1024;

/** Shared source of zeros for every write (never written to). */
const ZEROS = Buffer.alloc(ZERO_WRITE_CHUNK_BYTES);

/** What ZeroAhead needs of its partition log (PartitionLogState provides it). */
export interface ZeroAheadHost {
  readonly name: string;
  readonly clock: Clock;
  readonly logger: StorageLogger;
  readonly activeSegment: LogSegment;
  /** `segment.bytes`: no zeros past it (the segment rolls before its data gets there). */
  readonly segmentBytes: number;
  /** False once the log is closed or failed: no zeroing then. */
  readonly canWrite: boolean;
  /** Fails the log (see PartitionLogState.fail). */
  fail(error: unknown): Error;
}

/**
 * Zero-ahead of the active segment: its `.log` file is kept written with zeros, and fsynced, some
 * distance past the data, so that durable appends overwrite blocks that are already allocated and
 * whose size is already durable. On ext4 (and XFS) an fdatasync after an append that grows the file
 * must commit the journal (size and extents changed): p90 of several ms and a p99 of tens of ms on a
 * busy disk; after an overwrite of such a region it only writes the data pages (well under 1 ms).
 * `node --import tsx bench/storage/fdatasync.ts` prints both on the local disk.
 *
 * Off the hot path: zeroing runs in the background, one run at a time per partition, started after
 * a durable group commit (ZeroAheadPolicy decides how far and when); appends never wait for its
 * fsync. An append that reaches the start of a zero write still in flight waits for that one write
 * (at most ZERO_WRITE_CHUNK_BYTES; a run starts at least ZERO_AHEAD_LEAD_BYTES past the data and
 * half a runway ahead, so this is rare), as the two writes would otherwise race over the same
 * bytes; an append past the zeroed end (or into the gap before it) simply grows the file as without
 * zero-ahead. Zeros only go past `dataEnd` (appends in flight included) and past what the file may
 * already hold, so they never land on data.
 *
 * Roll, truncation and close stop it first (`quiesce`/`release`): nothing writes to a segment that
 * is no longer active or is being cut, and roll and close trim the tail back to the data.
 *
 * Crash consistency: in the zeroed region each byte on disk is, after power loss, either zero or
 * what an append wrote there (the region is written once with zeros, fsynced, then at most once
 * with data; truncation cuts the file before the zeros are renewed), possibly torn at a sector
 * boundary. Recovery validates every batch (size, magic, CRC-32C over everything after the CRC,
 * offsets only going forward): a batch whose lost sectors reverted to zeros fails its CRC, or its
 * size reads 0; only the first 12 bytes (baseOffset, size) and the partition leader epoch are outside
 * the CRC, and a torn sector boundary inside them zeroes the size field with them or leaves the
 * CRC-covered part zero. A zero tail after the last valid batch is the normal end of the log and
 * is cut without a corruption warning (see recoverSegment). See also power-loss.ts for how tests
 * model this.
 *
 * Failures: a zero write that fails (ENOSPC, say) only stops zeroing for that segment, with one
 * warning (data appends keep working and report their own errors); a failed fsync fails the log,
 * since Linux reports a write-back error to one fsync caller only and the group commit's next
 * fsync could otherwise succeed over lost data.
 */
export class ZeroAhead {
  private readonly policy: ZeroAheadPolicy;
  /** The running zeroing loop, if any. */
  private running: Promise<void> | undefined;
  /** Bumped by quiesce: a loop of an older generation stops at its next step. */
  private generation = 0;
  /** Segments that get no more zeros: released (rolled, closed) or whose zero write failed. */
  private readonly stoppedSegments = new WeakSet<LogSegment>();

  /** `maxBytes` <= 0: disabled (the memory file system, `pyralog.log.zero.ahead.max.bytes=0`). */
  constructor(
    private readonly host: ZeroAheadHost,
    maxBytes: number,
  ) {
    this.policy = new ZeroAheadPolicy(maxBytes);
  }

  get isEnabled(): boolean {
    return this.policy.isEnabled;
  }

  /** A durable group commit wrote `bytes` to the active segment: maybe zero further ahead. */
  afterDurableWrite(bytes: number): void {
    if (!this.policy.isEnabled) return;
    this.policy.recordDurableWrite(bytes, this.host.clock.nowMs());
    if (this.running !== undefined || !this.host.canWrite) return;
    const segment = this.host.activeSegment;
    if (this.stoppedSegments.has(segment) || this.nextRange(segment) === undefined) return;
    const generation = this.generation;
    const run = this.zeroLoop(segment, generation).finally(() => {
      if (this.running === run) this.running = undefined;
    });
    this.running = run;
  }

  /** Stops zeroing; resolves once no zero write or fsync runs (before a roll, truncation, close). */
  async quiesce(): Promise<void> {
    this.generation += 1;
    while (this.running !== undefined) await this.running;
  }

  /**
   * `segment` gets no more zeros (from this call on, synchronously: a roll makes the next segment
   * active only after an await); once its zeroing stopped, its file is trimmed back to its data.
   */
  async release(segment: LogSegment): Promise<void> {
    this.stoppedSegments.add(segment);
    await this.quiesce();
    await segment.trimZeroTail();
  }

  /** Resolves when the zeroing running now (if any) has finished (tests). */
  async settled(): Promise<void> {
    while (this.running !== undefined) await this.running;
  }

  private nextRange(segment: LogSegment) {
    return this.policy.nextRange(
      segment.dataEnd,
      segment.fileEnd,
      this.host.segmentBytes,
      this.host.clock.nowMs(),
    );
  }

  private isCurrent(segment: LogSegment, generation: number): boolean {
    return (
      generation === this.generation &&
      this.host.canWrite &&
      this.host.activeSegment === segment &&
      !this.stoppedSegments.has(segment)
    );
  }

  /** Zero runs (writes, then one fsync) while the policy wants more and nothing stopped it. Never rejects. */
  private async zeroLoop(segment: LogSegment, generation: number): Promise<void> {
    for (;;) {
      if (!this.isCurrent(segment, generation)) return;
      const range = this.nextRange(segment);
      if (range === undefined) return;
      if (!(await this.writeZeros(segment, generation, range.start, range.end))) return;
      try {
        await segment.log.sync();
      } catch (error: unknown) {
        if (this.host.canWrite) this.host.fail(error);
        return;
      }
    }
  }

  /**
   * Writes zeros over [from, end), each chunk starting past the data and the file's possible end
   * as they are then; false on a failure or a stop.
   */
  private async writeZeros(
    segment: LogSegment,
    generation: number,
    from: number,
    end: number,
  ): Promise<boolean> {
    for (let start = from; ; ) {
      if (!this.isCurrent(segment, generation)) return false;
      start = Math.max(start, segment.fileEnd, segment.dataEnd);
      if (start >= end) return true;
      const chunkEnd = Math.min(end, start + ZERO_WRITE_CHUNK_BYTES);
      // Pessimistic at once: should the write fail half-way, the trim still cuts whatever landed.
      segment.fileEnd = chunkEnd;
      const write = segment.log.writev([ZEROS.subarray(0, chunkEnd - start)], start);
      const done = write.then(
        () => {},
        () => {},
      );
      segment.zeroWrite = { start, done };
      try {
        await write;
      } catch (error: unknown) {
        this.stoppedSegments.add(segment);
        this.host.logger.warn(
          { log: this.host.name, file: segment.log.path, position: start, error: String(error) },
          `${this.host.name}: zero-ahead of ${segment.log.path} stopped: ${String(error)}`,
        );
        return false;
      } finally {
        if (segment.zeroWrite?.done === done) segment.zeroWrite = undefined;
      }
    }
  }
}
