// Flags that the data commands (produce, consume, bench) share, parsed into src/client options.
// Each parser throws UsageError naming its flag, so that a bad value exits 2.
import type { Command } from 'commander';
import type { ProducerOptions } from '../client/index.js';
import { CompressionCodec, type CompressionCodecName } from '../protocol/index.js';
import { positiveInt, UsageError } from './cli-io.js';

export type Acks = NonNullable<ProducerOptions['acks']>;

/** `--acks 0|1|all|-1` as Kafka's producer reads `acks`. */
export function parseAcks(text: string): Acks {
  switch (text) {
    case 'all':
    case '-1':
      return 'all';
    case '0':
      return 0;
    case '1':
      return 1;
    default:
      throw new UsageError(`--acks must be 0, 1, all or -1, not '${text}'`);
  }
}

/** `--compression none|gzip|snappy|lz4|zstd`. */
export function parseCompression(text: string): CompressionCodecName {
  if (!Object.hasOwn(CompressionCodec, text)) {
    throw new UsageError(
      `--compression must be one of ${Object.keys(CompressionCodec).join(', ')}, not '${text}'`,
    );
  }
  return text as CompressionCodecName;
}

/** A non-negative integer option (0 allowed), or UsageError naming the flag. */
export function nonNegativeInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value)))
    throw new UsageError(`${flag} must be a non-negative integer, not '${value}'`);
  return Number(value);
}

export interface ProducerFlags {
  readonly acks: string;
  readonly compression: string;
  readonly lingerMs?: string;
  readonly batchSize?: string;
  readonly maxBlockMs?: string;
  readonly maxInFlight?: string;
  /** false with --no-idempotence. */
  readonly idempotence: boolean;
}

/** Defaults of the producer flags that differ between commands. */
export interface ProducerDefaults {
  readonly lingerMs: number;
  /** batch.size when --batch-size is not given (the producer's 16384 when undefined). */
  readonly batchSize?: number;
}

/** Adds the producer tuning flags, with the names of Kafka's producer configs. */
export function withProducerFlags(command: Command, defaults: ProducerDefaults): Command {
  return command
    .option('--acks <acks>', 'acks: 0, 1, all or -1', 'all')
    .option('--compression <codec>', 'compression.type: none, gzip, snappy, lz4 or zstd', 'none')
    .option('--linger-ms <ms>', `linger.ms (default ${defaults.lingerMs})`)
    .option('--batch-size <bytes>', `batch.size in bytes (default ${defaults.batchSize ?? 16384})`)
    .option(
      '--max-in-flight <n>',
      'max.in.flight.requests.per.connection (default 5; at most 5 with idempotence)',
    )
    .option('--no-idempotence', 'enable.idempotence=false (on by default with acks=all, as Kafka 3.0+)')
    .option(
      '--max-block-ms <ms>',
      'max.block.ms: how long to wait for the topic’s metadata or buffer space (default 60000)',
    );
}

/** The Producer options the flags ask for (without bootstrapServers). */
export function producerOptions(flags: ProducerFlags, defaults: ProducerDefaults) {
  const acks = parseAcks(flags.acks);
  const maxBlockMs = nonNegativeInt(flags.maxBlockMs, '--max-block-ms');
  const batchSize = nonNegativeInt(flags.batchSize, '--batch-size') ?? defaults.batchSize;
  const maxInFlight = positiveInt(flags.maxInFlight, '--max-in-flight');
  // Kafka 3.0+ turns idempotence on with acks=all; it needs acks=all, so off for 0 and 1.
  const idempotent = acks === 'all' && flags.idempotence;
  if (idempotent && maxInFlight !== undefined && maxInFlight > 5)
    throw new UsageError('--max-in-flight above 5 needs --no-idempotence');
  return {
    acks,
    compression: parseCompression(flags.compression),
    lingerMs: nonNegativeInt(flags.lingerMs, '--linger-ms') ?? defaults.lingerMs,
    ...(batchSize === undefined ? {} : { batchSize }),
    ...(maxBlockMs === undefined ? {} : { maxBlockMs }),
    ...(maxInFlight === undefined ? {} : { maxInFlightRequestsPerConnection: maxInFlight }),
    idempotent,
  } satisfies Partial<ProducerOptions>;
}
