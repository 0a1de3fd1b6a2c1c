// A real broker (startBroker on port 0, a temp log dir) driven by KafkaJS 2.2.4: topic creation,
// produce with acks -1 and 1 and every codec, records read back exactly, ListOffsets and Metadata
// answers, then a restart on the same dir that keeps topics, ids and records.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import kafkajs from 'kafkajs';
import { type RunningBroker, startBroker } from '../../src/index.js';
import { registerKafkaJsCodecs } from '../../src/testing/kafkajs-codecs.js';
import { fetchAll } from './fetch-records.js';
import { kafkaClient } from './kafkajs-client.js';

const { CompressionTypes, Partitioners } = kafkajs;

const CODECS = [
  ['none', CompressionTypes.None],
  ['gzip', CompressionTypes.GZIP],
  ['snappy', CompressionTypes.Snappy],
  ['lz4', CompressionTypes.LZ4],
  ['zstd', CompressionTypes.ZSTD],
] as const;

function clientOf(broker: RunningBroker) {
  return kafkaClient(broker.bootstrap, 'it');
}

describe('KafkaJS against startBroker', () => {
  let dir: string;
  let broker: RunningBroker;
  const expected: {
    key: string | null;
    value: string | null;
    headers: Record<string, string>;
    timestamp: bigint;
  }[] = [];

  before(async () => {
    registerKafkaJsCodecs();
    dir = await mkdtemp(join(tmpdir(), 'pyralog-kafkajs-'));
    broker = await startBroker({ port: 0, logDirs: [dir] });
  });
  after(async () => {
    await broker.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('creates a topic with several partitions and describes it', async () => {
    const admin = clientOf(broker).admin();
    await admin.connect();
    try {
      assert.equal(await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 3 }] }), true);
      assert.equal(await admin.createTopics({ topics: [{ topic: 'orders', numPartitions: 3 }] }), false);
      const metadata = await admin.fetchTopicMetadata({ topics: ['orders'] });
      assert.deepEqual(metadata.topics[0]?.partitions.map((p) => [p.partitionId, p.leader]).sort(), [
        [0, 1],
        [1, 1],
        [2, 1],
      ]);
      assert.deepEqual(await admin.listTopics(), ['orders']);
    } finally {
      await admin.disconnect();
    }
  });

  it('produces with acks -1 and 1 and every codec, and reads the records back exactly', async () => {
    const producer = clientOf(broker).producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    try {
      let n = 0;
      for (const [name, compression] of CODECS) {
        for (const acks of [-1, 1]) {
          const messages = [
            {
              key: `k${n}`,
              value: `${name}-acks${acks}-a`,
              headers: { codec: name },
              timestamp: String(1_700_000_000_000 + n),
            },
            { key: null, value: `${name}-acks${acks}-b`, timestamp: String(1_700_000_000_000 + n + 1) },
            { key: `k${n}-tombstone`, value: null, timestamp: String(1_700_000_000_000 + n + 2) },
          ];
          const [result] = await producer.send({
            topic: 'orders',
            acks,
            compression,
            messages: messages.map((m) => ({ ...m, partition: 1 })),
          });
          assert.equal(result?.errorCode, 0);
          assert.equal(result?.baseOffset, String(expected.length));
          for (const m of messages) {
            expected.push({
              key: m.key,
              value: m.value,
              headers: m.headers ?? {},
              timestamp: BigInt(m.timestamp),
            });
          }
          n += 3;
        }
      }
    } finally {
      await producer.disconnect();
    }
    const fetched = await fetchAll(broker.bootstrap, 'orders', 1, expected.length);
    assert.deepEqual(
      fetched.map((r) => ({ key: r.key, value: r.value, headers: r.headers, timestamp: r.timestamp })),
      expected,
    );
    assert.deepEqual(
      fetched.map((r) => r.offset),
      expected.map((_, index) => BigInt(index)),
    );
  });

  it('answers ListOffsets: latest, earliest and by timestamp', async () => {
    const admin = clientOf(broker).admin();
    await admin.connect();
    try {
      const offsets = await admin.fetchTopicOffsets('orders');
      const partition1 = offsets.find((o) => o.partition === 1);
      assert.equal(partition1?.high, String(expected.length));
      assert.equal(partition1?.low, '0');
      assert.equal(offsets.find((o) => o.partition === 0)?.high, '0');
      const byTime = await admin.fetchTopicOffsetsByTimestamp('orders', 1_700_000_000_000 + 6);
      assert.equal(byTime.find((o) => o.partition === 1)?.offset, '6');
    } finally {
      await admin.disconnect();
    }
  });

  it('keeps topics, topic ids and records across a restart on the same dir', async () => {
    const before = (await fetchAll(broker.bootstrap, 'orders', 1, expected.length)).length;
    await broker.stop();
    broker = await startBroker({ port: 0, logDirs: [dir] });
    const admin = clientOf(broker).admin();
    await admin.connect();
    try {
      const metadata = await admin.fetchTopicMetadata({ topics: ['orders'] });
      assert.equal(metadata.topics[0]?.partitions.length, 3);
    } finally {
      await admin.disconnect();
    }
    const after = await fetchAll(broker.bootstrap, 'orders', 1, expected.length);
    assert.equal(after.length, before);
    assert.deepEqual(
      after.map((r) => r.value),
      expected.map((r) => r.value),
    );
  });

  it('accepts a 10 MB record when max.message.bytes allows it and refuses it with MESSAGE_TOO_LARGE otherwise', async () => {
    const kafka = clientOf(broker);
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({
      topics: [
        { topic: 'big', configEntries: [{ name: 'max.message.bytes', value: String(11 * 1024 * 1024) }] },
        { topic: 'small' },
      ],
    });
    await admin.disconnect();
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    try {
      const value = Buffer.alloc(10 * 1024 * 1024, 7);
      const [accepted] = await producer.send({ topic: 'big', acks: -1, messages: [{ value }] });
      assert.equal(accepted?.errorCode, 0);
      await assert.rejects(
        producer.send({ topic: 'small', acks: -1, messages: [{ value }] }),
        (error: Error & { type?: string }) => error.type === 'MESSAGE_TOO_LARGE',
      );
      // acks=0 gets no answer, but the record lands (the read below waits for it).
      await producer.send({ topic: 'small', acks: 0, messages: [{ value: 'fire-and-forget' }] });
    } finally {
      await producer.disconnect();
    }
    // The first-batch rule (KIP-74) returns the 10 MB batch to a 1 MiB partition limit.
    const big = await fetchAll(broker.bootstrap, 'big', 0, 1);
    assert.equal(big[0]?.value?.length, 10 * 1024 * 1024);
    const small = await fetchAll(broker.bootstrap, 'small', 0, 1);
    assert.deepEqual(
      small.map((r) => r.value),
      ['fire-and-forget'],
    );
  });

  it('deletes records before an offset', async () => {
    const admin = clientOf(broker).admin();
    await admin.connect();
    try {
      // KafkaJS looks the partition leaders up in metadata it must already hold for the topic.
      await admin.fetchTopicMetadata({ topics: ['orders'] });
      await admin.deleteTopicRecords({ topic: 'orders', partitions: [{ partition: 1, offset: '4' }] });
      const offsets = await admin.fetchTopicOffsets('orders');
      assert.deepEqual(offsets.map((o) => [o.partition, o.low, o.high]).sort(), [
        [0, '0', '0'],
        [1, '4', String(expected.length)],
        [2, '0', '0'],
      ]);
    } finally {
      await admin.disconnect();
    }
  });

  it('deletes a topic, which then is gone', async () => {
    const admin = clientOf(broker).admin();
    await admin.connect();
    try {
      await admin.deleteTopics({ topics: ['orders'] });
      assert.ok(!(await admin.listTopics()).includes('orders'));
      // UNKNOWN_TOPIC_OR_PARTITION is retriable, so KafkaJS retries it and then wraps it.
      await assert.rejects(
        admin.deleteTopics({ topics: ['orders'] }),
        (error: Error & { cause?: { type?: string } }) => error.cause?.type === 'UNKNOWN_TOPIC_OR_PARTITION',
      );
    } finally {
      await admin.disconnect();
    }
  });
});
