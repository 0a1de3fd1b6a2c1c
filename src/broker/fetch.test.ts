// Fetch through the dispatcher over in-memory logs: reads, errors and the long poll woken by a produce.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ApiKey,
  CompressionCodec,
  createRecordBatch,
  decodeMessageSetSync,
  decodeRecordBatchSync,
  ErrorCode,
  encodeRecordBatchSync,
  viewRecordBatches,
  ZERO_UUID,
} from '../protocol/index.js';
import { createTestBroker, type TestBroker } from './broker-test-kit.js';
import { createTopicsBody, fetchBody, produceBody } from './request-builders.test-support.js';

function batch(...values: string[]): Buffer {
  return encodeRecordBatchSync(
    createRecordBatch({ records: values.map((value) => ({ value: Buffer.from(value) })) }),
  );
}

describe('Fetch', () => {
  let broker: TestBroker;
  before(async () => {
    broker = await createTestBroker();
    await broker.call(ApiKey.CreateTopics, 7, createTopicsBody([{ name: 'events' }, { name: 'quiet' }]));
    await broker.call(ApiKey.Produce, 9, produceBody('events', 0, batch('a', 'b')));
    await broker.call(ApiKey.Produce, 9, produceBody('events', 0, batch('c')));
  });
  after(() => broker.close());

  it('returns the batches from the fetch offset with the high watermark and log start', async () => {
    const response = await broker.call(ApiKey.Fetch, 12, fetchBody('events', 0, 0n));
    const partition = response?.responses[0]?.partitions[0];
    assert.equal(partition?.errorCode, ErrorCode.NONE);
    assert.equal(partition?.highWatermark, 3n);
    assert.equal(partition?.lastStableOffset, 3n);
    assert.equal(partition?.logStartOffset, 0n);
    assert.deepEqual(
      viewRecordBatches(partition?.records ?? Buffer.alloc(0)).map((view) => view.baseOffset),
      [0n, 2n],
    );
  });

  it('returns the first batch whole even above partitionMaxBytes (KIP-74)', async () => {
    const response = await broker.call(
      ApiKey.Fetch,
      12,
      fetchBody('events', 0, 0n, { partitionMaxBytes: 1 }),
    );
    const records = response?.responses[0]?.partitions[0]?.records ?? Buffer.alloc(0);
    assert.equal(viewRecordBatches(records).length, 1);
  });

  it('answers OFFSET_OUT_OF_RANGE beyond the log end', async () => {
    const response = await broker.call(ApiKey.Fetch, 12, fetchBody('events', 0, 99n));
    assert.equal(response?.responses[0]?.partitions[0]?.errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
  });

  it('answers UNKNOWN_TOPIC_OR_PARTITION by name and UNKNOWN_TOPIC_ID by id (v13+)', async () => {
    const byName = await broker.call(ApiKey.Fetch, 12, fetchBody('nope', 0, 0n));
    assert.equal(byName?.responses[0]?.partitions[0]?.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const byId = await broker.call(
      ApiKey.Fetch,
      13,
      fetchBody('', 0, 0n, { topicId: 'AAAAAAAAAAAAAAAAAAAAAQ' }),
    );
    assert.equal(byId?.responses[0]?.partitions[0]?.errorCode, ErrorCode.UNKNOWN_TOPIC_ID);
  });

  it('fetches by topic id at v13+', async () => {
    const topicId = broker.context.metadata().topicsByName.get('events')?.id ?? '';
    const response = await broker.call(ApiKey.Fetch, 16, fetchBody('', 0, 2n, { topicId }));
    assert.equal(response?.responses[0]?.topicId, topicId);
    assert.equal(response?.responses[0]?.partitions[0]?.errorCode, ErrorCode.NONE);
  });

  it('waits up to max.wait.ms and answers empty when nothing arrives', async () => {
    const started = performance.now();
    const response = await broker.call(ApiKey.Fetch, 12, fetchBody('quiet', 0, 0n, { maxWaitMs: 50 }));
    assert.ok(performance.now() - started >= 45);
    assert.equal(response?.responses[0]?.partitions[0]?.records?.length ?? 0, 0);
  });

  it('a long poll is answered by a produce before max.wait.ms', async () => {
    const started = performance.now();
    const pending = broker.call(ApiKey.Fetch, 12, fetchBody('quiet', 0, 0n, { maxWaitMs: 20_000 }));
    await broker.call(ApiKey.Produce, 9, produceBody('quiet', 0, batch('wake')));
    const response = await pending;
    assert.ok(performance.now() - started < 10_000);
    assert.equal(
      viewRecordBatches(response?.responses[0]?.partitions[0]?.records ?? Buffer.alloc(0)).length,
      1,
    );
  });

  it('down-converts records to magic 0 for v0-1 and magic 1 for v2-3, offsets and values kept', async () => {
    for (const [version, magic] of [
      [0, 0],
      [1, 0],
      [2, 1],
      [3, 1],
    ] as const) {
      const response = await broker.call(ApiKey.Fetch, version, fetchBody('events', 0, 0n));
      const partition = response?.responses[0]?.partitions[0];
      assert.equal(partition?.errorCode, ErrorCode.NONE, `v${version}`);
      const set = decodeMessageSetSync(partition?.records ?? Buffer.alloc(0));
      assert.deepEqual(
        set.records.slice(0, 3).map((record) => [record.offset, record.magic, record.value?.toString()]),
        [
          [0n, magic, 'a'],
          [1n, magic, 'b'],
          [2n, magic, 'c'],
        ],
        `v${version}`,
      );
    }
  });

  it('answers UNSUPPORTED_COMPRESSION_TYPE below v10 for a topic whose compression.type is zstd', async () => {
    await broker.call(
      ApiKey.CreateTopics,
      7,
      createTopicsBody([{ name: 'zstd', configs: { 'compression.type': 'zstd' } }]),
    );
    await broker.call(ApiKey.Produce, 9, produceBody('zstd', 0, batch('z')));
    const old = await broker.call(ApiKey.Fetch, 9, fetchBody('zstd', 0, 0n));
    assert.equal(old?.responses[0]?.partitions[0]?.errorCode, ErrorCode.UNSUPPORTED_COMPRESSION_TYPE);
    const current = await broker.call(ApiKey.Fetch, 10, fetchBody('zstd', 0, 0n));
    const records = current?.responses[0]?.partitions[0]?.records ?? Buffer.alloc(0);
    assert.equal(viewRecordBatches(records)[0]?.compression, CompressionCodec.zstd);
  });

  it('reads files into pooled buffers that go back to the pool once the response was written', async () => {
    await broker.call(ApiKey.CreateTopics, 7, createTopicsBody([{ name: 'large' }]));
    const values = ['a', 'b', 'c', 'd'].map((letter) => letter.repeat(100 * 1024));
    for (const value of values) await broker.call(ApiKey.Produce, 9, produceBody('large', 0, batch(value)));
    const pool = broker.context.readBuffers;
    const readValues = async (offset: bigint): Promise<string[]> => {
      const response = await broker.call(ApiKey.Fetch, 12, fetchBody('large', 0, offset));
      const records = response?.responses[0]?.partitions[0]?.records ?? Buffer.alloc(0);
      return viewRecordBatches(records).flatMap((view) =>
        decodeRecordBatchSync(view).records.map((record) => record.value?.toString() ?? ''),
      );
    };
    const before = pool.pooledBytes;
    // The latest appends are kept in memory (the log's read tail): offset 0 needs a file read.
    assert.deepEqual(await readValues(0n), values);
    const pooled = pool.pooledBytes;
    assert.ok(pooled > before, 'the read buffer went back to the pool after the response');
    assert.deepEqual(await readValues(1n), values.slice(1), 'a reused buffer reads the right bytes');
    assert.equal(pool.pooledBytes, pooled, 'the same buffer taken and given back again');
  });

  describe('fetch sessions (KIP-227)', () => {
    it('a full fetch at epoch 0 opens a session; incremental fetches carry only what is new', async () => {
      const full = await broker.call(ApiKey.Fetch, 12, fetchBody('events', 0, 0n, { sessionEpoch: 0 }));
      const sessionId = full?.sessionId ?? 0;
      assert.ok(sessionId > 0);
      assert.equal(full?.responses[0]?.partitions[0]?.highWatermark, 3n);
      const idle = await broker.call(ApiKey.Fetch, 12, {
        ...fetchBody('events', 0, 3n, { sessionId, sessionEpoch: 1 }),
      });
      assert.equal(idle?.errorCode, ErrorCode.NONE);
      assert.equal(idle?.sessionId, sessionId);
      assert.deepEqual(idle?.responses, []);
      await broker.call(ApiKey.Produce, 9, produceBody('events', 0, batch('d')));
      const next = await broker.call(ApiKey.Fetch, 12, {
        ...fetchBody('events', 0, 3n, { sessionId, sessionEpoch: 2 }),
        topics: [],
      });
      const partition = next?.responses[0]?.partitions[0];
      assert.equal(partition?.highWatermark, 4n);
      assert.deepEqual(
        viewRecordBatches(partition?.records ?? Buffer.alloc(0)).map((view) => view.baseOffset),
        [3n],
      );
    });

    it('answers FETCH_SESSION_ID_NOT_FOUND and INVALID_FETCH_SESSION_EPOCH at the top level', async () => {
      const unknown = await broker.call(
        ApiKey.Fetch,
        12,
        fetchBody('events', 0, 0n, { sessionId: 12345, sessionEpoch: 1 }),
      );
      assert.equal(unknown?.errorCode, ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
      assert.deepEqual(unknown?.responses, []);
      const full = await broker.call(ApiKey.Fetch, 12, fetchBody('events', 0, 0n, { sessionEpoch: 0 }));
      const sessionId = full?.sessionId ?? 0;
      const wrong = await broker.call(
        ApiKey.Fetch,
        12,
        fetchBody('events', 0, 0n, { sessionId, sessionEpoch: 5 }),
      );
      assert.equal(wrong?.errorCode, ErrorCode.INVALID_FETCH_SESSION_EPOCH);
    });

    it('answers FETCH_SESSION_TOPIC_ID_ERROR when a name session continues with topic ids (v13+)', async () => {
      const full = await broker.call(ApiKey.Fetch, 12, fetchBody('events', 0, 0n, { sessionEpoch: 0 }));
      const topicId = broker.context.metadata().topicsByName.get('events')?.id ?? '';
      const mixed = await broker.call(
        ApiKey.Fetch,
        13,
        fetchBody('', 0, 0n, { topicId, sessionId: full?.sessionId ?? 0, sessionEpoch: 1 }),
      );
      assert.equal(mixed?.errorCode, ErrorCode.FETCH_SESSION_TOPIC_ID_ERROR);
    });

    it('keeps answering an unknown topic id in a v13 session with UNKNOWN_TOPIC_ID', async () => {
      const missing = 'AAAAAAAAAAAAAAAAAAAABQ';
      const full = await broker.call(
        ApiKey.Fetch,
        13,
        fetchBody('', 0, 0n, { topicId: missing, sessionEpoch: 0 }),
      );
      assert.equal(full?.responses[0]?.partitions[0]?.errorCode, ErrorCode.UNKNOWN_TOPIC_ID);
      const next = await broker.call(ApiKey.Fetch, 13, {
        ...fetchBody('', 0, 0n, { sessionId: full?.sessionId ?? 0, sessionEpoch: 1 }),
        topics: [],
      });
      assert.equal(next?.responses[0]?.topicId, missing);
      assert.equal(next?.responses[0]?.partitions[0]?.errorCode, ErrorCode.UNKNOWN_TOPIC_ID);
    });

    it('answers INCONSISTENT_TOPIC_ID (name session) and UNKNOWN_TOPIC_ID (id session) once the topic is recreated', async () => {
      await broker.call(ApiKey.CreateTopics, 7, createTopicsBody([{ name: 'reborn' }]));
      const oldId = broker.context.metadata().topicsByName.get('reborn')?.id ?? '';
      const byName = await broker.call(ApiKey.Fetch, 12, fetchBody('reborn', 0, 0n, { sessionEpoch: 0 }));
      const byId = await broker.call(
        ApiKey.Fetch,
        13,
        fetchBody('', 0, 0n, { topicId: oldId, sessionEpoch: 0 }),
      );
      await broker.call(ApiKey.DeleteTopics, 6, {
        topics: [{ name: 'reborn', topicId: ZERO_UUID }],
        topicNames: [],
        timeoutMs: 5000,
      });
      await broker.call(ApiKey.CreateTopics, 7, createTopicsBody([{ name: 'reborn' }]));
      assert.notEqual(broker.context.metadata().topicsByName.get('reborn')?.id, oldId);
      const nameNext = await broker.call(ApiKey.Fetch, 12, {
        ...fetchBody('reborn', 0, 0n, { sessionId: byName?.sessionId ?? 0, sessionEpoch: 1 }),
        topics: [],
      });
      assert.equal(nameNext?.responses[0]?.partitions[0]?.errorCode, ErrorCode.INCONSISTENT_TOPIC_ID);
      const idNext = await broker.call(ApiKey.Fetch, 13, {
        ...fetchBody('', 0, 0n, { sessionId: byId?.sessionId ?? 0, sessionEpoch: 1 }),
        topics: [],
      });
      assert.equal(idNext?.responses[0]?.topicId, oldId);
      assert.equal(idNext?.responses[0]?.partitions[0]?.errorCode, ErrorCode.UNKNOWN_TOPIC_ID);
    });

    it('forgets partitions named in forgottenTopicsData', async () => {
      const full = await broker.call(ApiKey.Fetch, 12, fetchBody('events', 0, 0n, { sessionEpoch: 0 }));
      const sessionId = full?.sessionId ?? 0;
      await broker.call(ApiKey.Fetch, 12, {
        ...fetchBody('events', 0, 0n, { sessionId, sessionEpoch: 1 }),
        topics: [],
        forgottenTopicsData: [{ topic: 'events', topicId: ZERO_UUID, partitions: [0] }],
      });
      assert.equal(broker.context.fetchSessions.get(sessionId)?.partitions.size, 0);
    });
  });
});
