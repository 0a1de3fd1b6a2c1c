// Proves what Consumer.poll hands back and how it fails, against a scripted in-memory broker
// (FakeTransport, codec-checked): maxPollRecords-sized polls in offset order from one large fetch, and
// an abort during a fetch rejecting with OperationAbortedError (not the transport's RequestAbortedError).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ApiKey,
  createRecordBatch,
  encodeRecordBatchSync,
  type FetchRequest,
  type ResponseBodies,
} from '../../protocol/index.js';
import { OperationAbortedError } from '../client-errors.js';
import { FakeTransport, metadataAnswer } from '../fake-transport.test-support.js';
import { Consumer } from './consumer.js';

const BROKERS = new Map([[1, 'b1:9092']]);

/** A Fetch answer for partition 0 of `topic` holding `records` (one batch at offset 0), or nothing. */
function fetchAnswer(request: FetchRequest, records: Buffer | null) {
  return {
    throttleTimeMs: 0,
    errorCode: 0,
    sessionId: 0,
    responses: request.topics.map((topic) => ({
      topic: topic.topic,
      topicId: topic.topicId,
      partitions: topic.partitions.map((p) => ({
        partitionIndex: p.partition,
        errorCode: 0,
        highWatermark: 3000n,
        lastStableOffset: 3000n,
        logStartOffset: 0n,
        divergingEpoch: { epoch: -1, endOffset: -1n },
        currentLeader: { leaderId: -1, leaderEpoch: -1 },
        snapshotId: { endOffset: -1n, epoch: -1 },
        abortedTransactions: null,
        preferredReadReplica: -1,
        records: p.fetchOffset === 0n ? records : null,
      })),
    })),
    nodeEndpoints: [],
  } satisfies ResponseBodies[typeof ApiKey.Fetch];
}

describe('Consumer (fake broker)', () => {
  it('returns a large fetch in maxPollRecords-sized polls, in offset order', async () => {
    const values = Array.from({ length: 3000 }, (_, i) => Buffer.from(`v${i}`));
    const batch = encodeRecordBatchSync(
      createRecordBatch({ records: values.map((value) => ({ value, timestamp: 1000n })) }),
    );
    const transport = new FakeTransport();
    transport.addBroker('b1:9092', (apiKey, _version, body) => {
      if (apiKey === ApiKey.Metadata) return metadataAnswer(BROKERS, { t: [1] }) as never;
      if (apiKey === ApiKey.Fetch) return fetchAnswer(body as FetchRequest, batch) as never;
      return undefined as never;
    });
    const consumer = new Consumer({ bootstrapServers: 'b1:9092', transport, maxPollRecords: 500 });
    consumer.assign([{ topic: 't', partition: 0 }]);
    consumer.seek({ topic: 't', partition: 0 }, 0n);
    const offsets: bigint[] = [];
    try {
      while (offsets.length < 3000) {
        const records = await consumer.poll({ timeoutMs: 5000 });
        assert.equal(records.length, 500);
        offsets.push(...records.map((r) => r.offset));
      }
    } finally {
      await consumer.close();
    }
    assert.deepEqual(
      offsets,
      values.map((_, i) => BigInt(i)),
    );
    assert.equal(transport.requestsOf(ApiKey.Fetch).length, 1, 'one fetch served all six polls');
  });

  it('rejects poll with OperationAbortedError when its signal aborts during a fetch', async () => {
    const transport = new FakeTransport();
    let fetches = 0;
    transport.addBroker('b1:9092', (apiKey) => {
      if (apiKey === ApiKey.Metadata) return metadataAnswer(BROKERS, { t: [1] }) as never;
      if (apiKey === ApiKey.Fetch) fetches += 1;
      // Fetch is never answered: the poll waits in it until aborted.
      return undefined as never;
    });
    const consumer = new Consumer({ bootstrapServers: 'b1:9092', transport, fetchMaxWaitMs: 60_000 });
    consumer.assign([{ topic: 't', partition: 0 }]);
    consumer.seek({ topic: 't', partition: 0 }, 0n);
    const controller = new AbortController();
    const polled = consumer.poll({ timeoutMs: 60_000, signal: controller.signal });
    // Abort once the fetch is out (the request is waiting for its answer).
    await new Promise<void>((resolve) => {
      const check = (): void => (fetches > 0 ? resolve() : void setImmediate(check));
      check();
    });
    controller.abort(new Error('stop'));
    await assert.rejects(polled, OperationAbortedError);
    await consumer.close();
  });
});
