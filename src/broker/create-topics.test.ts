// CreateTopics through the dispatcher and the local controller: every refusal Kafka gives a single node.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiKey, ErrorCode } from '../protocol/index.js';
import { createTestBroker } from './broker-test-kit.js';
import { createTopicsBody } from './request-builders.test-support.js';

describe('CreateTopics', () => {
  it('creates topics, then answers TOPIC_ALREADY_EXISTS', async () => {
    const broker = await createTestBroker();
    const first = await broker.call(
      ApiKey.CreateTopics,
      7,
      createTopicsBody([{ name: 'events', numPartitions: 4 }]),
    );
    assert.equal(first?.topics[0]?.errorCode, ErrorCode.NONE);
    assert.equal(first?.topics[0]?.numPartitions, 4);
    const again = await broker.call(ApiKey.CreateTopics, 7, createTopicsBody([{ name: 'events' }]));
    assert.equal(again?.topics[0]?.errorCode, ErrorCode.TOPIC_ALREADY_EXISTS);
    await broker.close();
  });

  it('refuses bad names, partitions, replication factors and configs', async () => {
    const broker = await createTestBroker();
    const response = await broker.call(
      ApiKey.CreateTopics,
      7,
      createTopicsBody([
        { name: '..' },
        { name: 'x'.repeat(250) },
        { name: 'a/b' },
        { name: 'zero', numPartitions: 0 },
        { name: 'three', replicationFactor: 3 },
        { name: 'cfg', configs: { 'no.such.config': '1' } },
        { name: 'cfg2', configs: { 'retention.ms': 'soon' } },
        { name: '__cluster_metadata' },
        { name: '__consumer_offsets' },
        { name: '__transaction_state' },
      ]),
    );
    assert.deepEqual(
      response?.topics.map((t) => t.errorCode),
      [
        ErrorCode.INVALID_TOPIC_EXCEPTION,
        ErrorCode.INVALID_TOPIC_EXCEPTION,
        ErrorCode.INVALID_TOPIC_EXCEPTION,
        ErrorCode.INVALID_PARTITIONS,
        ErrorCode.INVALID_REPLICATION_FACTOR,
        ErrorCode.INVALID_CONFIG,
        ErrorCode.INVALID_CONFIG,
        ErrorCode.INVALID_TOPIC_EXCEPTION,
        ErrorCode.INVALID_REQUEST,
        ErrorCode.INVALID_REQUEST,
      ],
    );
    await broker.close();
  });

  it('validateOnly creates nothing; a duplicate name in one request is INVALID_REQUEST', async () => {
    const broker = await createTestBroker();
    const validated = await broker.call(ApiKey.CreateTopics, 7, createTopicsBody([{ name: 'dry' }], true));
    assert.equal(validated?.topics[0]?.errorCode, ErrorCode.NONE);
    assert.equal(broker.context.metadata().topicsByName.has('dry'), false);
    const twice = await broker.call(
      ApiKey.CreateTopics,
      7,
      createTopicsBody([{ name: 'dup' }, { name: 'dup' }]),
    );
    assert.deepEqual(
      twice?.topics.map((t) => t.errorCode),
      [ErrorCode.INVALID_REQUEST, ErrorCode.INVALID_REQUEST],
    );
    await broker.close();
  });
});
