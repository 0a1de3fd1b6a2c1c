// Options every client (admin, producer, consumer) shares, with Kafka's config names and defaults.
import type { Logger } from 'pino';
import { InvalidArgumentError } from './client-errors.js';
import { DEFAULT_RETRY_POLICY, type RetryPolicy } from './retry.js';
import { type Transport, tcpTransport } from './transport.js';

export interface ClientOptions {
  /** `bootstrap.servers`: "host:port" strings, or one comma-separated string. */
  readonly bootstrapServers: string | readonly string[];
  /** `client.id` (default 'pyralog'). */
  readonly clientId?: string;
  /** `socket.connection.setup.timeout.ms` (10000). */
  readonly connectTimeoutMs?: number;
  /** `request.timeout.ms` (30000). */
  readonly requestTimeoutMs?: number;
  /** `metadata.max.age.ms` (300000): metadata older than this is refreshed before use. */
  readonly metadataMaxAgeMs?: number;
  /** `retries` for admin and metadata operations (5). */
  readonly retries?: number;
  /** `retry.backoff.ms` (100). */
  readonly retryBackoffMs?: number;
  /** `retry.backoff.max.ms` (1000). */
  readonly retryBackoffMaxMs?: number;
  /** Requests in flight per broker connection before later ones queue (100). */
  readonly maxInFlightRequestsPerConnection?: number;
  /** Network port; tests pass an in-memory fake. Default TCP. */
  readonly transport?: Transport;
  /** Milliseconds clock (default Date.now); injected by tests. */
  readonly now?: () => number;
  readonly logger?: Logger;
}

export interface BrokerAddress {
  readonly host: string;
  readonly port: number;
}

export interface ResolvedClientOptions {
  readonly bootstrapServers: readonly BrokerAddress[];
  readonly clientId: string;
  readonly connectTimeoutMs: number;
  readonly requestTimeoutMs: number;
  readonly metadataMaxAgeMs: number;
  readonly retryPolicy: RetryPolicy;
  readonly maxInFlightRequestsPerConnection: number;
  readonly transport: Transport;
  readonly now: () => number;
  readonly logger: Logger | undefined;
}

/** Parses "host:port", "[::1]:9092" or "host" (port 9092). Throws InvalidArgumentError. */
export function parseBrokerAddress(text: string): BrokerAddress {
  const trimmed = text.trim();
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(trimmed);
  const plain = /^([^:]+)(?::(\d+))?$/.exec(trimmed);
  const match = bracketed ?? plain;
  if (match === null || match[1] === undefined || match[1] === '') {
    throw new InvalidArgumentError(`bad broker address '${text}': expected host:port`);
  }
  const port = match[2] === undefined ? 9092 : Number(match[2]);
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new InvalidArgumentError(`bad port in broker address '${text}'`);
  }
  return { host: match[1], port };
}

function positive(name: string, value: number | undefined, fallback: number): number {
  const resolved = value ?? fallback;
  if (!Number.isFinite(resolved) || resolved < 0) {
    throw new InvalidArgumentError(`${name} must be a non-negative number, got ${resolved}`);
  }
  return resolved;
}

/** Applies defaults and validates; throws InvalidArgumentError. */
export function resolveClientOptions(options: ClientOptions): ResolvedClientOptions {
  const list =
    typeof options.bootstrapServers === 'string'
      ? options.bootstrapServers.split(',')
      : options.bootstrapServers;
  const bootstrapServers = list.filter((entry) => entry.trim() !== '').map(parseBrokerAddress);
  if (bootstrapServers.length === 0) throw new InvalidArgumentError('bootstrapServers is empty');
  return {
    bootstrapServers,
    clientId: options.clientId ?? 'pyralog',
    connectTimeoutMs: positive('connectTimeoutMs', options.connectTimeoutMs, 10_000),
    requestTimeoutMs: positive('requestTimeoutMs', options.requestTimeoutMs, 30_000),
    metadataMaxAgeMs: positive('metadataMaxAgeMs', options.metadataMaxAgeMs, 300_000),
    retryPolicy: {
      retries: positive('retries', options.retries, DEFAULT_RETRY_POLICY.retries),
      retryBackoffMs: positive('retryBackoffMs', options.retryBackoffMs, DEFAULT_RETRY_POLICY.retryBackoffMs),
      retryBackoffMaxMs: positive(
        'retryBackoffMaxMs',
        options.retryBackoffMaxMs,
        DEFAULT_RETRY_POLICY.retryBackoffMaxMs,
      ),
    },
    maxInFlightRequestsPerConnection: Math.max(
      1,
      positive('maxInFlightRequestsPerConnection', options.maxInFlightRequestsPerConnection, 100),
    ),
    transport: options.transport ?? tcpTransport,
    now: options.now ?? Date.now,
    logger: options.logger,
  };
}
