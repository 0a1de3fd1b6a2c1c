// The produce purgatory over real partitions (in-memory logs whose fsyncs the test holds) and a
// virtual deadline timer: acks=all answers once the high watermark passes the append, one pass per
// fsync; request timeouts answer REQUEST_TIMED_OUT per partition from one shared timer; a request
// with several partitions completes when all have their answer.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRecordBatch, ErrorCode, encodeRecordBatchSync, viewRecordBatches } from '../protocol/index.js';
import { PartitionLog, resolveLogConfig, systemClock } from '../storage/index.js';
import { eventually } from '../testing/index.js';
import { type DeadlineTimer, DelayedProduces } from './delayed-produce.js';
import { HeldSyncFileSystem } from './held-sync-file-system.test-support.js';
import { LeaderAppend, Partition } from './partition.js';

/** A DeadlineTimer on virtual time: `advanceTo` fires what is due; counts the timers it started. */
class VirtualTimer implements DeadlineTimer {
  now = 0;
  started = 0;
  private pending: { dueMs: number; fire: () => void; isCancelled: boolean }[] = [];
  nowMs(): number {
    return this.now;
  }
  start(delayMs: number, fire: () => void): unknown {
    this.started += 1;
    const timer = { dueMs: this.now + delayMs, fire, isCancelled: false };
    this.pending.push(timer);
    return timer;
  }
  cancel(handle: unknown): void {
    (handle as { isCancelled: boolean }).isCancelled = true;
  }
  /** Whether the armed timer keeps the process alive (as the last keepAlive said). */
  isKeepingAlive = true;
  keepAlive(_handle: unknown, isNeeded: boolean): void {
    this.isKeepingAlive = isNeeded;
  }
  get armed(): number {
    return this.pending.filter((timer) => !timer.isCancelled).length;
  }
  advanceTo(nowMs: number): void {
    this.now = nowMs;
    for (;;) {
      const due = this.pending.find((timer) => !timer.isCancelled && timer.dueMs <= nowMs);
      if (due === undefined) return;
      this.pending = this.pending.filter((timer) => timer !== due);
      due.fire();
    }
  }
}

function batch(value: string) {
  return viewRecordBatches(
    encodeRecordBatchSync(createRecordBatch({ records: [{ value: Buffer.from(value) }] })),
  );
}

async function openPartition(fs: HeldSyncFileSystem, name: string): Promise<Partition> {
  const log = await PartitionLog.open({
    fs,
    dir: `/logs/${name}-0`,
    topic: name,
    partition: 0,
    config: resolveLogConfig({}),
    clock: systemClock,
  });
  return new Partition('id', log, 0);
}

function append(partition: Partition, value: string): LeaderAppend {
  const appended = partition.appendAsLeader(batch(value), -1);
  assert.ok(appended instanceof LeaderAppend);
  return appended;
}

describe('DelayedProduces', () => {
  it('answers acks=all once the fsync covering the append lands, every waiter in one pass', async () => {
    const fs = new HeldSyncFileSystem();
    const partition = await openPartition(fs, 'a');
    const timer = new VirtualTimer();
    const purgatory = new DelayedProduces(timer);
    fs.hold();
    const requests = ['x', 'y', 'z'].map((value) => {
      const delayed = purgatory.create(30_000);
      const ack = append(partition, value).waitIn(delayed)!;
      return { ack, done: delayed.completed() };
    });
    await eventually('the fsync is held', () => (fs.heldCount === 1 ? true : undefined));
    assert.equal(purgatory.size, 3);
    assert.equal(partition.waitingAcks, 3);
    assert.ok(requests.every((request) => request.ack.isWaiting));
    assert.equal(timer.started, 1, 'one timer for the three requests');
    let advances = 0;
    partition.onHighWatermark(() => {
      advances += 1;
    });
    fs.release();
    await Promise.all(requests.map((request) => request.done));
    assert.deepEqual(
      requests.map((request) => request.ack.errorCode),
      [ErrorCode.NONE, ErrorCode.NONE, ErrorCode.NONE],
    );
    assert.equal(partition.highWatermark, 3n);
    assert.equal(advances, 1, 'the high watermark moved once, for the one fsync');
    assert.equal(purgatory.size, 0);
    assert.equal(timer.armed, 1, 'the timer stays armed (no timer per request)');
    assert.equal(timer.isKeepingAlive, false, 'but holds the process no more');
    assert.equal(partition.waitingAcks, 0);
    await partition.log.close();
  });

  it('times a request out at its deadline: REQUEST_TIMED_OUT for the partition still waiting, the answered one keeps NONE', async () => {
    const fast = await openPartition(new HeldSyncFileSystem(), 'fast');
    const slowFs = new HeldSyncFileSystem();
    const slow = await openPartition(slowFs, 'slow');
    const timer = new VirtualTimer();
    const purgatory = new DelayedProduces(timer);
    slowFs.hold();
    const delayed = purgatory.create(50);
    const fastAck = append(fast, 'a').waitIn(delayed)!;
    const slowAck = append(slow, 'b').waitIn(delayed)!;
    let isDone = false;
    const done = delayed.completed().then(() => {
      isDone = true;
    });
    await eventually('the fast partition is acknowledged', () => (fastAck.isWaiting ? undefined : true));
    timer.advanceTo(49);
    await Promise.resolve();
    assert.equal(isDone, false, 'not before the deadline');
    timer.advanceTo(50);
    await done;
    assert.equal(fastAck.errorCode, ErrorCode.NONE);
    assert.equal(slowAck.errorCode, ErrorCode.REQUEST_TIMED_OUT);
    assert.equal(slow.waitingAcks, 0, 'the timed-out wait left the partition queue');
    assert.equal(purgatory.size, 0);
    slowFs.release();
    await fast.log.close();
    await slow.log.close();
  });

  it('keeps one timer armed for the earliest deadline; an earlier deadline re-arms it, completions leave it', async () => {
    const fs = new HeldSyncFileSystem();
    const partition = await openPartition(fs, 'p');
    const timer = new VirtualTimer();
    const purgatory = new DelayedProduces(timer);
    fs.hold();
    const late = purgatory.create(1_000);
    const lateAck = append(partition, 'late').waitIn(late)!;
    const lateDone = late.completed();
    const early = purgatory.create(100);
    const earlyAck = append(partition, 'early').waitIn(early)!;
    const earlyDone = early.completed();
    assert.equal(timer.started, 2, 'the earlier deadline re-armed the timer');
    assert.equal(timer.armed, 1);
    timer.advanceTo(100);
    await earlyDone;
    assert.equal(earlyAck.errorCode, ErrorCode.REQUEST_TIMED_OUT);
    assert.ok(lateAck.isWaiting, 'the later request still waits');
    assert.equal(timer.armed, 1, 're-armed for the later deadline');
    await eventually('the fsync is held', () => (fs.heldCount > 0 ? true : undefined));
    fs.release();
    await lateDone;
    assert.equal(lateAck.errorCode, ErrorCode.NONE);
    assert.equal(purgatory.size, 0);
    await partition.log.close();
  });

  it('answers at once when the high watermark already covers the offset (a retried batch)', async () => {
    const partition = await openPartition(new HeldSyncFileSystem(), 'r');
    await append(partition, 'a').acknowledged;
    const timer = new VirtualTimer();
    const purgatory = new DelayedProduces(timer);
    const delayed = purgatory.create(1_000);
    const ack = delayed.watch(partition, 1n, 'highWatermark');
    await delayed.completed();
    assert.equal(ack.errorCode, ErrorCode.NONE);
    assert.equal(timer.started, 0, 'nothing waited, no timer');
    await partition.log.close();
  });
});
