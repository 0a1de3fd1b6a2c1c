// The produce purgatory's per-partition queue: waiters complete in offset order up to a watermark in
// one pass, a retry's older offset is inserted in order, dead (timed-out) entries are skipped and
// stay bounded, and completeAll answers everyone with one error.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode } from '../protocol/index.js';
import { OffsetQueue, type OffsetWaiter } from './offset-queue.js';

class Waiter implements OffsetWaiter {
  isWaiting = true;
  errorCode: number | undefined;
  constructor(
    readonly requiredOffset: bigint,
    private readonly completed: bigint[],
  ) {}
  complete(errorCode: number): void {
    assert.ok(this.isWaiting, 'completed twice');
    this.isWaiting = false;
    this.errorCode = errorCode;
    this.completed.push(this.requiredOffset);
  }
}

describe('OffsetQueue', () => {
  it('completes the waiters up to the watermark in offset order and keeps the rest', () => {
    const completed: bigint[] = [];
    const queue = new OffsetQueue();
    const waiters = [3n, 5n, 1n, 9n, 5n].map((offset) => new Waiter(offset, completed));
    for (const waiter of waiters) queue.add(waiter);
    queue.completeUpTo(5n);
    assert.deepEqual(completed, [1n, 3n, 5n, 5n]);
    assert.equal(queue.size, 1);
    queue.completeUpTo(8n);
    assert.equal(queue.size, 1, 'nothing below 9 is left');
    queue.completeUpTo(9n);
    assert.deepEqual(completed, [1n, 3n, 5n, 5n, 9n]);
    assert.equal(queue.size, 0);
    assert.ok(waiters.every((waiter) => waiter.errorCode === ErrorCode.NONE));
  });

  it('skips waiters that stopped waiting, and compacts once they outnumber the live ones', () => {
    const completed: bigint[] = [];
    const queue = new OffsetQueue();
    const waiters: Waiter[] = [];
    for (let offset = 1n; offset <= 200n; offset += 1n) {
      const waiter = new Waiter(offset, completed);
      waiters.push(waiter);
      queue.add(waiter);
    }
    // The first 150 time out (completed elsewhere), as a stalled fsync would make them.
    for (const waiter of waiters.slice(0, 150)) {
      waiter.isWaiting = false;
      queue.dropOne();
    }
    assert.equal(queue.size, 50);
    queue.completeUpTo(1_000n);
    assert.deepEqual(
      completed,
      waiters.slice(150).map((waiter) => waiter.requiredOffset),
    );
    assert.equal(queue.size, 0);
  });

  it('completeAll answers every waiter with the error, and the queue is reusable after', () => {
    const completed: bigint[] = [];
    const queue = new OffsetQueue();
    const waiters = [2n, 4n].map((offset) => new Waiter(offset, completed));
    for (const waiter of waiters) queue.add(waiter);
    queue.completeAll(ErrorCode.KAFKA_STORAGE_ERROR);
    assert.deepEqual(
      waiters.map((waiter) => waiter.errorCode),
      [ErrorCode.KAFKA_STORAGE_ERROR, ErrorCode.KAFKA_STORAGE_ERROR],
    );
    const later = new Waiter(6n, completed);
    queue.add(later);
    queue.completeUpTo(6n);
    assert.equal(later.errorCode, ErrorCode.NONE);
  });
});
