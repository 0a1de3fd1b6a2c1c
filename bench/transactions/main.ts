// Transactions benchmark (issue 6): the same producer workload twice against one broker with on-disk
// logs (default durable flush: acks=all answered after fsync) — idempotent, then transactional in
// transactions of --txn-records records (AddPartitionsToTxn, the batches, EndTxn commit) — and prints
// both throughputs, their ratio, and the EndTxn (commit) round trip p50/p99/max. 1 KiB records, one
// batch per partition per Produce request, one request in flight (as transactional clients send).
// Usage: npm run bench:transactions [-- --records 100000 --txn-records 1000 --batch 125 --partitions 4]
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KafkaConnection } from '../../src/network/index.js';
import { ApiKey, createRecordBatch, ErrorCode, encodeRecordBatchSync } from '../../src/protocol/index.js';
import { startBroker } from '../../src/server/index.js';

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
}
const RECORDS = option('records', 100_000);
const TXN_RECORDS = option('txn-records', 1_000);
const BATCH = option('batch', 125);
const PARTITIONS = option('partitions', 4);
const RECORD_BYTES = 1024;
const TOPIC = 'bench-txn';

interface Producer {
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly transactionalId: string | null;
  readonly sequences: number[];
}

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function initProducer(connection: KafkaConnection, transactionalId: string | null): Promise<Producer> {
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
      sequences: new Array(PARTITIONS).fill(0),
    };
  }
}

/** One Produce request with `BATCH` records for each partition; resolves once acknowledged (acks=all). */
async function produceRound(connection: KafkaConnection, producer: Producer, payload: Buffer): Promise<void> {
  const partitionData = producer.sequences.map((sequence, index) => {
    const records = encodeRecordBatchSync(
      createRecordBatch({
        producerId: producer.producerId,
        producerEpoch: producer.producerEpoch,
        baseSequence: sequence,
        isTransactional: producer.transactionalId !== null,
        records: Array.from({ length: BATCH }, () => ({ value: payload })),
        timestamp: BigInt(Date.now()),
      }),
    );
    producer.sequences[index] = sequence + BATCH;
    return { index, records };
  });
  const r = await connection.request(ApiKey.Produce, 9, {
    transactionalId: producer.transactionalId,
    acks: -1,
    timeoutMs: 30_000,
    topicData: [{ name: TOPIC, partitionData }],
  });
  for (const p of r.responses[0]?.partitionResponses ?? []) {
    if (p.errorCode !== ErrorCode.NONE)
      throw new Error(`Produce failed on partition ${p.index}: ${p.errorCode}`);
  }
}

/** AddPartitionsToTxn for every partition, retried while the previous transaction's markers are written. */
async function addPartitions(connection: KafkaConnection, txn: Producer): Promise<void> {
  for (;;) {
    const add = await connection.request(ApiKey.AddPartitionsToTxn, 3, {
      transactions: [],
      v3AndBelowTransactionalId: txn.transactionalId ?? '',
      v3AndBelowProducerId: txn.producerId,
      v3AndBelowProducerEpoch: txn.producerEpoch,
      v3AndBelowTopics: [{ name: TOPIC, partitions: Array.from({ length: PARTITIONS }, (_, p) => p) }],
    });
    const codes = add.resultsByTopicV3AndBelow[0]?.resultsByPartition.map((p) => p.partitionErrorCode) ?? [];
    if (codes.every((c) => c === ErrorCode.NONE)) return;
    if (!codes.every((c) => c === ErrorCode.CONCURRENT_TRANSACTIONS)) {
      throw new Error(`AddPartitionsToTxn failed: ${codes.join(',')}`);
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'pyralog-bench-txn-'));
  const broker = await startBroker({
    logDirs: [dataDir],
    config: { 'transaction.state.log.num.partitions': '5' },
  });
  const connection = await KafkaConnection.connect({ host: broker.host, port: broker.port });
  try {
    const created = await connection.request(ApiKey.CreateTopics, 7, {
      topics: [
        { name: TOPIC, numPartitions: PARTITIONS, replicationFactor: 1, assignments: [], configs: [] },
      ],
      timeoutMs: 10_000,
      validateOnly: false,
    });
    if (created.topics[0]?.errorCode !== ErrorCode.NONE) throw new Error('CreateTopics failed');
    const payload = Buffer.alloc(RECORD_BYTES, 0x61);
    const perRound = BATCH * PARTITIONS;
    const rounds = Math.max(1, Math.floor(RECORDS / perRound));
    const total = rounds * perRound;
    const mb = (total * RECORD_BYTES) / 1e6;

    const idempotent = await initProducer(connection, null);
    let started = performance.now();
    for (let i = 0; i < rounds; i++) await produceRound(connection, idempotent, payload);
    const idempotentSecs = (performance.now() - started) / 1000;

    const find = await connection.request(ApiKey.FindCoordinator, 3, {
      key: 'bench-tx',
      keyType: 1,
      coordinatorKeys: [],
    });
    if (find.errorCode !== ErrorCode.NONE) throw new Error(`FindCoordinator failed: ${find.errorCode}`);
    const txn = await initProducer(connection, 'bench-tx');
    const roundsPerTxn = Math.max(1, Math.floor(TXN_RECORDS / perRound));
    const endTxnMs: number[] = [];
    started = performance.now();
    for (let i = 0; i < rounds; i += roundsPerTxn) {
      await addPartitions(connection, txn);
      for (let j = i; j < Math.min(rounds, i + roundsPerTxn); j++)
        await produceRound(connection, txn, payload);
      for (;;) {
        const t0 = performance.now();
        const end = await connection.request(ApiKey.EndTxn, 3, {
          transactionalId: 'bench-tx',
          producerId: txn.producerId,
          producerEpoch: txn.producerEpoch,
          committed: true,
        });
        // The next AddPartitionsToTxn waits (CONCURRENT_TRANSACTIONS) while the markers are written.
        if (end.errorCode === ErrorCode.NONE) {
          endTxnMs.push(performance.now() - t0);
          break;
        }
        if (end.errorCode !== ErrorCode.CONCURRENT_TRANSACTIONS)
          throw new Error(`EndTxn failed: ${end.errorCode}`);
      }
    }
    const txnSecs = (performance.now() - started) / 1000;
    const sorted = [...endTxnMs].sort((a, b) => a - b);
    const line = (what: string, secs: number) =>
      `${what}: ${(mb / secs).toFixed(1)} MB/s, ${Math.round(total / secs)} msg/s (${total} records of ${RECORD_BYTES} B in ${secs.toFixed(2)} s)`;
    console.log(line('idempotent produce (acks=all)', idempotentSecs));
    console.log(line(`transactional produce (${roundsPerTxn * perRound} records per transaction)`, txnSecs));
    console.log(`transactional / idempotent throughput: ${(idempotentSecs / txnSecs).toFixed(2)}x`);
    console.log(
      `EndTxn commit round trip: p50 ${percentile(sorted, 50).toFixed(2)} ms, p99 ${percentile(sorted, 99).toFixed(2)} ms, max ${(sorted.at(-1) ?? Number.NaN).toFixed(2)} ms (n=${sorted.length})`,
    );
  } finally {
    await connection.close();
    await broker.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
