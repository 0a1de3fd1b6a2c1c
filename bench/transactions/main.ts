// Transactions benchmark (issue 6): the same producer workload against one broker with on-disk logs
// (default durable flush: acks=all answered after fsync), idempotent and transactional in transactions
// of --txn-records records (AddPartitionsToTxn, the batches, EndTxn commit). Both run unmeasured first
// (--warmup-records each), then in --rounds alternating rounds (ABBA order) of --records / --rounds
// records each; prints each round, both throughputs over all rounds, their ratio, and the EndTxn
// (commit) round trip p50/p99/max. 1 KiB records, one batch per partition per Produce request, one
// request in flight (as transactional clients send).
// Usage: npm run bench:transactions [-- --records 100000 --txn-records 1000 --batch 125 --partitions 4
//   --rounds 4 --warmup-records 20000 --override key=value ...]
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { KafkaConnection } from '../../src/network/index.js';
import { ApiKey, createRecordBatch, ErrorCode, encodeRecordBatchSync } from '../../src/protocol/index.js';
import { startBroker } from '../../src/server/index.js';
import { percentile } from '../bench-support.js';

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
}
const RECORDS = option('records', 100_000);
const TXN_RECORDS = option('txn-records', 1_000);
const BATCH = option('batch', 125);
const PARTITIONS = option('partitions', 4);
/** Measured rounds; each runs both phases on RECORDS / PHASES records. */
const PHASES = option('rounds', 4);
const WARMUP_RECORDS = option('warmup-records', 20_000);
/** Broker configs from repeated `--override key=value` (e.g. pyralog.log.zero.ahead.max.bytes=0 for an A/B). */
const OVERRIDES = Object.fromEntries(
  process.argv.flatMap((arg, i) => {
    const next = process.argv[i + 1];
    if (arg !== '--override' || next === undefined || !next.includes('=')) return [];
    return [[next.slice(0, next.indexOf('=')), next.slice(next.indexOf('=') + 1)]];
  }),
);
const RECORD_BYTES = 1024;
const TOPIC = 'bench-txn';

interface Producer {
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly transactionalId: string | null;
  readonly sequences: number[];
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

/** EndTxn commit, retried while the previous transaction's markers are written; returns its round trip in ms. */
async function commit(connection: KafkaConnection, txn: Producer): Promise<number> {
  for (;;) {
    const t0 = performance.now();
    const end = await connection.request(ApiKey.EndTxn, 3, {
      transactionalId: txn.transactionalId ?? '',
      producerId: txn.producerId,
      producerEpoch: txn.producerEpoch,
      committed: true,
    });
    if (end.errorCode === ErrorCode.NONE) return performance.now() - t0;
    if (end.errorCode !== ErrorCode.CONCURRENT_TRANSACTIONS)
      throw new Error(`EndTxn failed: ${end.errorCode}`);
  }
}

async function main(): Promise<void> {
  const dataDir = await mkdtemp(join(tmpdir(), 'pyralog-bench-txn-'));
  const broker = await startBroker({
    logDirs: [dataDir],
    config: { 'transaction.state.log.num.partitions': '5', ...OVERRIDES },
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

    const idempotent = await initProducer(connection, null);
    const find = await connection.request(ApiKey.FindCoordinator, 3, {
      key: 'bench-tx',
      keyType: 1,
      coordinatorKeys: [],
    });
    if (find.errorCode !== ErrorCode.NONE) throw new Error(`FindCoordinator failed: ${find.errorCode}`);
    const txn = await initProducer(connection, 'bench-tx');
    const roundsPerTxn = Math.max(1, Math.floor(TXN_RECORDS / perRound));
    const phaseRounds = Math.max(roundsPerTxn, Math.floor(rounds / PHASES / roundsPerTxn) * roundsPerTxn);
    const phaseRecords = phaseRounds * perRound;
    const idempotentPhase = async (n: number): Promise<number> => {
      const started = performance.now();
      for (let i = 0; i < n; i++) await produceRound(connection, idempotent, payload);
      return (performance.now() - started) / 1000;
    };
    const transactionalPhase = async (n: number, endTxnMs: number[]): Promise<number> => {
      const started = performance.now();
      for (let i = 0; i < n; i += roundsPerTxn) {
        await addPartitions(connection, txn);
        for (let j = i; j < Math.min(n, i + roundsPerTxn); j++) await produceRound(connection, txn, payload);
        endTxnMs.push(await commit(connection, txn));
      }
      return (performance.now() - started) / 1000;
    };
    // Unmeasured warm-up of both paths first: the JIT's compiles and the first segment files would
    // otherwise land on whichever phase runs first.
    const warmRounds = Math.max(
      roundsPerTxn,
      Math.floor(WARMUP_RECORDS / perRound / roundsPerTxn) * roundsPerTxn,
    );
    await idempotentPhase(warmRounds);
    await transactionalPhase(warmRounds, []);
    // Then the phases alternate, ABBA: each kind runs first as often as second, so a drift of the
    // machine's load or of the logs' size biases neither.
    const endTxnMs: number[] = [];
    let idempotentSecs = 0;
    let txnSecs = 0;
    const mbPhase = (phaseRecords * RECORD_BYTES) / 1e6;
    const rate = (secs: number) => `${(mbPhase / secs).toFixed(1)} MB/s`;
    for (let round = 0; round < PHASES; round++) {
      const idempotentFirst = round % 2 === 0;
      let i = 0;
      let t = 0;
      if (idempotentFirst) i = await idempotentPhase(phaseRounds);
      t = await transactionalPhase(phaseRounds, endTxnMs);
      if (!idempotentFirst) i = await idempotentPhase(phaseRounds);
      idempotentSecs += i;
      txnSecs += t;
      console.log(
        `round ${round + 1} (${idempotentFirst ? 'idempotent first' : 'transactional first'}, ${phaseRecords} records each): idempotent ${rate(i)}, transactional ${rate(t)}, ratio ${(i / t).toFixed(2)}x`,
      );
    }
    const total = phaseRecords * PHASES;
    const mb = (total * RECORD_BYTES) / 1e6;
    const sorted = [...endTxnMs].sort((a, b) => a - b);
    const line = (what: string, secs: number) =>
      `${what}: ${(mb / secs).toFixed(1)} MB/s, ${Math.round(total / secs)} msg/s (${total} records of ${RECORD_BYTES} B in ${secs.toFixed(2)} s)`;
    console.log(line('idempotent produce (acks=all)', idempotentSecs));
    console.log(line(`transactional produce (${roundsPerTxn * perRound} records per transaction)`, txnSecs));
    console.log(
      `transactional / idempotent throughput: ${(idempotentSecs / txnSecs).toFixed(2)}x (${PHASES} alternating rounds after ${warmRounds * perRound} warm-up records each; load average ${loadavg()[0]?.toFixed(2)}${Object.keys(OVERRIDES).length > 0 ? `; ${JSON.stringify(OVERRIDES)}` : ''})`,
    );
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
