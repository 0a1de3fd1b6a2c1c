// DeleteTopics through the dispatcher, the local controller and in-memory logs: by name and by id,
// every refusal, what later requests see, held fetches answering, and re-creation under the same name.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ApiKey,
  createRecordBatch,
  ErrorCode,
  encodeRecordBatchSync,
  type Uuid,
  ZERO_UUID,
} from '../protocol/index.js';
import { createTestBroker, type TestBroker } from './broker-test-kit.js';
import {
  createTopicsBody,
  fetchBody,
  listOffsetsBody,
  metadataBody,
  produceBody,
} from './request-builders.test-support.js';

function records(...values: string[]): Buffer {
  return encodeRecordBatchSync(
    createRecordBatch({ records: values.map((value) => ({ value: Buffer.from(value) })) }),
  );
}

async function createTopic(broker: TestBroker, name: string, numPartitions = 1): Promise<Uuid> {
  const created = await broker.call(ApiKey.CreateTopics, 7, createTopicsBody([{ name, numPartitions }]));
  assert.equal(created?.topics[0]?.errorCode, ErrorCode.NONE);
  return created?.topics[0]?.topicId ?? ZERO_UUID;
}

function byNames(...names: string[]) {
  return { topics: [], topicNames: names, timeoutMs: 5000 };
}

function byRefs(...refs: { name?: string; topicId?: Uuid }[]) {
  return {
    topics: refs.map((ref) => ({ name: ref.name ?? null, topicId: ref.topicId ?? ZERO_UUID })),
    topicNames: [],
    timeoutMs: 5000,
  };
}

describe('DeleteTopics', () => {
  it('deletes by name (v1-5): the topic leaves the metadata and every partition log is removed', async () => {
    const broker = await createTestBroker();
    const topicId = await createTopic(broker, 'orders', 3);
    await broker.call(ApiKey.Produce, 9, produceBody('orders', 1, records('a', 'b')));
    for (const version of [1, 5]) {
      const response = await broker.call(
        ApiKey.DeleteTopics,
        version,
        byNames(version === 1 ? 'orders' : 'none'),
      );
      const expected = version === 1 ? ErrorCode.NONE : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      assert.equal(response?.responses[0]?.errorCode, expected);
    }
    assert.equal(broker.context.metadata().topicsById.has(topicId), false);
    for (const partition of [0, 1, 2]) {
      assert.equal(broker.logs.getLog('orders', partition), undefined);
      assert.equal(broker.context.replicas.getPartition('orders', partition), undefined);
    }
    assert.equal(broker.logs.pendingDeletedDirs().length, 3);
    assert.ok(broker.logs.pendingDeletedDirs().every((dir) => /\/orders-\d\.[0-9a-f]+-delete$/.test(dir)));
    await broker.close();
  });

  it('deletes by id (v6) and answers with the name; unknown ids get UNKNOWN_TOPIC_ID', async () => {
    const broker = await createTestBroker();
    const topicId = await createTopic(broker, 'by-id');
    const unknownId = 'AAAAAAAAAAAAAAAAAAAAAQ';
    const response = await broker.call(ApiKey.DeleteTopics, 6, byRefs({ topicId }, { topicId: unknownId }));
    assert.deepEqual(response?.responses, [
      { name: 'by-id', topicId, errorCode: ErrorCode.NONE, errorMessage: null },
      {
        name: null,
        topicId: unknownId,
        errorCode: ErrorCode.UNKNOWN_TOPIC_ID,
        errorMessage: `Topic id ${unknownId} does not exist.`,
      },
    ]);
    assert.equal(broker.context.metadata().topicsByName.has('by-id'), false);
    await broker.close();
  });

  it('v6 by name answers the deleted topic id', async () => {
    const broker = await createTestBroker();
    const topicId = await createTopic(broker, 'named');
    const response = await broker.call(ApiKey.DeleteTopics, 6, byRefs({ name: 'named' }));
    assert.equal(response?.responses[0]?.topicId, topicId);
    assert.equal(response?.responses[0]?.errorCode, ErrorCode.NONE);
    await broker.close();
  });

  it('refuses internal topics, entries without name or id, and duplicates', async () => {
    const broker = await createTestBroker();
    await createTopic(broker, 'twice');
    const response = await broker.call(
      ApiKey.DeleteTopics,
      6,
      byRefs(
        { name: '__cluster_metadata' },
        { name: '__consumer_offsets' },
        {},
        { name: 'twice' },
        { name: 'twice' },
      ),
    );
    const codes = new Map(response?.responses.map((r) => [`${r.name}`, r.errorCode]));
    assert.equal(codes.get('__cluster_metadata'), ErrorCode.INVALID_TOPIC_EXCEPTION);
    assert.equal(codes.get('__consumer_offsets'), ErrorCode.INVALID_TOPIC_EXCEPTION);
    assert.equal(codes.get('null'), ErrorCode.INVALID_REQUEST);
    assert.equal(codes.get('twice'), ErrorCode.INVALID_REQUEST);
    assert.equal(response?.responses.length, 4);
    assert.equal(broker.context.metadata().topicsByName.has('twice'), true);
    await broker.close();
  });

  it('answers TOPIC_DELETION_DISABLED when delete.topic.enable is false', async () => {
    const broker = await createTestBroker({ deleteTopicEnable: false });
    await createTopic(broker, 'kept');
    const response = await broker.call(ApiKey.DeleteTopics, 4, byNames('kept'));
    assert.equal(response?.responses[0]?.errorCode, ErrorCode.TOPIC_DELETION_DISABLED);
    assert.equal(broker.context.metadata().topicsByName.has('kept'), true);
    await broker.close();
  });

  it('later Produce, Fetch, ListOffsets and Metadata answer UNKNOWN_TOPIC_OR_PARTITION / UNKNOWN_TOPIC_ID', async () => {
    const broker = await createTestBroker();
    const topicId = await createTopic(broker, 'gone');
    await broker.call(ApiKey.DeleteTopics, 6, byRefs({ name: 'gone' }));
    const produce = await broker.call(ApiKey.Produce, 9, produceBody('gone', 0, records('x')));
    assert.equal(
      produce?.responses[0]?.partitionResponses[0]?.errorCode,
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
    );
    const fetchByName = await broker.call(ApiKey.Fetch, 12, fetchBody('gone', 0, 0n));
    assert.equal(fetchByName?.responses[0]?.partitions[0]?.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const fetchById = await broker.call(ApiKey.Fetch, 13, fetchBody('', 0, 0n, { topicId }));
    assert.equal(fetchById?.responses[0]?.partitions[0]?.errorCode, ErrorCode.UNKNOWN_TOPIC_ID);
    const offsets = await broker.call(ApiKey.ListOffsets, 7, listOffsetsBody('gone', 0, -1n));
    assert.equal(offsets?.topics[0]?.partitions[0]?.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const metadata = await broker.call(ApiKey.Metadata, 12, metadataBody(['gone']));
    assert.equal(metadata?.topics[0]?.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    await broker.close();
  });

  it('a fetch held in long poll on a deleted partition answers at once with UNKNOWN_TOPIC_OR_PARTITION', async () => {
    const broker = await createTestBroker();
    await createTopic(broker, 'polled');
    const held = broker.call(ApiKey.Fetch, 12, fetchBody('polled', 0, 0n, { maxWaitMs: 60_000 }));
    const deadline = Date.now() + 5000;
    while (broker.context.replicas.delayedFetches.size === 0) {
      assert.ok(Date.now() < deadline, 'the fetch never started waiting');
      await new Promise((resolve) => setImmediate(resolve));
    }
    const started = performance.now();
    await broker.call(ApiKey.DeleteTopics, 4, byNames('polled'));
    const response = await held;
    assert.ok(performance.now() - started < 10_000);
    assert.equal(response?.responses[0]?.partitions[0]?.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    assert.equal(broker.context.replicas.delayedFetches.size, 0);
    await broker.close();
  });

  it('a topic re-created under the same name gets a new id and an empty log', async () => {
    const broker = await createTestBroker();
    const firstId = await createTopic(broker, 'again');
    await broker.call(ApiKey.Produce, 9, produceBody('again', 0, records('old-1', 'old-2')));
    await broker.call(ApiKey.DeleteTopics, 4, byNames('again'));
    const secondId = await createTopic(broker, 'again');
    assert.notEqual(secondId, firstId);
    const latest = await broker.call(ApiKey.ListOffsets, 7, listOffsetsBody('again', 0, -1n));
    assert.equal(latest?.topics[0]?.partitions[0]?.offset, 0n);
    const fetched = await broker.call(ApiKey.Fetch, 12, fetchBody('again', 0, 0n));
    assert.equal(fetched?.responses[0]?.partitions[0]?.records?.length ?? 0, 0);
    await broker.close();
  });
});
