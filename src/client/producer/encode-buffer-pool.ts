// Buffers that batches write their records into, reused once the broker has read them.

/**
 * A bounded free list of batch buffers of at least batch.size bytes. A batch needs a buffer of about
 * batch.size otherwise; V8 counts such buffers as external memory and runs a garbage collection every
 * few tens of megabytes of them, which took most of the producer's GC time. A batch takes a buffer when
 * it opens (a smaller one when none is free, grown as records arrive, so that many sparse partitions do
 * not hold batch.size each); the Sender gives a buffer back only when nothing can still read it: the
 * broker answered the only request that carried it (a batch sent more than once, or with acks=0, keeps
 * its buffer for the garbage collector), or its records were compressed into another buffer.
 */
export class EncodeBufferPool {
  private readonly free: Buffer[] = [];

  constructor(
    /** Buffers kept at most (about one per in-flight request). */
    private readonly maxBuffers: number,
    /** The smallest buffer worth keeping: batch.size, what a full batch needs. */
    private readonly fullBytes: number,
  ) {}

  /** Buffers waiting for reuse. */
  get size(): number {
    return this.free.length;
  }

  /**
   * A free buffer when one holds `bytes` (it may be larger), else a new buffer of `bytes`, or of the full
   * size when `bytes` is more than half of it (so that every large buffer can serve any batch later).
   */
  take(bytes: number): Buffer {
    const last = this.free[this.free.length - 1];
    if (last !== undefined && last.length >= bytes) return this.free.pop()!;
    return Buffer.allocUnsafeSlow(bytes > this.fullBytes / 2 ? Math.max(bytes, this.fullBytes) : bytes);
  }

  /** Takes back a buffer nothing reads any more; a small one, or one beyond the bound, is left to the garbage collector. */
  give(buffer: Buffer): void {
    if (buffer.length >= this.fullBytes && this.free.length < this.maxBuffers) this.free.push(buffer);
  }
}
