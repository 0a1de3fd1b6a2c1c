// DescribeTopicPartitions (KIP-966) through the dispatcher: requested or all topics in name order,
// unknown names, the response partition limit and cursor pagination across topics.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ApiKey,
  type DescribeTopicPartitionsRequest,
  type DescribeTopicPartitionsResponse,
  ErrorCode,
} from '../protocol/index.js';
import { TOPIC_AUTHORIZED_OPERATIONS } from './authorized-operations.js';
import { createTestBroker, type TestBroker } from './broker-test-kit.js';
import { createTopicsBody } from './request-builders.test-support.js';

function body(
  names: string[],
  responsePartitionLimit = 2000,
  cursor: DescribeTopicPartitionsRequest['cursor'] = null,
): DescribeTopicPartitionsRequest {
  return { topics: names.map((name) => ({ name })), responsePartitionLimit, cursor };
}

async function withTopics(): Promise<TestBroker> {
  const broker = await createTestBroker();
  await broker.call(
    ApiKey.CreateTopics,
    7,
    createTopicsBody([
      { name: 'c', numPartitions: 2 },
      { name: 'a', numPartitions: 3 },
      { name: 'b', numPartitions: 1 },
    ]),
  );
  return broker;
}

/** Every page from the first, as [topic, partition] pairs per page. */
async function pages(broker: TestBroker, names: string[], limit: number): Promise<string[][]> {
  const result: string[][] = [];
  let cursor: DescribeTopicPartitionsRequest['cursor'] = null;
  for (let round = 0; round < 20; round += 1) {
    const response: DescribeTopicPartitionsResponse | null = await broker.call(
      ApiKey.DescribeTopicPartitions,
      0,
      body(names, limit, cursor),
    );
    result.push(
      (response?.topics ?? []).flatMap((t) =>
        t.partitions.length === 0
          ? [`${t.name}:error${t.errorCode}`]
          : t.partitions.map((p) => `${t.name}-${p.partitionIndex}`),
      ),
    );
    cursor = response?.nextCursor ?? null;
    if (cursor === null) return result;
  }
  throw new Error('pagination did not end');
}

describe('DescribeTopicPartitions', () => {
  it('describes every topic in name order with partitions, ids and authorized operations', async () => {
    const broker = await withTopics();
    const response = await broker.call(ApiKey.DescribeTopicPartitions, 0, body([]));
    assert.deepEqual(
      response?.topics.map((t) => [t.name, t.errorCode, t.partitions.length]),
      [
        ['a', 0, 3],
        ['b', 0, 1],
        ['c', 0, 2],
      ],
    );
    const a = response?.topics[0];
    assert.equal(a?.topicId, broker.context.metadata().topicsByName.get('a')?.id);
    assert.equal(a?.topicAuthorizedOperations, TOPIC_AUTHORIZED_OPERATIONS);
    assert.deepEqual(a?.partitions[2], {
      errorCode: 0,
      partitionIndex: 2,
      leaderId: 1,
      leaderEpoch: 0,
      replicaNodes: [1],
      isrNodes: [1],
      eligibleLeaderReplicas: null,
      lastKnownElr: null,
      offlineReplicas: [],
    });
    assert.equal(response?.nextCursor, null);
    await broker.close();
  });

  it('answers unknown and illegal names with their error', async () => {
    const broker = await withTopics();
    const response = await broker.call(ApiKey.DescribeTopicPartitions, 0, body(['b', 'nope', 'bad/name']));
    assert.deepEqual(
      response?.topics.map((t) => [t.name, t.errorCode]),
      [
        ['b', ErrorCode.NONE],
        ['bad/name', ErrorCode.INVALID_TOPIC_EXCEPTION],
        ['nope', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      ],
    );
    await broker.close();
  });

  it('pages by the response partition limit with a cursor, within and across topics', async () => {
    const broker = await withTopics();
    assert.deepEqual(await pages(broker, [], 2), [
      ['a-0', 'a-1'],
      ['a-2', 'b-0'],
      ['c-0', 'c-1'],
    ]);
    assert.deepEqual(await pages(broker, [], 4), [
      ['a-0', 'a-1', 'a-2', 'b-0'],
      ['c-0', 'c-1'],
    ]);
    assert.deepEqual(await pages(broker, ['c', 'a'], 4), [['a-0', 'a-1', 'a-2', 'c-0'], ['c-1']]);
    const fromCursor = await broker.call(
      ApiKey.DescribeTopicPartitions,
      0,
      body([], 10, { topicName: 'a', partitionIndex: 2 }),
    );
    assert.deepEqual(
      fromCursor?.topics.map((t) => [t.name, t.partitions.map((p) => p.partitionIndex)]),
      [
        ['a', [2]],
        ['b', [0]],
        ['c', [0, 1]],
      ],
    );
    await broker.close();
  });

  it('refuses a cursor on a topic outside the requested list', async () => {
    const broker = await withTopics();
    const response = await broker.call(
      ApiKey.DescribeTopicPartitions,
      0,
      body(['a'], 10, { topicName: 'c', partitionIndex: 0 }),
    );
    assert.deepEqual(
      response?.topics.map((t) => [t.name, t.errorCode]),
      [['a', ErrorCode.INVALID_REQUEST]],
    );
    await broker.close();
  });
});
