// `pyralog bench produce|consume`: the throughput of src/client against a cluster, as Kafka's
// producer-perf-test and consumer-perf-test measure it: N records of S bytes, MB/s and msg/s, and for
// produce each record's latency from send to acknowledgement (p50/p95/p99/max).
import { randomBytes } from 'node:crypto';
import type { Command } from 'commander';
import { AdminClient, Consumer, Producer } from '../client/index.js';
import { type LatencySummary, summarizeLatencies, type Throughput, throughput } from './bench-summary.js';
import {
  type AdminOptions,
  json,
  type OutputMode,
  outputMode,
  positiveInt,
  reportFailure,
  withAdminOptions,
} from './cli-io.js';
import { type ProducerFlags, producerOptions, withProducerFlags } from './client-flags.js';
import { progressBar } from './progress-bar.js';

interface BenchOptions extends AdminOptions {
  readonly topic: string;
  readonly numRecords: string;
}

interface BenchProduceOptions extends BenchOptions, ProducerFlags {
  readonly recordSize: string;
  readonly partitions: string;
}

/**
 * The bench producer's linger.ms and batch.size: librdkafka's defaults (5 ms, 1,000,000 bytes), the
 * fastest client of bench/broker. Kafka's Java default batch.size (16384) is what `produce` keeps: one
 * partition then carries at most 5 x 16 KiB in flight per round trip, about a tenth of the throughput.
 */
const PRODUCER_DEFAULTS = { lingerMs: 5, batchSize: 1_000_000 };
/** The producer's max.in.flight.requests.per.connection when --max-in-flight is not given. */
const DEFAULT_MAX_IN_FLIGHT = 5;

/** Creates the topic unless it exists (the bench must not depend on broker auto-creation). */
async function ensureTopic(options: BenchOptions, partitions: number): Promise<void> {
  const admin = new AdminClient({ bootstrapServers: options.bootstrapServer, clientId: 'pyralog-bench' });
  try {
    const [result] = await admin.createTopics([{ name: options.topic, numPartitions: partitions }]);
    if (result?.error && result.error.code !== 'TOPIC_ALREADY_EXISTS') throw result.error;
  } finally {
    await admin.close();
  }
}

/** A payload of printable bytes that compresses about as well as text, reused for every record. */
function payload(size: number): Buffer {
  const bytes = randomBytes(size);
  for (let i = 0; i < size; i += 1) bytes[i] = 0x21 + (bytes[i]! % 94);
  return bytes;
}

interface ProduceResult extends Throughput {
  readonly topic: string;
  readonly recordSize: number;
  readonly latencyMs: LatencySummary;
  /** CPU time (user+sys) of this process per record between the first send and the last acknowledgement. */
  readonly cpuUsPerRecord: number;
  /** enable.idempotence of the run, so that figures say which delivery semantics they measured. */
  readonly idempotent: boolean;
  /** max.in.flight.requests.per.connection of the run. */
  readonly maxInFlight: number;
}

async function benchProduce(options: BenchProduceOptions): Promise<ProduceResult> {
  const records = positiveInt(options.numRecords, '--num-records')!;
  const recordSize = positiveInt(options.recordSize, '--record-size')!;
  const partitions = positiveInt(options.partitions, '--partitions')!;
  const settings = producerOptions(options, PRODUCER_DEFAULTS);
  await ensureTopic(options, partitions);
  const producer = new Producer({
    bootstrapServers: options.bootstrapServer,
    clientId: 'pyralog-bench',
    ...settings,
  });
  // The records go in chunks through appendBatch (one delivery promise per chunk, none per record),
  // each chunk the same array of records sharing one payload, as a bulk user of the client would.
  const batchSize = settings.batchSize ?? PRODUCER_DEFAULTS.batchSize;
  const chunkSize = Math.min(records, Math.max(1, Math.floor(batchSize / (recordSize + 21))));
  const value = payload(recordSize);
  const chunk = Array.from({ length: chunkSize }, () => ({ topic: options.topic, value }));
  // One latency per chunk, standing for its records.
  const latencies = new Float64Array(Math.ceil(records / chunkSize));
  const weights = new Uint32Array(latencies.length);
  let ackedChunks = 0;
  let failure: unknown;
  const bar = progressBar(records, 'records');
  const started = performance.now();
  const cpuAtStart = process.cpuUsage();
  try {
    for (let sent = 0; sent < records && failure === undefined; ) {
      const count = Math.min(chunkSize, records - sent);
      const sentAt = performance.now();
      const { delivery } = await producer.appendBatch(count === chunkSize ? chunk : chunk.slice(0, count));
      // Every record of a chunk counts the chunk's latency: from the call until its last acknowledgement.
      delivery.then(
        () => {
          latencies[ackedChunks] = performance.now() - sentAt;
          weights[ackedChunks] = count;
          ackedChunks += 1;
        },
        (error: unknown) => {
          failure ??= error;
        },
      );
      sent += count;
      bar.update(sent);
    }
    await producer.flush();
  } finally {
    bar.stop();
    await producer.close({ timeoutMs: 0 }).catch(() => {});
  }
  if (failure !== undefined) throw failure;
  const elapsedMs = performance.now() - started;
  const cpu = process.cpuUsage(cpuAtStart);
  return {
    topic: options.topic,
    recordSize,
    ...throughput(records, records * recordSize, elapsedMs),
    latencyMs: summarizeLatencies(latencies, ackedChunks, weights),
    cpuUsPerRecord: (cpu.user + cpu.system) / records,
    idempotent: settings.idempotent,
    maxInFlight: settings.maxInFlightRequestsPerConnection ?? DEFAULT_MAX_IN_FLIGHT,
  };
}

interface ConsumeResult extends Throughput {
  readonly topic: string;
}

async function benchConsume(options: BenchOptions & { timeoutMs: string }): Promise<ConsumeResult> {
  const wanted = positiveInt(options.numRecords, '--num-records')!;
  const timeoutMs = positiveInt(options.timeoutMs, '--timeout-ms')!;
  const consumer = new Consumer({
    bootstrapServers: options.bootstrapServer,
    clientId: 'pyralog-bench',
    autoOffsetReset: 'earliest',
  });
  const bar = progressBar(wanted, 'records');
  let records = 0;
  let bytes = 0;
  try {
    const [topic] = await new AdminClient(consumer.cluster).describeTopics([options.topic]);
    if (topic?.error) throw topic.error;
    consumer.assign((topic?.partitions ?? []).map((p) => ({ topic: options.topic, partition: p.partition })));
    const started = performance.now();
    let lastRecordMs = started;
    while (records < wanted) {
      const batch = await consumer.poll({ timeoutMs: 500 });
      const counted = Math.min(batch.length, wanted - records);
      for (let i = 0; i < counted; i += 1) {
        const record = batch[i]!;
        bytes += (record.key?.length ?? 0) + (record.value?.length ?? 0);
      }
      records += counted;
      bar.update(records);
      const now = performance.now();
      if (batch.length > 0) lastRecordMs = now;
      else if (now - lastRecordMs > timeoutMs) {
        throw new Error(`read ${records} of ${wanted} records: none arrived for ${timeoutMs} ms`);
      }
    }
    return { topic: options.topic, ...throughput(records, bytes, performance.now() - started) };
  } finally {
    bar.stop();
    await consumer.close().catch(() => {});
  }
}

const fixed = (value: number, digits: number) => value.toFixed(digits);

function produceReport(result: ProduceResult, mode: OutputMode, acks: string, compression: string): string {
  if (mode === 'json') return json({ ...result, acks, compression });
  const l = result.latencyMs;
  return (
    `produced ${result.records} records of ${result.recordSize} bytes to ${result.topic} (acks=${acks}, ` +
    `${result.idempotent ? 'idempotent' : 'not idempotent'}, max in flight ${result.maxInFlight}, ` +
    `compression=${compression}) in ${fixed(result.elapsedMs / 1000, 2)} s\n` +
    `throughput: ${fixed(result.recordsPerSec, 0)} msg/s, ${fixed(result.mbPerSec, 2)} MB/s\n` +
    `latency ms: p50 ${fixed(l.p50Ms, 2)}, p95 ${fixed(l.p95Ms, 2)}, p99 ${fixed(l.p99Ms, 2)}, max ${fixed(l.maxMs, 2)} (mean ${fixed(l.meanMs, 2)})\n` +
    `client CPU: ${fixed(result.cpuUsPerRecord, 2)} us per record\n`
  );
}

function consumeReport(result: ConsumeResult, mode: OutputMode): string {
  if (mode === 'json') return json(result);
  return (
    `consumed ${result.records} records (${result.bytes} bytes) of ${result.topic} in ${fixed(result.elapsedMs / 1000, 2)} s\n` +
    `throughput: ${fixed(result.recordsPerSec, 0)} msg/s, ${fixed(result.mbPerSec, 2)} MB/s\n`
  );
}

export function addBenchCommands(program: Command): void {
  const bench = program.command('bench').description('measure produce and consume throughput (MB/s, msg/s)');
  const produce = withAdminOptions(
    bench
      .command('produce')
      .description(
        'produce N records of S bytes (one reused payload, no key) and report throughput and latency',
      ),
  )
    .option('-t, --topic <topic>', 'the topic (created when missing)', 'pyralog-bench')
    .option('--num-records <n>', 'how many records', '1000000')
    .option('--record-size <bytes>', 'value size of each record', '1024')
    .option('--partitions <n>', 'partitions of the topic when the bench creates it', '1');
  withProducerFlags(produce, PRODUCER_DEFAULTS).action(async (options: BenchProduceOptions) => {
    try {
      const mode = outputMode(options);
      const result = await benchProduce(options);
      process.stdout.write(produceReport(result, mode, options.acks, options.compression));
    } catch (error: unknown) {
      reportFailure(error);
    }
  });
  withAdminOptions(
    bench
      .command('consume')
      .description('read N records of a topic from the beginning (all partitions) and report throughput'),
  )
    .option('-t, --topic <topic>', 'the topic', 'pyralog-bench')
    .option('--num-records <n>', 'how many records', '1000000')
    .option('--timeout-ms <ms>', 'fail when no record arrived for this long', '10000')
    .action(async (options: BenchOptions & { timeoutMs: string }) => {
      try {
        const mode = outputMode(options);
        process.stdout.write(consumeReport(await benchConsume(options), mode));
      } catch (error: unknown) {
        reportFailure(error);
      }
    });
}
