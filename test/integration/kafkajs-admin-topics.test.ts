// KafkaJS 2.2.4's admin client against startBroker on a temp dir: deleteTopics (the topic, its dirs
// and its data go; a re-created topic of the same name starts empty; a restart resurrects nothing),
// createPartitions, deleteTopicRecords with fetchTopicOffsets, and describeCluster (which KafkaJS
// answers from Metadata: it sends no DescribeCluster request).
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import kafkajs from 'kafkajs';
import { type RunningBroker, startBroker } from '../../src/index.js';
import { fetchAll } from './fetch-records.js';
import { kafkaClient, withAdmin } from './kafkajs-client.js';

const { Partitioners } = kafkajs;

function clientOf(broker: RunningBroker) {
  return kafkaClient(broker.bootstrap, 'it-admin');
}

async function produce(
  broker: RunningBroker,
  topic: string,
  partition: number,
  values: string[],
): Promise<void> {
  const producer = clientOf(broker).producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    await producer.send({ topic, acks: -1, messages: values.map((value) => ({ partition, value })) });
  } finally {
    await producer.disconnect();
  }
}

/** The partition dirs (`<topic>-<n>`) in the log dir, without checkpoints, markers and `-delete` dirs. */
async function partitionDirs(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((name) => /-\d+$/.test(name) && !name.startsWith('__')).sort();
}

describe('KafkaJS admin against startBroker', () => {
  let dir: string;
  let broker: RunningBroker;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pyralog-kafkajs-admin-'));
    broker = await startBroker({ port: 0, logDirs: [dir] });
  });
  after(async () => {
    await broker.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('deleteTopics removes the topic and its dirs; a re-created topic of that name starts empty', async () => {
    await withAdmin(clientOf(broker), async (admin) => {
      assert.equal(await admin.createTopics({ topics: [{ topic: 'doomed', numPartitions: 2 }] }), true);
      await produce(broker, 'doomed', 1, ['a', 'b', 'c']);
      assert.deepEqual(await partitionDirs(dir), ['doomed-0', 'doomed-1']);
      await admin.deleteTopics({ topics: ['doomed'] });
      assert.deepEqual(await admin.listTopics(), []);
      assert.deepEqual(await partitionDirs(dir), []);
      assert.equal(await admin.createTopics({ topics: [{ topic: 'doomed', numPartitions: 2 }] }), true);
      const offsets = await admin.fetchTopicOffsets('doomed');
      assert.deepEqual(offsets.map((o) => [o.partition, o.low, o.high]).sort(), [
        [0, '0', '0'],
        [1, '0', '0'],
      ]);
      await produce(broker, 'doomed', 0, ['fresh']);
    });
  });

  it('a restart keeps deleted topics deleted and the re-created topic with its own data', async () => {
    await withAdmin(clientOf(broker), async (admin) => {
      assert.equal(await admin.createTopics({ topics: [{ topic: 'removed', numPartitions: 1 }] }), true);
      await produce(broker, 'removed', 0, ['x']);
      await admin.deleteTopics({ topics: ['removed'] });
    });
    await broker.stop();
    broker = await startBroker({ port: 0, logDirs: [dir] });
    await withAdmin(clientOf(broker), async (admin) => {
      assert.deepEqual(await admin.listTopics(), ['doomed']);
    });
    assert.deepEqual(await partitionDirs(dir), ['doomed-0', 'doomed-1']);
    const records = await fetchAll(broker.bootstrap, 'doomed', 0, 1);
    assert.deepEqual(
      records.map((r) => r.value),
      ['fresh'],
    );
  });

  it('createPartitions adds partitions that producers and metadata use; bad counts are refused', async () => {
    await withAdmin(clientOf(broker), async (admin) => {
      assert.equal(await admin.createTopics({ topics: [{ topic: 'grow', numPartitions: 1 }] }), true);
      await admin.createPartitions({ topicPartitions: [{ topic: 'grow', count: 3 }] });
      const metadata = await admin.fetchTopicMetadata({ topics: ['grow'] });
      assert.deepEqual(metadata.topics[0]?.partitions.map((p) => p.partitionId).sort(), [0, 1, 2]);
      await assert.rejects(
        admin.createPartitions({ topicPartitions: [{ topic: 'grow', count: 2 }] }),
        (error: Error & { errors?: { type?: string }[] }) =>
          JSON.stringify(error).includes('INVALID_PARTITIONS') || /partitions/i.test(error.message),
      );
      await admin.createPartitions({ topicPartitions: [{ topic: 'grow', count: 4, assignments: [[1]] }] });
    });
    await produce(broker, 'grow', 3, ['on the new partition']);
    const records = await fetchAll(broker.bootstrap, 'grow', 3, 1);
    assert.deepEqual(
      records.map((r) => r.value),
      ['on the new partition'],
    );
    assert.ok((await partitionDirs(dir)).includes('grow-3'));
  });

  it('deleteTopicRecords moves the low watermark that fetchTopicOffsets reports, across a restart', async () => {
    await withAdmin(clientOf(broker), async (admin) => {
      assert.equal(await admin.createTopics({ topics: [{ topic: 'trim', numPartitions: 2 }] }), true);
      await produce(broker, 'trim', 0, ['r0', 'r1', 'r2', 'r3', 'r4']);
      await produce(broker, 'trim', 1, ['s0', 's1']);
      // KafkaJS looks the leaders up in its cached metadata before it fetches any: load it first.
      await admin.fetchTopicMetadata({ topics: ['trim'] });
      await admin.deleteTopicRecords({ topic: 'trim', partitions: [{ partition: 0, offset: '3' }] });
      await admin.deleteTopicRecords({ topic: 'trim', partitions: [{ partition: 1, offset: '-1' }] });
      const offsets = await admin.fetchTopicOffsets('trim');
      assert.deepEqual(offsets.map((o) => [o.partition, o.low, o.high]).sort(), [
        [0, '3', '5'],
        [1, '2', '2'],
      ]);
    });
    await broker.stop();
    broker = await startBroker({ port: 0, logDirs: [dir] });
    await withAdmin(clientOf(broker), async (admin) => {
      const offsets = await admin.fetchTopicOffsets('trim');
      assert.deepEqual(offsets.map((o) => [o.partition, o.low, o.high]).sort(), [
        [0, '3', '5'],
        [1, '2', '2'],
      ]);
    });
  });

  it('describeCluster answers the broker and the cluster id', async () => {
    await withAdmin(clientOf(broker), async (admin) => {
      const cluster = await admin.describeCluster();
      assert.equal(cluster.clusterId, broker.clusterId);
      assert.equal(cluster.controller, broker.nodeId);
      assert.deepEqual(
        cluster.brokers.map((b) => [b.nodeId, b.host, b.port]),
        [[broker.nodeId, broker.host, broker.port]],
      );
    });
  });
});
