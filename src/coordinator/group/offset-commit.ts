// OffsetCommit validation and the offsets it would write (classic generations; KIP-848 epochs are checked by the caller).
import {
  ErrorCode,
  type OffsetCommitRequest,
  type OffsetCommitResponse,
  type OffsetCommitResponsePartition,
  type OffsetCommitResponseTopic,
} from '../../protocol/index.js';
import type { GroupCoordinatorConfig } from './group-config.js';
import { type ClassicGroup, checkMember, refreshSession } from './group-state.js';
import type { CommittedOffset, OffsetStore } from './offset-store.js';

/** What a commit would do: the response to send once `offsets` are durable (at once when there are none). */
export interface CommitPlan {
  readonly group: ClassicGroup | undefined;
  readonly response: OffsetCommitResponse;
  readonly offsets: readonly CommittedOffset[];
}

/**
 * The group-level error for a classic commit, in Kafka's order. Generation -1 on an Empty (or absent)
 * group is a simple consumer managing its own assignment: allowed. A commit during PreparingRebalance
 * is allowed for the generation that is ending; during CompletingRebalance it is REBALANCE_IN_PROGRESS.
 */
export function classicCommitError(group: ClassicGroup | undefined, request: OffsetCommitRequest): number {
  const generationId = request.generationIdOrMemberEpoch;
  if (group === undefined) return generationId < 0 ? ErrorCode.NONE : ErrorCode.ILLEGAL_GENERATION;
  if (group.kind === 'dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  if (generationId < 0 && group.kind === 'empty') return ErrorCode.NONE;
  if (group.kind === 'completingRebalance') return ErrorCode.REBALANCE_IN_PROGRESS;
  const error = checkMember(group, request.memberId, request.groupInstanceId, generationId);
  if (error !== ErrorCode.NONE) return error;
  return group.kind === 'empty' ? ErrorCode.UNKNOWN_MEMBER_ID : ErrorCode.NONE;
}

/**
 * Per-partition checks once the group accepted the commit: metadata beyond offset.metadata.max.bytes
 * gets OFFSET_METADATA_TOO_LARGE; a partition that would grow the group past maxOffsetsPerGroup too.
 * The expire timestamp exists only when the request carried a retention (v2-v4); v1 may set the commit time.
 */
export function planCommit(
  group: ClassicGroup | undefined,
  groupError: number,
  request: OffsetCommitRequest,
  version: number,
  nowMs: number,
  store: OffsetStore,
  config: GroupCoordinatorConfig,
): CommitPlan {
  const offsets: CommittedOffset[] = [];
  let newPartitions = 0;
  const retentionMs = version >= 2 && version <= 4 ? Number(request.retentionTimeMs) : -1;
  // Plain loops: this runs once per commit of a pipelined committer, where per-call closures showed up.
  const topics: OffsetCommitResponseTopic[] = [];
  for (const topic of request.topics) {
    const partitions: OffsetCommitResponsePartition[] = [];
    for (const p of topic.partitions) {
      let errorCode: number = groupError;
      if (errorCode === ErrorCode.NONE) {
        const metadata = p.committedMetadata ?? '';
        const isNew = store.get(request.groupId, topic.name, p.partitionIndex) === undefined;
        if (metadata.length > 0 && Buffer.byteLength(metadata, 'utf8') > config.offsetMetadataMaxBytes) {
          errorCode = ErrorCode.OFFSET_METADATA_TOO_LARGE;
        } else if (isNew && store.count(request.groupId) + newPartitions + 1 > config.maxOffsetsPerGroup) {
          errorCode = ErrorCode.OFFSET_METADATA_TOO_LARGE;
        } else {
          if (isNew) newPartitions += 1;
          const commitTimestampMs =
            version === 1 && p.commitTimestamp >= 0n ? Number(p.commitTimestamp) : nowMs;
          offsets.push({
            topic: topic.name,
            partition: p.partitionIndex,
            offset: p.committedOffset,
            leaderEpoch: p.committedLeaderEpoch,
            metadata,
            commitTimestampMs,
            expireTimestampMs: retentionMs >= 0 ? commitTimestampMs + retentionMs : null,
          });
        }
      }
      partitions.push({ partitionIndex: p.partitionIndex, errorCode });
    }
    topics.push({ name: topic.name, partitions });
  }
  const refreshed =
    group !== undefined && groupError === ErrorCode.NONE
      ? refreshSession(group, request.memberId, nowMs)
      : group;
  return { group: refreshed, response: { throttleTimeMs: 0, topics }, offsets };
}
