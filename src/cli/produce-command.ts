// `pyralog produce --topic T`: one record per line of stdin or --file, with kafka-console-producer's
// key and header parsing, through src/client's Producer; prints a summary (records, bytes, time).
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import type { Command } from 'commander';
import { Producer, type ProducerRecord } from '../client/index.js';
import type { RecordHeader } from '../protocol/index.js';
import { throughput } from './bench-summary.js';
import {
  type AdminOptions,
  collect,
  json,
  type OutputMode,
  outputMode,
  parsePairs,
  reportFailure,
  UsageError,
  withAdminOptions,
} from './cli-io.js';
import { nonNegativeInt, type ProducerFlags, producerOptions, withProducerFlags } from './client-flags.js';
import { type ProgressBar, progressBar } from './progress-bar.js';
import { type LineFormat, lineFormatProblem, parseRecordLine, RecordLineError } from './record-lines.js';

interface ProduceOptions extends AdminOptions, ProducerFlags {
  readonly topic: string;
  readonly file?: string;
  readonly partition?: string;
  readonly keySeparator?: string;
  readonly parseHeaders: boolean;
  readonly headersDelimiter: string;
  readonly headersSeparator: string;
  readonly headersKeySeparator: string;
  readonly header: string[];
  readonly nullMarker?: string;
}

/** Console-producer defaults: linger.ms 5 as Kafka 4.0's producer. */
const LINGER_MS = 5;

function lineFormat(options: ProduceOptions): LineFormat {
  const format: LineFormat = {
    ...(options.keySeparator === undefined ? {} : { keySeparator: unescapeSeparator(options.keySeparator) }),
    ...(options.parseHeaders
      ? {
          headers: {
            delimiter: unescapeSeparator(options.headersDelimiter),
            separator: unescapeSeparator(options.headersSeparator),
            keySeparator: unescapeSeparator(options.headersKeySeparator),
          },
        }
      : {}),
    ...(options.nullMarker === undefined ? {} : { nullMarker: options.nullMarker }),
  };
  const problem = lineFormatProblem(format);
  if (problem !== undefined) throw new UsageError(problem);
  return format;
}

/** `\t` and `\n` written in a shell argument mean a tab and a newline, as in Kafka's tool properties. */
function unescapeSeparator(text: string): string {
  return text.replace(/\\t/g, '\t').replace(/\\n/g, '\n');
}

interface Produced {
  records: number;
  bytes: number;
  failure: unknown;
}

async function produce(options: ProduceOptions, mode: OutputMode): Promise<string> {
  const format = lineFormat(options);
  const staticHeaders: RecordHeader[] = Object.entries(parsePairs(options.header, '--header')).map(
    ([key, value]) => ({ key, value: Buffer.from(value) }),
  );
  const partition = nonNegativeInt(options.partition, '--partition');
  const producer = new Producer({
    bootstrapServers: options.bootstrapServer,
    clientId: 'pyralog-cli',
    ...producerOptions(options, { lingerMs: LINGER_MS }),
  });
  const started = performance.now();
  const produced: Produced = { records: 0, bytes: 0, failure: undefined };
  try {
    const file = options.file === undefined ? undefined : createReadStream(options.file);
    const bar =
      options.file === undefined ? undefined : progressBar((await stat(options.file)).size, 'bytes');
    const input = file ?? process.stdin;
    const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
    // Ctrl-C stops reading; what was read is still sent and acknowledged before the summary.
    const stop = () => lines.close();
    process.once('SIGINT', stop);
    try {
      await readLines(lines, producer, produced, bar, file, (line, lineNumber) => {
        const parsed = parseRecordLine(line, format, lineNumber);
        return {
          topic: options.topic,
          ...(partition === undefined ? {} : { partition }),
          key: parsed.key,
          value: parsed.value,
          headers: [
            ...parsed.headers.map((h) => ({
              key: h.key,
              value: h.value === null ? null : Buffer.from(h.value),
            })),
            ...staticHeaders,
          ],
        };
      });
    } finally {
      process.off('SIGINT', stop);
      bar?.stop();
      file?.destroy();
    }
    await producer.flush();
  } finally {
    await producer.close({ timeoutMs: 0 }).catch(() => {});
  }
  if (produced.failure !== undefined) throw produced.failure;
  const summary = {
    topic: options.topic,
    ...throughput(produced.records, produced.bytes, performance.now() - started),
  };
  if (mode === 'json') return json(summary);
  return `produced ${summary.records} records (${summary.bytes} bytes) to ${summary.topic} in ${(summary.elapsedMs / 1000).toFixed(2)} s\n`;
}

/**
 * Appends one record per line, waiting for buffer space (the producer's back-pressure) but not for
 * each acknowledgement; stops at the first failed delivery or bad line (a bad line throws UsageError
 * after the lines before it were flushed).
 */
async function readLines(
  lines: AsyncIterable<string>,
  producer: Producer,
  produced: Produced,
  bar: ProgressBar | undefined,
  file: { bytesRead: number } | undefined,
  toRecord: (line: string, lineNumber: number) => ProducerRecord,
): Promise<void> {
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber += 1;
    let record: ProducerRecord;
    try {
      record = toRecord(line, lineNumber);
    } catch (error: unknown) {
      if (!(error instanceof RecordLineError)) throw error;
      await producer.flush();
      throw new UsageError(error.message);
    }
    const { delivery } = await producer.append(record);
    produced.records += 1;
    produced.bytes += byteLength(record.key) + byteLength(record.value);
    delivery.catch((error: unknown) => {
      produced.failure ??= error;
    });
    if (produced.failure !== undefined) break;
    if (file !== undefined) bar?.update(file.bytesRead);
  }
}

function byteLength(value: ProducerRecord['key']): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'string' ? Buffer.byteLength(value) : value.length;
}

export function addProduceCommand(program: Command): void {
  const command = withAdminOptions(
    program
      .command('produce')
      .description(
        'produce one record per line of stdin or --file (as kafka-console-producer); prints a summary',
      ),
  )
    .requiredOption('-t, --topic <topic>', 'the topic to write to')
    .option(
      '-f, --file <path>',
      'read lines from this file instead of stdin (shows a progress bar on a terminal)',
    )
    .option(
      '-p, --partition <n>',
      'write every record to this partition (default: the key’s hash, or sticky)',
    )
    .option(
      '-K, --key-separator <sep>',
      'each line is key<sep>value (parse.key); a line without <sep> is an error',
    )
    .option(
      '--parse-headers',
      'each line starts with headers, then --headers-delimiter (parse.headers)',
      false,
    )
    .option('--headers-delimiter <sep>', 'between the headers and the rest of a line', '\\t')
    .option('--headers-separator <sep>', 'between two headers of a line', ',')
    .option('--headers-key-separator <sep>', 'between a header’s key and value', ':')
    .option('-H, --header <key=value>', 'a header added to every record (repeatable)', collect, [])
    .option('--null-marker <text>', 'a key, value or header value equal to this is sent as null');
  withProducerFlags(command, { lingerMs: LINGER_MS }).action(async (options: ProduceOptions) => {
    try {
      process.stdout.write(await produce(options, outputMode(options)));
    } catch (error: unknown) {
      reportFailure(error);
    }
  });
}
