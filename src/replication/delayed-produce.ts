import { ErrorCode } from '../protocol/index.js';
import type { OffsetQueue, OffsetWaiter } from './offset-queue.js';
import type { Partition, Watermark } from './partition.js';

/**
 * The one timer the produce purgatory keeps, armed for its earliest deadline. While requests wait
 * it keeps the process alive; once none waits it stays armed (re-arming per request would cost a
 * timer per request again) but must not hold the process: `keepAlive(handle, false)`.
 */
export interface DeadlineTimer {
  /** A monotonic clock in milliseconds. */
  nowMs(): number;
  /** Calls `fire` once after `delayMs`; the handle cancels it. Keeps the process alive until told otherwise. */
  start(delayMs: number, fire: () => void): unknown;
  cancel(handle: unknown): void;
  keepAlive(handle: unknown, isNeeded: boolean): void;
}

type Timer = ReturnType<typeof setTimeout>;

export const systemDeadlineTimer: DeadlineTimer = {
  nowMs: () => performance.now(),
  start: (delayMs, fire) => setTimeout(fire, delayMs),
  cancel: (handle) => clearTimeout(handle as Timer),
  keepAlive: (handle, isNeeded) => {
    if (isNeeded) (handle as Timer).ref();
    else (handle as Timer).unref();
  },
};

/**
 * One partition of a delayed produce, waiting in that partition's OffsetQueue. `errorCode` is its
 * answer once the request completed: NONE (acknowledged), REQUEST_TIMED_OUT, or the partition's error
 * (KAFKA_STORAGE_ERROR, NOT_LEADER_OR_FOLLOWER, UNKNOWN_TOPIC_OR_PARTITION).
 */
export class PartitionAck implements OffsetWaiter {
  errorCode: number = ErrorCode.NONE;
  isWaiting = true;
  /** The partition queue holding it, while it waits there. */
  queue: OffsetQueue | undefined;

  constructor(
    private readonly request: DelayedProduce,
    readonly requiredOffset: bigint,
  ) {}

  complete(errorCode: number): void {
    if (!this.isWaiting) return;
    this.isWaiting = false;
    this.queue = undefined;
    this.errorCode = errorCode;
    this.request.ackCompleted();
  }

  /** The request's timeout passed first: REQUEST_TIMED_OUT, and the queue forgets it. */
  expire(): void {
    if (!this.isWaiting) return;
    const queue = this.queue;
    this.complete(ErrorCode.REQUEST_TIMED_OUT);
    queue?.dropOne();
  }
}

/**
 * One produce request in purgatory (Kafka's DelayedProduce): its partitions' waits and one deadline
 * for all of them. It completes when every partition is acknowledged, failed, or timed out; at the
 * deadline the partitions still waiting answer REQUEST_TIMED_OUT and the others keep their answer,
 * as Kafka does. Allocation per request: this object, one PartitionAck per partition, and the
 * promise `completed` returns when something is left to wait for; no timer, no promise per partition.
 */
export class DelayedProduce {
  /** The first partition's wait, and the others' (most requests have one partition: no array then). */
  private firstAck: PartitionAck | undefined;
  private moreAcks: PartitionAck[] | undefined;
  private waiting = 0;
  private isStarted = false;
  private resolveCompleted: (() => void) | undefined;
  /** Links of the purgatory's deadline list, while listed there. */
  earlier: DelayedProduce | undefined;
  later: DelayedProduce | undefined;
  isListed = false;

  constructor(
    private readonly purgatory: DelayedProduces,
    readonly deadlineMs: number,
  ) {}

  /**
   * Waits until `partition`'s `watermark` reaches `requiredOffset` (completes at once when it has,
   * or when the partition cannot be waited on). Call before `completed`.
   */
  watch(partition: Partition, requiredOffset: bigint, watermark: Watermark): PartitionAck {
    const ack = new PartitionAck(this, requiredOffset);
    if (this.firstAck === undefined) this.firstAck = ack;
    else if (this.moreAcks === undefined) this.moreAcks = [ack];
    else this.moreAcks.push(ack);
    this.waiting += 1;
    const queue = partition.watch(ack, watermark);
    if (ack.isWaiting) ack.queue = queue;
    return ack;
  }

  /** Resolves once every watched partition has its answer (its PartitionAck's errorCode). Never rejects. */
  completed(): Promise<void> {
    this.isStarted = true;
    if (this.waiting === 0) return Promise.resolve();
    this.purgatory.schedule(this);
    return new Promise((resolve) => {
      this.resolveCompleted = resolve;
    });
  }

  /** @internal a PartitionAck completed. */
  ackCompleted(): void {
    this.waiting -= 1;
    if (this.waiting > 0 || !this.isStarted) return;
    this.purgatory.unschedule(this);
    this.resolveCompleted?.();
  }

  /** @internal the deadline passed: every partition still waiting times out. */
  expire(): void {
    this.firstAck?.expire();
    if (this.moreAcks !== undefined) for (const ack of this.moreAcks) ack.expire();
  }
}

/**
 * The produce purgatory's deadlines (one per request, not per partition): a list ordered by deadline
 * and one timer for its head, so a request costs no setTimeout. Requests nearly always arrive in
 * deadline order (one timeout per client), so a new one joins at the end; the list is walked from
 * the end for an earlier deadline. A completed request leaves the list in O(1) and leaves the
 * timer alone: it fires at the earliest deadline it was armed for and re-arms for the head then.
 * Timeouts fire within the timer's millisecond precision, as with Kafka's timing wheel (1 ms ticks).
 */
export class DelayedProduces {
  private first: DelayedProduce | undefined;
  private last: DelayedProduce | undefined;
  private count = 0;
  private timer: unknown;
  private timerDueMs = Number.POSITIVE_INFINITY;

  constructor(private readonly clock: DeadlineTimer = systemDeadlineTimer) {}

  /** Requests waiting (the purgatory size metric). */
  get size(): number {
    return this.count;
  }

  /** The purgatory's clock (monotonic ms): deadlines are in its time. */
  nowMs(): number {
    return this.clock.nowMs();
  }

  /** A request whose partitions time out `timeoutMs` from now (REQUEST_TIMED_OUT). */
  create(timeoutMs: number): DelayedProduce {
    return new DelayedProduce(this, this.clock.nowMs() + Math.max(0, timeoutMs));
  }

  /** A request with an absolute deadline (a partition that joined its request late keeps the request's deadline). */
  createWithDeadline(deadlineMs: number): DelayedProduce {
    return new DelayedProduce(this, deadlineMs);
  }

  /** @internal */
  schedule(delayed: DelayedProduce): void {
    let after = this.last;
    while (after !== undefined && after.deadlineMs > delayed.deadlineMs) after = after.earlier;
    const before = after === undefined ? this.first : after.later;
    delayed.earlier = after;
    delayed.later = before;
    if (after === undefined) this.first = delayed;
    else after.later = delayed;
    if (before === undefined) this.last = delayed;
    else before.earlier = delayed;
    delayed.isListed = true;
    this.count += 1;
    if (this.count === 1 && this.timer !== undefined) this.clock.keepAlive(this.timer, true);
    if (this.first === delayed) this.arm();
  }

  /** @internal */
  unschedule(delayed: DelayedProduce): void {
    if (!delayed.isListed) return;
    const { earlier, later } = delayed;
    if (earlier === undefined) this.first = later;
    else earlier.later = later;
    if (later === undefined) this.last = earlier;
    else later.earlier = earlier;
    delayed.earlier = undefined;
    delayed.later = undefined;
    delayed.isListed = false;
    this.count -= 1;
    if (this.count === 0 && this.timer !== undefined) this.clock.keepAlive(this.timer, false);
  }

  private arm(): void {
    const first = this.first;
    if (first === undefined) return;
    if (this.timer !== undefined) {
      if (this.timerDueMs <= first.deadlineMs) return;
      this.clock.cancel(this.timer);
    }
    this.timerDueMs = first.deadlineMs;
    const delayMs = Math.max(0, Math.ceil(first.deadlineMs - this.clock.nowMs()));
    this.timer = this.clock.start(delayMs, () => this.fire());
  }

  private fire(): void {
    this.timer = undefined;
    this.timerDueMs = Number.POSITIVE_INFINITY;
    const nowMs = this.clock.nowMs();
    for (let due = this.first; due !== undefined && due.deadlineMs <= nowMs; due = this.first) {
      this.unschedule(due);
      due.expire();
    }
    this.arm();
  }
}
