// Partition's high watermark on a single node, the delayed-fetch waits, and the idempotence check
// before a leader append (duplicates answered with their offsets, errors refusing), over an in-memory log.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRecordBatch, ErrorCode, encodeRecordBatchSync, viewRecordBatches } from '../protocol/index.js';
import { MemoryFileSystem, PartitionLog, resolveLogConfig, systemClock } from '../storage/index.js';
import { eventually } from '../testing/index.js';
import { DelayedFetches } from './delayed-fetch.js';
import { type LeaderAppend, Partition, type RefusedAppend } from './partition.js';

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

async function openPartition(policy: 'durable' | 'page-cache'): Promise<Partition> {
  const log = await PartitionLog.open({
    fs: new MemoryFileSystem(),
    dir: '/logs/t-0',
    topic: 't',
    partition: 0,
    config: resolveLogConfig({ 'pyralog.flush.policy': policy }),
    clock: systemClock,
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
    const partition = await openPartition('durable');
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
});
