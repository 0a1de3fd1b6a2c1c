// Offsets committed inside a transaction (TxnOffsetCommit), held per producer until its marker lands on
// the group's __consumer_offsets partition: a COMMIT marker makes them the committed offsets, ABORT drops them.
import {
  ErrorCode,
  type TxnOffsetCommitRequest,
  type TxnOffsetCommitResponse,
} from '../../protocol/index.js';
import type { GroupCoordinatorConfig } from './group-config.js';
import { type ClassicGroup, checkMember } from './group-state.js';
import { type CommittedOffset, offsetKey } from './offset-store.js';

/** producer id → group id → (topic, partition) → offset. */
export class TxnOffsetStore {
  readonly #byProducer = new Map<bigint, Map<string, Map<string, CommittedOffset>>>();

  put(producerId: bigint, groupId: string, offset: CommittedOffset): void {
    let groups = this.#byProducer.get(producerId);
    if (groups === undefined) {
      groups = new Map();
      this.#byProducer.set(producerId, groups);
    }
    let offsets = groups.get(groupId);
    if (offsets === undefined) {
      offsets = new Map();
      groups.set(groupId, offsets);
    }
    offsets.set(offsetKey(offset.topic, offset.partition), offset);
  }

  /** True when some open transaction holds an offset of this group and partition (OffsetFetch requireStable). */
  has(groupId: string, topic: string, partition: number): boolean {
    const key = offsetKey(topic, partition);
    for (const groups of this.#byProducer.values()) if (groups.get(groupId)?.has(key)) return true;
    return false;
  }

  /** True when some open transaction holds an offset of this group. */
  hasGroup(groupId: string): boolean {
    for (const groups of this.#byProducer.values()) if (groups.has(groupId)) return true;
    return false;
  }

  /** Takes the producer's offsets of the groups `inPartition` accepts (those on the marked partitions). */
  take(producerId: bigint, inPartition: (groupId: string) => boolean): Array<[string, CommittedOffset[]]> {
    const groups = this.#byProducer.get(producerId);
    if (groups === undefined) return [];
    const taken: Array<[string, CommittedOffset[]]> = [];
    for (const [groupId, offsets] of [...groups]) {
      if (!inPartition(groupId)) continue;
      taken.push([groupId, [...offsets.values()]]);
      groups.delete(groupId);
    }
    if (groups.size === 0) this.#byProducer.delete(producerId);
    return taken;
  }

  /** Producers with pending offsets (tests). */
  get producerCount(): number {
    return this.#byProducer.size;
  }
}

/**
 * Kafka's checks of a TxnOffsetCommit against the group: a Dead group is COORDINATOR_NOT_AVAILABLE; a
 * member id (v3+) must be a member (UNKNOWN_MEMBER_ID), a static member must not be fenced
 * (FENCED_INSTANCE_ID), and a generation (v3+, -1 when absent) must be current (ILLEGAL_GENERATION).
 * Without member and generation (v0-2 or a producer outside the group) the commit is accepted.
 */
export function txnCommitError(group: ClassicGroup | undefined, request: TxnOffsetCommitRequest): number {
  if (request.groupId === '') return ErrorCode.INVALID_GROUP_ID;
  if (group === undefined) return ErrorCode.NONE;
  if (group.kind === 'dead') return ErrorCode.COORDINATOR_NOT_AVAILABLE;
  const hasMember = request.memberId !== '';
  if (!hasMember && request.generationId < 0) return ErrorCode.NONE;
  if (!hasMember)
    return request.generationId === group.generationId ? ErrorCode.NONE : ErrorCode.ILLEGAL_GENERATION;
  const generationId = request.generationId < 0 ? group.generationId : request.generationId;
  return checkMember(group, request.memberId, request.groupInstanceId, generationId);
}

/** The offsets a TxnOffsetCommit would hold and its answer (per-partition OFFSET_METADATA_TOO_LARGE). */
export function planTxnCommit(
  request: TxnOffsetCommitRequest,
  groupError: number,
  nowMs: number,
  config: GroupCoordinatorConfig,
): { response: TxnOffsetCommitResponse; offsets: CommittedOffset[] } {
  const offsets: CommittedOffset[] = [];
  const topics = request.topics.map((topic) => ({
    name: topic.name,
    partitions: topic.partitions.map((p) => {
      if (groupError !== ErrorCode.NONE) return { partitionIndex: p.partitionIndex, errorCode: groupError };
      const metadata = p.committedMetadata ?? '';
      if (Buffer.byteLength(metadata, 'utf8') > config.offsetMetadataMaxBytes) {
        return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.OFFSET_METADATA_TOO_LARGE };
      }
      offsets.push({
        topic: topic.name,
        partition: p.partitionIndex,
        offset: p.committedOffset,
        leaderEpoch: p.committedLeaderEpoch,
        metadata,
        commitTimestampMs: nowMs,
        expireTimestampMs: null,
      });
      return { partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE };
    }),
  }));
  return { response: { throttleTimeMs: 0, topics }, offsets };
}
