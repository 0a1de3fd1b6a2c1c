import { objectArray } from './object-array.js';

/** Sizes are rounded up to a multiple of this, so that reads of nearby sizes share buffers. */
const SIZE_STEP_BYTES = 64 * 1024;

/** Defaults: what the pool keeps at most in all, and the largest buffer it keeps at all. */
export const DEFAULT_POOLED_BYTES = 64 * 1024 * 1024;
export const DEFAULT_MAX_POOLED_BUFFER_BYTES = 16 * 1024 * 1024;

export interface BufferPoolOptions {
  /** Bytes of free buffers kept at most; a buffer given back above it is left to the GC. */
  readonly maxPooledBytes?: number;
  /** A buffer larger than this is allocated for its read and never kept. */
  readonly maxBufferBytes?: number;
}

/**
 * Large buffers reused instead of allocated per request: fetch reads fill them from the log files
 * (the broker's pool), and request frames that span socket reads are assembled in them (each
 * SocketServer's pool). A fetch of 1 MiB per partition, or a produce request of 1 MiB, would
 * otherwise allocate a fresh 1 MiB Buffer each: fresh memory costs page faults on first touch, and
 * the external memory it adds makes V8 run its mark-compact collector every few dozen requests (a
 * third of the broker's CPU in a consume profile).
 *
 * Ownership: `take` hands a buffer over; `give` takes it back, and the caller promises that nothing
 * still to be read (a response not yet written to its socket) holds a view of it. A buffer never
 * given back is simply collected. Bounded: at most `maxPooledBytes` of free buffers are kept.
 */
export class BufferPool {
  /** Free buffers, each of a multiple of SIZE_STEP_BYTES; a handful in practice (bounded by bytes). */
  private readonly free: Buffer[] = objectArray();
  private freeBytes = 0;
  private readonly maxPooledBytes: number;
  private readonly maxBufferBytes: number;

  constructor(options: BufferPoolOptions = {}) {
    this.maxPooledBytes = options.maxPooledBytes ?? DEFAULT_POOLED_BYTES;
    this.maxBufferBytes = options.maxBufferBytes ?? DEFAULT_MAX_POOLED_BUFFER_BYTES;
  }

  /** Bytes of free buffers held now. */
  get pooledBytes(): number {
    return this.freeBytes;
  }

  /**
   * A buffer of at least `size` bytes (its contents are garbage): the smallest free one that is
   * large enough (reads of one consumer vary in length near the log end), else a new one of `size`
   * rounded up to 64 KiB.
   */
  take(size: number): Buffer {
    let best = -1;
    for (let index = 0; index < this.free.length; index += 1) {
      const length = this.free[index]!.length;
      if (length >= size && (best < 0 || length < this.free[best]!.length)) best = index;
    }
    if (best >= 0) {
      const buffer = this.free[best]!;
      this.free[best] = this.free[this.free.length - 1]!;
      this.free.pop();
      this.freeBytes -= buffer.length;
      return buffer;
    }
    const rounded = Math.max(SIZE_STEP_BYTES, Math.ceil(size / SIZE_STEP_BYTES) * SIZE_STEP_BYTES);
    return Buffer.allocUnsafeSlow(rounded > this.maxBufferBytes ? size : rounded);
  }

  /** Takes back a buffer from `take` once nothing will read it any more (see the class comment). */
  give(buffer: Buffer): void {
    const size = buffer.length;
    if (size % SIZE_STEP_BYTES !== 0 || size > this.maxBufferBytes) return;
    if (buffer.byteOffset !== 0 || buffer.buffer.byteLength !== size) return; // not one of ours
    if (this.freeBytes + size > this.maxPooledBytes) return;
    // Given back twice: keep it once, or two reads would share it.
    if (this.free.includes(buffer)) return;
    this.free.push(buffer);
    this.freeBytes += size;
  }
}
