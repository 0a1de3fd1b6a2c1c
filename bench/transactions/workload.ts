// The producer side of bench/transactions, spoken directly over one KafkaConnection as a transactional
// client does it (Transactions V1: AddPartitionsToTxn v3 before the first batch of each transaction,
// EndTxn v3): idempotent and transactional Produce requests of one batch per partition, acks=all,
// one request in flight. `mark` (optional) is told when each request is sent and answered (the trace).
import type { KafkaConnection } from '../../src/network/index.js';
import { ApiKey, createRecordBatch, ErrorCode, encodeRecordBatchSync } from '../../src/protocol/index.js';

export const TOPIC = 'bench-txn';

export interface BenchProducer {
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly transactionalId: string | null;
  readonly sequences: number[];
}

/** Called with a stage name ('add.sent', 'produce.answered', ...) when it happens; see trace.ts. */
export type Mark = (stage: string) => void;

export async function initProducer(
  connection: KafkaConnection,
  transactionalId: string | null,
  partitions: number,
): Promise<BenchProducer> {
  for (;;) {
    const r = await connection.request(ApiKey.InitProducerId, 4, {
      transactionalId,
      transactionTimeoutMs: 60_000,
      producerId: -1n,
      producerEpoch: -1,
    });
    if (r.errorCode === ErrorCode.CONCURRENT_TRANSACTIONS) continue;
    if (r.errorCode !== ErrorCode.NONE) throw new Error(`InitProducerId failed: ${r.errorCode}`);
    return {
      producerId: r.producerId,
      producerEpoch: r.producerEpoch,
      transactionalId,
      sequences: new Array(partitions).fill(0),
    };
  }
}

/** One Produce request with `batch` records for each partition; resolves once acknowledged (acks=all). */
export async function produceRound(
  connection: KafkaConnection,
  producer: BenchProducer,
  payload: Buffer,
  batch: number,
  mark?: Mark,
): Promise<void> {
  const partitionData = producer.sequences.map((sequence, index) => {
    const records = encodeRecordBatchSync(
      createRecordBatch({
        producerId: producer.producerId,
        producerEpoch: producer.producerEpoch,
        baseSequence: sequence,
        isTransactional: producer.transactionalId !== null,
        records: Array.from({ length: batch }, () => ({ value: payload })),
        timestamp: BigInt(Date.now()),
      }),
    );
    producer.sequences[index] = sequence + batch;
    return { index, records };
  });
  mark?.('produce.sent');
  const r = await connection.request(ApiKey.Produce, 9, {
    transactionalId: producer.transactionalId,
    acks: -1,
    timeoutMs: 30_000,
    topicData: [{ name: TOPIC, partitionData }],
  });
  mark?.('produce.answered');
  for (const p of r.responses[0]?.partitionResponses ?? []) {
    if (p.errorCode !== ErrorCode.NONE)
      throw new Error(`Produce failed on partition ${p.index}: ${p.errorCode}`);
  }
}

/**
 * AddPartitionsToTxn for every partition. CONCURRENT_TRANSACTIONS (the previous transaction's markers
 * still being written, if the broker answered instead of holding the request) is retried at once, and
 * marked: a real client would back off first (20 ms in the Java client since KAFKA-5477 and in librdkafka's
 * AddPartitionsToTxn handler; KafkaJS's retrier starts at 300 ms). Pyralog's coordinator holds the request
 * until the markers are durable instead (busyHoldMs), so the bench should never see it.
 */
export async function addPartitions(
  connection: KafkaConnection,
  txn: BenchProducer,
  partitions: number,
  mark?: Mark,
): Promise<void> {
  for (;;) {
    mark?.('add.sent');
    const add = await connection.request(ApiKey.AddPartitionsToTxn, 3, {
      transactions: [],
      v3AndBelowTransactionalId: txn.transactionalId ?? '',
      v3AndBelowProducerId: txn.producerId,
      v3AndBelowProducerEpoch: txn.producerEpoch,
      v3AndBelowTopics: [{ name: TOPIC, partitions: Array.from({ length: partitions }, (_, p) => p) }],
    });
    mark?.('add.answered');
    const codes = add.resultsByTopicV3AndBelow[0]?.resultsByPartition.map((p) => p.partitionErrorCode) ?? [];
    if (codes.every((c) => c === ErrorCode.NONE)) return;
    if (!codes.every((c) => c === ErrorCode.CONCURRENT_TRANSACTIONS)) {
      throw new Error(`AddPartitionsToTxn failed: ${codes.join(',')}`);
    }
    mark?.('add.concurrentTransactions');
    await new Promise((resolve) => setImmediate(resolve));
  }
}

/** EndTxn commit, retried while the previous transaction's markers are written; returns its round trip in ms. */
export async function commit(connection: KafkaConnection, txn: BenchProducer, mark?: Mark): Promise<number> {
  for (;;) {
    mark?.('end.sent');
    const t0 = performance.now();
    const end = await connection.request(ApiKey.EndTxn, 3, {
      transactionalId: txn.transactionalId ?? '',
      producerId: txn.producerId,
      producerEpoch: txn.producerEpoch,
      committed: true,
    });
    const roundTripMs = performance.now() - t0;
    mark?.('end.answered');
    if (end.errorCode === ErrorCode.NONE) return roundTripMs;
    if (end.errorCode !== ErrorCode.CONCURRENT_TRANSACTIONS)
      throw new Error(`EndTxn failed: ${end.errorCode}`);
    mark?.('end.concurrentTransactions');
  }
}
