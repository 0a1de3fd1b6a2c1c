// Transactions benchmark (issue 6): the same producer workload against one broker with on-disk logs
// (default durable flush: acks=all answered after fsync), idempotent and transactional in transactions
// of --txn-records records (AddPartitionsToTxn, the batches, EndTxn commit; see workload.ts). 1 KiB
// records, one batch per partition per Produce request, one request in flight (as transactional
// clients send). Both paths first run unmeasured (--warmup-records each); then the phases alternate in
// rounds (ABBA order, so that a drift of the machine's load or of the logs' size biases neither), each
// phase running whole transactions (or as many idempotent records) for --round-secs. Rounds go on past
// --rounds until each path has --records records. Prints each round, both throughputs over all rounds
// with the process's CPU time per 1000 records (client and broker share this process), their ratio,
// and the EndTxn (commit) round trip p50/p99/max. --trace N then traces N more units of each path and
// prints where a transaction's time goes (trace.ts; tracing costs CPU: take figures without it).
// Usage: npm run bench:transactions [-- --rounds 8 --round-secs 2 --records 0 --txn-records 1000
//   --batch 125 --partitions 4 --warmup-records 20000 --trace 0 --override key=value ...]
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { KafkaConnection } from '../../src/network/index.js';
import { ApiKey, ErrorCode } from '../../src/protocol/index.js';
import { startBroker } from '../../src/server/index.js';
import { percentile } from '../bench-support.js';
import { TxnTrace } from './trace.js';
import {
  addPartitions,
  type BenchProducer,
  commit,
  initProducer,
  type Mark,
  produceRound,
  TOPIC,
} from './workload.js';

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : Number(process.argv[at + 1]);
}
/** The least records each path measures over all rounds (more rounds run until both have them). */
const MIN_RECORDS = option('records', 0);
const TXN_RECORDS = option('txn-records', 1_000);
const BATCH = option('batch', 125);
const PARTITIONS = option('partitions', 4);
const ROUNDS = option('rounds', 8);
/** Each phase of a round runs whole units until this much time passed. */
const ROUND_SECS = option('round-secs', 2);
const WARMUP_RECORDS = option('warmup-records', 20_000);
const TRACE_UNITS = option('trace', 0);
/** Broker configs from repeated `--override key=value` (e.g. pyralog.log.zero.ahead.max.bytes=0 for an A/B). */
const OVERRIDES = Object.fromEntries(
  process.argv.flatMap((arg, i) => {
    const next = process.argv[i + 1];
    if (arg !== '--override' || next === undefined || !next.includes('=')) return [];
    return [[next.slice(0, next.indexOf('=')), next.slice(next.indexOf('=') + 1)]];
  }),
);
const RECORD_BYTES = 1024;

interface PhaseResult {
  readonly secs: number;
  readonly records: number;
  /** CPU time of the whole process (all threads, the client's included), ms. */
  readonly cpuMs: number;
}

/** Both paths over one connection: a unit is one transaction, or as many records idempotently. */
class Workload {
  readonly perRequest = BATCH * PARTITIONS;
  readonly requestsPerUnit = Math.max(1, Math.floor(TXN_RECORDS / this.perRequest));
  readonly payload = Buffer.alloc(RECORD_BYTES, 0x61);

  constructor(
    private readonly connection: KafkaConnection,
    private readonly idempotent: BenchProducer,
    private readonly txn: BenchProducer,
  ) {}

  get recordsPerUnit(): number {
    return this.requestsPerUnit * this.perRequest;
  }

  async idempotentUnit(mark?: Mark): Promise<void> {
    for (let j = 0; j < this.requestsPerUnit; j++) {
      await produceRound(this.connection, this.idempotent, this.payload, BATCH, mark);
    }
  }

  /** Returns the EndTxn round trip in ms. */
  async transactionalUnit(mark?: Mark): Promise<number> {
    await addPartitions(this.connection, this.txn, PARTITIONS, mark);
    for (let j = 0; j < this.requestsPerUnit; j++) {
      await produceRound(this.connection, this.txn, this.payload, BATCH, mark);
    }
    return commit(this.connection, this.txn, mark);
  }

  /** Runs units until `secs` passed (or `units` ran, when given). */
  async phase(kind: 'idempotent' | 'transactional', secs: number, endTxnMs: number[], units = Infinity) {
    const started = performance.now();
    const cpu = process.cpuUsage();
    let done = 0;
    while (done < units && (units !== Infinity || performance.now() - started < secs * 1000)) {
      if (kind === 'idempotent') await this.idempotentUnit();
      else endTxnMs.push(await this.transactionalUnit());
      done++;
    }
    const used = process.cpuUsage(cpu);
    return {
      secs: (performance.now() - started) / 1000,
      records: done * this.recordsPerUnit,
      cpuMs: (used.user + used.system) / 1000,
    };
  }
}

async function traceUnits(workload: Workload, units: number): Promise<void> {
  for (const kind of ['idempotent', 'transactional'] as const) {
    const trace = new TxnTrace();
    trace.start();
    const cpu = process.cpuUsage();
    const started = performance.now();
    for (let i = 0; i < units; i++) {
      const mark = trace.unit();
      if (kind === 'idempotent') await workload.idempotentUnit(mark);
      else await workload.transactionalUnit(mark);
    }
    const wallMs = performance.now() - started;
    const used = process.cpuUsage(cpu);
    trace.stop();
    console.log(
      `\ntrace, ${kind}: ${units} units of ${workload.recordsPerUnit} records in ${wallMs.toFixed(0)} ms; process CPU per unit ${((used.user + used.system) / 1000 / units).toFixed(2)} ms (user ${(used.user / 1000 / units).toFixed(2)}, system ${(used.system / 1000 / units).toFixed(2)}; all threads, client included)`,
    );
    console.log(`trace, ${kind}: client steps`);
    for (const line of trace.steps()) console.log(line);
    if (kind === 'transactional') {
      console.log('trace, transactional: broker steps');
      for (const line of trace.brokerSteps(TOPIC)) console.log(line);
    }
    const example = Math.floor(units / 2);
    console.log(`trace, ${kind}: unit ${example + 1}'s timeline (load average ${loadavg()[0]?.toFixed(2)})`);
    for (const line of trace.timeline(example)) console.log(line);
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
    const idempotent = await initProducer(connection, null, PARTITIONS);
    const find = await connection.request(ApiKey.FindCoordinator, 3, {
      key: 'bench-tx',
      keyType: 1,
      coordinatorKeys: [],
    });
    if (find.errorCode !== ErrorCode.NONE) throw new Error(`FindCoordinator failed: ${find.errorCode}`);
    const txn = await initProducer(connection, 'bench-tx', PARTITIONS);
    const workload = new Workload(connection, idempotent, txn);

    // Unmeasured warm-up of both paths first: the JIT's compiles and the first segment files would
    // otherwise land on whichever phase runs first.
    const warmUnits = Math.max(1, Math.round(WARMUP_RECORDS / workload.recordsPerUnit));
    await workload.phase('idempotent', 0, [], warmUnits);
    await workload.phase('transactional', 0, [], warmUnits);

    const endTxnMs: number[] = [];
    const idempotentTotal = { secs: 0, records: 0, cpuMs: 0 };
    const txnTotal = { secs: 0, records: 0, cpuMs: 0 };
    const mbps = (r: PhaseResult) => `${((r.records * RECORD_BYTES) / 1e6 / r.secs).toFixed(1)} MB/s`;
    const rate = (r: PhaseResult) => r.records / r.secs;
    let round = 0;
    while (
      round < ROUNDS ||
      round % 2 === 1 ||
      idempotentTotal.records < MIN_RECORDS ||
      txnTotal.records < MIN_RECORDS
    ) {
      // ABBA: each kind runs first as often as second.
      const idempotentFirst = round % 4 === 0 || round % 4 === 3;
      let i: PhaseResult | undefined;
      if (idempotentFirst) i = await workload.phase('idempotent', ROUND_SECS, []);
      const t = await workload.phase('transactional', ROUND_SECS, endTxnMs);
      i ??= await workload.phase('idempotent', ROUND_SECS, []);
      for (const [total, r] of [
        [idempotentTotal, i],
        [txnTotal, t],
      ] as const) {
        total.secs += r.secs;
        total.records += r.records;
        total.cpuMs += r.cpuMs;
      }
      round++;
      console.log(
        `round ${round} (${idempotentFirst ? 'idempotent first' : 'transactional first'}): idempotent ${mbps(i)} (${i.records} records), transactional ${mbps(t)} (${t.records} records), ratio ${(rate(t) / rate(i)).toFixed(2)}x, load ${loadavg()[0]?.toFixed(2)}`,
      );
    }
    const sorted = [...endTxnMs].sort((a, b) => a - b);
    const line = (what: string, r: PhaseResult) =>
      `${what}: ${mbps(r)}, ${Math.round(rate(r))} msg/s (${r.records} records of ${RECORD_BYTES} B in ${r.secs.toFixed(2)} s; process CPU ${((r.cpuMs / r.records) * 1000).toFixed(2)} ms per 1000 records)`;
    console.log(line('idempotent produce (acks=all)', idempotentTotal));
    console.log(line(`transactional produce (${workload.recordsPerUnit} records per transaction)`, txnTotal));
    console.log(
      `transactional / idempotent throughput: ${(rate(txnTotal) / rate(idempotentTotal)).toFixed(2)}x (${round} alternating rounds of ${ROUND_SECS} s per phase after ${warmUnits * workload.recordsPerUnit} warm-up records each; load average ${loadavg()[0]?.toFixed(2)}${Object.keys(OVERRIDES).length > 0 ? `; ${JSON.stringify(OVERRIDES)}` : ''})`,
    );
    console.log(
      `EndTxn commit round trip: p50 ${percentile(sorted, 50).toFixed(2)} ms, p99 ${percentile(sorted, 99).toFixed(2)} ms, max ${(sorted.at(-1) ?? Number.NaN).toFixed(2)} ms (n=${sorted.length})`,
    );
    if (TRACE_UNITS > 0) await traceUnits(workload, TRACE_UNITS);
  } finally {
    await connection.close();
    await broker.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

await main();
