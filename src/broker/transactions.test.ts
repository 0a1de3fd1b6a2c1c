// The partition side of transactions through the dispatcher, from raw requests over in-memory logs:
// transactional produce stays invisible to read_committed Fetch and ListOffsets until a COMMIT
// marker (WriteTxnMarkers) lands, an ABORT comes back as an AbortedTransaction of the fetched range,
// markers with an older producer or coordinator epoch are refused with Kafka's codes, and the
// KIP-890 verification port is asked once per transaction and partition.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ApiKey,
  createRecordBatch,
  ErrorCode,
  encodeRecordBatchSync,
  type FetchRequest,
  type FetchResponsePartitionData,
  viewRecordBatches,
  type WriteTxnMarkersRequest,
} from '../protocol/index.js';
import type { TransactionVerifier } from './broker-context.js';
import { createTestBroker, type TestBroker } from './broker-test-kit.js';
import {
  createTopicsBody,
  fetchBody,
  listOffsetsBody,
  produceBody,
} from './request-builders.test-support.js';

const READ_COMMITTED = 1;

function txnBatch(producerId: bigint, producerEpoch: number, baseSequence: number, values: string[]): Buffer {
  return encodeRecordBatchSync(
    createRecordBatch({
      producerId,
      producerEpoch,
      baseSequence,
      isTransactional: true,
      records: values.map((value) => ({ value: Buffer.from(value) })),
      timestamp: 1000n,
    }),
  );
}

function markerBody(
  topic: string,
  partitions: number[],
  producerId: bigint,
  producerEpoch: number,
  commit: boolean,
  coordinatorEpoch = 0,
): WriteTxnMarkersRequest {
  return {
    markers: [
      {
        producerId,
        producerEpoch,
        transactionResult: commit,
        topics: [{ name: topic, partitionIndexes: partitions }],
        coordinatorEpoch,
      },
    ],
  };
}

/** The data batches' [baseOffset, lastOffset] and the control batches' offsets of a fetch. */
function batchesOf(partition: FetchResponsePartitionData): { offset: bigint; isControl: boolean }[] {
  if (partition.records === null) return [];
  return [...viewRecordBatches(partition.records)].map((view) => ({
    offset: view.baseOffset,
    isControl: view.isControl,
  }));
}

describe('transactions on the partition side', () => {
  let broker: TestBroker;
  before(async () => {
    broker = await createTestBroker();
    await broker.call(ApiKey.CreateTopics, 7, createTopicsBody([{ name: 'tx', numPartitions: 2 }]));
  });
  after(() => broker.close());

  async function produce(topic: string, partition: number, records: Buffer) {
    const body = { ...produceBody(topic, partition, records), transactionalId: 'app' };
    const response = await broker.call(ApiKey.Produce, 9, body);
    return response!.responses[0]!.partitionResponses[0]!;
  }

  async function fetch(topic: string, partition: number, offset: bigint, isolationLevel: number) {
    const body: FetchRequest = { ...fetchBody(topic, partition, offset), isolationLevel };
    const response = await broker.call(ApiKey.Fetch, 11, body);
    return response!.responses[0]!.partitions[0]!;
  }

  async function latest(topic: string, partition: number, isolationLevel: number): Promise<bigint> {
    const body = { ...listOffsetsBody(topic, partition, -1n), isolationLevel };
    const response = await broker.call(ApiKey.ListOffsets, 5, body);
    return response!.topics[0]!.partitions[0]!.offset;
  }

  async function writeMarkers(body: WriteTxnMarkersRequest) {
    const response = await broker.call(ApiKey.WriteTxnMarkers, 1, body);
    return response!.markers[0]!.topics[0]!.partitions;
  }

  it('hides an open transaction from read_committed and shows it after its COMMIT marker', async () => {
    assert.equal((await produce('tx', 0, txnBatch(100n, 0, 0, ['a', 'b']))).errorCode, ErrorCode.NONE);
    const uncommitted = await fetch('tx', 0, 0n, 0);
    assert.equal(uncommitted.highWatermark, 2n);
    assert.equal(uncommitted.lastStableOffset, 0n);
    assert.deepEqual(batchesOf(uncommitted), [{ offset: 0n, isControl: false }]);
    const committedBefore = await fetch('tx', 0, 0n, READ_COMMITTED);
    assert.deepEqual(batchesOf(committedBefore), []);
    assert.equal(committedBefore.lastStableOffset, 0n);
    assert.equal(await latest('tx', 0, READ_COMMITTED), 0n);
    assert.equal(await latest('tx', 0, 0), 2n);

    const results = await writeMarkers(markerBody('tx', [0], 100n, 0, true));
    assert.deepEqual(results, [{ partitionIndex: 0, errorCode: ErrorCode.NONE }]);
    const committed = await fetch('tx', 0, 0n, READ_COMMITTED);
    assert.equal(committed.lastStableOffset, 3n);
    assert.equal(committed.highWatermark, 3n);
    assert.deepEqual(committed.abortedTransactions, []);
    assert.deepEqual(batchesOf(committed), [
      { offset: 0n, isControl: false },
      { offset: 2n, isControl: true },
    ]);
    assert.equal(await latest('tx', 0, READ_COMMITTED), 3n);
  });

  it('returns an aborted transaction of the fetched range as an AbortedTransaction', async () => {
    assert.equal((await produce('tx', 0, txnBatch(100n, 0, 2, ['c']))).errorCode, ErrorCode.NONE);
    assert.equal((await produce('tx', 0, txnBatch(100n, 0, 3, ['d']))).errorCode, ErrorCode.NONE);
    const results = await writeMarkers(markerBody('tx', [0], 100n, 0, false));
    assert.deepEqual(results, [{ partitionIndex: 0, errorCode: ErrorCode.NONE }]);
    const fetched = await fetch('tx', 0, 3n, READ_COMMITTED);
    assert.equal(fetched.lastStableOffset, 6n);
    assert.deepEqual(fetched.abortedTransactions, [{ producerId: 100n, firstOffset: 3n }]);
    assert.deepEqual(
      batchesOf(fetched).map((batch) => batch.offset),
      [3n, 4n, 5n],
    );
    // From the committed data before it, the range covers the aborted transaction too.
    const fromStart = await fetch('tx', 0, 0n, READ_COMMITTED);
    assert.deepEqual(fromStart.abortedTransactions, [{ producerId: 100n, firstOffset: 3n }]);
    // read_uncommitted gets no aborted transactions (null, as Kafka).
    assert.equal((await fetch('tx', 0, 3n, 0)).abortedTransactions, null);
  });

  it('keeps the last stable offset at the earliest open transaction of several producers', async () => {
    await produce('tx', 1, txnBatch(200n, 0, 0, ['x']));
    await produce('tx', 1, txnBatch(201n, 0, 0, ['y']));
    await writeMarkers(markerBody('tx', [1], 201n, 0, false));
    const fetched = await fetch('tx', 1, 0n, READ_COMMITTED);
    assert.equal(fetched.highWatermark, 3n);
    assert.equal(fetched.lastStableOffset, 0n);
    assert.deepEqual(batchesOf(fetched), []);
    await writeMarkers(markerBody('tx', [1], 200n, 0, true));
    const after = await fetch('tx', 1, 0n, READ_COMMITTED);
    assert.equal(after.lastStableOffset, 4n);
    // 201's abort was indexed with the LSO of its time (200's first offset): it is found from 0.
    assert.deepEqual(after.abortedTransactions, [{ producerId: 201n, firstOffset: 1n }]);
  });

  it('refuses markers with an older producer epoch or coordinator epoch, and unknown partitions', async () => {
    await produce('tx', 1, txnBatch(300n, 4, 0, ['e']));
    const stale = await writeMarkers(markerBody('tx', [1], 300n, 3, true));
    assert.deepEqual(stale, [{ partitionIndex: 1, errorCode: ErrorCode.INVALID_PRODUCER_EPOCH }]);
    const accepted = await writeMarkers(markerBody('tx', [1], 300n, 4, false, 7));
    assert.deepEqual(accepted, [{ partitionIndex: 1, errorCode: ErrorCode.NONE }]);
    const fenced = await writeMarkers(markerBody('tx', [1], 300n, 4, true, 6));
    assert.deepEqual(fenced, [{ partitionIndex: 1, errorCode: ErrorCode.TRANSACTION_COORDINATOR_FENCED }]);
    const unknown = await writeMarkers(markerBody('tx', [9], 300n, 4, true, 7));
    assert.deepEqual(unknown, [{ partitionIndex: 9, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION }]);
  });
});

describe('KIP-890 verification of a transaction first batch', () => {
  let broker: TestBroker;
  const asked: string[] = [];
  const verifier: TransactionVerifier = {
    async verifyTransaction(transactionalId, producerId, producerEpoch, topic, partition) {
      asked.push(`${transactionalId}/${producerId}/${producerEpoch}/${topic}-${partition}`);
      return partition === 0 ? ErrorCode.NONE : ErrorCode.INVALID_TXN_STATE;
    },
  };
  before(async () => {
    broker = await createTestBroker({}, { transactionVerifier: verifier });
    await broker.call(ApiKey.CreateTopics, 7, createTopicsBody([{ name: 'v', numPartitions: 2 }]));
  });
  after(() => broker.close());

  async function produce(partition: number, records: Buffer) {
    const body = { ...produceBody('v', partition, records), transactionalId: 'app' };
    const response = await broker.call(ApiKey.Produce, 9, body);
    return response!.responses[0]!.partitionResponses[0]!;
  }

  it('asks the coordinator for the first batch of a transaction only, and refuses what it does not verify', async () => {
    assert.equal((await produce(0, txnBatch(400n, 0, 0, ['a']))).errorCode, ErrorCode.NONE);
    assert.equal((await produce(0, txnBatch(400n, 0, 1, ['b']))).errorCode, ErrorCode.NONE);
    assert.deepEqual(asked, ['app/400/0/v-0']);
    const refused = await produce(1, txnBatch(400n, 0, 2, ['c']));
    assert.equal(refused.errorCode, ErrorCode.INVALID_TXN_STATE);
    assert.equal(broker.context.replicas.getPartition('v', 1)?.logEndOffset, 0n);
  });

  it('keeps a producer batches in order while the first one waits for verification', async () => {
    const body = (sequence: number) => ({
      ...produceBody('v', 0, txnBatch(401n, 0, sequence, [`s${sequence}`])),
      transactionalId: 'app',
    });
    const responses = await Promise.all(
      [0, 1, 2].map((sequence) => broker.call(ApiKey.Produce, 9, body(sequence))),
    );
    const offsets = responses.map((response) => response!.responses[0]!.partitionResponses[0]!.baseOffset);
    assert.deepEqual(
      responses.map((response) => response!.responses[0]!.partitionResponses[0]!.errorCode),
      [ErrorCode.NONE, ErrorCode.NONE, ErrorCode.NONE],
    );
    assert.ok(offsets[0]! < offsets[1]! && offsets[1]! < offsets[2]!);
  });
});
