// KIP-848 group state ↔ Kafka's ConsumerGroup* records of __consumer_offsets: the records a change writes, and replay.
import type {
  ConsumerGroupCurrentMemberAssignmentValue,
  ConsumerGroupMemberMetadataValue,
  ConsumerGroupPartitionMetadataValue,
  ConsumerGroupTargetAssignmentMemberValue,
} from '../../../protocol/index.js';
import type { TopicCatalog } from '../group-config.js';
import {
  byTopic,
  type ConsumerGroup,
  type ConsumerMember,
  type PartitionSet,
  partitionId,
  setKey,
} from './consumer-group-state.js';

/**
 * One KIP-848 record; the key version is the record type (Kafka's numbering), every value is v0.
 * A null value is a tombstone.
 */
export type ConsumerGroupRecord =
  | {
      readonly kind: 'consumerGroupMetadata';
      readonly groupId: string;
      readonly value: { epoch: number } | null;
    }
  | {
      readonly kind: 'consumerGroupPartitionMetadata';
      readonly groupId: string;
      readonly value: ConsumerGroupPartitionMetadataValue | null;
    }
  | {
      readonly kind: 'consumerGroupMemberMetadata';
      readonly groupId: string;
      readonly memberId: string;
      readonly value: ConsumerGroupMemberMetadataValue | null;
    }
  | {
      readonly kind: 'consumerGroupTargetAssignmentMetadata';
      readonly groupId: string;
      readonly value: { assignmentEpoch: number } | null;
    }
  | {
      readonly kind: 'consumerGroupTargetAssignmentMember';
      readonly groupId: string;
      readonly memberId: string;
      readonly value: ConsumerGroupTargetAssignmentMemberValue | null;
    }
  | {
      readonly kind: 'consumerGroupCurrentMemberAssignment';
      readonly groupId: string;
      readonly memberId: string;
      readonly value: ConsumerGroupCurrentMemberAssignmentValue | null;
    };

/** Kafka's MemberState (ConsumerGroupCurrentMemberAssignmentValue.State). */
const MemberState = { STABLE: 0, UNREVOKED_PARTITIONS: 1, UNRELEASED_PARTITIONS: 2 } as const;

/** The epoch Kafka stores for a static member that left with -2 and may come back within its session. */
const LEAVING_STATIC_MEMBER_EPOCH = -2;

/**
 * The records that turn `previous` into `next` (undefined: no group). Only what changed is written,
 * in Kafka's order: member metadata, group epoch, subscription metadata, target assignment (members,
 * then its epoch), current assignments; a deletion tombstones them in the reverse order.
 */
export function consumerGroupChangeRecords(
  previous: ConsumerGroup | undefined,
  next: ConsumerGroup | undefined,
  topics: TopicCatalog,
): ConsumerGroupRecord[] {
  if (next === undefined) return previous === undefined ? [] : groupTombstones(previous);
  const groupId = next.groupId;
  const records: ConsumerGroupRecord[] = [];
  const before = previous?.members ?? new Map<string, ConsumerMember>();
  for (const member of next.members.values()) {
    const old = before.get(member.memberId);
    const value = memberMetadata(member);
    if (old === undefined || JSON.stringify(memberMetadata(old)) !== JSON.stringify(value))
      records.push({ kind: 'consumerGroupMemberMetadata', groupId, memberId: member.memberId, value });
  }
  if (previous === undefined || previous.groupEpoch !== next.groupEpoch)
    records.push({ kind: 'consumerGroupMetadata', groupId, value: { epoch: next.groupEpoch } });
  if (previous === undefined || previous.subscriptionMetadata !== next.subscriptionMetadata) {
    const value = partitionMetadata(next.subscriptionMetadata, topics);
    records.push({ kind: 'consumerGroupPartitionMetadata', groupId, value });
  }
  const oldTarget = previous?.target ?? new Map<string, PartitionSet>();
  for (const [memberId, set] of next.target) {
    const old = oldTarget.get(memberId);
    if (old === undefined || setKey(old) !== setKey(set)) {
      const value = { topicPartitions: byTopic(set) };
      records.push({ kind: 'consumerGroupTargetAssignmentMember', groupId, memberId, value });
    }
  }
  for (const memberId of oldTarget.keys()) {
    if (!next.target.has(memberId))
      records.push({ kind: 'consumerGroupTargetAssignmentMember', groupId, memberId, value: null });
  }
  if (previous === undefined || previous.assignmentEpoch !== next.assignmentEpoch) {
    const value = { assignmentEpoch: next.assignmentEpoch };
    records.push({ kind: 'consumerGroupTargetAssignmentMetadata', groupId, value });
  }
  for (const member of next.members.values()) {
    const value = currentAssignment(member, next);
    const old = before.get(member.memberId);
    if (old === undefined || JSON.stringify(currentAssignment(old, next)) !== JSON.stringify(value))
      records.push({
        kind: 'consumerGroupCurrentMemberAssignment',
        groupId,
        memberId: member.memberId,
        value,
      });
  }
  for (const memberId of before.keys()) {
    if (!next.members.has(memberId)) records.push(...memberTombstones(groupId, memberId));
  }
  return records;
}

function groupTombstones(group: ConsumerGroup): ConsumerGroupRecord[] {
  const groupId = group.groupId;
  const records: ConsumerGroupRecord[] = [];
  for (const memberId of group.members.keys()) records.push(...memberTombstones(groupId, memberId));
  for (const memberId of group.target.keys())
    records.push({ kind: 'consumerGroupTargetAssignmentMember', groupId, memberId, value: null });
  records.push({ kind: 'consumerGroupTargetAssignmentMetadata', groupId, value: null });
  records.push({ kind: 'consumerGroupPartitionMetadata', groupId, value: null });
  records.push({ kind: 'consumerGroupMetadata', groupId, value: null });
  return records;
}

/** A removed member's own records; its target assignment goes with the target's diff. */
function memberTombstones(groupId: string, memberId: string): ConsumerGroupRecord[] {
  return [
    { kind: 'consumerGroupCurrentMemberAssignment', groupId, memberId, value: null },
    { kind: 'consumerGroupMemberMetadata', groupId, memberId, value: null },
  ];
}

function memberMetadata(member: ConsumerMember): ConsumerGroupMemberMetadataValue {
  return {
    instanceId: member.instanceId,
    rackId: member.rackId,
    clientId: member.clientId,
    clientHost: member.clientHost,
    subscribedTopicNames: [...member.subscribedTopicNames],
    subscribedTopicRegex: member.subscribedTopicRegex,
    rebalanceTimeoutMs: member.rebalanceTimeoutMs,
    serverAssignor: member.serverAssignor,
    classicMemberMetadata: null,
  };
}

/**
 * A static member that left (-2) is stored with member epoch -2 as Kafka does; its epoch goes into
 * PreviousMemberEpoch so a restart still hands it to the instance that replaces it (the heartbeat that
 * left already set its previous epoch to it, so nothing is lost).
 */
function currentAssignment(
  member: ConsumerMember,
  group: ConsumerGroup,
): ConsumerGroupCurrentMemberAssignmentValue {
  const target = group.target.get(member.memberId) ?? new Set<string>();
  const state =
    member.pendingRevocation.size > 0
      ? MemberState.UNREVOKED_PARTITIONS
      : member.memberEpoch === group.assignmentEpoch && [...target].every((p) => member.assigned.has(p))
        ? MemberState.STABLE
        : MemberState.UNRELEASED_PARTITIONS;
  return {
    memberEpoch: member.isLeavingStatic ? LEAVING_STATIC_MEMBER_EPOCH : member.memberEpoch,
    previousMemberEpoch: member.isLeavingStatic ? member.memberEpoch : member.previousMemberEpoch,
    state,
    assignedPartitions: byTopic(member.assigned),
    partitionsPendingRevocation: byTopic(member.pendingRevocation),
  };
}

/** subscriptionMetadata ("topicId=count,…", see refreshTarget) as ConsumerGroupPartitionMetadataValue. */
function partitionMetadata(metadata: string, topics: TopicCatalog): ConsumerGroupPartitionMetadataValue {
  if (metadata === '') return { topics: [] };
  return {
    topics: metadata.split(',').map((entry) => {
      const at = entry.lastIndexOf('=');
      const topicId = entry.slice(0, at);
      return {
        topicId,
        topicName: topics.byId(topicId)?.name ?? '',
        numPartitions: Number(entry.slice(at + 1)),
        partitionMetadata: [],
      };
    }),
  };
}

interface LoadingGroup {
  epoch: number | null;
  assignmentEpoch: number;
  subscriptionMetadata: string;
  readonly members: Map<string, ConsumerGroupMemberMetadataValue>;
  readonly current: Map<string, ConsumerGroupCurrentMemberAssignmentValue>;
  readonly target: Map<string, ConsumerGroupTargetAssignmentMemberValue>;
}

export interface ConsumerGroupLoadContext {
  readonly nowMs: number;
  readonly sessionTimeoutMs: number;
  readonly defaultAssignor: string;
}

/**
 * Replays KIP-848 records in log order (last value per key wins, tombstones delete) into groups. A
 * group exists while its ConsumerGroupMetadata record does. Members' sessions restart at `nowMs`
 * (a member that died with the old coordinator is removed one session later, as in Kafka), an
 * outstanding revocation gets a fresh rebalance timeout, and the next heartbeat of every member
 * carries its full assignment.
 */
export function loadConsumerGroups(
  records: Iterable<ConsumerGroupRecord>,
  ctx: ConsumerGroupLoadContext,
): Map<string, ConsumerGroup> {
  const loading = new Map<string, LoadingGroup>();
  const at = (groupId: string): LoadingGroup => {
    let group = loading.get(groupId);
    if (group === undefined) {
      group = {
        epoch: null,
        assignmentEpoch: 0,
        subscriptionMetadata: '',
        members: new Map(),
        current: new Map(),
        target: new Map(),
      };
      loading.set(groupId, group);
    }
    return group;
  };
  for (const record of records) applyRecord(at(record.groupId), record);
  const groups = new Map<string, ConsumerGroup>();
  for (const [groupId, group] of loading) {
    if (group.epoch !== null) groups.set(groupId, buildGroup(groupId, group, ctx));
  }
  return groups;
}

function applyRecord(group: LoadingGroup, record: ConsumerGroupRecord): void {
  switch (record.kind) {
    case 'consumerGroupMetadata':
      group.epoch = record.value?.epoch ?? null;
      return;
    case 'consumerGroupPartitionMetadata':
      group.subscriptionMetadata = record.value === null ? '' : subscriptionKey(record.value);
      return;
    case 'consumerGroupTargetAssignmentMetadata':
      group.assignmentEpoch = record.value?.assignmentEpoch ?? 0;
      return;
    case 'consumerGroupMemberMetadata':
      setOrDelete(group.members, record.memberId, record.value);
      return;
    case 'consumerGroupTargetAssignmentMember':
      setOrDelete(group.target, record.memberId, record.value);
      return;
    case 'consumerGroupCurrentMemberAssignment':
      setOrDelete(group.current, record.memberId, record.value);
      return;
    default:
      assertNeverRecord(record);
  }
}

function assertNeverRecord(record: never): never {
  throw new TypeError(`unexpected consumer group record ${JSON.stringify(record)}`);
}

function setOrDelete<V>(map: Map<string, V>, key: string, value: V | null): void {
  if (value === null) map.delete(key);
  else map.set(key, value);
}

/** The same "topicId=count" string refreshTarget computes, so a reload does not look like a metadata change. */
function subscriptionKey(value: ConsumerGroupPartitionMetadataValue): string {
  return value.topics
    .map((t) => [t.topicId, t.numPartitions] as const)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([id, n]) => `${id}=${n}`)
    .join(',');
}

function toSet(topicPartitions: ReadonlyArray<{ topicId: string; partitions: number[] }>): Set<string> {
  const set = new Set<string>();
  for (const t of topicPartitions) for (const p of t.partitions) set.add(partitionId(t.topicId, p));
  return set;
}

function buildGroup(groupId: string, loaded: LoadingGroup, ctx: ConsumerGroupLoadContext): ConsumerGroup {
  const members = new Map<string, ConsumerMember>();
  for (const [memberId, meta] of loaded.members) {
    const current = loaded.current.get(memberId);
    const isLeavingStatic = current?.memberEpoch === LEAVING_STATIC_MEMBER_EPOCH;
    const pendingRevocation = toSet(current?.partitionsPendingRevocation ?? []);
    const rebalanceTimeoutMs = meta.rebalanceTimeoutMs >= 0 ? meta.rebalanceTimeoutMs : 300_000;
    const memberEpoch = isLeavingStatic ? (current?.previousMemberEpoch ?? 0) : (current?.memberEpoch ?? 0);
    members.set(memberId, {
      memberId,
      instanceId: meta.instanceId,
      rackId: meta.rackId,
      clientId: meta.clientId,
      clientHost: meta.clientHost,
      subscribedTopicNames: meta.subscribedTopicNames,
      subscribedTopicRegex: meta.subscribedTopicRegex,
      serverAssignor: meta.serverAssignor,
      rebalanceTimeoutMs,
      memberEpoch,
      previousMemberEpoch: isLeavingStatic ? memberEpoch : (current?.previousMemberEpoch ?? 0),
      assigned: toSet(current?.assignedPartitions ?? []),
      pendingRevocation,
      sessionDeadlineMs: ctx.nowMs + ctx.sessionTimeoutMs,
      revocationDeadlineMs: pendingRevocation.size > 0 ? ctx.nowMs + rebalanceTimeoutMs : null,
      isLeavingStatic,
      lastSentAssignment: '\u0000',
    });
  }
  const target = new Map<string, PartitionSet>();
  for (const [memberId, value] of loaded.target) target.set(memberId, toSet(value.topicPartitions));
  const named = [...members.values()].find(
    (m) => m.serverAssignor === 'range' || m.serverAssignor === 'uniform',
  );
  return {
    groupId,
    groupEpoch: loaded.epoch ?? 0,
    assignmentEpoch: loaded.assignmentEpoch,
    members,
    target,
    subscriptionMetadata: loaded.subscriptionMetadata,
    assignor: named?.serverAssignor ?? ctx.defaultAssignor,
  };
}
