// The admin HTTP listener of a real broker (startBroker with admin.listener on port 0): /ready is
// 503 while start-up runs (seen from the onAdminListening hook, which start-up awaits) and 200 after;
// producing N records of known batch size moves the topic's bytes-in and messages-in counters by
// exactly that, with our own Produce requests and with KafkaJS; the JSON views match what clients see.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { KafkaConnection } from '../../src/network/index.js';
import { ApiKey, createRecordBatch, ErrorCode, encodeRecordBatchSync } from '../../src/protocol/index.js';
import { type RunningBroker, startBroker } from '../../src/server/index.js';
import { kafkaClient, withAdmin } from './kafkajs-client.js';

let broker: RunningBroker;
let base = '';
const duringStartup: { health: number; ready: number; readyBody: unknown; metrics: number }[] = [];

async function get(path: string): Promise<{ status: number; text: string }> {
  const response = await fetch(`${base}${path}`);
  return { status: response.status, text: await response.text() };
}

async function getJson<T>(path: string): Promise<T> {
  const { status, text } = await get(path);
  assert.equal(status, 200, `${path}: ${text}`);
  return JSON.parse(text) as T;
}

/** The value of one sample in Prometheus text, 0 when the series is absent. */
function sample(text: string, name: string, labels: string): number {
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}} `));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

async function metrics(): Promise<string> {
  const { status, text } = await get('/metrics');
  assert.equal(status, 200);
  return text;
}

before(async () => {
  broker = await startBroker({
    config: { 'admin.listener': '127.0.0.1:0', 'auto.create.topics.enable': 'false' },
    onAdminListening: async (address) => {
      base = `http://127.0.0.1:${address.port}`;
      const health = await get('/health');
      const ready = await get('/ready');
      const metricsAnswer = await get('/metrics');
      duringStartup.push({
        health: health.status,
        ready: ready.status,
        readyBody: JSON.parse(ready.text),
        metrics: metricsAnswer.status,
      });
    },
  });
});

after(() => broker.stop());

test('/ready answers 503 while the broker starts and 200 once metadata and listeners are up', async () => {
  assert.deepEqual(duringStartup, [
    {
      health: 200,
      ready: 503,
      readyBody: { ready: false, metadataLoaded: false, listenersUp: false, stopping: false },
      metrics: 503,
    },
  ]);
  const ready = await getJson<{ ready: boolean }>('/ready');
  assert.equal(ready.ready, true);
  assert.equal((await get('/health')).status, 200);
  assert.equal(broker.admin?.port, Number(new URL(base).port));
});

test('N records produced in batches of known size raise bytes-in and messages-in by exactly that', async () => {
  const kafka = kafkaClient(broker.bootstrap, 'admin-http-test');
  await withAdmin(kafka, (admin) => admin.createTopics({ topics: [{ topic: 'metered', numPartitions: 2 }] }));
  const before = await metrics();
  const connection = await KafkaConnection.connect({ host: '127.0.0.1', port: broker.port });
  let batchBytes = 0;
  let records = 0;
  try {
    for (let batch = 0; batch < 5; batch += 1) {
      const count = batch + 3;
      const encoded = encodeRecordBatchSync(
        createRecordBatch({
          records: Array.from({ length: count }, (_, i) => ({ value: Buffer.alloc(100 + i, batch) })),
          timestamp: BigInt(Date.now()),
        }),
      );
      batchBytes += encoded.length;
      records += count;
      const response = await connection.request(ApiKey.Produce, 9, {
        transactionalId: null,
        acks: -1,
        timeoutMs: 5000,
        topicData: [{ name: 'metered', partitionData: [{ index: batch % 2, records: encoded }] }],
      });
      assert.equal(response.responses[0]?.partitionResponses[0]?.errorCode, ErrorCode.NONE);
    }
  } finally {
    await connection.close();
  }
  const afterOwn = await metrics();
  const delta = (text: string, name: string): number =>
    sample(text, name, 'topic="metered"') - sample(before, name, 'topic="metered"');
  assert.equal(delta(afterOwn, 'kafka_server_brokertopicmetrics_bytes_in_total'), batchBytes);
  assert.equal(delta(afterOwn, 'kafka_server_brokertopicmetrics_messages_in_total'), records);
  assert.equal(delta(afterOwn, 'kafka_server_brokertopicmetrics_total_produce_requests_total'), 5);

  // KafkaJS: its batches' sizes are its own business, but uncompressed v2 batches are stored as
  // sent, so bytes-in grows exactly as the partition logs do.
  const logSize = (text: string): number =>
    sample(text, 'kafka_log_log_size_bytes', 'topic="metered",partition="0"') +
    sample(text, 'kafka_log_log_size_bytes', 'topic="metered",partition="1"');
  const producer = kafka.producer();
  await producer.connect();
  try {
    for (let i = 0; i < 4; i += 1) {
      await producer.send({
        topic: 'metered',
        acks: -1,
        messages: Array.from({ length: 25 }, (_, j) => ({ key: `k${j}`, value: 'v'.repeat(50 + j) })),
      });
    }
  } finally {
    await producer.disconnect();
  }
  const afterKafkaJs = await metrics();
  const kafkaJsBytes =
    sample(afterKafkaJs, 'kafka_server_brokertopicmetrics_bytes_in_total', 'topic="metered"') -
    sample(afterOwn, 'kafka_server_brokertopicmetrics_bytes_in_total', 'topic="metered"');
  assert.equal(
    sample(afterKafkaJs, 'kafka_server_brokertopicmetrics_messages_in_total', 'topic="metered"') -
      sample(afterOwn, 'kafka_server_brokertopicmetrics_messages_in_total', 'topic="metered"'),
    100,
  );
  assert.equal(kafkaJsBytes, logSize(afterKafkaJs) - logSize(afterOwn));
  assert.ok(kafkaJsBytes > 100 * 50);
  const endOffsets =
    sample(afterKafkaJs, 'kafka_log_log_end_offset', 'topic="metered",partition="0"') +
    sample(afterKafkaJs, 'kafka_log_log_end_offset', 'topic="metered",partition="1"');
  assert.equal(endOffsets, records + 100);
  assert.ok(sample(afterKafkaJs, 'kafka_network_requestmetrics_requests_total', 'request="Produce"') >= 9);
  assert.match(
    afterKafkaJs,
    /kafka_network_requestmetrics_total_time_seconds_bucket\{request="Produce",le="\+Inf"\} \d+/,
  );
  assert.match(afterKafkaJs, /^nodejs_eventloop_lag_seconds \d/m);
  assert.match(afterKafkaJs, /^nodejs_heap_size_used_bytes \d/m);
  assert.match(afterKafkaJs, /^kafka_server_socketservermetrics_connection_count \d/m);
  assert.match(
    afterKafkaJs,
    /^kafka_server_delayedoperationpurgatory_purgatory_size\{delayed_operation="Fetch"\} 0$/m,
  );
});

test('/v1/cluster, /v1/topics and /v1/groups describe what the clients see, with consumer lag', async () => {
  const kafka = kafkaClient(broker.bootstrap, 'admin-http-views');
  await withAdmin(kafka, async (admin) => {
    await admin.createTopics({ topics: [{ topic: 'viewed', numPartitions: 3 }] });
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({
      topic: 'viewed',
      messages: Array.from({ length: 7 }, (_, i) => ({ value: `m${i}`, partition: 1 })),
    });
    await producer.disconnect();
    await admin.setOffsets({
      groupId: 'lagging',
      topic: 'viewed',
      partitions: [{ partition: 1, offset: '2' }],
    });
  });
  const cluster = await getJson<{
    clusterId: string;
    brokers: { id: number; endpoints: { port: number }[] }[];
  }>('/v1/cluster');
  assert.equal(cluster.clusterId, broker.clusterId);
  assert.deepEqual(
    cluster.brokers.map((b) => [b.id, b.endpoints[0]?.port]),
    [[broker.nodeId, broker.port]],
  );
  const topics =
    await getJson<
      {
        name: string;
        internal: boolean;
        partitions: { partition: number; logEndOffset: number; leader: number }[];
      }[]
    >('/v1/topics');
  const viewed = topics.find((t) => t.name === 'viewed');
  assert.deepEqual(
    viewed?.partitions.map((p) => [p.partition, p.leader, p.logEndOffset]),
    [
      [0, broker.nodeId, 0],
      [1, broker.nodeId, 7],
      [2, broker.nodeId, 0],
    ],
  );
  assert.equal(viewed?.internal, false);
  const groups = await getJson<{ groupId: string; offsets: unknown[]; totalLag: number }[]>('/v1/groups');
  const lagging = groups.find((g) => g.groupId === 'lagging');
  assert.deepEqual(lagging?.offsets, [
    { topic: 'viewed', partition: 1, committedOffset: 2, highWatermark: 7, lag: 5 },
  ]);
  assert.equal(lagging?.totalLag, 5);
  const text = await metrics();
  assert.equal(sample(text, 'kafka_consumergroup_lag', 'group="lagging",topic="viewed",partition="1"'), 5);
  assert.equal(
    sample(text, 'kafka_consumergroup_current_offset', 'group="lagging",topic="viewed",partition="1"'),
    2,
  );
});

test('unknown paths answer 404 and other methods 405', async () => {
  assert.equal((await get('/nope')).status, 404);
  const post = await fetch(`${base}/metrics`, { method: 'POST' });
  await post.text();
  assert.equal(post.status, 405);
});
