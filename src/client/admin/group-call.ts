// Admin calls routed to a group's coordinator, looked up again after NOT_COORDINATOR / COORDINATOR_NOT_AVAILABLE.
import { KafkaError, kafkaErrorFromCode } from '../../protocol/index.js';
import { type Cluster, CoordinatorType, isStaleCoordinatorError } from '../cluster.js';
import type { NodeConnection } from '../node-connection.js';
import { withRetries } from '../retry.js';
import type { AdminCallOptions } from './admin-call.js';

/**
 * Runs `work` on `groupId`'s coordinator with retries. `work` reports a group-level error code with
 * `throwIfRetriableGroupError`, so that stale coordinators and loading ones are retried.
 */
export function callCoordinator<T>(
  cluster: Cluster,
  groupId: string,
  options: AdminCallOptions,
  work: (connection: NodeConnection) => Promise<T>,
): Promise<T> {
  return withRetries(
    async () => work(await cluster.coordinator(CoordinatorType.group, groupId, options.signal)),
    cluster.options.retryPolicy,
    {
      signal: options.signal,
      onRetry: (error) => {
        if (!(error instanceof KafkaError) || isStaleCoordinatorError(error.errorCode)) {
          cluster.forgetCoordinator(CoordinatorType.group, groupId);
        }
      },
    },
  );
}

/** Throws the KafkaError of a group-level code when it is retriable (the retry loop then tries again). */
export function throwIfRetriableGroupError(code: number, message?: string | null): void {
  const error = kafkaErrorFromCode(code, message);
  if (error?.retriable === true) throw error;
}
