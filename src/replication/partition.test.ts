// Partition's high watermark on a single node, the delayed-fetch waits, and the idempotence check
// before a leader append (duplicates answered with their offsets, errors refusing), over an in-memory log.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRecordBatch, ErrorCode, encodeRecordBatchSync, viewRecordBatches } from '../protocol/index.js';
import { MemoryFileSystem, PartitionLog, resolveLogConfig, systemClock } from '../storage/index.js';
import { eventually } from '../testing/index.js';
import { DelayedFetches } from './delayed-fetch.js';
import { DelayedProduces } from './delayed-produce.js';
import { HeldSyncFileSystem } from './held-sync-file-system.test-support.js';
import type { OffsetWaiter } from './offset-queue.js';
import { type LeaderAppend, Partition, type RefusedAppend } from './partition.js';
import { ReplicaManager } from './replica-manager.js';

function accepted(append: LeaderAppend | RefusedAppend): LeaderAppend {
  if ('errorCode' in append) assert.fail(`refused: ${append.message}`);
  return append;
}

function idempotent(producerEpoch: number, baseSequence: number, ...values: string[]) {
  return viewRecordBatches(
    encodeRecordBatchSync(
      createRecordBatch({
        producerId: 42n,
        producerEpoch,
        baseSequence,
        records: values.map((v) => ({ value: Buffer.from(v) })),
      }),
    ),
  );
}

/** `dsyncSegments` false: write + fsync (an O_DSYNC segment's write is durable, and fsyncs nothing apart). */
async function openPartition(
  policy: 'durable' | 'page-cache',
  fs: HeldSyncFileSystem | MemoryFileSystem = new MemoryFileSystem(),
  dsyncSegments = true,
): Promise<Partition> {
  const log = await PartitionLog.open({
    fs,
    dir: '/logs/t-0',
    topic: 't',
    partition: 0,
    config: resolveLogConfig({ 'pyralog.flush.policy': policy }),
    clock: systemClock,
    dsyncSegments,
  });
  return new Partition('id', log, 3);
}

function views(...values: string[]) {
  return viewRecordBatches(
    encodeRecordBatchSync(createRecordBatch({ records: values.map((v) => ({ value: Buffer.from(v) })) })),
  );
}

describe('Partition', () => {
  for (const policy of ['durable', 'page-cache'] as const) {
    it(`moves the high watermark to the append's end once acks=all is satisfied (${policy})`, async () => {
      const partition = await openPartition(policy);
      const append = accepted(partition.appendAsLeader(views('a', 'b'), -1));
      assert.equal(append.firstOffset, 0n);
      assert.equal(partition.highWatermark, 0n);
      await append.acknowledged;
      assert.equal(partition.highWatermark, 2n);
      await partition.log.close();
    });
  }

  it('an acks=1 append with requestSync false asks for no fsync; the next acks=all append makes it durable', async () => {
    const partition = await openPartition('durable', new MemoryFileSystem(), false);
    const unsynced = accepted(partition.appendAsLeader(views('complete'), 1, { requestSync: false }));
    await unsynced.acknowledged;
    assert.equal(partition.log.logEndOffset, 1n, 'written');
    assert.equal(partition.log.recoveryPoint, 0n, 'not fsynced: no fsync was asked for');
    assert.equal(partition.highWatermark, 0n, 'the durable policy commits only what is fsynced');
    const next = accepted(partition.appendAsLeader(views('ongoing'), -1));
    await next.acknowledged;
    assert.equal(partition.log.recoveryPoint, 2n, 'one fsync covered both');
    assert.equal(partition.highWatermark, 2n);
    await partition.log.close();
  });

  it('an acks=1 append without requestSync false is fsynced under the durable policy', async () => {
    const partition = await openPartition('durable');
    const append = accepted(partition.appendAsLeader(views('a'), 1));
    await append.acknowledged;
    await eventually('the fsync of the acks=1 append', () =>
      partition.log.recoveryPoint === 1n ? true : undefined,
    );
    assert.equal(partition.highWatermark, 1n);
    await partition.log.close();
  });

  it('reads only below the high watermark and stamps the leader epoch', async () => {
    const partition = await openPartition('durable');
    await accepted(partition.appendAsLeader(views('a'), -1)).acknowledged;
    const read = await partition.read(0n, 1024, true);
    assert.equal(read.kind, 'records');
    if (read.kind === 'records') assert.equal(viewRecordBatches(read.records)[0]?.partitionLeaderEpoch, 3);
    await partition.log.close();
  });

  it('a delayed fetch wakes on a high watermark advance, expires, and ends on close', async () => {
    const partition = await openPartition('durable');
    const fetches = new DelayedFetches(1);
    const waiting = fetches.waitForAdvance([partition], 60_000);
    assert.equal(await fetches.waitForAdvance([partition], 60_000), 'full');
    partition.appendAsLeader(views('x'), 1);
    assert.equal(await waiting, 'advanced');
    assert.equal(await fetches.waitForAdvance([partition], 5), 'expired');
    const held = fetches.waitForAdvance([partition], 60_000);
    fetches.close();
    assert.equal(await held, 'closed');
    assert.equal(fetches.size, 0);
    await partition.log.close();
  });

  it('answers a retried idempotent batch with its original offsets once the high watermark covers it', async () => {
    const partition = await openPartition('durable');
    accepted(partition.appendAsLeader(views('other'), 1));
    const first = accepted(partition.appendAsLeader(idempotent(0, 0, 'a', 'b'), 1));
    const retry = accepted(partition.appendAsLeader(idempotent(0, 0, 'a', 'b'), -1));
    assert.equal(retry.firstOffset, first.firstOffset);
    assert.equal(retry.lastOffset, 2n);
    assert.ok(retry.duplicateOf !== undefined);
    await retry.acknowledged;
    assert.ok(partition.highWatermark >= 3n);
    assert.equal(partition.logEndOffset, 3n);
    await partition.log.close();
  });

  it('refuses a sequence gap and a fenced epoch without appending', async () => {
    const partition = await openPartition('durable');
    await accepted(partition.appendAsLeader(idempotent(1, 0, 'a'), -1)).acknowledged;
    const gap = partition.appendAsLeader(idempotent(1, 5, 'b'), -1);
    assert.equal('errorCode' in gap && gap.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    const fenced = partition.appendAsLeader(idempotent(0, 1, 'c'), -1);
    assert.equal('errorCode' in fenced && fenced.errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
    assert.equal(partition.logEndOffset, 1n);
    await partition.log.close();
  });

  it('moves the high watermark once per fsync, not once per append of its group (durable)', async () => {
    const fs = new HeldSyncFileSystem();
    const partition = await openPartition('durable', fs);
    let advances = 0;
    partition.onHighWatermark(() => {
      advances += 1;
    });
    fs.hold();
    const appends = ['a', 'b', 'c', 'd'].map((value) => accepted(partition.appendAsLeader(views(value), -1)));
    await eventually('the group commit waits for its fsync', () => (fs.heldCount === 1 ? true : undefined));
    assert.equal(partition.highWatermark, 0n);
    fs.release();
    await Promise.all(appends.map((append) => append.acknowledged));
    assert.equal(partition.highWatermark, 4n);
    assert.equal(fs.logSyncs, 1, 'one fsync covered the four appends');
    assert.equal(advances, 1, 'and the high watermark moved once for it');
    await partition.log.close();
  });

  it('acks=1 waits for the write only: it is answered while the fsync is held', async () => {
    const fs = new HeldSyncFileSystem();
    const partition = await openPartition('durable', fs, false);
    fs.hold();
    const delayed = new DelayedProduces().create(60_000);
    const ack = accepted(partition.appendAsLeader(views('a'), 1)).waitIn(delayed)!;
    await delayed.completed();
    assert.equal(ack.errorCode, ErrorCode.NONE);
    assert.equal(partition.highWatermark, 0n, 'not durable yet');
    fs.release();
    await partition.log.close();
  });

  it('a failed fsync answers the waiting acks=all appends KAFKA_STORAGE_ERROR, and later waits at once', async () => {
    const fs = new HeldSyncFileSystem();
    const partition = await openPartition('durable', fs);
    fs.hold();
    const purgatory = new DelayedProduces();
    const delayed = purgatory.create(60_000);
    const acks = ['a', 'b'].map(
      (value) => accepted(partition.appendAsLeader(views(value), -1)).waitIn(delayed)!,
    );
    const marker = accepted(partition.appendAsLeader(views('c'), -1)).acknowledged;
    await eventually('the fsync is held', () => (fs.heldCount === 1 ? true : undefined));
    fs.failHeld(new Error('EIO: the disk went away'));
    await delayed.completed();
    assert.deepEqual(
      acks.map((ack) => ack.errorCode),
      [ErrorCode.KAFKA_STORAGE_ERROR, ErrorCode.KAFKA_STORAGE_ERROR],
    );
    await assert.rejects(marker, (error: Error) => error.message.includes('failed'));
    assert.equal(partition.highWatermark, 0n);
    const late = purgatory.create(60_000);
    const lateAck = late.watch(partition, 10n, 'highWatermark');
    await late.completed();
    assert.equal(lateAck.errorCode, ErrorCode.KAFKA_STORAGE_ERROR);
    assert.equal(purgatory.size, 0);
    await partition.log.close();
  });

  it('a clean close answers the waiting appends after its fsync; waits on the closed log answer NOT_LEADER_OR_FOLLOWER', async () => {
    const fs = new HeldSyncFileSystem();
    const partition = await openPartition('durable', fs);
    fs.hold();
    const delayed = new DelayedProduces().create(60_000);
    const ack = accepted(partition.appendAsLeader(views('a'), -1)).waitIn(delayed)!;
    await eventually('the fsync is held', () => (fs.heldCount === 1 ? true : undefined));
    const closing = partition.log.close();
    fs.release();
    await closing;
    await delayed.completed();
    assert.equal(ack.errorCode, ErrorCode.NONE, 'the shutdown flush made it durable');
    const after = new DelayedProduces().create(60_000);
    const late = after.watch(partition, 5n, 'highWatermark');
    await after.completed();
    assert.equal(late.errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER);
  });

  it('a removed partition (topic deleted) answers its waiting appends UNKNOWN_TOPIC_OR_PARTITION', async () => {
    const fs = new HeldSyncFileSystem();
    const partition = await openPartition('durable', fs);
    const replicas = new ReplicaManager();
    replicas.addPartition(partition);
    fs.hold();
    const delayed = replicas.delayedProduces.create(60_000);
    const ack = accepted(partition.appendAsLeader(views('a'), -1)).waitIn(delayed)!;
    const promised = accepted(partition.appendAsLeader(views('b'), -1)).acknowledged;
    replicas.removePartition('t', 0);
    await delayed.completed();
    assert.equal(ack.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    await assert.rejects(promised, { code: 'UNKNOWN_TOPIC_OR_PARTITION' });
    assert.equal(replicas.delayedProduces.size, 0);
    fs.release();
    await partition.log.close();
  });

  it('a partition replaced by a new leader Partition resigns: its waits answer NOT_LEADER_OR_FOLLOWER, the new one completes later ones', async () => {
    const fs = new HeldSyncFileSystem();
    const old = await openPartition('durable', fs);
    const replicas = new ReplicaManager();
    replicas.addPartition(old);
    fs.hold();
    const delayed = replicas.delayedProduces.create(60_000);
    const ack = accepted(old.appendAsLeader(views('a'), -1)).waitIn(delayed)!;
    await eventually('the fsync is held', () => (fs.heldCount === 1 ? true : undefined));
    const successor = new Partition('id', old.log, 4);
    replicas.addPartition(successor);
    await delayed.completed();
    assert.equal(ack.errorCode, ErrorCode.NOT_LEADER_OR_FOLLOWER);
    fs.release();
    await accepted(successor.appendAsLeader(views('b'), -1)).acknowledged;
    assert.equal(successor.highWatermark, 2n);
    await successor.log.close();
  });

  it('completes waiters in offset order in one pass when the high watermark moves', async () => {
    const partition = await openPartition('durable');
    const order: bigint[] = [];
    const waiter = (requiredOffset: bigint): OffsetWaiter => ({
      requiredOffset,
      isWaiting: true,
      complete: (errorCode) => {
        assert.equal(errorCode, ErrorCode.NONE);
        order.push(requiredOffset);
      },
    });
    for (const offset of [3n, 1n, 2n]) partition.watch(waiter(offset), 'highWatermark');
    partition.advanceHighWatermark(0n);
    assert.deepEqual(order, []);
    await accepted(partition.appendAsLeader(views('a', 'b', 'c'), -1)).acknowledged;
    assert.deepEqual(order, [1n, 2n, 3n]);
    await partition.log.close();
  });
});
