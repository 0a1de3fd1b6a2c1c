// What every admin command shares: the --bootstrap-server and --output options, tables or JSON on
// stdout, and Kafka's tool conventions for failures (bad arguments exit 2, broker errors exit 1).
import Table from 'cli-table3';
import type { Command } from 'commander';
import { AdminClient, InvalidArgumentError } from '../client/index.js';
import { KafkaError, PyralogError } from '../protocol/index.js';

/** A bad command line: printed with the command's usage, exit code 2. */
export class UsageError extends PyralogError {
  readonly code = 'USAGE';
}

export type OutputMode = 'table' | 'json';

export interface AdminOptions {
  readonly bootstrapServer: string;
  readonly output: string;
  readonly commandConfig?: string;
}

/** Adds the options every admin command takes. */
export function withAdminOptions(command: Command): Command {
  return command
    .option(
      '-b, --bootstrap-server <servers>',
      'host:port of one or more brokers, comma-separated',
      'localhost:9092',
    )
    .option('-o, --output <mode>', 'table (for people) or json (for scripts)', 'table');
}

export function outputMode(options: AdminOptions): OutputMode {
  if (options.output === 'table' || options.output === 'json') return options.output;
  throw new UsageError(`--output must be table or json, not '${options.output}'`);
}

/** A human table: header row, then one row per item (cells as text). */
export function table(
  head: readonly string[],
  rows: readonly (readonly (string | number | null)[])[],
): string {
  const rendered = new Table({
    head: [...head],
    style: { head: [], border: [] },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  for (const row of rows) rendered.push(row.map((cell) => (cell === null ? '' : String(cell))));
  return `${rendered.toString()}\n`;
}

/** JSON with bigints as numbers when exact, else strings; one document per invocation. */
export function json(value: unknown): string {
  return `${JSON.stringify(value, (_, v: unknown) => (typeof v === 'bigint' ? (BigInt(Number(v)) === v ? Number(v) : String(v)) : v), 2)}\n`;
}

/** `key=value` pairs (repeatable --config) as a record; throws UsageError for a pair without `=`. */
export function parsePairs(pairs: readonly string[], flag: string): Record<string, string> {
  const result: Record<string, string> = {};
  for (const pair of pairs) {
    const at = pair.indexOf('=');
    if (at <= 0) throw new UsageError(`${flag} expects key=value, not '${pair}'`);
    result[pair.slice(0, at)] = pair.slice(at + 1);
  }
  return result;
}

/** A positive integer option, or UsageError naming the flag. */
export function positiveInt(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value) || Number(value) < 1)
    throw new UsageError(`${flag} must be a positive integer, not '${value}'`);
  return Number(value);
}

export const collect = (value: string, previous: string[]): string[] => [...previous, value];

/**
 * Runs an admin command: connects an AdminClient to --bootstrap-server, runs `work`, writes what
 * it returns to stdout, closes the client. Failures: UsageError or InvalidArgumentError exit 2 with
 * the message; a KafkaError exits 1 as `ERROR_NAME: message`; anything else exits 1 with its message.
 */
export async function runAdmin(
  options: AdminOptions,
  work: (admin: AdminClient, mode: OutputMode) => Promise<string>,
): Promise<void> {
  let admin: AdminClient | undefined;
  try {
    const mode = outputMode(options);
    admin = new AdminClient({
      bootstrapServers: options.bootstrapServer,
      clientId: 'pyralog-cli',
      retries: 2,
    });
    process.stdout.write(await work(admin, mode));
  } catch (error: unknown) {
    reportFailure(error);
  } finally {
    await admin?.close().catch(() => {});
  }
}

export function reportFailure(error: unknown): void {
  if (error instanceof UsageError || error instanceof InvalidArgumentError) {
    process.stderr.write(`error: ${error.message}\n`);
    process.exitCode = 2;
    return;
  }
  const kafka = kafkaErrorIn(error);
  if (kafka !== undefined) process.stderr.write(`${kafka.code}: ${kafka.message}\n`);
  else process.stderr.write(`error: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exitCode = 1;
}

/** The KafkaError itself or the one it was caused by (a client's retries wrap the last one). */
function kafkaErrorIn(error: unknown): KafkaError | undefined {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; depth += 1) {
    if (current instanceof KafkaError) return current;
    current = current.cause;
  }
  return undefined;
}

/** Throws the first per-item Kafka error (after the caller printed what succeeded, if it wants). */
export function throwFirst(results: readonly { error: KafkaError | null }[]): void {
  const failed = results.find((result) => result.error !== null);
  if (failed?.error) throw failed.error;
}
