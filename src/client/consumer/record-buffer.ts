// A FIFO of fetched records that poll drains from the front without shifting the array per record.

/**
 * Records fetched for one partition and not yet returned by poll, oldest first. Draining moves a read
 * position instead of `Array.shift` per record (which copies the rest of the array each time: quadratic
 * in a fetch of thousands of records); the storage is dropped once everything is drained, and compacted
 * when a push finds more than half of it already read.
 */
export class RecordBuffer<T> {
  private items: T[] = [];
  private start = 0;

  /** Records not yet drained. */
  get size(): number {
    return this.items.length - this.start;
  }

  /** The oldest record not yet drained. */
  first(): T | undefined {
    return this.items[this.start];
  }

  push(item: T): void {
    if (this.start > 0 && this.start * 2 >= this.items.length) {
      this.items = this.items.slice(this.start);
      this.start = 0;
    }
    this.items.push(item);
  }

  /** Moves up to `max` of the oldest records to the end of `out`, in order; returns how many. */
  drainInto(out: T[], max: number): number {
    const count = Math.max(0, Math.min(max, this.size));
    const end = this.start + count;
    for (let i = this.start; i < end; i += 1) out.push(this.items[i]!);
    this.start = end;
    if (this.start === this.items.length) this.clear();
    return count;
  }

  clear(): void {
    this.items = [];
    this.start = 0;
  }
}
