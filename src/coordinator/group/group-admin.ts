// DescribeGroups, ListGroups, DeleteGroups and OffsetDelete answers for classic groups, as pure functions.
import {
  type DescribeGroupsResponseDescribedGroup,
  ErrorCode,
  type ListGroupsResponseListedGroup,
  type OffsetDeleteRequest,
  type OffsetDeleteResponse,
} from '../../protocol/index.js';
import { CLASSIC_STATE_NAME, type ClassicGroup, protocolMetadata } from './group-state.js';
import type { OffsetStore } from './offset-store.js';
import { subscribedTopics } from './subscribed-topics.js';

/** DescribeGroups for one classic group; members carry metadata and assignment only while Stable, as in Kafka. */
export function describeClassicGroup(
  group: ClassicGroup | undefined,
  groupId: string,
  version: number,
): DescribeGroupsResponseDescribedGroup {
  if (group === undefined || group.kind === 'dead') {
    return {
      errorCode: version >= 6 && group === undefined ? ErrorCode.GROUP_ID_NOT_FOUND : ErrorCode.NONE,
      groupId,
      groupState: 'Dead',
      protocolType: '',
      protocolData: '',
      members: [],
      authorizedOperations: -2147483648,
    };
  }
  const stable = group.kind === 'stable';
  return {
    errorCode: ErrorCode.NONE,
    groupId,
    groupState: CLASSIC_STATE_NAME[group.kind],
    protocolType: group.protocolType ?? '',
    protocolData: stable ? (group.protocolName ?? '') : '',
    members: [...group.members.values()].map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      memberMetadata: stable ? protocolMetadata(m, group.protocolName) : Buffer.alloc(0),
      memberAssignment: stable ? m.assignment : Buffer.alloc(0),
    })),
    authorizedOperations: -2147483648,
  };
}

/** Whether a listed group passes ListGroups' states and types filters (empty filter = all; case-insensitive). */
export function matchesListFilters(
  listed: ListGroupsResponseListedGroup,
  statesFilter: readonly string[],
  typesFilter: readonly string[],
): boolean {
  const has = (filter: readonly string[], value: string): boolean =>
    filter.length === 0 || filter.some((f) => f.toLowerCase() === value.toLowerCase());
  return has(statesFilter, listed.groupState) && has(typesFilter, listed.groupType);
}

export function listedClassicGroup(group: ClassicGroup): ListGroupsResponseListedGroup {
  return {
    groupId: group.groupId,
    protocolType: group.protocolType ?? '',
    groupState: CLASSIC_STATE_NAME[group.kind],
    groupType: 'classic',
  };
}

/** DeleteGroups' per-group check: only an Empty group (or one known only by its offsets) may go. */
export function deleteGroupError(
  group: ClassicGroup | undefined,
  hasOffsets: boolean,
  hasConsumerMembers: boolean,
): number {
  if (hasConsumerMembers) return ErrorCode.NON_EMPTY_GROUP;
  if (group === undefined) return hasOffsets ? ErrorCode.NONE : ErrorCode.GROUP_ID_NOT_FOUND;
  if (group.kind === 'dead') return ErrorCode.GROUP_ID_NOT_FOUND;
  return group.kind === 'empty' ? ErrorCode.NONE : ErrorCode.NON_EMPTY_GROUP;
}

export interface OffsetDeletePlan {
  readonly response: OffsetDeleteResponse;
  /** Partitions whose offsets are to be tombstoned (those answered NONE that have an offset). */
  readonly deletions: ReadonlyArray<{ topic: string; partition: number }>;
}

/**
 * OffsetDelete: GROUP_ID_NOT_FOUND for an unknown group; NON_EMPTY_GROUP for a non-empty group that does
 * not use the consumer protocol type; GROUP_SUBSCRIBED_TO_TOPIC for a partition of a topic the group's
 * members subscribe to. `subscribed` overrides the classic computation (KIP-848 groups pass theirs).
 */
export function planOffsetDelete(
  group: ClassicGroup | undefined,
  request: OffsetDeleteRequest,
  store: OffsetStore,
  subscribed: ReadonlySet<string> | null,
): OffsetDeletePlan {
  const fail = (errorCode: number): OffsetDeletePlan => ({
    response: { errorCode, throttleTimeMs: 0, topics: [] },
    deletions: [],
  });
  const known = group !== undefined || store.hasGroup(request.groupId) || subscribed !== null;
  if (!known || group?.kind === 'dead') return fail(ErrorCode.GROUP_ID_NOT_FOUND);
  let inUse: ReadonlySet<string> = subscribed ?? new Set();
  if (group !== undefined && group.kind !== 'empty') {
    const topics = subscribedTopics(group);
    if (topics === null) return fail(ErrorCode.NON_EMPTY_GROUP);
    inUse = topics;
  }
  const deletions: Array<{ topic: string; partition: number }> = [];
  const topics = request.topics.map((topic) => ({
    name: topic.name,
    partitions: topic.partitions.map(({ partitionIndex }) => {
      if (inUse.has(topic.name)) return { partitionIndex, errorCode: ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC };
      if (store.get(request.groupId, topic.name, partitionIndex) !== undefined) {
        deletions.push({ topic: topic.name, partition: partitionIndex });
      }
      return { partitionIndex, errorCode: ErrorCode.NONE };
    }),
  }));
  return { response: { errorCode: ErrorCode.NONE, throttleTimeMs: 0, topics }, deletions };
}
