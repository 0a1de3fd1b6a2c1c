// Produce from idempotent producers through the dispatcher over in-memory logs: a retried batch
// gets its original offsets and is not appended again, sequence gaps and fenced epochs get Kafka's
// errors, and transactional batches need a transactional id and keep their transaction's rules.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiKey, createRecordBatch, ErrorCode, encodeRecordBatchSync } from '../protocol/index.js';
import { createTestBroker, type TestBroker } from './broker-test-kit.js';
import { createTopicsBody, produceBody } from './request-builders.test-support.js';

function batch(
  producerId: bigint,
  producerEpoch: number,
  baseSequence: number,
  values: string[],
  isTransactional = false,
): Buffer {
  return encodeRecordBatchSync(
    createRecordBatch({
      producerId,
      producerEpoch,
      baseSequence,
      isTransactional,
      records: values.map((value) => ({ value: Buffer.from(value) })),
      timestamp: 1000n,
    }),
  );
}

describe('Produce with idempotence', () => {
  let broker: TestBroker;
  before(async () => {
    broker = await createTestBroker();
    await broker.call(
      ApiKey.CreateTopics,
      7,
      createTopicsBody([
        { name: 'orders' },
        { name: 'stamped', configs: { 'message.timestamp.type': 'LogAppendTime' } },
      ]),
    );
  });
  after(() => broker.close());

  async function produce(topic: string, records: Buffer, acks = -1) {
    const response = await broker.call(ApiKey.Produce, 9, produceBody(topic, 0, records, acks));
    return response!.responses[0]!.partitionResponses[0]!;
  }

  it('answers a retried batch with its original offsets and appends it once', async () => {
    const init = await broker.call(ApiKey.InitProducerId, 4, {
      transactionalId: null,
      transactionTimeoutMs: 60_000,
      producerId: -1n,
      producerEpoch: -1,
    });
    const producerId = init!.producerId;
    const first = await produce('orders', batch(producerId, 0, 0, ['a', 'b']));
    const second = await produce('orders', batch(producerId, 0, 2, ['c']));
    const retried = await produce('orders', batch(producerId, 0, 0, ['a', 'b']));
    assert.equal(first.errorCode, ErrorCode.NONE);
    assert.equal(retried.errorCode, ErrorCode.NONE);
    assert.equal(retried.baseOffset, first.baseOffset);
    assert.equal(second.baseOffset, 2n);
    assert.equal(broker.context.replicas.getPartition('orders', 0)?.logEndOffset, 3n);
  });

  it('refuses a sequence gap with OUT_OF_ORDER_SEQUENCE_NUMBER and an old epoch with INVALID_PRODUCER_EPOCH', async () => {
    await produce('orders', batch(900n, 2, 0, ['x']));
    const gap = await produce('orders', batch(900n, 2, 3, ['y']));
    assert.equal(gap.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    assert.equal(gap.baseOffset, -1n);
    assert.match(gap.errorMessage ?? '', /out of order sequence/);
    const fenced = await produce('orders', batch(900n, 1, 1, ['z']));
    assert.equal(fenced.errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
    const bumped = await produce('orders', batch(900n, 3, 0, ['w']));
    assert.equal(bumped.errorCode, ErrorCode.NONE);
  });

  it('gives a retried batch on a LogAppendTime topic the original append time', async () => {
    const first = await produce('stamped', batch(901n, 0, 0, ['a']));
    const retried = await produce('stamped', batch(901n, 0, 0, ['a']));
    assert.ok(first.logAppendTimeMs > 0n);
    assert.equal(retried.logAppendTimeMs, first.logAppendTimeMs);
    assert.equal(retried.baseOffset, first.baseOffset);
  });

  it('refuses transactional batches without a transactional id with TRANSACTIONAL_ID_AUTHORIZATION_FAILED', async () => {
    const response = await produce('orders', batch(902n, 0, 0, ['t'], true));
    assert.equal(response.errorCode, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  });

  it('refuses a non-transactional batch inside an open transaction with INVALID_TXN_STATE', async () => {
    const body = { ...produceBody('orders', 0, batch(903n, 0, 0, ['t1'], true)), transactionalId: 'tx' };
    const opened = await broker.call(ApiKey.Produce, 9, body);
    assert.equal(opened!.responses[0]!.partitionResponses[0]!.errorCode, ErrorCode.NONE);
    const plain = await produce('orders', batch(903n, 0, 1, ['p']));
    assert.equal(plain.errorCode, ErrorCode.INVALID_TXN_STATE);
  });
});
