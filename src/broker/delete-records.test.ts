// DeleteRecords through the dispatcher over in-memory logs: the log start offset moves (-1 meaning
// the high watermark), ListOffsets earliest and fetches below it see it, and every refusal.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ApiKey,
  createRecordBatch,
  type DeleteRecordsRequest,
  ErrorCode,
  encodeRecordBatchSync,
} from '../protocol/index.js';
import { LOG_START_OFFSET_CHECKPOINT, readOffsetCheckpoint } from '../storage/index.js';
import { createTestBroker, type TestBroker } from './broker-test-kit.js';
import {
  createTopicsBody,
  fetchBody,
  listOffsetsBody,
  produceBody,
} from './request-builders.test-support.js';

function body(topic: string, partitions: [number, bigint][]): DeleteRecordsRequest {
  return {
    topics: [
      { name: topic, partitions: partitions.map(([partitionIndex, offset]) => ({ partitionIndex, offset })) },
    ],
    timeoutMs: 5000,
  };
}

async function withRecords(count: number): Promise<TestBroker> {
  const broker = await createTestBroker();
  await broker.call(ApiKey.CreateTopics, 7, createTopicsBody([{ name: 'log', numPartitions: 2 }]));
  for (let index = 0; index < count; index += 1) {
    const batch = encodeRecordBatchSync(
      createRecordBatch({ records: [{ value: Buffer.from(`v${index}`) }] }),
    );
    const produced = await broker.call(ApiKey.Produce, 9, produceBody('log', 0, batch));
    assert.equal(produced?.responses[0]?.partitionResponses[0]?.errorCode, ErrorCode.NONE);
  }
  return broker;
}

describe('DeleteRecords', () => {
  it('moves the log start offset; ListOffsets earliest and fetches below it reflect it', async () => {
    const broker = await withRecords(5);
    const response = await broker.call(ApiKey.DeleteRecords, 2, body('log', [[0, 3n]]));
    assert.deepEqual(response?.topics[0]?.partitions[0], {
      partitionIndex: 0,
      lowWatermark: 3n,
      errorCode: ErrorCode.NONE,
    });
    const earliest = await broker.call(ApiKey.ListOffsets, 7, listOffsetsBody('log', 0, -2n));
    assert.equal(earliest?.topics[0]?.partitions[0]?.offset, 3n);
    const below = await broker.call(ApiKey.Fetch, 12, fetchBody('log', 0, 1n));
    assert.equal(below?.responses[0]?.partitions[0]?.errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
    assert.equal(below?.responses[0]?.partitions[0]?.logStartOffset, 3n);
    const from = await broker.call(ApiKey.Fetch, 12, fetchBody('log', 0, 3n));
    assert.equal(from?.responses[0]?.partitions[0]?.errorCode, ErrorCode.NONE);
    assert.ok((from?.responses[0]?.partitions[0]?.records?.length ?? 0) > 0);
    const lower = await broker.call(ApiKey.DeleteRecords, 0, body('log', [[0, 1n]]));
    assert.equal(lower?.topics[0]?.partitions[0]?.lowWatermark, 3n, 'the log start never moves back');
    await broker.close();
  });

  it('offset -1 deletes up to the high watermark', async () => {
    const broker = await withRecords(4);
    const response = await broker.call(ApiKey.DeleteRecords, 1, body('log', [[0, -1n]]));
    assert.equal(response?.topics[0]?.partitions[0]?.lowWatermark, 4n);
    const earliest = await broker.call(ApiKey.ListOffsets, 7, listOffsetsBody('log', 0, -2n));
    assert.equal(earliest?.topics[0]?.partitions[0]?.offset, 4n);
    await broker.close();
  });

  it('answers OFFSET_OUT_OF_RANGE beyond the high watermark and UNKNOWN_TOPIC_OR_PARTITION for unknowns', async () => {
    const broker = await withRecords(2);
    const beyond = await broker.call(
      ApiKey.DeleteRecords,
      2,
      body('log', [
        [0, 3n],
        [0, -5n],
        [1, 0n],
        [7, 0n],
      ]),
    );
    assert.deepEqual(
      beyond?.topics[0]?.partitions.map((p) => [p.partitionIndex, p.errorCode, p.lowWatermark]),
      [
        [0, ErrorCode.OFFSET_OUT_OF_RANGE, -1n],
        [0, ErrorCode.OFFSET_OUT_OF_RANGE, -1n],
        [1, ErrorCode.NONE, 0n],
        [7, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, -1n],
      ],
    );
    const unknown = await broker.call(ApiKey.DeleteRecords, 2, body('nope', [[0, 0n]]));
    assert.equal(unknown?.topics[0]?.partitions[0]?.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const internal = await broker.call(ApiKey.DeleteRecords, 2, body('__consumer_offsets', [[0, 0n]]));
    assert.equal(internal?.topics[0]?.partitions[0]?.errorCode, ErrorCode.INVALID_TOPIC_EXCEPTION);
    await broker.close();
  });

  it('checkpoints the new log start offset before answering', async () => {
    const broker = await withRecords(3);
    await broker.call(ApiKey.DeleteRecords, 2, body('log', [[0, 2n]]));
    const checkpoint = await readOffsetCheckpoint(broker.fs, `/logs/${LOG_START_OFFSET_CHECKPOINT}`);
    assert.equal(checkpoint.get('log-0'), 2n);
    await broker.close();
  });
});
