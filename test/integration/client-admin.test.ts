// src/client's AdminClient and KafkaJS 2.2.4 side by side against one startBroker() (memory storage):
// what one creates, alters, commits or deletes, the other sees, and both describe the cluster alike.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import kafkajs from 'kafkajs';
import { AdminClient } from '../../src/client/index.js';
import { type RunningBroker, startBroker } from '../../src/index.js';
import { kafkaClient, withAdmin } from './kafkajs-client.js';

describe('AdminClient beside KafkaJS', () => {
  let broker: RunningBroker;
  let admin: AdminClient;
  let kafka: kafkajs.Kafka;

  before(async () => {
    broker = await startBroker({ port: 0 });
    admin = new AdminClient({ bootstrapServers: broker.bootstrap, clientId: 'pyralog-admin-it' });
    kafka = kafkaClient(broker.bootstrap, 'kafkajs-admin-it');
  });
  after(async () => {
    await admin.close();
    await broker.stop();
  });

  it('describes the same cluster as KafkaJS', async () => {
    const ours = await admin.describeCluster();
    const theirs = await withAdmin(kafka, (a) => a.describeCluster());
    assert.equal(ours.clusterId, theirs.clusterId);
    assert.equal(ours.controllerId, theirs.controller);
    assert.deepEqual(
      ours.brokers.map((b) => [b.nodeId, b.host, b.port]),
      theirs.brokers.map((b) => [b.nodeId, b.host, b.port]),
    );
  });

  it('creates topics KafkaJS then sees, and describes topics KafkaJS created', async () => {
    const created = await admin.createTopics([
      { name: 'ours', numPartitions: 3, configs: { 'cleanup.policy': 'compact' } },
      { name: 'bad', numPartitions: 0 },
    ]);
    assert.equal(created[0]?.error, null);
    assert.equal(created[0]?.numPartitions, 3);
    assert.equal(created[1]?.error?.code, 'INVALID_PARTITIONS');
    const again = await admin.createTopics([{ name: 'ours', numPartitions: 3 }]);
    assert.equal(again[0]?.error?.code, 'TOPIC_ALREADY_EXISTS');

    await withAdmin(kafka, async (theirs) => {
      const metadata = await theirs.fetchTopicMetadata({ topics: ['ours'] });
      assert.deepEqual(metadata.topics[0]?.partitions.map((p) => p.partitionId).sort(), [0, 1, 2]);
      await theirs.createTopics({ topics: [{ topic: 'theirs', numPartitions: 2 }] });
    });
    const [theirsTopic, missing] = await admin.describeTopics(['theirs', 'missing']);
    assert.equal(theirsTopic?.error, null);
    assert.deepEqual(
      theirsTopic?.partitions.map((p) => [p.partition, p.leader, p.replicas]),
      [
        [0, 1, [1]],
        [1, 1, [1]],
      ],
    );
    assert.equal(missing?.error?.code, 'UNKNOWN_TOPIC_OR_PARTITION');
    assert.deepEqual(
      (await admin.listTopics()).map((t) => t.name),
      ['ours', 'theirs'],
    );
  });

  it('adds partitions and alters configs that KafkaJS reads back', async () => {
    const [grown] = await admin.createPartitions([{ topic: 'theirs', count: 4 }]);
    assert.equal(grown?.error, null);
    const [shrunk] = await admin.createPartitions([{ topic: 'theirs', count: 2 }]);
    assert.equal(shrunk?.error?.code, 'INVALID_PARTITIONS');
    const [altered] = await admin.incrementalAlterConfigs([
      { type: 'topic', name: 'theirs', configs: [{ name: 'retention.ms', op: 'set', value: '123456' }] },
    ]);
    assert.equal(altered?.error, null);
    const [bad] = await admin.incrementalAlterConfigs([
      { type: 'topic', name: 'theirs', configs: [{ name: 'retention.ms', op: 'set', value: 'soon' }] },
    ]);
    assert.equal(bad?.error?.code, 'INVALID_CONFIG');

    await withAdmin(kafka, async (theirs) => {
      const metadata = await theirs.fetchTopicMetadata({ topics: ['theirs'] });
      assert.equal(metadata.topics[0]?.partitions.length, 4);
      const described = await theirs.describeConfigs({
        includeSynonyms: false,
        resources: [
          { type: kafkajs.ConfigResourceTypes.TOPIC, name: 'theirs', configNames: ['retention.ms'] },
        ],
      });
      assert.equal(described.resources[0]?.configEntries[0]?.configValue, '123456');
    });
    const [ours] = await admin.describeConfigs([{ type: 'topic', name: 'theirs' }]);
    const retention = ours?.entries.find((e) => e.name === 'retention.ms');
    assert.equal(retention?.value, '123456');
    assert.equal(retention?.source, 'DYNAMIC_TOPIC_CONFIG');
    const [brokerConfig] = await admin.describeConfigs([
      { type: 'broker', name: '1', keys: ['num.partitions'] },
    ]);
    assert.equal(brokerConfig?.error, null);
    assert.deepEqual(
      brokerConfig?.entries.map((e) => e.name),
      ['num.partitions'],
    );
  });

  it('lists offsets and deletes records that KafkaJS produced', async () => {
    const producer = kafka.producer();
    await producer.connect();
    try {
      await producer.send({
        topic: 'ours',
        messages: Array.from({ length: 5 }, (_, i) => ({
          partition: 1,
          key: `k${i}`,
          value: `v${i}`,
          timestamp: `${1000 + i}`,
        })),
      });
    } finally {
      await producer.disconnect();
    }
    const offsets = await admin.listOffsets([
      { topic: 'ours', partition: 1, query: 'earliest' },
      { topic: 'ours', partition: 1, query: 'latest' },
      { topic: 'ours', partition: 1, query: { timestamp: 1003 } },
      { topic: 'ours', partition: 1, query: 'maxTimestamp' },
    ]);
    assert.deepEqual(offsets.map((o) => o.offset).sort(), [0n, 3n, 4n, 5n].sort());
    const theirs = await withAdmin(kafka, (a) => a.fetchTopicOffsets('ours'));
    assert.equal(theirs.find((p) => p.partition === 1)?.high, '5');

    const [deleted] = await admin.deleteRecords([{ topic: 'ours', partition: 1, offset: 2n }]);
    assert.equal(deleted?.lowWatermark, 2n);
    const [tooFar] = await admin.deleteRecords([{ topic: 'ours', partition: 1, offset: 99n }]);
    assert.equal(tooFar?.error?.code, 'OFFSET_OUT_OF_RANGE');
    const after = await withAdmin(kafka, (a) => a.fetchTopicOffsets('ours'));
    assert.equal(after.find((p) => p.partition === 1)?.low, '2');
  });

  it('sees the groups and offsets KafkaJS commits, and alters and deletes them', async () => {
    await withAdmin(kafka, (theirs) =>
      theirs.setOffsets({ groupId: 'g1', topic: 'ours', partitions: [{ partition: 0, offset: '0' }] }),
    );
    const consumer = kafka.consumer({ groupId: 'g1', maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topics: ['ours'] });
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.run({ autoCommit: false, eachMessage: async () => {} });
    await joined;
    try {
      const groups = await admin.listGroups();
      assert.deepEqual(
        groups.map((g) => [g.groupId, g.protocolType]),
        [['g1', 'consumer']],
      );
      const [description] = await admin.describeGroups(['g1']);
      assert.equal(description?.state, 'Stable');
      assert.equal(description?.members.length, 1);
      assert.deepEqual(description?.members[0]?.subscribedTopics, ['ours']);
      assert.deepEqual([...(description?.members[0]?.assignment.get('ours') ?? [])].sort(), [0, 1, 2]);
      const [busy] = await admin.deleteGroups(['g1']);
      assert.equal(busy?.error?.code, 'NON_EMPTY_GROUP');
    } finally {
      await consumer.disconnect();
    }
    const committed = await admin.listGroupOffsets('g1');
    assert.deepEqual(
      committed.map((c) => [c.topic, c.partition, c.offset]),
      [['ours', 0, 0n]],
    );
    const altered = await admin.alterGroupOffsets('g1', [{ topic: 'ours', partition: 1, offset: 4n }]);
    assert.equal(altered[0]?.error, null);
    const theirs = await withAdmin(kafka, (a) => a.fetchOffsets({ groupId: 'g1', topics: ['ours'] }));
    assert.equal(theirs[0]?.partitions.find((p) => p.partition === 1)?.offset, '4');
    const removed = await admin.deleteGroupOffsets('g1', [{ topic: 'ours', partition: 1 }]);
    assert.equal(removed[0]?.error, null);
    assert.deepEqual(
      (await admin.listGroupOffsets('g1')).map((c) => c.partition),
      [0],
    );
    const [deleted] = await admin.deleteGroups(['g1']);
    assert.equal(deleted?.error, null);
    assert.deepEqual(await admin.listGroups(), []);
  });

  it('deletes topics KafkaJS then no longer lists', async () => {
    const results = await admin.deleteTopics(['theirs', 'missing']);
    assert.deepEqual(
      results.map((r) => r.error?.code ?? null),
      [null, 'UNKNOWN_TOPIC_OR_PARTITION'],
    );
    // KafkaJS lists internal topics too; ours hides them unless asked.
    const theirs = await withAdmin(kafka, (a) => a.listTopics());
    const ours = await admin.listTopics({ includeInternal: true });
    assert.deepEqual(ours.map((t) => t.name).sort(), [...theirs].sort());
    assert.deepEqual(
      ours.filter((t) => t.isInternal).map((t) => t.name),
      ['__consumer_offsets'],
    );
    assert.deepEqual(
      (await admin.listTopics()).map((t) => t.name),
      ['ours'],
    );
  });
});
