import { ErrorCode } from '../protocol/index.js';

/**
 * One wait on a partition's watermark (the high watermark for acks=all, the log end for acks=1): an
 * entry of the produce purgatory. The queue calls `complete` at most once, and never for a waiter
 * whose `isWaiting` became false meanwhile (completed elsewhere, e.g. its request timed out).
 */
export interface OffsetWaiter {
  /** The watermark the wait needs: the offset after the append's last record. */
  readonly requiredOffset: bigint;
  readonly isWaiting: boolean;
  /** ErrorCode.NONE once the watermark reached `requiredOffset`, else the partition's Kafka error. */
  complete(errorCode: number): void;
}

/** Below this many slots a queue never compacts (dropped entries go with the watermark's next pass). */
const COMPACT_MIN_SLOTS = 64;

/**
 * A partition's waiters ordered by the offset they need, completed up to a watermark in one pass
 * when it moves (Kafka's per-key watcher list of the produce purgatory). Appends take increasing
 * offsets, so a new waiter nearly always goes at the end; a producer's retry of an older batch is
 * inserted in order from the end. Slots are reused: a queue that empties at every fsync allocates
 * nothing after its first growth. Waiters that stop waiting elsewhere (timeouts) stay in their slot
 * until a pass reaches them or until they outnumber the live ones (then the queue compacts), so a
 * timeout costs O(1) and a watermark that stalls does not keep an unbounded backlog of dead ones.
 */
export class OffsetQueue {
  private slots: (OffsetWaiter | undefined)[] = [];
  private head = 0;
  private tail = 0;
  /** Entries in [head, tail) no longer waiting. */
  private dropped = 0;

  /** Waiters still waiting. */
  get size(): number {
    return this.tail - this.head - this.dropped;
  }

  /** Queues `waiter` in offset order (after any waiter needing the same offset). */
  add(waiter: OffsetWaiter): void {
    const slots = this.slots;
    let index = this.tail;
    while (index > this.head && slots[index - 1]!.requiredOffset > waiter.requiredOffset) {
      slots[index] = slots[index - 1];
      index -= 1;
    }
    slots[index] = waiter;
    this.tail += 1;
  }

  /** A waiter in the queue stopped waiting (its `isWaiting` is false now): counted so that dead entries stay bounded. */
  dropOne(): void {
    this.dropped += 1;
    const live = this.tail - this.head - this.dropped;
    if (this.dropped > COMPACT_MIN_SLOTS && this.dropped > live) this.compact();
  }

  /** Completes (ErrorCode.NONE), in offset order, every waiter whose required offset is at or below `offset`. */
  completeUpTo(offset: bigint): void {
    const slots = this.slots;
    while (this.head < this.tail) {
      const waiter = slots[this.head]!;
      if (waiter.requiredOffset > offset) break;
      slots[this.head] = undefined;
      this.head += 1;
      if (waiter.isWaiting) waiter.complete(ErrorCode.NONE);
      else this.dropped -= 1;
    }
    if (this.head === this.tail) this.reset();
  }

  /** Completes every waiter with `errorCode` (the partition failed, moved or went away). */
  completeAll(errorCode: number): void {
    const slots = this.slots;
    const end = this.tail;
    const waiters = slots.slice(this.head, end);
    for (let index = this.head; index < end; index += 1) slots[index] = undefined;
    this.reset();
    for (const waiter of waiters) if (waiter!.isWaiting) waiter!.complete(errorCode);
  }

  private reset(): void {
    this.head = 0;
    this.tail = 0;
    this.dropped = 0;
  }

  private compact(): void {
    const slots = this.slots;
    let to = 0;
    for (let from = this.head; from < this.tail; from += 1) {
      const waiter = slots[from]!;
      slots[from] = undefined;
      if (waiter.isWaiting) slots[to++] = waiter;
    }
    this.head = 0;
    this.tail = to;
    this.dropped = 0;
  }
}
