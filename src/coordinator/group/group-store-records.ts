// Group state ↔ __consumer_offsets records (Kafka's GroupMetadata and OffsetCommit key/value schemas).
import type {
  GroupMetadataKey,
  GroupMetadataValue,
  OffsetCommitKey,
  OffsetCommitValue,
} from '../../protocol/index.js';
import { type ClassicGroup, type ClassicMember, protocolMetadata } from './group-state.js';
import type { CommittedOffset } from './offset-store.js';

/**
 * One record for the `__consumer_offsets` partition of the group. A null value is a tombstone.
 * Versions are Kafka's: GroupMetadataKey v2, OffsetCommitKey v1; OffsetCommitValue v1 only when an
 * explicit expire timestamp must be kept (v1 is the one version with the field), else v3.
 */
export type GroupRecord =
  | {
      readonly kind: 'groupMetadata';
      readonly keyVersion: 2;
      readonly key: GroupMetadataKey;
      readonly valueVersion: 3;
      readonly value: GroupMetadataValue | null;
    }
  | {
      readonly kind: 'offsetCommit';
      readonly keyVersion: 1;
      readonly key: OffsetCommitKey;
      readonly valueVersion: 1 | 3;
      readonly value: OffsetCommitValue | null;
    };

export function groupMetadataRecord(group: ClassicGroup): GroupRecord {
  const members = group.kind === 'stable' ? [...group.members.values()] : [];
  return {
    kind: 'groupMetadata',
    keyVersion: 2,
    key: { group: group.groupId },
    valueVersion: 3,
    value: {
      protocolType: group.protocolType ?? '',
      generation: group.generationId,
      protocol: group.protocolName,
      leader: group.leaderId,
      currentStateTimestamp: BigInt(group.currentStateTimestampMs),
      members: members.map((m) => memberRecord(m, group.protocolName)),
    },
  };
}

function memberRecord(
  member: ClassicMember,
  protocolName: string | null,
): GroupMetadataValue['members'][number] {
  return {
    memberId: member.memberId,
    groupInstanceId: member.groupInstanceId,
    clientId: member.clientId,
    clientHost: member.clientHost,
    rebalanceTimeout: member.rebalanceTimeoutMs,
    sessionTimeout: member.sessionTimeoutMs,
    subscription: protocolMetadata(member, protocolName),
    assignment: member.assignment,
  };
}

export function groupTombstone(groupId: string): GroupRecord {
  return { kind: 'groupMetadata', keyVersion: 2, key: { group: groupId }, valueVersion: 3, value: null };
}

export function offsetCommitRecord(groupId: string, offset: CommittedOffset): GroupRecord {
  return {
    kind: 'offsetCommit',
    keyVersion: 1,
    key: { group: groupId, topic: offset.topic, partition: offset.partition },
    valueVersion: offset.expireTimestampMs === null ? 3 : 1,
    value: {
      offset: offset.offset,
      leaderEpoch: offset.leaderEpoch,
      metadata: offset.metadata,
      commitTimestamp: BigInt(offset.commitTimestampMs),
      expireTimestamp: offset.expireTimestampMs === null ? -1n : BigInt(offset.expireTimestampMs),
    },
  };
}

export function offsetTombstone(groupId: string, topic: string, partition: number): GroupRecord {
  return {
    kind: 'offsetCommit',
    keyVersion: 1,
    key: { group: groupId, topic, partition },
    valueVersion: 3,
    value: null,
  };
}
