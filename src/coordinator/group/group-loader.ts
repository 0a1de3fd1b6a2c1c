// Rebuilds a GroupCoordinator from the __consumer_offsets records of its partitions (replay, last value wins).
import type { GroupMetadataValue } from '../../protocol/index.js';
import type { GroupCoordinatorConfig } from './group-config.js';
import { GroupCoordinator, type GroupCoordinatorPorts } from './group-coordinator.js';
import { type ClassicGroup, type ClassicMember, newEmptyGroup } from './group-state.js';
import type { GroupRecord } from './group-store-records.js';
import { offsetFromRecord } from './offset-store.js';

/**
 * Replays records in log order: a value replaces the previous one for its key, a null value (tombstone)
 * removes it. Groups with members come back Stable and their sessions restart at `nowMs`, so members
 * that died with the old coordinator expire one session timeout later, as in Kafka.
 */
export function loadGroupCoordinator(
  records: Iterable<GroupRecord>,
  config: GroupCoordinatorConfig,
  ports: GroupCoordinatorPorts,
  nowMs: number,
): GroupCoordinator {
  const coordinator = new GroupCoordinator(config, ports);
  const groups = new Map<string, GroupMetadataValue>();
  for (const record of records) {
    if (record.kind === 'groupMetadata') {
      if (record.value === null) groups.delete(record.key.group);
      else groups.set(record.key.group, record.value);
    } else if (record.value === null) {
      coordinator.offsets.delete(record.key.group, record.key.topic, record.key.partition);
    } else {
      coordinator.offsets.put(record.key.group, offsetFromRecord(record.key, record.value));
    }
  }
  for (const [groupId, value] of groups) {
    coordinator.groups.set(groupId, groupFromRecord(groupId, value, nowMs));
  }
  // A group known only by its offsets (simple consumers never write group metadata) comes back Empty.
  for (const groupId of coordinator.offsets.groupIds()) {
    if (!coordinator.groups.has(groupId)) coordinator.groups.set(groupId, newEmptyGroup(groupId, nowMs));
  }
  return coordinator;
}

export function groupFromRecord(groupId: string, value: GroupMetadataValue, nowMs: number): ClassicGroup {
  const members = new Map<string, ClassicMember>();
  const staticMembers = new Map<string, string>();
  for (const m of value.members) {
    members.set(m.memberId, {
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      sessionTimeoutMs: m.sessionTimeout,
      rebalanceTimeoutMs: m.rebalanceTimeout >= 0 ? m.rebalanceTimeout : m.sessionTimeout,
      protocolType: value.protocolType,
      protocols: value.protocol === null ? [] : [{ name: value.protocol, metadata: m.subscription }],
      assignment: m.assignment,
      heartbeatDeadlineMs: nowMs + m.sessionTimeout,
      pendingJoin: null,
      pendingSync: null,
    });
    if (m.groupInstanceId !== null) staticMembers.set(m.groupInstanceId, m.memberId);
  }
  const stamp = value.currentStateTimestamp >= 0n ? Number(value.currentStateTimestamp) : nowMs;
  return {
    kind: members.size > 0 ? 'stable' : 'empty',
    groupId,
    protocolType: value.protocolType === '' ? null : value.protocolType,
    protocolName: value.protocol,
    generationId: value.generation,
    leaderId: value.leader,
    members,
    pendingMembers: new Map(),
    staticMembers,
    currentStateTimestampMs: stamp,
  };
}
