// CreatePartitions through the dispatcher, the local controller and in-memory logs: new partitions
// get PartitionRecords and logs, and every refusal Kafka's controller gives a single node.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiKey, type CreatePartitionsRequest, ErrorCode } from '../protocol/index.js';
import { createTestBroker } from './broker-test-kit.js';
import { createTopicsBody, metadataBody } from './request-builders.test-support.js';

function body(
  topics: { name: string; count: number; assignments?: number[][] }[],
  validateOnly = false,
): CreatePartitionsRequest {
  return {
    topics: topics.map((topic) => ({
      name: topic.name,
      count: topic.count,
      assignments: topic.assignments?.map((brokerIds) => ({ brokerIds })) ?? null,
    })),
    timeoutMs: 5000,
    validateOnly,
  };
}

describe('CreatePartitions', () => {
  it('adds partitions that Metadata lists and that have logs, with or without explicit assignments', async () => {
    const broker = await createTestBroker();
    await broker.call(ApiKey.CreateTopics, 7, createTopicsBody([{ name: 'grow', numPartitions: 2 }]));
    const response = await broker.call(ApiKey.CreatePartitions, 3, body([{ name: 'grow', count: 4 }]));
    assert.deepEqual(response?.results, [{ name: 'grow', errorCode: ErrorCode.NONE, errorMessage: null }]);
    const explicit = await broker.call(
      ApiKey.CreatePartitions,
      0,
      body([{ name: 'grow', count: 5, assignments: [[1]] }]),
    );
    assert.equal(explicit?.results[0]?.errorCode, ErrorCode.NONE);
    const metadata = await broker.call(ApiKey.Metadata, 12, metadataBody(['grow']));
    assert.deepEqual(
      metadata?.topics[0]?.partitions.map((p) => [p.partitionIndex, p.leaderId, p.replicaNodes]),
      [0, 1, 2, 3, 4].map((index) => [index, 1, [1]]),
    );
    for (const index of [2, 3, 4]) {
      assert.equal(broker.logs.getLog('grow', index)?.logEndOffset, 0n);
      assert.ok(broker.context.replicas.getPartition('grow', index) !== undefined);
    }
    await broker.close();
  });

  it('validateOnly checks without adding', async () => {
    const broker = await createTestBroker();
    await broker.call(ApiKey.CreateTopics, 7, createTopicsBody([{ name: 'dry' }]));
    const response = await broker.call(ApiKey.CreatePartitions, 3, body([{ name: 'dry', count: 3 }], true));
    assert.equal(response?.results[0]?.errorCode, ErrorCode.NONE);
    assert.equal(broker.context.metadata().topicsByName.get('dry')?.partitions.size, 1);
    assert.equal(broker.logs.getLog('dry', 1), undefined);
    await broker.close();
  });

  it('refuses unknown topics, counts not above the current one, bad assignments and duplicates', async () => {
    const broker = await createTestBroker();
    await broker.call(ApiKey.CreateTopics, 7, createTopicsBody([{ name: 'three', numPartitions: 3 }]));
    const response = await broker.call(
      ApiKey.CreatePartitions,
      3,
      body([
        { name: 'missing', count: 2 },
        { name: 'three', count: 2 },
        { name: 'three', count: 3 },
        { name: 'dup', count: 4 },
        { name: 'dup', count: 4 },
      ]),
    );
    assert.deepEqual(
      response?.results.map((r) => [r.name, r.errorCode]),
      [
        ['missing', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
        ['three', ErrorCode.INVALID_REQUEST],
        ['three', ErrorCode.INVALID_REQUEST],
        ['dup', ErrorCode.INVALID_REQUEST],
        ['dup', ErrorCode.INVALID_REQUEST],
      ],
    );
    const cases: [number, number[][] | undefined, number][] = [
      [2, undefined, ErrorCode.INVALID_PARTITIONS],
      [3, undefined, ErrorCode.INVALID_PARTITIONS],
      [100_000, undefined, ErrorCode.INVALID_PARTITIONS],
      [5, [[1]], ErrorCode.INVALID_REPLICA_ASSIGNMENT],
      [4, [[2]], ErrorCode.INVALID_REPLICA_ASSIGNMENT],
      [4, [[1, 1]], ErrorCode.INVALID_REPLICA_ASSIGNMENT],
      [4, [[]], ErrorCode.INVALID_REPLICA_ASSIGNMENT],
    ];
    for (const [count, assignments, expected] of cases) {
      const answer = await broker.call(
        ApiKey.CreatePartitions,
        1,
        body([{ name: 'three', count, ...(assignments === undefined ? {} : { assignments }) }]),
      );
      assert.equal(answer?.results[0]?.errorCode, expected, `count ${count} ${JSON.stringify(assignments)}`);
      assert.ok((answer?.results[0]?.errorMessage ?? '').length > 0);
    }
    assert.equal(broker.context.metadata().topicsByName.get('three')?.partitions.size, 3);
    await broker.close();
  });
});
