// InitProducerId through the dispatcher over in-memory logs and the local controller: idempotent
// producers get distinct ids at epoch 0 from blocks committed as ProducerIdsRecord, transactional
// ids go to the transaction coordinator, and allocation failures are retriable.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PRODUCER_ID_BLOCK_SIZE } from '../controller/index.js';
import { ApiKey, ErrorCode, type InitProducerIdRequest } from '../protocol/index.js';
import { createTestBroker } from './broker-test-kit.js';

function body(transactionalId: string | null = null): InitProducerIdRequest {
  return { transactionalId, transactionTimeoutMs: 60_000, producerId: -1n, producerEpoch: -1 };
}

describe('InitProducerId', () => {
  it('gives each idempotent producer a new id at epoch 0, from blocks recorded in the metadata image', async () => {
    const broker = await createTestBroker();
    const ids: bigint[] = [];
    for (const version of [0, 1, 2, 3, 4, 5]) {
      const response = await broker.call(ApiKey.InitProducerId, version, body());
      assert.equal(response?.errorCode, ErrorCode.NONE);
      assert.equal(response?.producerEpoch, 0);
      ids.push(response!.producerId);
    }
    assert.deepEqual(ids, [0n, 1n, 2n, 3n, 4n, 5n]);
    assert.equal(broker.context.metadata().producerIds?.nextProducerId, BigInt(PRODUCER_ID_BLOCK_SIZE));
    await broker.close();
  });

  it('hands out a new id even when a v3+ request names its current id and epoch', async () => {
    const broker = await createTestBroker();
    const first = await broker.call(ApiKey.InitProducerId, 4, body());
    const again = await broker.call(ApiKey.InitProducerId, 4, {
      ...body(),
      producerId: first!.producerId,
      producerEpoch: 0,
    });
    assert.notEqual(again?.producerId, first?.producerId);
    await broker.close();
  });

  it('serves transactional ids through the transaction coordinator: each call bumps the epoch, an empty id is INVALID_REQUEST', async () => {
    const broker = await createTestBroker();
    const first = await broker.call(ApiKey.InitProducerId, 4, body('txn-1'));
    const second = await broker.call(ApiKey.InitProducerId, 1, body('txn-1'));
    assert.deepEqual([first?.errorCode, first?.producerEpoch], [ErrorCode.NONE, 0]);
    assert.deepEqual(
      [second?.errorCode, second?.producerId, second?.producerEpoch],
      [0, first?.producerId, 1],
    );
    const empty = await broker.call(ApiKey.InitProducerId, 4, body(''));
    assert.deepEqual([empty?.errorCode, empty?.producerId], [ErrorCode.INVALID_REQUEST, -1n]);
    const halfKip360 = await broker.call(ApiKey.InitProducerId, 4, { ...body('txn-1'), producerId: 5n });
    assert.equal(halfKip360?.errorCode, ErrorCode.INVALID_REQUEST, 'a producer id without an epoch');
    await broker.close();
  });

  it('answers COORDINATOR_LOAD_IN_PROGRESS while no producer id block can be allocated', async () => {
    const broker = await createTestBroker(
      {},
      {
        producerIds: {
          generateProducerId: () => Promise.reject(new Error('metadata log failed')),
        },
      },
    );
    const response = await broker.call(ApiKey.InitProducerId, 4, body());
    assert.equal(response?.errorCode, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    await broker.close();
  });
});
