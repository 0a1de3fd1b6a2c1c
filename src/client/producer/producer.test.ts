// Proves the producer's batching, in-order idempotent retries and bounded buffer against scripted
// in-memory brokers (FakeTransport, codec-checked): what goes on the wire, and what callers see.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ApiKey,
  decodeRecordBatchesSync,
  ErrorCode,
  type ProduceRequest,
  type ResponseBodies,
} from '../../protocol/index.js';
import { BufferExhaustedError } from '../client-errors.js';
import { FakeTransport, metadataAnswer } from '../fake-transport.test-support.js';
import { partitionForKey } from './murmur2.js';
import { Producer } from './producer.js';

const BROKERS = new Map([[1, 'b1:9092']]);

function produceAnswer(
  request: ProduceRequest,
  codeOf: (partition: number) => number,
  offsets: Map<number, bigint>,
) {
  return {
    responses: request.topicData.map((topic) => ({
      name: topic.name,
      partitionResponses: topic.partitionData.map((p) => {
        const errorCode = codeOf(p.index);
        const baseOffset = offsets.get(p.index) ?? 0n;
        if (errorCode === 0) {
          const count = decodeRecordBatchesSync(p.records!).batches[0]!.records.length;
          offsets.set(p.index, baseOffset + BigInt(count));
        }
        return {
          index: p.index,
          errorCode,
          baseOffset: errorCode === 0 ? baseOffset : -1n,
          logAppendTimeMs: -1n,
          logStartOffset: 0n,
          recordErrors: [],
          errorMessage: null,
          currentLeader: { leaderId: -1, leaderEpoch: -1 },
        };
      }),
    })),
    throttleTimeMs: 0,
    nodeEndpoints: [],
  } satisfies ResponseBodies[typeof ApiKey.Produce];
}

function batchesOf(request: ProduceRequest) {
  return request.topicData.flatMap((topic) =>
    topic.partitionData.map((p) => ({
      partition: p.index,
      batch: decodeRecordBatchesSync(p.records!).batches[0]!,
    })),
  );
}

describe('Producer (fake broker)', () => {
  it('is idempotent: one producer id, contiguous sequences, and a failed batch resent in order with its sequence', async () => {
    const transport = new FakeTransport();
    const offsets = new Map<number, bigint>();
    let failuresLeft = 1;
    transport.addBroker('b1:9092', (apiKey, _version, body) => {
      if (apiKey === ApiKey.Metadata) return metadataAnswer(BROKERS, { t: [1] }) as never;
      if (apiKey === ApiKey.InitProducerId) {
        return { throttleTimeMs: 0, errorCode: 0, producerId: 4242n, producerEpoch: 3 } as never;
      }
      if (apiKey === ApiKey.Produce) {
        const request = body as ProduceRequest;
        const fail = failuresLeft > 0;
        if (fail) failuresLeft -= 1;
        return produceAnswer(request, () => (fail ? ErrorCode.NOT_LEADER_OR_FOLLOWER : 0), offsets) as never;
      }
      return undefined as never;
    });
    const producer = new Producer({
      bootstrapServers: 'b1:9092',
      transport,
      batchSize: 200,
      lingerMs: 0,
      retryBackoffMs: 1,
      retryBackoffMaxMs: 2,
    });
    const sent = await producer.sendAll(
      Array.from({ length: 30 }, (_, i) => ({
        topic: 't',
        partition: 0,
        value: `value-${i}-${'z'.repeat(20)}`,
      })),
    );
    await producer.close();
    assert.deepEqual(
      sent.map((m) => m.offset),
      Array.from({ length: 30 }, (_, i) => BigInt(i)),
    );
    assert.equal(transport.requestsOf(ApiKey.InitProducerId).length, 1);
    const wire = transport.requestsOf(ApiKey.Produce).flatMap((r) => batchesOf(r.body as ProduceRequest));
    assert.ok(wire.every(({ batch }) => batch.producerId === 4242n && batch.producerEpoch === 3));
    // The first attempt failed and was resent with the same sequence before anything later.
    assert.equal(wire[0]!.batch.baseSequence, 0);
    const accepted = wire.slice(1);
    let expectedSequence = 0;
    for (const { batch } of accepted) {
      assert.equal(batch.baseSequence, expectedSequence);
      expectedSequence += batch.records.length;
    }
    assert.equal(expectedSequence, 30);
    assert.ok(accepted.length > 1, 'records were split into several batches by batchSize');
  });

  it('waits for buffer space and fails with BufferExhaustedError after maxBlockMs when none frees up', async () => {
    const transport = new FakeTransport();
    transport.addBroker('b1:9092', (apiKey) => {
      if (apiKey === ApiKey.Metadata) return metadataAnswer(BROKERS, { t: [1] }) as never;
      // Produce is never answered: nothing leaves the buffer.
      return undefined as never;
    });
    const producer = new Producer({
      bootstrapServers: 'b1:9092',
      transport,
      acks: 1,
      bufferMemory: 1000,
      maxBlockMs: 50,
      requestTimeoutMs: 60_000,
    });
    const first = await producer.append({ topic: 't', partition: 0, value: Buffer.alloc(600) });
    first.delivery.catch(() => undefined);
    await assert.rejects(
      producer.append({ topic: 't', partition: 0, value: Buffer.alloc(600) }),
      BufferExhaustedError,
    );
    await assert.rejects(
      producer.append({ topic: 't', partition: 0, value: Buffer.alloc(5000) }),
      BufferExhaustedError,
    );
    await producer.close({ timeoutMs: 0 });
    await assert.rejects(first.delivery);
  });

  it('partitions from fresh metadata without a Metadata request per record, and follows a refresh', async () => {
    const transport = new FakeTransport();
    const offsets = new Map<number, bigint>();
    let leaders = [1];
    transport.addBroker('b1:9092', (apiKey, _version, body) => {
      if (apiKey === ApiKey.Metadata) return metadataAnswer(BROKERS, { t: leaders }) as never;
      if (apiKey === ApiKey.Produce) return produceAnswer(body as ProduceRequest, () => 0, offsets) as never;
      return undefined as never;
    });
    const producer = new Producer({ bootstrapServers: 'b1:9092', transport, acks: 1, lingerMs: 0 });
    const keys = Array.from({ length: 50 }, (_, i) => `key-${i}`);
    const first = await producer.sendAll(keys.map((key) => ({ topic: 't', key, value: 'v' })));
    assert.ok(first.every((m) => m.partition === 0));
    assert.equal(transport.requestsOf(ApiKey.Metadata).length, 1);
    leaders = [1, 1, 1];
    producer.cluster.invalidate('t');
    const second = await producer.sendAll(keys.map((key) => ({ topic: 't', key, value: 'v' })));
    await producer.close();
    assert.deepEqual(
      second.map((m) => m.partition),
      keys.map((key) => partitionForKey(Buffer.from(key), 3)),
    );
    assert.ok(new Set(second.map((m) => m.partition)).size > 1);
  });

  it('fails a record after a non-retriable error without retrying it', async () => {
    const transport = new FakeTransport();
    transport.addBroker('b1:9092', (apiKey, _version, body) => {
      if (apiKey === ApiKey.Metadata) return metadataAnswer(BROKERS, { t: [1] }) as never;
      if (apiKey === ApiKey.Produce) {
        return produceAnswer(body as ProduceRequest, () => ErrorCode.INVALID_RECORD, new Map()) as never;
      }
      return undefined as never;
    });
    const producer = new Producer({ bootstrapServers: 'b1:9092', transport, acks: 1 });
    await assert.rejects(producer.send({ topic: 't', value: 'v' }), { code: 'INVALID_RECORD' });
    await producer.close();
    assert.equal(transport.requestsOf(ApiKey.Produce).length, 1);
  });
});
