// Retries with Kafka's exponential backoff (KIP-580) and cancellation; the policy is pure, sleeping is injected.
import { setTimeout as delay } from 'node:timers/promises';
import { ConnectError, ConnectionClosedError, RequestTimeoutError } from '../network/index.js';
import { KafkaError } from '../protocol/index.js';
import { OperationAbortedError, RetriesExhaustedError } from './client-errors.js';

export interface RetryPolicy {
  /** Attempts after the first (`retries`). */
  readonly retries: number;
  /** First backoff (`retry.backoff.ms`, 100). */
  readonly retryBackoffMs: number;
  /** Backoff ceiling (`retry.backoff.max.ms`, 1000). */
  readonly retryBackoffMaxMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { retries: 5, retryBackoffMs: 100, retryBackoffMaxMs: 1000 };

/**
 * The wait before retry `attempt` (0-based): retryBackoffMs * 2^attempt capped at retryBackoffMaxMs,
 * with ±20% jitter as Kafka's clients do (KIP-580). `random` returns a number in [0, 1).
 */
export function backoffMs(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const base = Math.min(policy.retryBackoffMaxMs, policy.retryBackoffMs * 2 ** Math.min(attempt, 30));
  const jitter = 0.8 + 0.4 * random();
  return Math.max(0, Math.round(Math.min(policy.retryBackoffMaxMs, base * jitter)));
}

/**
 * True for failures worth another attempt: retriable Kafka errors (NOT_LEADER_OR_FOLLOWER,
 * COORDINATOR_LOAD_IN_PROGRESS, ...) and transport failures (connect, close, timeout).
 */
export function isRetriable(error: unknown): boolean {
  if (error instanceof KafkaError) return error.retriable;
  return (
    error instanceof ConnectError ||
    error instanceof ConnectionClosedError ||
    error instanceof RequestTimeoutError
  );
}

/** Throws OperationAbortedError when `signal` has fired. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted === true)
    throw new OperationAbortedError('operation aborted', { cause: signal.reason });
}

/** Waits `ms`, or rejects with OperationAbortedError when `signal` fires first. */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, signal === undefined ? {} : { signal });
  } catch (error: unknown) {
    if (signal?.aborted === true)
      throw new OperationAbortedError('operation aborted', { cause: signal.reason });
    throw error;
  }
}

export interface RetryOptions {
  readonly signal?: AbortSignal | undefined;
  /** Defaults to isRetriable. */
  readonly shouldRetry?: (error: unknown) => boolean;
  /** Runs before each backoff, e.g. to refresh metadata after NOT_LEADER_OR_FOLLOWER. */
  readonly onRetry?: (error: unknown, attempt: number) => void | Promise<void>;
  readonly random?: () => number;
}

/**
 * Runs `work` until it succeeds, fails with a non-retriable error (rethrown as is), or has failed
 * `policy.retries + 1` times (RetriesExhaustedError with the last failure as `cause`). An abort stops
 * between attempts with OperationAbortedError.
 */
export async function withRetries<T>(
  work: (attempt: number) => Promise<T>,
  policy: RetryPolicy,
  options: RetryOptions = {},
): Promise<T> {
  const shouldRetry = options.shouldRetry ?? isRetriable;
  for (let attempt = 0; ; attempt++) {
    throwIfAborted(options.signal);
    try {
      return await work(attempt);
    } catch (error: unknown) {
      if (options.signal?.aborted === true) {
        throw new OperationAbortedError('operation aborted', { cause: options.signal.reason });
      }
      if (!shouldRetry(error)) throw error;
      if (attempt >= policy.retries) {
        throw new RetriesExhaustedError(
          `gave up after ${attempt + 1} attempts: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        );
      }
      await options.onRetry?.(error, attempt);
      await sleep(backoffMs(attempt, policy, options.random), options.signal);
    }
  }
}
