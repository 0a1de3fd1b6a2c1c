import type { BufferPool } from '../network/index.js';

/**
 * The buffers one fetch response borrows from a pool: one per partition it reads (kept across the
 * re-reads of a long poll, each of which replaces the previous result), all given back together once
 * the response was written.
 */
export class BufferLoan {
  private readonly byPartition: (Buffer | undefined)[] = [];
  private readonly taken: Buffer[] = [];
  private isReturned = false;

  constructor(private readonly pool: BufferPool) {}

  /** ReadOptions.allocate for the `index`th partition read: its buffer while large enough, else a larger one. */
  allocator(index: number): (length: number) => Buffer {
    return (length) => {
      const held = this.byPartition[index];
      if (held !== undefined && held.length >= length) return held;
      if (this.isReturned) return Buffer.allocUnsafe(length);
      const buffer = this.pool.take(length);
      this.taken.push(buffer);
      this.byPartition[index] = buffer;
      return buffer;
    };
  }

  /**
   * Lends `buffers` (read ahead by FetchReadAhead for the `index`th partition, its result a view of
   * the last one) with this loan from now on: they go back to the pool with the others.
   */
  adopt(index: number, buffers: readonly Buffer[]): void {
    const last = buffers.at(-1);
    if (last === undefined || this.isReturned) return; // returned already: left to the GC
    this.taken.push(...buffers);
    this.byPartition[index] = last;
  }

  /** True when the `index`th partition's read filled a buffer of this loan (it read a log file). */
  hasBuffer(index: number): boolean {
    return this.byPartition[index] !== undefined;
  }

  /** Gives every buffer taken back to the pool; later reads through this loan allocate their own. */
  giveBack(): void {
    if (this.isReturned) return;
    this.isReturned = true;
    for (const buffer of this.taken) this.pool.give(buffer);
    this.taken.length = 0;
    this.byPartition.length = 0;
  }
}
