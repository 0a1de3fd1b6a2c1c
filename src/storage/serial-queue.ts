/** A promise with its settle functions; a rejection nobody awaits is not reported as unhandled. */
export class Deferred<T = void> {
  readonly promise: Promise<T>;
  resolve!: (value: T) => void;
  reject!: (error: unknown) => void;

  constructor() {
    this.promise = new Promise<T>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.promise.catch(() => {});
  }
}

/**
 * Runs tasks one at a time in call order: the per-partition queue that serialises state changes, so
 * no two async steps interleave on the same log. A failed task rejects its own promise only.
 */
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();
  /** How many tasks were ever queued: the last queued task's ticket (see `run`). */
  queuedCount = 0;

  /** Queues `task`; its ticket is `queuedCount` right after this call (tickets count up from 1). */
  run<T>(task: () => Promise<T>): Promise<T> {
    this.queuedCount += 1;
    const result = this.tail.then(task);
    this.tail = result.catch(() => {});
    return result;
  }

  /** Resolves once every task queued so far has finished. */
  async drain(): Promise<void> {
    await this.tail;
  }
}

/**
 * Promises that resolve when a watermark (the durable offset) reaches their offset. Created only
 * when someone asks, so appends whose `durable` is never read cost nothing.
 */
export class OffsetWaiters {
  private waiters: { offset: bigint; readonly deferred: Deferred; readonly key: object | undefined }[] = [];

  wait(offset: bigint, current: bigint, failure: Error | undefined): Promise<void> {
    return this.waitShared(offset, current, failure, undefined);
  }

  /**
   * `wait`, sharing one promise among consecutive waits with the same `key` (the appends of one
   * group commit, which one fsync makes durable together): it resolves once the largest of their
   * offsets is reached, so none resolves early, and a group's tens of appends cost one promise.
   */
  waitShared(
    offset: bigint,
    current: bigint,
    failure: Error | undefined,
    key: object | undefined,
  ): Promise<void> {
    if (failure !== undefined) return Promise.reject(failure);
    if (offset <= current) return Promise.resolve();
    const last = this.waiters.at(-1);
    if (key !== undefined && last !== undefined && last.key === key) {
      if (offset > last.offset) last.offset = offset;
      return last.deferred.promise;
    }
    const deferred = new Deferred();
    this.waiters.push({ offset, deferred, key });
    return deferred.promise;
  }

  advanceTo(current: bigint): void {
    if (this.waiters.length === 0) return;
    const remaining: typeof this.waiters = [];
    for (const waiter of this.waiters) {
      if (waiter.offset <= current) waiter.deferred.resolve();
      else remaining.push(waiter);
    }
    this.waiters = remaining;
  }

  failAll(error: Error): void {
    for (const waiter of this.waiters) waiter.deferred.reject(error);
    this.waiters = [];
  }
}
