// Admin operations on partition offsets: ListOffsets (earliest/latest/by timestamp) and DeleteRecords, sent to leaders.
import { ApiKey, ErrorCode, KafkaError, kafkaErrorFromCode } from '../../protocol/index.js';
import { type Cluster, isStaleMetadataError } from '../cluster.js';
import type { NodeConnection } from '../node-connection.js';
import { withRetries } from '../retry.js';
import { type AdminCallOptions, errorOf, groupBy, requestOptions } from './admin-call.js';
import { byTopicPartition, type TopicPartition } from './group-admin.js';

/** ListOffsets' special timestamps. */
export const OffsetSpec = {
  latest: -1n,
  earliest: -2n,
  /** The offset of the record with the largest timestamp (KIP-734, ListOffsets v7+). */
  maxTimestamp: -3n,
} as const;

/** 'earliest', 'latest', 'maxTimestamp' or a timestamp in ms: the first offset whose timestamp is >= it. */
export type OffsetQuery = keyof typeof OffsetSpec | { readonly timestamp: bigint | number };

export interface ListOffsetsResult extends TopicPartition {
  /** -1n when no record matches a timestamp query. */
  readonly offset: bigint;
  readonly timestamp: bigint;
  readonly leaderEpoch: number;
  readonly error: KafkaError | null;
}

export const IsolationLevel = { readUncommitted: 0, readCommitted: 1 } as const;
export type IsolationLevelName = keyof typeof IsolationLevel;

function timestampOf(query: OffsetQuery): bigint {
  return typeof query === 'string' ? OffsetSpec[query] : BigInt(query.timestamp);
}

/**
 * Runs `work` once per partition leader for its partitions, retrying a leader's share after a stale
 * leader (the per-partition errors NOT_LEADER_OR_FOLLOWER etc. are thrown by `work` to get here).
 */
async function perLeader<T extends TopicPartition, R>(
  cluster: Cluster,
  items: readonly T[],
  options: AdminCallOptions,
  work: (connection: NodeConnection, items: T[]) => Promise<R[]>,
): Promise<R[]> {
  await cluster.metadata([...new Set(items.map((item) => item.topic))], options.signal);
  const view = cluster.current;
  const byLeader = groupBy(items, (item) => view.leaderOf(item.topic, item.partition)?.nodeId ?? -1);
  const results = await Promise.all(
    [...byLeader].map(([, group]) =>
      withRetries(
        async () => {
          const leader = await cluster.leaderOf(group[0]!.topic, group[0]!.partition, options.signal);
          const connection = await cluster.connectionToNode(leader, options.signal);
          return work(connection, group);
        },
        cluster.options.retryPolicy,
        {
          signal: options.signal,
          onRetry: (error) => {
            if (error instanceof KafkaError && isStaleMetadataError(error.errorCode)) cluster.invalidate();
          },
        },
      ),
    ),
  );
  return results.flat();
}

/** Throws the partition's error when it says the leader moved, so that perLeader retries. */
function throwIfStale(code: number, topic: string, partition: number): void {
  if (isStaleMetadataError(code) && code !== ErrorCode.UNKNOWN_TOPIC_OR_PARTITION) {
    const error = kafkaErrorFromCode(code, `${topic}-${partition}`);
    if (error !== undefined) throw error;
  }
}

/** ListOffsets on each partition's leader. Unknown partitions come back with UNKNOWN_TOPIC_OR_PARTITION. */
export async function listOffsets(
  cluster: Cluster,
  queries: readonly (TopicPartition & { query: OffsetQuery })[],
  options: AdminCallOptions & { isolationLevel?: IsolationLevelName } = {},
): Promise<ListOffsetsResult[]> {
  if (queries.length === 0) return [];
  const view = await cluster.metadata([...new Set(queries.map((q) => q.topic))], options.signal);
  const known = queries.filter((q) => view.partition(q.topic, q.partition) !== undefined);
  const unknown = queries
    .filter((q) => view.partition(q.topic, q.partition) === undefined)
    .map(
      (q): ListOffsetsResult => ({
        topic: q.topic,
        partition: q.partition,
        offset: -1n,
        timestamp: -1n,
        leaderEpoch: -1,
        error: new KafkaError('UNKNOWN_TOPIC_OR_PARTITION'),
      }),
    );
  const isolationLevel = IsolationLevel[options.isolationLevel ?? 'readUncommitted'];
  const answered = await perLeader(cluster, known, options, async (connection, group) => {
    const needsMaxTimestamp = group.some((q) => q.query === 'maxTimestamp');
    const version = connection.version(ApiKey.ListOffsets, { min: needsMaxTimestamp ? 7 : 1, max: 10 });
    const response = await connection.request(
      ApiKey.ListOffsets,
      version,
      {
        replicaId: -1,
        isolationLevel: version >= 2 ? isolationLevel : 0,
        topics: [...groupBy(group, (q) => q.topic)].map(([name, list]) => ({
          name,
          partitions: list.map((q) => ({
            partitionIndex: q.partition,
            currentLeaderEpoch: -1,
            timestamp: timestampOf(q.query),
            maxNumOffsets: 1,
          })),
        })),
        timeoutMs: 0,
      },
      requestOptions(options),
    );
    const results: ListOffsetsResult[] = [];
    for (const topic of response.topics) {
      for (const partition of topic.partitions) {
        throwIfStale(partition.errorCode, topic.name, partition.partitionIndex);
        results.push({
          topic: topic.name,
          partition: partition.partitionIndex,
          offset: partition.offset,
          timestamp: partition.timestamp,
          leaderEpoch: partition.leaderEpoch,
          error: errorOf(partition.errorCode),
        });
      }
    }
    return results;
  });
  return [...answered, ...unknown].sort(byTopicPartition);
}

export interface DeleteRecordsResult extends TopicPartition {
  /** The partition's new log start offset. */
  readonly lowWatermark: bigint;
  readonly error: KafkaError | null;
}

/**
 * DeleteRecords on each leader: records before `offset` become unreadable (offset -1n means the high
 * watermark). Per-partition errors (OFFSET_OUT_OF_RANGE, ...) are values.
 */
export async function deleteRecords(
  cluster: Cluster,
  targets: readonly (TopicPartition & { offset: bigint })[],
  options: AdminCallOptions & { operationTimeoutMs?: number } = {},
): Promise<DeleteRecordsResult[]> {
  if (targets.length === 0) return [];
  const answered = await perLeader(cluster, targets, options, async (connection, group) => {
    const version = connection.version(ApiKey.DeleteRecords, { max: 2 });
    const response = await connection.request(
      ApiKey.DeleteRecords,
      version,
      {
        topics: [...groupBy(group, (t) => t.topic)].map(([name, list]) => ({
          name,
          partitions: list.map((t) => ({ partitionIndex: t.partition, offset: t.offset })),
        })),
        timeoutMs: options.operationTimeoutMs ?? 60_000,
      },
      requestOptions(options),
    );
    const results: DeleteRecordsResult[] = [];
    for (const topic of response.topics) {
      for (const partition of topic.partitions) {
        throwIfStale(partition.errorCode, topic.name, partition.partitionIndex);
        results.push({
          topic: topic.name,
          partition: partition.partitionIndex,
          lowWatermark: partition.lowWatermark,
          error: errorOf(partition.errorCode),
        });
      }
    }
    return results;
  });
  return answered.sort(byTopicPartition);
}
