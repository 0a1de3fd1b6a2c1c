// Metadata through the dispatcher: topics with ids, unknown and illegal names, auto-creation rules.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiKey, ErrorCode, ZERO_UUID } from '../protocol/index.js';
import { createTestBroker } from './broker-test-kit.js';
import { createTopicsBody, metadataBody } from './request-builders.test-support.js';

describe('Metadata', () => {
  it('lists every topic with its id and partitions for a null topic list', async () => {
    const broker = await createTestBroker();
    await broker.call(ApiKey.CreateTopics, 7, createTopicsBody([{ name: 'events', numPartitions: 3 }]));
    const response = await broker.call(ApiKey.Metadata, 12, metadataBody(null));
    const topic = response?.topics[0];
    assert.equal(topic?.name, 'events');
    assert.notEqual(topic?.topicId, ZERO_UUID);
    assert.deepEqual(
      topic?.partitions.map((p) => [p.partitionIndex, p.leaderId, p.replicaNodes]),
      [
        [0, 1, [1]],
        [1, 1, [1]],
        [2, 1, [1]],
      ],
    );
    assert.equal(response?.clusterId, 'test-cluster');
    assert.equal(response?.controllerId, 1);
    await broker.close();
  });

  it('answers UNKNOWN_TOPIC_OR_PARTITION without auto-creation, INVALID_TOPIC_EXCEPTION for a bad name', async () => {
    const broker = await createTestBroker({ autoCreateTopicsEnable: false });
    const response = await broker.call(ApiKey.Metadata, 12, metadataBody(['missing', 'bad name'], true));
    assert.deepEqual(
      response?.topics.map((t) => t.errorCode),
      [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.INVALID_TOPIC_EXCEPTION],
    );
    await broker.close();
  });

  it('auto-creates when the broker and the request allow it, not when the request refuses', async () => {
    const broker = await createTestBroker({ autoCreateTopicsEnable: true, numPartitions: 2 });
    const refused = await broker.call(ApiKey.Metadata, 12, metadataBody(['fresh'], false));
    assert.equal(refused?.topics[0]?.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const created = await broker.call(ApiKey.Metadata, 12, metadataBody(['fresh'], true));
    assert.equal(created?.topics[0]?.errorCode, ErrorCode.NONE);
    assert.equal(created?.topics[0]?.partitions.length, 2);
    const internal = await broker.call(ApiKey.Metadata, 12, metadataBody(['__consumer_offsets'], true));
    assert.equal(internal?.topics[0]?.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'never auto-created');
    await broker.close();
  });

  it('answers UNKNOWN_TOPIC_ID for an unknown id (v12)', async () => {
    const broker = await createTestBroker();
    const response = await broker.call(ApiKey.Metadata, 12, {
      ...metadataBody([]),
      topics: [{ topicId: 'AAAAAAAAAAAAAAAAAAAAAQ', name: null }],
    });
    assert.equal(response?.topics[0]?.errorCode, ErrorCode.UNKNOWN_TOPIC_ID);
    await broker.close();
  });
});
