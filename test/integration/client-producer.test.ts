// src/client's Producer beside KafkaJS 2.2.4 on one startBroker() (memory storage): records our producer
// sends with every codec and acks setting are read back by a KafkaJS consumer exactly; keyed records land on
// the partitions KafkaJS's Java-compatible partitioner picks; idempotent batches carry a producer id.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import kafkajs from 'kafkajs';
import { AdminClient, Producer } from '../../src/client/index.js';
import { type RunningBroker, startBroker } from '../../src/index.js';
import { registerKafkaJsCodecs } from '../../src/testing/kafkajs-codecs.js';
import { consumeWithKafkaJs } from './client-kafkajs-side-by-side.js';
import { kafkaClient } from './kafkajs-client.js';

describe('Producer beside KafkaJS', () => {
  let broker: RunningBroker;
  let admin: AdminClient;
  let kafka: kafkajs.Kafka;

  before(async () => {
    registerKafkaJsCodecs();
    broker = await startBroker({ port: 0 });
    admin = new AdminClient({ bootstrapServers: broker.bootstrap });
    kafka = kafkaClient(broker.bootstrap, 'kafkajs-producer-it');
    const created = await admin.createTopics([
      { name: 'codecs', numPartitions: 1 },
      { name: 'keys', numPartitions: 6 },
      { name: 'keys-kafkajs', numPartitions: 6 },
      { name: 'sticky', numPartitions: 4 },
    ]);
    assert.deepEqual(
      created.map((c) => c.error),
      [null, null, null, null],
    );
  });
  after(async () => {
    await admin.close();
    await broker.stop();
  });

  it('sends with every codec and acks setting; KafkaJS reads the records back exactly', async () => {
    const expected: { value: string; key: string | null; headers: Record<string, string> }[] = [];
    const settings = [
      { compression: 'none', acks: 'all' },
      { compression: 'gzip', acks: 1 },
      { compression: 'snappy', acks: 'all' },
      { compression: 'lz4', acks: 1 },
      { compression: 'zstd', acks: 'all' },
      { compression: 'gzip', acks: 0 },
    ] as const;
    for (const { compression, acks } of settings) {
      const producer = new Producer({ bootstrapServers: broker.bootstrap, compression, acks, lingerMs: 20 });
      try {
        const records = Array.from({ length: 20 }, (_, i) => ({
          topic: 'codecs',
          partition: 0,
          key: i % 5 === 0 ? null : `k-${compression}-${i}`,
          value: `${compression}-${acks}-${i}-${'x'.repeat(i * 10)}`,
          headers: { codec: compression, index: String(i) },
        }));
        const sent = await producer.sendAll(records);
        for (const record of records) {
          expected.push({ value: record.value, key: record.key, headers: record.headers });
        }
        if (acks === 0) assert.ok(sent.every((m) => m.offset === -1n));
        else
          assert.deepEqual(
            sent.map((m) => m.offset - sent[0]!.offset),
            records.map((_, i) => BigInt(i)),
          );
      } finally {
        await producer.close();
      }
    }
    const seen = await consumeWithKafkaJs(kafka, 'codecs', expected.length, 'read-codecs');
    assert.deepEqual(
      seen.map((r) => ({ value: r.value, key: r.key, headers: r.headers })),
      expected,
    );
    assert.deepEqual(
      seen.map((r) => r.offset),
      expected.map((_, i) => BigInt(i)),
    );
  });

  it('puts each key on the partition KafkaJS DefaultPartitioner (murmur2) picks', async () => {
    const keys = Array.from({ length: 60 }, (_, i) => `customer-${i * 7919}`);
    const producer = new Producer({ bootstrapServers: broker.bootstrap });
    let ours: { key: string; partition: number }[];
    try {
      const sent = await producer.sendAll(keys.map((key) => ({ topic: 'keys', key, value: 'v' })));
      ours = sent.map((m, i) => ({ key: keys[i]!, partition: m.partition }));
    } finally {
      await producer.close();
    }
    const theirs = kafka.producer({ createPartitioner: kafkajs.Partitioners.DefaultPartitioner });
    await theirs.connect();
    try {
      await theirs.send({ topic: 'keys-kafkajs', messages: keys.map((key) => ({ key, value: 'v' })) });
    } finally {
      await theirs.disconnect();
    }
    const seen = await consumeWithKafkaJs(kafka, 'keys-kafkajs', keys.length, 'read-keys');
    const theirPartition = new Map(seen.map((r) => [r.key, r.partition]));
    for (const { key, partition } of ours) assert.equal(partition, theirPartition.get(key), key);
    assert.ok(new Set(ours.map((o) => o.partition)).size > 1);
  });

  it('fills one partition at a time with keyless records (sticky) and spreads them over batches', async () => {
    const producer = new Producer({ bootstrapServers: broker.bootstrap, batchSize: 2000, lingerMs: 1000 });
    try {
      const deliveries = [];
      for (let i = 0; i < 200; i++) {
        deliveries.push(
          (await producer.append({ topic: 'sticky', value: `${'y'.repeat(90)}${i}` })).delivery,
        );
      }
      const sent = await Promise.all(deliveries);
      // Records appended in a row share a partition until a batch (about 2000 bytes, ~18 records) fills up.
      let switches = 0;
      for (let i = 1; i < sent.length; i++) if (sent[i]!.partition !== sent[i - 1]!.partition) switches += 1;
      assert.ok(switches >= 5 && switches <= 15, `switches=${switches}`);
      assert.ok(new Set(sent.map((m) => m.partition)).size >= 2);
    } finally {
      await producer.close();
    }
  });

  it('rejects a record for a partition the topic does not have', async () => {
    const producer = new Producer({ bootstrapServers: broker.bootstrap, maxBlockMs: 2000 });
    try {
      await assert.rejects(producer.send({ topic: 'codecs', partition: 9, value: 'v' }), {
        code: 'UNKNOWN_TOPIC_OR_PARTITION',
      });
    } finally {
      await producer.close();
    }
  });
});
