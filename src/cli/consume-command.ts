// `pyralog consume --topic T`: prints records through src/client's Consumer, as kafka-console-consumer
// and kcat -C do: every partition assigned (or one with --partition) or a group member (--group,
// committing what it printed), from the beginning, an offset or a timestamp, in a --format template
// or as JSON lines; follows the topic until Ctrl-C unless --no-follow, --max-messages or --timeout-ms.
import { once } from 'node:events';
import type { Command } from 'commander';
import {
  AdminClient,
  Consumer,
  type ConsumerOptions,
  type ConsumerRecord,
  type TopicPartition,
} from '../client/index.js';
import { KafkaError } from '../protocol/index.js';
import {
  type AdminOptions,
  type OutputMode,
  outputMode,
  positiveInt,
  reportFailure,
  UsageError,
  withAdminOptions,
} from './cli-io.js';
import { nonNegativeInt } from './client-flags.js';
import { compileFormat, FORMAT_FIELDS, FormatTemplateError, recordJson } from './record-format.js';

interface ConsumeOptions extends AdminOptions {
  readonly topic: string;
  readonly partition?: string;
  readonly offset?: string;
  readonly fromBeginning: boolean;
  readonly timestamp?: string;
  readonly group?: string;
  readonly format: string;
  readonly maxMessages?: string;
  readonly num?: string;
  readonly follow: boolean;
  readonly timeoutMs?: string;
}

/** Where to start, decided from the flags before connecting. */
type StartAt =
  | { kind: 'default' }
  | { kind: 'earliest' }
  | { kind: 'latest' }
  | { kind: 'offset'; offset: bigint }
  | { kind: 'timestamp'; timestamp: bigint };

interface ConsumePlan {
  readonly render: (record: ConsumerRecord) => string;
  readonly partition: number | undefined;
  readonly startAt: StartAt;
  readonly maxMessages: number | undefined;
  readonly timeoutMs: number | undefined;
}

/** Checks the flags against each other (Kafka's console consumer rules); throws UsageError. */
function plan(options: ConsumeOptions, mode: OutputMode): ConsumePlan {
  let render: (record: ConsumerRecord) => string = recordJson;
  if (mode === 'table') {
    try {
      render = compileFormat(options.format);
    } catch (error: unknown) {
      if (error instanceof FormatTemplateError) throw new UsageError(error.message);
      throw error;
    }
  }
  const max = positiveInt(options.maxMessages, '--max-messages');
  const num = positiveInt(options.num, '--num');
  if (max !== undefined && num !== undefined && max !== num)
    throw new UsageError('--max-messages and --num are one option: give one of them');
  const partition = nonNegativeInt(options.partition, '--partition');
  const starts = [options.fromBeginning, options.offset !== undefined, options.timestamp !== undefined];
  if (starts.filter(Boolean).length > 1)
    throw new UsageError('give at most one of --from-beginning, --offset and --timestamp');
  if (options.group !== undefined && (partition !== undefined || options.offset !== undefined))
    throw new UsageError('--partition and --offset assign partitions: they cannot be used with --group');
  if (options.group !== undefined && options.timestamp !== undefined)
    throw new UsageError('--timestamp cannot be used with --group (see pyralog group reset-offsets)');
  return {
    render,
    partition,
    startAt: startAt(options, partition),
    maxMessages: max ?? num,
    timeoutMs: positiveInt(options.timeoutMs, '--timeout-ms'),
  };
}

function startAt(options: ConsumeOptions, partition: number | undefined): StartAt {
  if (options.fromBeginning) return { kind: 'earliest' };
  if (options.timestamp !== undefined) {
    const timestamp = nonNegativeInt(options.timestamp, '--timestamp')!;
    return { kind: 'timestamp', timestamp: BigInt(timestamp) };
  }
  const offset = options.offset;
  if (offset === undefined) return { kind: 'default' };
  if (offset === 'earliest' || offset === 'latest') return { kind: offset };
  if (!/^\d+$/.test(offset))
    throw new UsageError(`--offset must be a number, earliest or latest, not '${offset}'`);
  // As kafka-console-consumer: a numeric offset is meaningful in one partition only.
  if (partition === undefined) throw new UsageError('--offset <n> needs --partition');
  return { kind: 'offset', offset: BigInt(offset) };
}

/** The topic's partitions (or the one asked for); throws the topic's KafkaError when it is unknown. */
async function partitionsOf(consumer: Consumer, topic: string, partition: number | undefined) {
  const [described] = await new AdminClient(consumer.cluster).describeTopics([topic]);
  if (described === undefined) throw new Error('no answer for the topic');
  if (described.error !== null) throw described.error;
  const all = described.partitions.map((p) => p.partition).sort((a, b) => a - b);
  if (partition !== undefined && !all.includes(partition)) {
    throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `topic ${topic} has no partition ${partition}`);
  }
  return (partition === undefined ? all : [partition]).map((p): TopicPartition => ({ topic, partition: p }));
}

function position(consumer: Consumer, partitions: readonly TopicPartition[], at: StartAt): void {
  switch (at.kind) {
    case 'default':
      break;
    case 'earliest':
      consumer.seekToBeginning(partitions);
      break;
    case 'latest':
      consumer.seekToEnd(partitions);
      break;
    case 'offset':
      for (const tp of partitions) consumer.seek(tp, at.offset);
      break;
    case 'timestamp':
      consumer.seekToTimestamp(partitions, at.timestamp);
      break;
  }
}

/** True when every assigned partition's position reached its end offset (kcat -e). */
async function atEnd(consumer: Consumer): Promise<boolean> {
  const assigned = consumer.assignment();
  const positions = assigned.map((tp) => consumer.position(tp));
  if (positions.some((p) => p === undefined)) return false;
  if (assigned.length === 0) return true;
  const ends = await new AdminClient(consumer.cluster).listOffsets(
    assigned.map((tp) => ({ ...tp, query: 'latest' as const })),
  );
  return ends.every((end, i) => end.error === null && positions[i]! >= end.offset);
}

async function write(text: string): Promise<void> {
  if (text !== '' && !process.stdout.write(text)) await once(process.stdout, 'drain');
}

async function consume(options: ConsumeOptions, mode: OutputMode): Promise<void> {
  const steps = plan(options, mode);
  const settings: ConsumerOptions = {
    bootstrapServers: options.bootstrapServer,
    clientId: 'pyralog-cli',
    ...(options.group === undefined
      ? { autoOffsetReset: 'latest' }
      : {
          groupId: options.group,
          autoOffsetReset: steps.startAt.kind === 'earliest' ? 'earliest' : 'latest',
        }),
    // A poll never returns more than --max-messages still wants, so the commit on exit is exact.
    ...(steps.maxMessages === undefined ? {} : { maxPollRecords: Math.min(500, steps.maxMessages) }),
  };
  const consumer = new Consumer(settings);
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  // `| head` closes stdout: stop quietly, as other Unix tools do.
  const onStdoutError = (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') stop.abort();
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.stdout.on('error', onStdoutError);
  let printed = 0;
  try {
    const partitions = await partitionsOf(consumer, options.topic, steps.partition);
    if (options.group === undefined) {
      consumer.assign(partitions);
      position(consumer, partitions, steps.startAt);
    } else {
      consumer.subscribe([options.topic]);
    }
    let lastRecordMs = performance.now();
    while (!stop.signal.aborted && (steps.maxMessages === undefined || printed < steps.maxMessages)) {
      let records: ConsumerRecord[];
      try {
        records = await consumer.poll({ timeoutMs: 500, signal: stop.signal });
      } catch (error: unknown) {
        // Ctrl-C aborts the poll: an OperationAbortedError, or the network's RequestAbortedError when
        // a Fetch was in flight.
        if (stop.signal.aborted) break;
        throw error;
      }
      if (records.length > 0) {
        const wanted =
          steps.maxMessages === undefined ? records : records.slice(0, steps.maxMessages - printed);
        let out = '';
        for (const record of wanted) out += `${steps.render(record)}\n`;
        printed += wanted.length;
        lastRecordMs = performance.now();
        await write(out);
        continue;
      }
      if (steps.timeoutMs !== undefined && performance.now() - lastRecordMs >= steps.timeoutMs) break;
      if (!options.follow && (await atEnd(consumer))) break;
    }
    // A group commits the position after the last printed record (close leaves the group).
    if (options.group !== undefined && consumer.assignment().length > 0) await consumer.commit();
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.stdout.off('error', onStdoutError);
    await consumer.close().catch(() => {});
    process.stderr.write(`Processed a total of ${printed} messages\n`);
  }
}

export function addConsumeCommand(program: Command): void {
  const fields = Object.entries(FORMAT_FIELDS)
    .map(([name, meaning]) => `  {${name}}  ${meaning}`)
    .join('\n');
  withAdminOptions(
    program
      .command('consume')
      .description(
        'print records of a topic (as kafka-console-consumer); follows the topic until Ctrl-C unless --no-follow',
      ),
  )
    .requiredOption('-t, --topic <topic>', 'the topic to read')
    .option('-g, --group <group>', 'consume as a member of this consumer group, committing what was printed')
    .option('-p, --partition <n>', 'read only this partition (without --group)')
    .option('--from-beginning', 'start at the log start (with --group: where the group has no offset)', false)
    .option('--offset <n|earliest|latest>', 'start at this offset (a number needs --partition)')
    .option('--timestamp <ms>', 'start at the first record with a timestamp >= ms (ListOffsets by time)')
    .option('--format <template>', 'how to print a record in table mode, placeholders below', '{value}')
    .option('-n, --max-messages <n>', 'exit after printing n records')
    .option('--num <n>', 'the same as --max-messages')
    .option('--no-follow', 'exit once every partition is read to its end (kcat -e)')
    .option(
      '--timeout-ms <ms>',
      'exit when no record arrived for this long (kafka-console-consumer --timeout-ms)',
    )
    .addHelpText(
      'after',
      `\nFormat placeholders (one record per line; {{ and }} are braces; \\n and \\t escapes):\n${fields}\n` +
        '\nWith --output json every record is one JSON object per line with all of these fields.\n',
    )
    .action(async (options: ConsumeOptions) => {
      try {
        await consume(options, outputMode(options));
      } catch (error: unknown) {
        reportFailure(error);
      }
    });
}
