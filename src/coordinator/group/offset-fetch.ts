// OffsetFetch: committed offsets of one group (v0-7) or several (v8+), with require_stable (KIP-447).
import {
  ErrorCode,
  type OffsetFetchResponsePartitions,
  type OffsetFetchResponseTopics,
} from '../../protocol/index.js';
import type { PendingTransactionalOffsets } from './group-config.js';
import type { OffsetStore } from './offset-store.js';

export interface OffsetFetchTopicQuery {
  readonly name: string;
  readonly partitionIndexes: readonly number[];
}

/**
 * The offsets of `groupId` for the listed partitions (all committed ones when `topics` is null). A
 * partition without a commit answers offset -1 and no error. With `requireStable`, a partition with a
 * pending transactional commit answers UNSTABLE_OFFSET_COMMIT so the consumer retries instead of
 * starting from an offset that is about to change.
 */
export function fetchOffsets(
  store: OffsetStore,
  groupId: string,
  topics: readonly OffsetFetchTopicQuery[] | null,
  requireStable: boolean,
  pendingTransactional: PendingTransactionalOffsets,
): OffsetFetchResponseTopics[] {
  const query =
    topics ??
    groupTopics(store, groupId).map(
      ([name, partitionIndexes]) => ({ name, partitionIndexes }) as OffsetFetchTopicQuery,
    );
  return query.map((topic) => ({
    name: topic.name,
    partitions: topic.partitionIndexes.map((partitionIndex): OffsetFetchResponsePartitions => {
      if (requireStable && pendingTransactional(groupId, topic.name, partitionIndex)) {
        return noOffset(partitionIndex, ErrorCode.UNSTABLE_OFFSET_COMMIT);
      }
      const committed = store.get(groupId, topic.name, partitionIndex);
      if (committed === undefined) return noOffset(partitionIndex, ErrorCode.NONE);
      return {
        partitionIndex,
        committedOffset: committed.offset,
        committedLeaderEpoch: committed.leaderEpoch,
        metadata: committed.metadata,
        errorCode: ErrorCode.NONE,
      };
    }),
  }));
}

function noOffset(partitionIndex: number, errorCode: number): OffsetFetchResponsePartitions {
  return { partitionIndex, committedOffset: -1n, committedLeaderEpoch: -1, metadata: '', errorCode };
}

function groupTopics(store: OffsetStore, groupId: string): Array<[string, number[]]> {
  const byTopic = new Map<string, number[]>();
  for (const offset of store.list(groupId)) {
    const partitions = byTopic.get(offset.topic) ?? [];
    partitions.push(offset.partition);
    byTopic.set(offset.topic, partitions);
  }
  return [...byTopic];
}
