import type { BufferPool } from '../network/index.js';

/**
 * The buffers one fetch response borrows from a pool: one per partition it reads (kept across the
 * re-reads of a long poll, each of which replaces the previous result), all given back together once
 * the response was written.
 */
export class BufferLoan {
  private readonly byPartition: (Buffer | undefined)[] = [];
  private readonly taken: Buffer[] = [];
  /** Per partition index: its records are a view of buffers shared with reads ahead (see adoptShared). */
  private readonly shared: boolean[] = [];
  /** What gives the shared buffers' share back, once the response was written. */
  private readonly releases: (() => void)[] = [];
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
   * The `index`th partition's records are a view of pooled buffers shared with other ranges read
   * ahead (FetchReadAhead): `release` gives this response's share back once it was written. A later
   * read of that partition (a long poll's next try) takes a buffer of its own, never those.
   */
  adoptShared(index: number, release: () => void): void {
    if (this.isReturned) return; // returned already: the share is never given back, the GC takes the buffers
    this.releases.push(release);
    this.shared[index] = true;
    this.byPartition[index] = undefined;
  }

  /** True when the `index`th partition's read filled a buffer of this loan (it read a log file). */
  hasBuffer(index: number): boolean {
    return this.byPartition[index] !== undefined || this.shared[index] === true;
  }

  /** Gives every buffer taken back to the pool; later reads through this loan allocate their own. */
  giveBack(): void {
    if (this.isReturned) return;
    this.isReturned = true;
    for (const buffer of this.taken) this.pool.give(buffer);
    for (const release of this.releases) release();
    this.taken.length = 0;
    this.releases.length = 0;
    this.byPartition.length = 0;
    this.shared.length = 0;
  }
}
