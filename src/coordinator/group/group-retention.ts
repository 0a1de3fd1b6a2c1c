// Removing groups and offsets: DeleteGroups and offsets.retention.minutes expiry, planned as tombstones.
import { type DeleteGroupsResponse, ErrorCode } from '../../protocol/index.js';
import { deleteGroupError } from './group-admin.js';
import { type ClassicGroup, newEmptyGroup } from './group-state.js';
import { type GroupRecord, groupTombstone, offsetTombstone } from './group-store-records.js';
import type { CommittedOffset, OffsetStore } from './offset-store.js';
import { subscribedTopics } from './subscribed-topics.js';

/** Groups marked Dead while their tombstones are written, with the state to restore if the write fails. */
export interface RemovalPlan {
  readonly records: GroupRecord[];
  readonly dead: Map<string, ClassicGroup>;
  readonly previous: Map<string, ClassicGroup>;
}

function markDead(group: ClassicGroup | undefined, groupId: string, nowMs: number): ClassicGroup {
  const base = group ?? newEmptyGroup(groupId, nowMs);
  return { ...base, kind: 'dead', currentStateTimestampMs: nowMs };
}

/**
 * DeleteGroups: each deletable group (Empty, or known only by offsets) becomes Dead at once, so joins
 * and commits meanwhile get COORDINATOR_NOT_AVAILABLE, and its metadata and offsets are tombstoned.
 */
export function deleteGroups(
  groups: ReadonlyMap<string, ClassicGroup>,
  store: OffsetStore,
  groupIds: readonly string[],
  nowMs: number,
  hasConsumerMembers: (groupId: string) => boolean = () => false,
): RemovalPlan & { response: DeleteGroupsResponse } {
  const plan: RemovalPlan = { records: [], dead: new Map(), previous: new Map() };
  const results = groupIds.map((groupId) => {
    const group = groups.get(groupId);
    const errorCode = plan.dead.has(groupId)
      ? ErrorCode.NONE
      : deleteGroupError(group, store.hasGroup(groupId), hasConsumerMembers(groupId));
    if (errorCode === ErrorCode.NONE && !plan.dead.has(groupId)) {
      if (group !== undefined) plan.previous.set(groupId, group);
      plan.dead.set(groupId, markDead(group, groupId, nowMs));
      plan.records.push(groupTombstone(groupId));
      for (const offset of store.list(groupId))
        plan.records.push(offsetTombstone(groupId, offset.topic, offset.partition));
    }
    return { groupId, errorCode };
  });
  return { ...plan, response: { throttleTimeMs: 0, results } };
}

/**
 * The topics a KIP-848 (consumer protocol) group's members subscribe to, or undefined when `groupId`
 * is not such a group (its offsets are then a classic group's).
 */
export type ConsumerGroupTopics = (groupId: string) => ReadonlySet<string> | undefined;

/** Offsets of open transactions (TxnOffsetCommit) not yet committed or aborted by their marker. */
export interface PendingTxnOffsets {
  has(groupId: string, topic: string, partition: number): boolean;
  hasGroup(groupId: string): boolean;
}

const NO_PENDING_TXN_OFFSETS: PendingTxnOffsets = { has: () => false, hasGroup: () => false };

/**
 * offsets.retention.minutes: in an Empty group, an offset expires once the group has been empty (or,
 * if it never had members, the offset has been committed) for the retention; in a group with members
 * using the consumer protocol, only offsets of topics nobody subscribes to expire, counted from their
 * commit (KIP-211, KIP-496). A KIP-848 group is judged by its own members (its classic side has none):
 * offsets of topics they subscribe to stay, the others expire counted from their commit, as Kafka's
 * ConsumerGroup does. An explicit expire timestamp (OffsetCommit v2-v4) always wins. As in Kafka's
 * OffsetMetadataManager, an offset with a pending transactional offset for its partition does not
 * expire (the transaction's COMMIT would otherwise bring back an offset the group lost meanwhile), and a
 * group with pending transactional offsets is never removed. An Empty classic group left without
 * offsets is removed; `emptied` names every group left without offsets.
 */
export function expireOffsets(
  groups: ReadonlyMap<string, ClassicGroup>,
  store: OffsetStore,
  nowMs: number,
  retentionMs: number,
  consumerGroupTopics: ConsumerGroupTopics = () => undefined,
  pendingTxn: PendingTxnOffsets = NO_PENDING_TXN_OFFSETS,
): RemovalPlan & { expired: Array<{ groupId: string; offset: CommittedOffset }>; emptied: Set<string> } {
  const plan: RemovalPlan & {
    expired: Array<{ groupId: string; offset: CommittedOffset }>;
    emptied: Set<string>;
  } = {
    records: [],
    dead: new Map(),
    previous: new Map(),
    expired: [],
    emptied: new Set(),
  };
  // Kafka's cleanup visits every group: an Empty one that never had (or no longer has) offsets goes too.
  const groupIds = new Set(store.groupIds());
  for (const [groupId, group] of groups) if (group.kind === 'empty') groupIds.add(groupId);
  for (const groupId of groupIds) {
    const group = groups.get(groupId);
    const consumerTopics = consumerGroupTopics(groupId);
    if (
      consumerTopics === undefined &&
      group !== undefined &&
      group.kind !== 'empty' &&
      group.kind !== 'stable'
    )
      continue;
    const inUse =
      consumerTopics ??
      (group !== undefined && group.kind === 'stable' ? subscribedTopics(group) : new Set<string>());
    if (inUse === null) continue;
    const offsets = store.list(groupId);
    let remaining = offsets.length;
    for (const offset of offsets) {
      if (inUse.has(offset.topic)) continue;
      if (pendingTxn.has(groupId, offset.topic, offset.partition)) continue;
      const base =
        consumerTopics === undefined && group?.kind === 'empty'
          ? Math.max(group.currentStateTimestampMs, offset.commitTimestampMs)
          : offset.commitTimestampMs;
      const expired =
        offset.expireTimestampMs !== null ? nowMs >= offset.expireTimestampMs : nowMs - base >= retentionMs;
      if (!expired) continue;
      plan.expired.push({ groupId, offset });
      plan.records.push(offsetTombstone(groupId, offset.topic, offset.partition));
      remaining -= 1;
    }
    if (remaining > 0 || pendingTxn.hasGroup(groupId)) continue;
    plan.emptied.add(groupId);
    // A KIP-848 group without a classic entry has no classic metadata to tombstone: the caller removes it.
    if (group === undefined ? consumerTopics === undefined : group.kind === 'empty') {
      if (group !== undefined) plan.previous.set(groupId, group);
      plan.dead.set(groupId, markDead(group, groupId, nowMs));
      plan.records.push(groupTombstone(groupId));
    }
  }
  return plan;
}
