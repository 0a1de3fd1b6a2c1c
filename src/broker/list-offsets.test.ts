// ListOffsets through the dispatcher: earliest, latest, max timestamp, by time, and its errors.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiKey, createRecordBatch, ErrorCode, encodeRecordBatchSync } from '../protocol/index.js';
import { createTestBroker, type TestBroker } from './broker-test-kit.js';
import { createTopicsBody, listOffsetsBody, produceBody } from './request-builders.test-support.js';

function batch(timestamps: bigint[]): Buffer {
  return encodeRecordBatchSync(
    createRecordBatch({ records: timestamps.map((timestamp) => ({ value: Buffer.from('v'), timestamp })) }),
  );
}

describe('ListOffsets', () => {
  let broker: TestBroker;
  before(async () => {
    broker = await createTestBroker();
    await broker.call(ApiKey.CreateTopics, 7, createTopicsBody([{ name: 'events' }]));
    await broker.call(ApiKey.Produce, 9, produceBody('events', 0, batch([1000n, 3000n])));
    await broker.call(ApiKey.Produce, 9, produceBody('events', 0, batch([2000n])));
  });
  after(() => broker.close());

  async function lookUp(timestamp: bigint, version = 8) {
    const response = await broker.call(ApiKey.ListOffsets, version, listOffsetsBody('events', 0, timestamp));
    return response?.topics[0]?.partitions[0];
  }

  it('answers earliest, latest and max timestamp', async () => {
    assert.equal((await lookUp(-2n))?.offset, 0n);
    assert.equal((await lookUp(-1n))?.offset, 3n);
    const max = await lookUp(-3n);
    assert.equal(max?.offset, 1n);
    assert.equal(max?.timestamp, 3000n);
  });

  it('answers the first offset at or after a time, or -1 when none is', async () => {
    assert.equal((await lookUp(1500n))?.offset, 1n);
    const none = await lookUp(9000n);
    assert.equal(none?.errorCode, ErrorCode.NONE);
    assert.equal(none?.offset, -1n);
  });

  it('leaves leaderEpoch out before v4', async () => {
    assert.equal((await lookUp(-1n, 3))?.leaderEpoch, -1);
  });

  it('answers UNKNOWN_TOPIC_OR_PARTITION for an unknown topic', async () => {
    const unknown = await broker.call(ApiKey.ListOffsets, 8, listOffsetsBody('nope', 0, -1n));
    assert.equal(unknown?.topics[0]?.partitions[0]?.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  });

  it('answers v0 in the old offsets array: latest, earliest, by time', async () => {
    const v0 = async (timestamp: bigint, maxNumOffsets = 1) => {
      const body = listOffsetsBody('events', 0, timestamp);
      body.topics[0]!.partitions[0]!.maxNumOffsets = maxNumOffsets;
      return (await broker.call(ApiKey.ListOffsets, 0, body))?.topics[0]?.partitions[0];
    };
    assert.deepEqual((await v0(-1n))?.oldStyleOffsets, [3n]);
    assert.deepEqual((await v0(-2n))?.oldStyleOffsets, [0n]);
    assert.deepEqual((await v0(1500n))?.oldStyleOffsets, [1n]);
    assert.deepEqual((await v0(9000n))?.oldStyleOffsets, []);
    assert.deepEqual((await v0(-1n, 0))?.oldStyleOffsets, []);
    assert.equal((await v0(-3n))?.errorCode, ErrorCode.UNSUPPORTED_VERSION);
  });

  it('answers -4 (earliest local) with the log start, as there is no tiered storage', async () => {
    const local = await lookUp(-4n, 8);
    assert.equal(local?.errorCode, ErrorCode.NONE);
    assert.equal(local?.offset, 0n);
  });

  it('answers -5 (latest tiered) with no offset and no error, as Kafka does without tiered storage', async () => {
    const tiered = await lookUp(-5n, 9);
    assert.equal(tiered?.errorCode, ErrorCode.NONE);
    assert.equal(tiered?.offset, -1n);
    assert.equal(tiered?.timestamp, -1n);
  });

  it('answers UNSUPPORTED_VERSION for -3 below v7, -4 below v8 and -5 below v9', async () => {
    assert.equal((await lookUp(-3n, 6))?.errorCode, ErrorCode.UNSUPPORTED_VERSION);
    assert.equal((await lookUp(-4n, 7))?.errorCode, ErrorCode.UNSUPPORTED_VERSION);
    assert.equal((await lookUp(-5n, 8))?.errorCode, ErrorCode.UNSUPPORTED_VERSION);
    assert.equal((await lookUp(-3n, 7))?.errorCode, ErrorCode.NONE);
  });
});
