// Raw Kafka protocol against startBroker (KafkaConnection, no client library): a consumer that uses
// KIP-227 fetch sessions as Java's FetchSessionHandler does (full fetch at epoch 0, then only changed
// partitions) reads every record while a producer keeps appending; the session errors and the bound
// on the session cache; and the old versions Kafka 4 dropped (Produce v0-2 message sets, Fetch v0-3
// down-conversion, ListOffsets v0). No client here sends sessions: kcat 1.7.1 (librdkafka 2.0.2) and
// KafkaJS fetch sessionless (epoch -1), which kcat-broker.test.ts covers.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  createTopicsBody,
  fetchBody,
  listOffsetsBody,
  produceBody,
} from '../../src/broker/request-builders.test-support.js';
import { type RunningBroker, startBroker } from '../../src/index.js';
import { KafkaConnection } from '../../src/network/index.js';
import {
  ApiKey,
  CompressionCodec,
  createRecordBatch,
  decodeMessageSetSync,
  decodeRecordBatches,
  ErrorCode,
  encodeMessageSetSync,
  encodeRecordBatchSync,
  type FetchRequest,
  type FetchResponse,
} from '../../src/protocol/index.js';

const PARTITIONS = 3;
const ROUNDS = 20;
const PER_BATCH = 5;

function batch(values: readonly string[]): Buffer {
  return encodeRecordBatchSync(
    createRecordBatch({ records: values.map((value) => ({ value: Buffer.from(value) })) }),
  );
}

function sessionFetch(
  partitions: readonly { partition: number; fetchOffset: bigint }[],
  sessionId: number,
  sessionEpoch: number,
  maxWaitMs = 0,
): FetchRequest {
  const body = fetchBody('s', 0, 0n, { sessionId, sessionEpoch, maxWaitMs, partitionMaxBytes: 200 });
  const template = body.topics[0]!.partitions[0]!;
  body.topics =
    partitions.length === 0
      ? []
      : [
          {
            topic: 's',
            topicId: body.topics[0]!.topicId,
            partitions: partitions.map((p) => ({ ...template, ...p })),
          },
        ];
  return body;
}

async function startMemoryBroker(config: Record<string, string> = {}): Promise<{
  broker: RunningBroker;
  connection: KafkaConnection;
}> {
  const broker = await startBroker({ port: 0, config: { 'pyralog.storage': 'memory', ...config } });
  const connection = await KafkaConnection.connect({ host: broker.host, port: broker.port });
  return { broker, connection };
}

describe('fetch sessions on the wire', () => {
  let broker: RunningBroker;
  let consumer: KafkaConnection;
  let producer: KafkaConnection;
  before(async () => {
    ({ broker, connection: consumer } = await startMemoryBroker());
    producer = await KafkaConnection.connect({ host: broker.host, port: broker.port });
    await consumer.request(
      ApiKey.CreateTopics,
      7,
      createTopicsBody([{ name: 's', numPartitions: PARTITIONS }]),
    );
  });
  after(async () => {
    await consumer.close();
    await producer.close();
    await broker.stop();
  });

  it('a session consumer reads every record, in order, across many incremental fetches while a producer appends', async () => {
    const producing = (async () => {
      for (let round = 0; round < ROUNDS; round += 1) {
        for (let partition = 0; partition < PARTITIONS; partition += 1) {
          const values = Array.from({ length: PER_BATCH }, (_, i) => `${partition}-${round * PER_BATCH + i}`);
          const response = await producer.request(
            ApiKey.Produce,
            9,
            produceBody('s', partition, batch(values), -1),
          );
          assert.equal(response.responses[0]?.partitionResponses[0]?.errorCode, ErrorCode.NONE);
        }
      }
    })();
    const offsets = Array.from({ length: PARTITIONS }, () => 0n);
    const received: string[][] = offsets.map(() => []);
    const full = await consumer.request(
      ApiKey.Fetch,
      12,
      sessionFetch(
        offsets.map((fetchOffset, partition) => ({ partition, fetchOffset })),
        0,
        0,
      ),
    );
    const sessionId = full.sessionId;
    assert.ok(sessionId > 0, 'the full fetch opened a session');
    let response: FetchResponse = full;
    let epoch = 1;
    let fetches = 1;
    let partialResponses = 0;
    const deadline = Date.now() + 20_000;
    const expected = ROUNDS * PER_BATCH;
    let changed: { partition: number; fetchOffset: bigint }[] = [];
    for (;;) {
      assert.equal(response.errorCode, ErrorCode.NONE);
      assert.equal(response.sessionId, sessionId);
      changed = [];
      const carried = response.responses.flatMap((topic) => topic.partitions);
      if (fetches > 1 && carried.length < PARTITIONS) partialResponses += 1;
      for (const data of carried) {
        assert.equal(data.errorCode, ErrorCode.NONE);
        const { batches } = await decodeRecordBatches(data.records ?? Buffer.alloc(0));
        for (const decoded of batches) {
          for (const record of decoded.records)
            received[data.partitionIndex]!.push(record.value?.toString() ?? '');
          offsets[data.partitionIndex] = decoded.baseOffset + BigInt(decoded.lastOffsetDelta) + 1n;
        }
        if (batches.length > 0)
          changed.push({ partition: data.partitionIndex, fetchOffset: offsets[data.partitionIndex]! });
      }
      if (received.every((values) => values.length >= expected)) break;
      assert.ok(Date.now() < deadline, `only ${received.map((v) => v.length)} records before the deadline`);
      response = await consumer.request(ApiKey.Fetch, 12, sessionFetch(changed, sessionId, epoch, 500));
      epoch += 1;
      fetches += 1;
    }
    await producing;
    for (let partition = 0; partition < PARTITIONS; partition += 1) {
      assert.deepEqual(
        received[partition],
        Array.from({ length: expected }, (_, i) => `${partition}-${i}`),
      );
    }
    assert.ok(fetches > 10, `${fetches} fetches`);
    assert.ok(partialResponses > 0, 'some incremental responses left out partitions with nothing new');

    const caughtUp = await consumer.request(ApiKey.Fetch, 12, sessionFetch(changed, sessionId, epoch));
    assert.ok(
      caughtUp.responses.flatMap((topic) => topic.partitions).every((p) => (p.records?.length ?? 0) === 0),
    );
    const idle = await consumer.request(ApiKey.Fetch, 12, sessionFetch([], sessionId, epoch + 1));
    assert.deepEqual(idle.responses, [], 'a caught-up session gets an empty incremental response');
    epoch += 2;
    const replayed = await consumer.request(ApiKey.Fetch, 12, sessionFetch([], sessionId, epoch - 1));
    assert.equal(replayed.errorCode, ErrorCode.INVALID_FETCH_SESSION_EPOCH);
    const closing = await consumer.request(ApiKey.Fetch, 12, sessionFetch([], sessionId, -1));
    assert.equal(closing.sessionId, 0);
    const closed = await consumer.request(ApiKey.Fetch, 12, sessionFetch([], sessionId, epoch + 1));
    assert.equal(closed.errorCode, ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
  });

  it('answers FETCH_SESSION_TOPIC_ID_ERROR for a v13 request on a session opened with v12', async () => {
    const full = await consumer.request(
      ApiKey.Fetch,
      12,
      sessionFetch([{ partition: 0, fetchOffset: 0n }], 0, 0),
    );
    const next = await consumer.request(ApiKey.Fetch, 13, sessionFetch([], full.sessionId, 1));
    assert.equal(next.errorCode, ErrorCode.FETCH_SESSION_TOPIC_ID_ERROR);
    await consumer.request(ApiKey.Fetch, 12, sessionFetch([], full.sessionId, -1));
  });
});

describe('the fetch session cache bound (max.incremental.fetch.session.cache.slots)', () => {
  let broker: RunningBroker;
  let connection: KafkaConnection;
  before(async () => {
    ({ broker, connection } = await startMemoryBroker({ 'max.incremental.fetch.session.cache.slots': '2' }));
    await connection.request(ApiKey.CreateTopics, 7, createTopicsBody([{ name: 's' }]));
  });
  after(async () => {
    await connection.close();
    await broker.stop();
  });

  it('answers a third young consumer session sessionless (session id 0) but with its data', async () => {
    const open = () =>
      connection.request(ApiKey.Fetch, 12, sessionFetch([{ partition: 0, fetchOffset: 0n }], 0, 0));
    const first = await open();
    const second = await open();
    const third = await open();
    assert.ok(first.sessionId > 0 && second.sessionId > 0 && first.sessionId !== second.sessionId);
    assert.equal(third.sessionId, 0);
    assert.equal(third.responses[0]?.partitions[0]?.errorCode, ErrorCode.NONE);
    const stillThere = await connection.request(ApiKey.Fetch, 12, sessionFetch([], first.sessionId, 1));
    assert.equal(stillThere.errorCode, ErrorCode.NONE);
  });
});

describe('old versions on the wire (Produce v0-2, Fetch v0-3, ListOffsets v0)', () => {
  let broker: RunningBroker;
  let connection: KafkaConnection;
  before(async () => {
    ({ broker, connection } = await startMemoryBroker());
    await connection.request(ApiKey.CreateTopics, 7, createTopicsBody([{ name: 'old' }]));
  });
  after(async () => {
    await connection.close();
    await broker.stop();
  });

  it('stores magic 0 and magic 1 message sets and serves them back down-converted, and v2 batches too', async () => {
    const magic0 = encodeMessageSetSync(
      [{ offset: 0n, key: Buffer.from('k0'), value: Buffer.from('zero') }],
      {
        magic: 0,
      },
    );
    const v0 = await connection.request(ApiKey.Produce, 0, produceBody('old', 0, magic0, -1));
    assert.equal(v0.responses[0]?.partitionResponses[0]?.errorCode, ErrorCode.NONE);
    const magic1 = encodeMessageSetSync(
      [
        { offset: 0n, timestamp: 1_000n, value: Buffer.from('one') },
        { offset: 1n, timestamp: 2_000n, value: Buffer.from('two') },
      ],
      { magic: 1, compression: CompressionCodec.gzip },
    );
    const v2 = await connection.request(ApiKey.Produce, 2, produceBody('old', 0, magic1, -1));
    assert.equal(v2.responses[0]?.partitionResponses[0]?.baseOffset, 1n);
    await connection.request(ApiKey.Produce, 9, produceBody('old', 0, batch(['three']), -1));

    for (const [version, magic] of [
      [0, 0],
      [1, 0],
      [2, 1],
      [3, 1],
    ] as const) {
      const response = await connection.request(ApiKey.Fetch, version, fetchBody('old', 0, 0n));
      const data = response.responses[0]?.partitions[0];
      assert.equal(data?.errorCode, ErrorCode.NONE, `Fetch v${version}`);
      assert.equal(data?.highWatermark, 4n);
      const set = decodeMessageSetSync(data?.records ?? Buffer.alloc(0));
      assert.deepEqual(
        set.records.map((record) => [
          record.offset,
          record.magic,
          record.value?.toString(),
          record.timestamp,
        ]),
        [
          [0n, magic, 'zero', -1n],
          [1n, magic, 'one', magic === 1 ? 1_000n : -1n],
          [2n, magic, 'two', magic === 1 ? 2_000n : -1n],
          [3n, magic, 'three', magic === 1 ? set.records[3]!.timestamp : -1n],
        ],
        `Fetch v${version}`,
      );
    }
  });

  it('answers ListOffsets v0 in the old offsets array', async () => {
    const latest = await connection.request(ApiKey.ListOffsets, 0, listOffsetsBody('old', 0, -1n));
    assert.deepEqual(latest.topics[0]?.partitions[0]?.oldStyleOffsets, [4n]);
    const earliest = await connection.request(ApiKey.ListOffsets, 0, listOffsetsBody('old', 0, -2n));
    assert.deepEqual(earliest.topics[0]?.partitions[0]?.oldStyleOffsets, [0n]);
  });
});
