// Buffers that uncompressed batches are encoded into, reused once the broker has read them.

/**
 * A bounded free list of encoding buffers. A batch of about batch.size bytes needs a fresh buffer of that
 * size per request otherwise; V8 counts such buffers as external memory and runs a garbage collection
 * every few tens of megabytes of them, which took most of the producer's GC time. The Sender gives a
 * buffer back only when nothing can still read it: the broker answered the only request that carried it
 * (a batch sent more than once, or with acks=0, keeps its buffer for the garbage collector).
 */
export class EncodeBufferPool {
  private readonly free: Buffer[] = [];

  constructor(
    /** Buffers kept at most (about one per in-flight request). */
    private readonly maxBuffers: number,
    /** Size of a new buffer unless a batch needs more: batch.size with room for varint overhead. */
    private readonly preferredBytes: number,
  ) {}

  /** Buffers waiting for reuse. */
  get size(): number {
    return this.free.length;
  }

  /** A buffer of at least `bytes`, reused when one is free. */
  take(bytes: number): Buffer {
    for (let i = this.free.length - 1; i >= 0; i -= 1) {
      const buffer = this.free[i]!;
      if (buffer.length < bytes) continue;
      this.free[i] = this.free[this.free.length - 1]!;
      this.free.pop();
      return buffer;
    }
    return Buffer.allocUnsafeSlow(Math.max(bytes, this.preferredBytes));
  }

  /** Takes back a buffer nothing reads any more; beyond the bound it is left to the garbage collector. */
  give(buffer: Buffer): void {
    if (this.free.length < this.maxBuffers) this.free.push(buffer);
  }
}
