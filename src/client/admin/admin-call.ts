// How admin operations reach the cluster: any broker, the controller, a partition leader or a group coordinator, with retries.
import type { RequestOptions } from '../../network/index.js';
import { ErrorCode, KafkaError, kafkaErrorFromCode } from '../../protocol/index.js';
import type { Cluster } from '../cluster.js';
import type { NodeConnection } from '../node-connection.js';
import { withRetries } from '../retry.js';

/** Options of every admin call. */
export interface AdminCallOptions {
  /** Cancels the call: the promise rejects with OperationAbortedError (a sent request may still take effect). */
  readonly signal?: AbortSignal;
  /** Per-request timeout, overriding the client's requestTimeoutMs. */
  readonly timeoutMs?: number;
}

export function requestOptions(options: AdminCallOptions): RequestOptions {
  return {
    ...(options.signal === undefined ? {} : { signal: options.signal }),
    ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
  };
}

/** The Kafka error for a code, or null for NONE: the per-entity error value of admin results. */
export function errorOf(code: number, message?: string | null): KafkaError | null {
  return kafkaErrorFromCode(code, message) ?? null;
}

/** Runs `work` on the least loaded broker, retrying retriable failures. */
export function callAnyBroker<T>(
  cluster: Cluster,
  options: AdminCallOptions,
  work: (connection: NodeConnection) => Promise<T>,
): Promise<T> {
  return withRetries(
    async () => work(await cluster.anyConnection(options.signal)),
    cluster.options.retryPolicy,
    { signal: options.signal },
  );
}

/**
 * Runs `work` on the controller (Kafka sends topic changes there; KRaft brokers forward them anyway).
 * `work` throws KafkaError NOT_CONTROLLER to have the controller looked up again and the call retried.
 */
export function callController<T>(
  cluster: Cluster,
  options: AdminCallOptions,
  work: (connection: NodeConnection) => Promise<T>,
): Promise<T> {
  return withRetries(
    async () => {
      const view = await cluster.metadata([], options.signal);
      const connection =
        view.controllerId >= 0 && view.brokers.has(view.controllerId)
          ? await cluster.connectionTo(view.controllerId, options.signal)
          : await cluster.anyConnection(options.signal);
      return work(connection);
    },
    cluster.options.retryPolicy,
    {
      signal: options.signal,
      onRetry: (error) => {
        if (error instanceof KafkaError && error.errorCode === ErrorCode.NOT_CONTROLLER) cluster.invalidate();
      },
    },
  );
}

/** Throws NOT_CONTROLLER when any result says so, so that callController retries on the new controller. */
export function throwIfNotController(codes: Iterable<number>): void {
  for (const code of codes) if (code === ErrorCode.NOT_CONTROLLER) throw new KafkaError('NOT_CONTROLLER');
}

/** Groups items by a key, keeping their order within each group. */
export function groupBy<T, K>(items: Iterable<T>, keyOf: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) {
    const key = keyOf(item);
    const list = groups.get(key);
    if (list === undefined) groups.set(key, [item]);
    else list.push(item);
  }
  return groups;
}
