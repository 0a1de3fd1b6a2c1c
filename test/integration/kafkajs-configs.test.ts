// KafkaJS 2.2.4's describeConfigs (with synonyms) and alterConfigs against startBroker on a temp
// dir: Kafka's sources and synonyms for topic and broker configs, changes applied to the live logs
// (a lowered max.message.bytes refuses the next record, a shortened retention.ms lets the retention
// tick delete segments), static broker keys refused, and every change still there after a restart.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import kafkajs from 'kafkajs';
import { type RunningBroker, startBroker } from '../../src/index.js';
import { kafkaClient, withAdmin } from './kafkajs-client.js';

const { Partitioners, ConfigResourceTypes, ConfigSource } = kafkajs;

const STATIC = {
  'log.retention.hours': '48',
  'log.segment.bytes': '1024',
  'log.retention.check.interval.ms': '50',
};

function clientOf(broker: RunningBroker) {
  return kafkaClient(broker.bootstrap, 'it-configs', 1);
}

async function describeOne(
  broker: RunningBroker,
  type: kafkajs.ConfigResourceTypes,
  name: string,
  key: string,
) {
  const described = await withAdmin(clientOf(broker), (admin) =>
    admin.describeConfigs({ resources: [{ type, name, configNames: [key] }], includeSynonyms: true }),
  );
  const entry = described.resources[0]?.configEntries.find((e) => e.configName === key);
  assert.ok(entry !== undefined, `${key} of ${name} is described`);
  return entry;
}

async function produce(broker: RunningBroker, topic: string, values: string[]): Promise<void> {
  const producer = clientOf(broker).producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  try {
    for (const value of values) await producer.send({ topic, acks: -1, messages: [{ value }] });
  } finally {
    await producer.disconnect();
  }
}

describe('KafkaJS describeConfigs and alterConfigs', () => {
  let dir: string;
  let broker: RunningBroker;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pyralog-configs-'));
    broker = await startBroker({ port: 0, logDirs: [dir], config: STATIC });
    await withAdmin(clientOf(broker), (admin) =>
      admin.createTopics({ topics: [{ topic: 'events' }, { topic: 'aging' }] }),
    );
  });
  after(async () => {
    await broker.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('describes a topic with static broker sources and the retention synonyms', async () => {
    const retention = await describeOne(broker, ConfigResourceTypes.TOPIC, 'events', 'retention.ms');
    assert.equal(retention.configValue, String(48 * 3_600_000));
    assert.equal(retention.configSource, ConfigSource.STATIC_BROKER_CONFIG);
    assert.deepEqual(
      retention.configSynonyms.map((s) => [s.configName, s.configValue, s.configSource]),
      [
        ['log.retention.hours', '48', ConfigSource.STATIC_BROKER_CONFIG],
        ['log.retention.hours', '168', ConfigSource.DEFAULT_CONFIG],
      ],
    );
    const all = await withAdmin(clientOf(broker), (admin) =>
      admin.describeConfigs({
        resources: [{ type: ConfigResourceTypes.BROKER, name: '1' }],
        includeSynonyms: false,
      }),
    );
    const partitions = all.resources[0]?.configEntries.find((e) => e.configName === 'num.partitions');
    assert.equal(partitions?.readOnly, true);
  });

  it('alters a topic: the next record over the new max.message.bytes is refused', async () => {
    await produce(broker, 'events', ['x'.repeat(3000)]);
    await withAdmin(clientOf(broker), (admin) =>
      admin.alterConfigs({
        validateOnly: false,
        resources: [
          {
            type: ConfigResourceTypes.TOPIC,
            name: 'events',
            configEntries: [
              { name: 'max.message.bytes', value: '2000' },
              { name: 'retention.ms', value: '3600000' },
            ],
          },
        ],
      }),
    );
    const size = await describeOne(broker, ConfigResourceTypes.TOPIC, 'events', 'max.message.bytes');
    assert.deepEqual([size.configValue, size.configSource], ['2000', ConfigSource.TOPIC_CONFIG]);
    await assert.rejects(produce(broker, 'events', ['x'.repeat(3000)]), /larger than the max message size/);
  });

  it('alters the broker per id and refuses static keys and bad values', async () => {
    await withAdmin(clientOf(broker), (admin) =>
      admin.alterConfigs({
        validateOnly: false,
        resources: [
          {
            type: ConfigResourceTypes.BROKER,
            name: '1',
            configEntries: [{ name: 'log.cleaner.delete.retention.ms', value: '1000' }],
          },
        ],
      }),
    );
    const own = await describeOne(broker, ConfigResourceTypes.BROKER, '1', 'log.cleaner.delete.retention.ms');
    assert.deepEqual([own.configValue, own.configSource], ['1000', ConfigSource.DYNAMIC_BROKER_CONFIG]);
    for (const entry of [
      { name: 'num.partitions', value: '3' },
      { name: 'log.segment.bytes', value: 'big' },
    ]) {
      await assert.rejects(
        withAdmin(clientOf(broker), (admin) =>
          admin.alterConfigs({
            validateOnly: false,
            resources: [{ type: ConfigResourceTypes.BROKER, name: '1', configEntries: [entry] }],
          }),
        ),
        (error: Error & { type?: string }) => error.type === 'INVALID_CONFIG',
      );
    }
  });

  it('a shortened retention.ms lets the retention tick delete old segments', async () => {
    await produce(
      broker,
      'aging',
      Array.from({ length: 8 }, (_, i) => `${i}`.padEnd(400, '.')),
    );
    await withAdmin(clientOf(broker), (admin) =>
      admin.alterConfigs({
        validateOnly: false,
        resources: [
          {
            type: ConfigResourceTypes.TOPIC,
            name: 'aging',
            configEntries: [{ name: 'retention.ms', value: '1' }],
          },
        ],
      }),
    );
    const deadline = Date.now() + 15_000;
    let low = '0';
    while (low === '0' && Date.now() < deadline) {
      const offsets = await withAdmin(clientOf(broker), (admin) => admin.fetchTopicOffsets('aging'));
      low = offsets[0]?.low ?? '0';
      if (low === '0') await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.ok(BigInt(low) > 0n, `log start offset moved (low=${low})`);
  });

  it('keeps every change across a restart', async () => {
    await broker.stop();
    broker = await startBroker({ port: 0, logDirs: [dir], config: STATIC });
    const retention = await describeOne(broker, ConfigResourceTypes.TOPIC, 'events', 'retention.ms');
    assert.deepEqual([retention.configValue, retention.configSource], ['3600000', ConfigSource.TOPIC_CONFIG]);
    const own = await describeOne(broker, ConfigResourceTypes.BROKER, '1', 'log.cleaner.delete.retention.ms');
    assert.deepEqual([own.configValue, own.configSource], ['1000', ConfigSource.DYNAMIC_BROKER_CONFIG]);
    await assert.rejects(produce(broker, 'events', ['x'.repeat(3000)]), /larger than the max message size/);
  });
});
