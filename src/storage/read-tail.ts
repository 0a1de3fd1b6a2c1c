import type { LogSegment } from './segment.js';

/** What a partition keeps by default: a consumer keeping up reads a few ms of appends at a time. */
export const DEFAULT_READ_TAIL_BYTES = 128 * 1024;

/**
 * Writes with no read of the tail's segment after which the tail keeps nothing more: a consumer at
 * the end reads after every few writes (each high watermark advance wakes its fetch), and one that
 * has not read for this long is not at the end.
 */
export const READ_TAIL_IDLE_WRITES = 16;

/**
 * The last bytes written to the active segment's `.log`, kept in memory (about `maxBytes`), so that
 * reads at the end of the log (a consumer keeping up, woken by each high watermark advance) are
 * served without a file read: one thread-pool round trip and one syscall less on the path from an
 * acknowledged produce to the consumer. The kept chunks are copies (one per write, of at most
 * `maxBytes`: the end of a larger write), never views of the appended buffers: once an append is
 * written the log holds no view of its bytes, so their owner may reuse them (the network layer
 * reuses a produce request's frame), and the tail never pins more than its size. The copies are
 * never modified, so reads may return views of them. Anything not wholly kept is read from the file.
 *
 * Copying costs the writer (a memory copy and a fresh buffer per write), so the tail only copies
 * while someone reads: after READ_TAIL_IDLE_WRITES writes with no read of its segment (a
 * partition nobody consumes at its end), it drops what it kept and copies nothing until the next read
 * of the segment, which comes from the file and re-arms it for the writes after it.
 */
export class ReadTail {
  private segment: LogSegment | undefined;
  private readonly chunks: Buffer[] = [];
  /** File position of each chunk. */
  private readonly positions: number[] = [];
  /** [start, end): the file range the chunks hold, back to back. */
  private start = 0;
  private end = 0;
  /** Writes added since the last read of `segment` (see READ_TAIL_IDLE_WRITES). */
  private writesSinceRead = 0;

  constructor(private readonly maxBytes: number = DEFAULT_READ_TAIL_BYTES) {}

  /** `chunks` were just written back to back at `position` of `segment`'s `.log`. */
  add(segment: LogSegment, position: number, chunks: readonly Buffer[]): void {
    if (this.maxBytes <= 0) return;
    if (segment !== this.segment || position !== this.end || this.chunks.length === 0) {
      this.clear();
      this.segment = segment;
      this.start = position;
      this.end = position;
    }
    let total = 0;
    for (const chunk of chunks) total += chunk.length;
    if (total === 0) return;
    this.writesSinceRead += 1;
    if (this.writesSinceRead > READ_TAIL_IDLE_WRITES) {
      // Idle: nothing is kept (the segment stays, so that its next read re-arms the tail).
      this.chunks.length = 0;
      this.positions.length = 0;
      this.end += total;
      this.start = this.end;
      return;
    }
    // Only the last maxBytes of a large write can stay: everything kept before it goes.
    const skip = Math.max(0, total - this.maxBytes);
    if (skip > 0) {
      this.chunks.length = 0;
      this.positions.length = 0;
    }
    const copy = Buffer.allocUnsafe(total - skip);
    let offset = 0;
    let copied = 0;
    for (const chunk of chunks) {
      const from = Math.max(0, skip - offset);
      if (from < chunk.length) copied += chunk.copy(copy, copied, from);
      offset += chunk.length;
    }
    this.chunks.push(copy);
    this.positions.push(this.end + skip);
    this.end += total;
    this.start = this.positions[0]!;
    while (this.chunks.length > 1 && this.end - this.positions[1]! >= this.maxBytes) {
      this.chunks.shift();
      this.positions.shift();
      this.start = this.positions[0]!;
    }
  }

  /**
   * Bytes [position, position + length) of `segment`'s `.log` when the tail holds them all: a view
   * when one chunk does (never modified), else a copy; undefined when it does not hold them. Any
   * read of the tail's segment, answered or not, keeps the tail copying (re-arms an idle one).
   */
  read(segment: LogSegment, position: number, length: number): Buffer | undefined {
    if (segment !== this.segment) return undefined;
    this.writesSinceRead = 0;
    if (length <= 0 || position < this.start || position + length > this.end) return undefined;
    let index = this.chunkAt(position);
    const chunk = this.chunks[index]!;
    const offset = position - this.positions[index]!;
    if (offset + length <= chunk.length) return chunk.subarray(offset, offset + length);
    const copy = Buffer.allocUnsafe(length);
    let copied = chunk.copy(copy, 0, offset);
    while (copied < length) {
      index += 1;
      copied += this.chunks[index]!.copy(copy, copied, 0, length - copied);
    }
    return copy;
  }

  /** Forgets everything (truncation: the file's bytes past the cut are no longer these). */
  clear(): void {
    this.segment = undefined;
    this.chunks.length = 0;
    this.positions.length = 0;
    this.start = 0;
    this.end = 0;
  }

  /** Index of the chunk holding `position` (within [start, end)). */
  private chunkAt(position: number): number {
    let low = 0;
    let high = this.positions.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >>> 1;
      if (this.positions[middle]! <= position) low = middle;
      else high = middle - 1;
    }
    return low;
  }
}
