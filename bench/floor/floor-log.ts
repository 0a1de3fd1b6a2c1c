// One partition of the floor responder (bench/floor): its record batches in memory, in offset order,
// the oldest dropped beyond a byte bound. Offsets are assigned on arrival (reserve) and become
// readable once the batch is durable (publish), as a single-replica leader's high watermark moves
// only after the fsync that acks=all waits for.
import { RecordBatchIterator, TruncatedBatchError } from '../../src/protocol/index.js';

/**
 * Kafka keeps far more; the latency consumer reads only the tail. Every batch kept is a Buffer that
 * outlives the young generation, and keeping 16 MiB per partition cost the responder about three
 * mark-compacts a second and a p99 of 11-13 ms instead of 3-4 ms (bench/floor/README.md), so the
 * bound is 256 KiB: about 23 ms of the workload.
 */
export const DEFAULT_RETAINED_BYTES = 256 * 1024;

export class FloorLog {
  /** Base offsets of the published batches, ascending; `batches[i]` starts at `baseOffsets[i]`. */
  private readonly baseOffsets: number[] = [];
  private readonly batches: Buffer[] = [];
  /** Index of the oldest retained batch: dropping moves it instead of shifting the arrays each time. */
  private head = 0;
  private retainedBytes = 0;
  private nextOffset = 0;
  /** The end of what is readable: the offset after the last published batch. */
  highWatermark = 0;
  logStartOffset = 0;

  constructor(private readonly maxRetainedBytes = DEFAULT_RETAINED_BYTES) {}

  /**
   * Gives each batch of `records` (a produce request's records, v2 batches) its offsets by writing
   * its baseOffset in place, and returns the first one and the offset after the last. The batches
   * stay unreadable until published. Throws RecordBatchIterator's record-batch errors, or
   * TruncatedBatchError, for bytes that are no whole v2 batches; then no offset was taken.
   */
  reserve(records: Buffer): { baseOffset: number; endOffset: number } {
    const batches = new RecordBatchIterator(records);
    const views = [...batches];
    if (batches.partialBytes > 0) {
      throw new TruncatedBatchError(`${batches.partialBytes} bytes after the last complete record batch`);
    }
    const baseOffset = this.nextOffset;
    for (const view of views) {
      view.setBaseOffset(BigInt(this.nextOffset));
      this.nextOffset += view.lastOffsetDelta + 1;
    }
    return { baseOffset, endOffset: this.nextOffset };
  }

  /** Makes reserved `records` readable; calls come in the order of the reserve calls. */
  publish(records: Buffer, baseOffset: number, endOffset: number): void {
    this.baseOffsets.push(baseOffset);
    this.batches.push(records);
    this.retainedBytes += records.length;
    this.highWatermark = endOffset;
    while (this.retainedBytes > this.maxRetainedBytes && this.batches.length - this.head > 1) {
      this.retainedBytes -= this.batches[this.head]!.length;
      this.head += 1;
      this.logStartOffset = this.baseOffsets[this.head]!;
    }
    if (this.head > 1024 && this.head * 2 > this.batches.length) {
      this.baseOffsets.splice(0, this.head);
      this.batches.splice(0, this.head);
      this.head = 0;
    }
  }

  /**
   * The published batches from the one holding `fetchOffset` on, at most `maxBytes` of them but at
   * least one (KIP-74), as one Buffer; empty when `fetchOffset` is the high watermark. The caller
   * checks the offset against [logStartOffset, highWatermark] first.
   */
  read(fetchOffset: number, maxBytes: number): Buffer {
    let low = this.head;
    let high = this.batches.length - 1;
    if (fetchOffset >= this.highWatermark || high < low) return Buffer.alloc(0);
    while (low < high) {
      const middle = (low + high + 1) >> 1;
      if (this.baseOffsets[middle]! <= fetchOffset) low = middle;
      else high = middle - 1;
    }
    const chosen = [this.batches[low]!];
    let bytes = chosen[0]!.length;
    for (let i = low + 1; i < this.batches.length; i += 1) {
      const next = this.batches[i]!;
      if (bytes + next.length > maxBytes) break;
      chosen.push(next);
      bytes += next.length;
    }
    return chosen.length === 1 ? chosen[0]! : Buffer.concat(chosen, bytes);
  }
}
