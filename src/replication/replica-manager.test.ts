// ReplicaManager's lookups: partitions found by topic and partition id (topic names may hold '-' and
// digits), forgotten once removed, all listed; over in-memory logs.
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { MemoryFileSystem, PartitionLog, resolveLogConfig, systemClock } from '../storage/index.js';
import { Partition } from './partition.js';
import { ReplicaManager } from './replica-manager.js';

const fs = new MemoryFileSystem();
const opened: Partition[] = [];

async function partitionOf(topic: string, index: number): Promise<Partition> {
  const log = await PartitionLog.open({
    fs,
    dir: `/logs/${topic}-${index}`,
    topic,
    partition: index,
    config: resolveLogConfig({}),
    clock: systemClock,
  });
  const partition = new Partition('id', log, 1);
  opened.push(partition);
  return partition;
}

after(async () => {
  for (const partition of opened) await partition.log.close();
});

describe('ReplicaManager', () => {
  it('finds each partition by topic and id, forgets removed ones and lists the rest', async () => {
    const replicas = new ReplicaManager();
    // "a-1" partition 1 and "a" partition 11 would share a "topic-partition" string's prefix.
    const a11 = await partitionOf('a', 11);
    const a1p1 = await partitionOf('a-1', 1);
    const a0 = await partitionOf('a', 0);
    for (const partition of [a11, a1p1, a0]) replicas.addPartition(partition);
    assert.equal(replicas.getPartition('a', 11), a11);
    assert.equal(replicas.getPartition('a-1', 1), a1p1);
    assert.equal(replicas.getPartition('a', 0), a0);
    assert.equal(replicas.getPartition('a', 1), undefined);
    assert.equal(replicas.getPartition('a-1', 0), undefined);
    assert.equal(replicas.getPartition('b', 0), undefined);
    assert.deepEqual(new Set(replicas.allPartitions()), new Set([a11, a1p1, a0]));

    replicas.removePartition('a', 11);
    replicas.removePartition('a', 99); // not hosted: nothing happens
    replicas.removePartition('nope', 0);
    assert.equal(replicas.getPartition('a', 11), undefined);
    assert.equal(replicas.getPartition('a', 0), a0);
    replicas.removePartition('a-1', 1);
    assert.deepEqual(replicas.allPartitions(), [a0]);
    // A topic hosted again after all its partitions went is found again.
    const again = await partitionOf('a-1', 1);
    replicas.addPartition(again);
    assert.equal(replicas.getPartition('a-1', 1), again);
  });
});
