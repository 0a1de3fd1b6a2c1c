// Proves the producer's batching, in-order idempotent retries and bounded buffer against scripted
// in-memory brokers (FakeTransport, codec-checked): what goes on the wire, and what callers see.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ApiKey,
  decodeRecordBatchesSync,
  ErrorCode,
  type ProduceRequest,
  type RecordBatch,
  type ResponseBodies,
} from '../../protocol/index.js';
import { BufferExhaustedError } from '../client-errors.js';
import { FakeTransport, metadataAnswer } from '../fake-transport.test-support.js';
import { partitionForKey } from './murmur2.js';
import { Producer } from './producer.js';

const BROKERS = new Map([[1, 'b1:9092']]);

/**
 * Answers a Produce request as a broker would: `codeOf` may fail a partition; an idempotent batch whose
 * sequence is not the next one of its partition (in `sequences`) gets OUT_OF_ORDER_SEQUENCE_NUMBER, as
 * Kafka's broker answers a batch sent behind one that failed.
 */
function produceAnswer(
  request: ProduceRequest,
  codeOf: (partition: number) => number,
  offsets: Map<number, bigint>,
  sequences = new Map<number, number>(),
  accepted: RecordBatch[] = [],
) {
  return {
    responses: request.topicData.map((topic) => ({
      name: topic.name,
      partitionResponses: topic.partitionData.map((p) => {
        const batch = decodeRecordBatchesSync(p.records!).batches[0]!;
        const isInSequence = batch.producerId < 0n || batch.baseSequence === (sequences.get(p.index) ?? 0);
        const errorCode = isInSequence ? codeOf(p.index) : ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER;
        const baseOffset = offsets.get(p.index) ?? 0n;
        if (errorCode === 0) {
          offsets.set(p.index, baseOffset + BigInt(batch.records.length));
          sequences.set(p.index, batch.baseSequence + batch.records.length);
          accepted.push(batch);
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
    const sequences = new Map<number, number>();
    const accepted: RecordBatch[] = [];
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
        const code = () => (fail ? ErrorCode.NOT_LEADER_OR_FOLLOWER : 0);
        return produceAnswer(request, code, offsets, sequences, accepted) as never;
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
    // The first attempt failed; batches sent behind it were refused as out of order and every batch
    // went again with its own sequence, in order.
    assert.equal(wire[0]!.batch.baseSequence, 0);
    let expectedSequence = 0;
    for (const batch of accepted) {
      assert.equal(batch.baseSequence, expectedSequence);
      assert.deepEqual(
        batch.records.map((r) => r.value?.toString().split('-')[1]),
        batch.records.map((_, i) => String(expectedSequence + i)),
      );
      expectedSequence += batch.records.length;
    }
    assert.equal(expectedSequence, 30);
    assert.ok(accepted.length > 1, 'records were split into several batches by batchSize');
    // A resent batch is the same bytes (its buffer was not reused while it waited for the retry).
    const firstBatchSends = transport
      .requestsOf(ApiKey.Produce)
      .flatMap((r) => (r.body as ProduceRequest).topicData.flatMap((t) => t.partitionData))
      .map((p) => p.records!)
      .filter((records) => decodeRecordBatchesSync(records).batches[0]!.baseSequence === 0);
    assert.equal(firstBatchSends.length, 2);
    assert.deepEqual(firstBatchSends[1], firstBatchSends[0]);
  });

  it('keeps up to maxInFlightRequestsPerConnection batches of one partition in flight, one request each', async () => {
    const transport = new FakeTransport();
    const offsets = new Map<number, bigint>();
    const sequences = new Map<number, number>();
    const held: (() => void)[] = [];
    let maxOutstanding = 0;
    transport.addBroker('b1:9092', (apiKey, _version, body) => {
      if (apiKey === ApiKey.Metadata) return metadataAnswer(BROKERS, { t: [1] }) as never;
      if (apiKey === ApiKey.InitProducerId) {
        return { throttleTimeMs: 0, errorCode: 0, producerId: 7n, producerEpoch: 0 } as never;
      }
      if (apiKey !== ApiKey.Produce) return undefined as never;
      // Answers are held until five requests wait, then given in order: the producer must have sent
      // five requests without any answer.
      return new Promise((resolve) => {
        held.push(() => resolve(produceAnswer(body as ProduceRequest, () => 0, offsets, sequences) as never));
        maxOutstanding = Math.max(maxOutstanding, held.length);
        if (held.length === 5) for (const answer of held.splice(0)) answer();
      });
    });
    // 50-byte values and batchSize 200: one record per batch, 20 batches of partition 0.
    const producer = new Producer({ bootstrapServers: 'b1:9092', transport, batchSize: 200, lingerMs: 0 });
    const ranges = await producer.sendBatch(
      Array.from({ length: 20 }, (_, i) => ({ topic: 't', partition: 0, value: `${i}`.padEnd(50, '.') })),
    );
    await producer.close();
    assert.equal(maxOutstanding, 5);
    const requests = transport.requestsOf(ApiKey.Produce).map((r) => batchesOf(r.body as ProduceRequest));
    assert.equal(requests.length, 20);
    assert.ok(requests.every((batches) => batches.length === 1));
    assert.deepEqual(
      ranges.map((r) => [r.partition, r.baseOffset, r.recordCount]),
      Array.from({ length: 20 }, (_, i) => [0, BigInt(i), 1]),
    );
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

  it('sendBatch resolves once with offset ranges per partition, one promise for all records', async () => {
    const transport = new FakeTransport();
    const offsets = new Map<number, bigint>();
    transport.addBroker('b1:9092', (apiKey, _version, body) => {
      if (apiKey === ApiKey.Metadata) return metadataAnswer(BROKERS, { t: [1, 1, 1] }) as never;
      if (apiKey === ApiKey.Produce) return produceAnswer(body as ProduceRequest, () => 0, offsets) as never;
      return undefined as never;
    });
    const producer = new Producer({ bootstrapServers: 'b1:9092', transport, acks: 1, lingerMs: 0 });
    const keys = Array.from({ length: 60 }, (_, i) => `key-${i}`);
    const ranges = await producer.sendBatch(keys.map((key) => ({ topic: 't', key, value: key })));
    const single = await producer.send({ topic: 't', partition: 2, value: 'after' });
    await producer.close();
    const perPartition = [0, 1, 2].map(
      (p) => keys.filter((key) => partitionForKey(Buffer.from(key), 3) === p).length,
    );
    assert.deepEqual(
      ranges.map((r) => r.partition),
      [...ranges.map((r) => r.partition)].sort((a, b) => a - b),
    );
    for (const partition of [0, 1, 2]) {
      const mine = ranges.filter((r) => r.partition === partition);
      let next = 0n;
      for (const range of mine) {
        assert.equal(range.baseOffset, next, 'ranges of a partition are contiguous and in order');
        next += BigInt(range.recordCount);
      }
      assert.equal(next, BigInt(perPartition[partition]!));
    }
    assert.equal(single.offset, BigInt(perPartition[2]!));
    // Each record went where its key says, in the order given.
    const wire = transport.requestsOf(ApiKey.Produce).flatMap((r) => batchesOf(r.body as ProduceRequest));
    for (const partition of [0, 1, 2]) {
      const values = wire
        .filter((w) => w.partition === partition)
        .flatMap((w) => w.batch.records.map((r) => r.value?.toString()));
      const expected = keys.filter((key) => partitionForKey(Buffer.from(key), 3) === partition);
      assert.deepEqual(values, partition === 2 ? [...expected, 'after'] : expected);
    }
  });

  it('sendBatch rejects with the error of a failed batch', async () => {
    const transport = new FakeTransport();
    transport.addBroker('b1:9092', (apiKey, _version, body) => {
      if (apiKey === ApiKey.Metadata) return metadataAnswer(BROKERS, { t: [1, 1] }) as never;
      if (apiKey === ApiKey.Produce) {
        const code = (partition: number) => (partition === 1 ? ErrorCode.INVALID_RECORD : 0);
        return produceAnswer(body as ProduceRequest, code, new Map()) as never;
      }
      return undefined as never;
    });
    const producer = new Producer({ bootstrapServers: 'b1:9092', transport, acks: 1, lingerMs: 0 });
    await assert.rejects(
      producer.sendBatch([
        { topic: 't', partition: 0, value: 'a' },
        { topic: 't', partition: 1, value: 'b' },
      ]),
      { code: 'INVALID_RECORD' },
    );
    await producer.close();
  });
});
