// Partition's high watermark on a single node and the delayed-fetch waits, over an in-memory log.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRecordBatch, encodeRecordBatchSync, viewRecordBatches } from '../protocol/index.js';
import { MemoryFileSystem, PartitionLog, resolveLogConfig, systemClock } from '../storage/index.js';
import { DelayedFetches } from './delayed-fetch.js';
import { Partition } from './partition.js';

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
      const append = partition.appendAsLeader(views('a', 'b'), -1);
      assert.equal(append.firstOffset, 0n);
      assert.equal(partition.highWatermark, 0n);
      await append.acknowledged;
      assert.equal(partition.highWatermark, 2n);
      await partition.log.close();
    });
  }

  it('reads only below the high watermark and stamps the leader epoch', async () => {
    const partition = await openPartition('durable');
    await partition.appendAsLeader(views('a'), -1).acknowledged;
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
});
