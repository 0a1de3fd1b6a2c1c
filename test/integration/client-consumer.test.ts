// src/client's Consumer beside KafkaJS 2.2.4 on one startBroker() (memory storage): records KafkaJS produced
// are read by our consumer exactly as a KafkaJS consumer reads them; our group members split partitions,
// commit offsets KafkaJS's admin sees, and seek by offset, timestamp and to either end.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import kafkajs from 'kafkajs';
import { AdminClient, Consumer, type ConsumerRecord, Producer } from '../../src/client/index.js';
import { type RunningBroker, startBroker } from '../../src/index.js';
import { registerKafkaJsCodecs } from '../../src/testing/kafkajs-codecs.js';
import { consumeWithKafkaJs } from './client-kafkajs-side-by-side.js';
import { kafkaClient, withAdmin } from './kafkajs-client.js';

/** Polls until `count` records arrived or the deadline passes. */
async function pollUntil(consumer: Consumer, count: number, timeoutMs = 15_000): Promise<ConsumerRecord[]> {
  const records: ConsumerRecord[] = [];
  const deadline = Date.now() + timeoutMs;
  while (records.length < count && Date.now() < deadline)
    records.push(...(await consumer.poll({ timeoutMs: 200 })));
  return records;
}

function plain(records: readonly ConsumerRecord[]) {
  return records
    .map((r) => ({
      partition: r.partition,
      offset: r.offset,
      key: r.key?.toString() ?? null,
      value: r.value?.toString() ?? null,
      headers: Object.fromEntries(r.headers.map((h) => [h.key, h.value?.toString() ?? ''])),
      timestamp: r.timestamp,
    }))
    .sort((a, b) => a.partition - b.partition || Number(a.offset - b.offset));
}

describe('Consumer beside KafkaJS', () => {
  let broker: RunningBroker;
  let admin: AdminClient;
  let kafka: kafkajs.Kafka;
  const TOTAL = 90;

  before(async () => {
    registerKafkaJsCodecs();
    broker = await startBroker({ port: 0 });
    admin = new AdminClient({ bootstrapServers: broker.bootstrap });
    kafka = kafkaClient(broker.bootstrap, 'kafkajs-consumer-it');
    await admin.createTopics([
      { name: 'events', numPartitions: 3 },
      { name: 'shared', numPartitions: 4 },
    ]);
    const producer = kafka.producer();
    await producer.connect();
    try {
      for (const compression of [
        kafkajs.CompressionTypes.None,
        kafkajs.CompressionTypes.GZIP,
        kafkajs.CompressionTypes.LZ4,
      ]) {
        await producer.send({
          topic: 'events',
          compression,
          messages: Array.from({ length: TOTAL / 3 }, (_, i) => ({
            key: `key-${compression}-${i}`,
            value: `value-${compression}-${i}`,
            headers: { source: 'kafkajs', n: String(i) },
            timestamp: String(1_700_000_000_000 + compression * 1000 + i),
          })),
        });
      }
    } finally {
      await producer.disconnect();
    }
  });
  after(async () => {
    await admin.close();
    await broker.stop();
  });

  it('reads what KafkaJS produced exactly as a KafkaJS consumer does', async () => {
    const consumer = new Consumer({ bootstrapServers: broker.bootstrap, maxPollRecords: 7 });
    try {
      consumer.assign([0, 1, 2].map((partition) => ({ topic: 'events', partition })));
      consumer.seekToBeginning();
      const ours = plain(await pollUntil(consumer, TOTAL));
      const theirs = await consumeWithKafkaJs(kafka, 'events', TOTAL, 'kafkajs-reader');
      assert.equal(ours.length, TOTAL);
      assert.deepEqual(
        ours,
        theirs.map((r) => ({ ...r })),
      );
    } finally {
      await consumer.close();
    }
  });

  it('seeks to an offset, a timestamp and the end', async () => {
    const consumer = new Consumer({ bootstrapServers: broker.bootstrap });
    try {
      consumer.assign([{ topic: 'events', partition: 0 }]);
      consumer.seekToBeginning();
      const all = await pollUntil(consumer, 1);
      assert.ok(all.length > 0);
      const end = (await admin.listOffsets([{ topic: 'events', partition: 0, query: 'latest' }]))[0]!.offset;
      consumer.seek({ topic: 'events', partition: 0 }, end - 2n);
      const lastTwo = await pollUntil(consumer, 2);
      assert.deepEqual(
        lastTwo.map((r) => r.offset),
        [end - 2n, end - 1n],
      );
      const target = all[3]!;
      consumer.seekToTimestamp([{ topic: 'events', partition: 0 }], target.timestamp);
      const fromTimestamp = await consumer.poll({ timeoutMs: 5000 });
      assert.ok(fromTimestamp[0]!.timestamp >= target.timestamp);
      consumer.seekToEnd();
      assert.deepEqual(await consumer.poll({ timeoutMs: 300 }), []);
      assert.equal(consumer.position({ topic: 'events', partition: 0 }), end);
    } finally {
      await consumer.close();
    }
  });

  it('splits partitions between two group members and commits offsets KafkaJS admin reads', async () => {
    const producer = new Producer({ bootstrapServers: broker.bootstrap });
    try {
      await producer.sendAll(
        Array.from({ length: 40 }, (_, i) => ({ topic: 'shared', key: `k${i}`, value: `v${i}` })),
      );
    } finally {
      await producer.close();
    }
    const options = {
      bootstrapServers: broker.bootstrap,
      groupId: 'ours',
      autoOffsetReset: 'earliest' as const,
      autoCommit: false,
      heartbeatIntervalMs: 200,
      sessionTimeoutMs: 6000,
      rebalanceTimeoutMs: 6000,
      assignors: ['cooperative-sticky' as const],
    };
    const first = new Consumer(options);
    const second = new Consumer(options);
    try {
      first.subscribe(['shared']);
      await first.poll({ timeoutMs: 500 });
      assert.equal(first.assignment().length, 4);
      second.subscribe(['shared']);
      // Both poll until the cooperative rebalance settles at two partitions each.
      const deadline = Date.now() + 20_000;
      const seen: ConsumerRecord[] = [];
      const values = (): number => new Set(seen.map((r) => r.value?.toString())).size;
      while (
        Date.now() < deadline &&
        (first.assignment().length !== 2 || second.assignment().length !== 2 || values() < 40)
      ) {
        const [a, b] = await Promise.all([first.poll({ timeoutMs: 200 }), second.poll({ timeoutMs: 200 })]);
        seen.push(...a, ...b);
      }
      assert.equal(first.assignment().length, 2);
      assert.equal(second.assignment().length, 2);
      assert.equal(values(), 40);
      const mine = new Set(first.assignment().map((p) => p.partition));
      assert.ok(second.assignment().every((p) => !mine.has(p.partition)));
      await first.commit();
      await second.commit();
      const [description] = await admin.describeGroups(['ours']);
      assert.equal(description?.state, 'Stable');
      assert.equal(description?.protocol, 'cooperative-sticky');
      assert.equal(description?.members.length, 2);
      const committed = await withAdmin(kafka, (a) =>
        a.fetchOffsets({ groupId: 'ours', topics: ['shared'] }),
      );
      const positions = [...first.assignment(), ...second.assignment()].map((tp) => {
        const owner = mine.has(tp.partition) ? first : second;
        return [tp.partition, String(owner.position(tp))];
      });
      assert.deepEqual(committed[0]?.partitions.map((p) => [p.partition, p.offset]).sort(), positions.sort());
    } finally {
      await first.close();
      await second.close();
    }
    const [after] = await admin.describeGroups(['ours']);
    assert.equal(after?.state, 'Empty');
  });
});
