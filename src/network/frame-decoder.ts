import { FrameError } from './frame-error.js';
import { objectArray } from './object-array.js';

/** Kafka's `socket.request.max.bytes` default: 100 MiB. */
export const DEFAULT_MAX_FRAME_BYTES = 104_857_600;

/** Bytes of the int32 size prefix. */
const SIZE_BYTES = 4;

/** Limits on the size prefix of one frame (the int32 itself excluded). */
export interface FrameLimits {
  /** Smallest acceptable frame: e.g. 8 for a request header v0, 4 for a response's correlation id. */
  readonly minFrameBytes: number;
  /** Largest acceptable frame (`socket.request.max.bytes` on a broker). */
  readonly maxFrameBytes: number;
}

/**
 * Where a frame that spans chunks is copied: a Buffer of at least `size` bytes (e.g. a pool's); the
 * frame is its first `size` bytes. Default: a new Buffer of its own.
 */
export type FrameAllocator = (size: number) => Buffer;

/**
 * Splits a byte stream into Kafka frames (int32 big-endian size, then that many bytes).
 *
 * Received chunks are kept in a list, never concatenated on arrival, so a large frame arriving in many
 * reads costs one copy, not a copy per read. A frame that lies within one chunk is returned as a view of
 * that chunk (no copy); only a frame that spans chunks is copied, once, into a buffer of its own (or
 * the start of one from the `allocate` given).
 *
 * The size prefix is checked against the limits as soon as its 4 bytes are present, before any of the
 * frame's body is waited for, so a giant or negative prefix never makes the decoder buffer anything.
 * After a FrameError the decoder is poisoned: every later call throws the same error.
 *
 * Ownership: pushed chunks must not be modified afterwards (socket reads are fresh buffers); returned
 * frames may be views into them and stay valid for as long as the caller holds them.
 */
export class FrameDecoder {
  private readonly chunks: Buffer[] = objectArray();
  /** Read position in `chunks[0]`. */
  private headOffset = 0;
  /** Unread bytes across all chunks. */
  private buffered = 0;
  /** Size of the frame at the head once its prefix was read and checked; -1 before that. */
  private pendingSize = -1;
  private failure: FrameError | undefined;

  constructor(
    private readonly limits: FrameLimits,
    private readonly allocate: FrameAllocator = Buffer.allocUnsafe,
  ) {}

  /** Unread bytes held (a partial frame plus any whole frames not yet taken with `next`). */
  get bufferedBytes(): number {
    return this.buffered;
  }

  /** Adds received bytes; frames become available through `next`. */
  push(chunk: Buffer): void {
    if (this.failure !== undefined) throw this.failure;
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.buffered += chunk.length;
  }

  /**
   * The next whole frame without its size prefix, or undefined until more bytes arrive. Throws
   * FrameError for a size outside the limits (and from then on).
   */
  next(): Buffer | undefined {
    if (this.failure !== undefined) throw this.failure;
    if (this.pendingSize < 0) {
      if (this.buffered < SIZE_BYTES) return undefined;
      const size = this.readSizePrefix();
      if (size < this.limits.minFrameBytes || size > this.limits.maxFrameBytes) {
        this.failure = new FrameError(
          `frame size ${size} outside [${this.limits.minFrameBytes}, ${this.limits.maxFrameBytes}]`,
        );
        this.chunks.length = 0;
        this.buffered = 0;
        throw this.failure;
      }
      this.pendingSize = size;
    }
    if (this.buffered < this.pendingSize) return undefined;
    const frame = this.take(this.pendingSize);
    this.pendingSize = -1;
    return frame;
  }

  /** Consumes the 4-byte size prefix, which may span chunks. */
  private readSizePrefix(): number {
    const head = this.chunks[0]!;
    if (head.length - this.headOffset >= SIZE_BYTES) {
      const size = head.readInt32BE(this.headOffset);
      this.advance(SIZE_BYTES);
      return size;
    }
    return this.take(SIZE_BYTES).readInt32BE(0);
  }

  /** Consumes `size` bytes (all present): a view when they lie in one chunk, else one copy. */
  private take(size: number): Buffer {
    const head = this.chunks[0];
    if (size === 0 || head === undefined) return Buffer.alloc(0);
    if (head.length - this.headOffset >= size) {
      const view = head.subarray(this.headOffset, this.headOffset + size);
      this.advance(size);
      return view;
    }
    const target = this.allocate(size);
    const copy = target.length === size ? target : target.subarray(0, size);
    let copied = 0;
    while (copied < size) {
      const chunk = this.chunks[0]!;
      const n = Math.min(size - copied, chunk.length - this.headOffset);
      chunk.copy(copy, copied, this.headOffset, this.headOffset + n);
      copied += n;
      this.advance(n);
    }
    return copy;
  }

  /** Moves the read position `size` bytes on (within the head chunk), dropping it when used up. */
  private advance(size: number): void {
    this.headOffset += size;
    this.buffered -= size;
    if (this.headOffset === this.chunks[0]!.length) {
      this.chunks.shift();
      this.headOffset = 0;
    }
  }
}
