// Rebalance steps shared by every classic event: start a rebalance, complete the join phase, remove a member.
import { ErrorCode, type JoinGroupResponse } from '../../protocol/index.js';
import { assert } from './assert.js';
import type { GroupCoordinatorConfig } from './group-config.js';
import {
  type ClassicGroup,
  type ClassicMember,
  type ClassicReply,
  type ClassicTransition,
  hasAllMembersJoined,
  maxRebalanceTimeoutMs,
  type PendingRequest,
  protocolMetadata,
  repliesFirst,
  selectProtocol,
  transition,
  withoutKey,
} from './group-state.js';

export function joinErrorResponse(memberId: string, errorCode: number): JoinGroupResponse {
  return {
    throttleTimeMs: 0,
    errorCode,
    generationId: -1,
    protocolType: null,
    protocolName: null,
    leader: '',
    skipAssignment: false,
    memberId,
    members: [],
  };
}

/** The JoinGroup answer of the current generation; only the leader gets the member list. */
export function joinSuccessResponse(group: ClassicGroup, memberId: string): JoinGroupResponse {
  const isLeader = group.leaderId === memberId;
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    generationId: group.generationId,
    protocolType: group.protocolType,
    protocolName: group.protocolName,
    leader: group.leaderId ?? '',
    skipAssignment: false,
    memberId,
    members: isLeader
      ? [...group.members.values()].map((m) => ({
          memberId: m.memberId,
          groupInstanceId: m.groupInstanceId,
          metadata: protocolMetadata(m, group.protocolName),
        }))
      : [],
  };
}

export function joinReply(request: PendingRequest, response: JoinGroupResponse): ClassicReply {
  return { api: 'joinGroup', request, response };
}

export function syncReply(
  request: PendingRequest,
  errorCode: number,
  group: ClassicGroup,
  assignment: Buffer,
): ClassicReply {
  return {
    api: 'syncGroup',
    request,
    response: {
      throttleTimeMs: 0,
      errorCode,
      protocolType: group.protocolType,
      protocolName: group.protocolName,
      assignment,
    },
  };
}

/**
 * Moves the group to PreparingRebalance. From CompletingRebalance the held SyncGroups fail with
 * REBALANCE_IN_PROGRESS and assignments are dropped. An Empty group's first rebalance waits
 * group.initial.rebalance.delay.ms so that a starting fleet lands in one generation.
 */
export function prepareRebalance(
  group: ClassicGroup,
  nowMs: number,
  config: GroupCoordinatorConfig,
): ClassicTransition {
  if (group.kind === 'preparingRebalance' || group.kind === 'dead') return transition(group);
  const replies: ClassicReply[] = [];
  let members = group.members;
  if (group.kind === 'completingRebalance') {
    const reset = new Map<string, ClassicMember>();
    for (const member of members.values()) {
      if (member.pendingSync !== null) {
        replies.push(syncReply(member.pendingSync, ErrorCode.REBALANCE_IN_PROGRESS, group, Buffer.alloc(0)));
      }
      reset.set(member.memberId, { ...member, pendingSync: null, assignment: Buffer.alloc(0) });
    }
    members = reset;
  }
  const timeoutMs = maxRebalanceTimeoutMs(members);
  const delayed = group.kind === 'empty' && config.groupInitialRebalanceDelayMs > 0;
  const next: ClassicGroup = {
    ...group,
    kind: 'preparingRebalance',
    members,
    currentStateTimestampMs: nowMs,
    rebalanceDeadlineMs:
      nowMs + (delayed ? Math.min(config.groupInitialRebalanceDelayMs, timeoutMs) : timeoutMs),
    initialDelayLimitMs: delayed ? nowMs + timeoutMs : null,
  };
  return transition(next, replies);
}

/** Completes the join phase at once if every member is back and no initial delay is running. */
export function maybeCompleteJoin(group: ClassicGroup, nowMs: number): ClassicTransition {
  if (group.kind !== 'preparingRebalance' || group.initialDelayLimitMs !== null) return transition(group);
  if (!hasAllMembersJoined(group)) return transition(group);
  return completeJoin(group, nowMs);
}

/**
 * Ends the join phase: members that did not rejoin are dropped, the generation advances, the
 * protocol is chosen by vote, the leader is kept if it rejoined, and every held JoinGroup is answered.
 */
export function completeJoin(group: ClassicGroup, nowMs: number): ClassicTransition {
  assert(group.kind === 'preparingRebalance', 'only a rebalancing group completes a join');
  const members = new Map<string, ClassicMember>();
  const staticMembers = new Map(group.staticMembers);
  for (const member of group.members.values()) {
    if (member.pendingJoin !== null) members.set(member.memberId, member);
    else if (member.groupInstanceId !== null) staticMembers.delete(member.groupInstanceId);
  }
  const base = { ...group, members, staticMembers, pendingMembers: new Map<string, number>() };
  if (members.size === 0) {
    const empty: ClassicGroup = {
      ...base,
      kind: 'empty',
      generationId: group.generationId + 1,
      protocolName: null,
      leaderId: null,
      currentStateTimestampMs: nowMs,
    };
    return transition(empty, [], { persistGroup: true });
  }
  const protocolName = selectProtocol(members.values());
  assert(protocolName !== null, 'joins are admitted only with a protocol common to the group');
  const leaderId =
    group.leaderId !== null && members.has(group.leaderId)
      ? group.leaderId
      : ([...members.keys()][0] ?? null);
  const held: Array<{ member: ClassicMember; request: PendingRequest }> = [];
  const settled = new Map<string, ClassicMember>();
  for (const member of members.values()) {
    if (member.pendingJoin !== null) held.push({ member, request: member.pendingJoin });
    settled.set(member.memberId, {
      ...member,
      pendingJoin: null,
      assignment: Buffer.alloc(0),
      heartbeatDeadlineMs: nowMs + member.sessionTimeoutMs,
    });
  }
  const next: ClassicGroup = {
    ...base,
    kind: 'completingRebalance',
    members: settled,
    generationId: group.generationId + 1,
    protocolType: [...members.values()][0]?.protocolType ?? group.protocolType,
    protocolName,
    leaderId,
    currentStateTimestampMs: nowMs,
    syncDeadlineMs: nowMs + maxRebalanceTimeoutMs(settled),
  };
  const replies = held.map(({ member, request }) =>
    joinReply(request, joinSuccessResponse(next, member.memberId)),
  );
  return transition(next, replies);
}

/**
 * Removes a member (left, expired or kicked) and answers whatever was held for it with `errorCode`;
 * a Stable or CompletingRebalance group then rebalances, a rebalancing one may complete its join.
 */
export function removeMember(
  group: ClassicGroup,
  memberId: string,
  errorCode: number,
  nowMs: number,
  config: GroupCoordinatorConfig,
): ClassicTransition {
  const member = group.members.get(memberId);
  if (member === undefined) {
    if (!group.pendingMembers.has(memberId)) return transition(group);
    const next = { ...group, pendingMembers: withoutKey(group.pendingMembers, memberId) };
    return maybeCompleteJoin(next, nowMs);
  }
  const replies: ClassicReply[] = [];
  if (member.pendingJoin !== null)
    replies.push(joinReply(member.pendingJoin, joinErrorResponse(memberId, errorCode)));
  if (member.pendingSync !== null)
    replies.push(syncReply(member.pendingSync, errorCode, group, Buffer.alloc(0)));
  const staticMembers =
    member.groupInstanceId !== null && group.staticMembers.get(member.groupInstanceId) === memberId
      ? withoutKey(group.staticMembers, member.groupInstanceId)
      : group.staticMembers;
  const leaderId =
    group.leaderId === memberId
      ? ([...group.members.keys()].find((id) => id !== memberId) ?? null)
      : group.leaderId;
  const removed: ClassicGroup = {
    ...group,
    members: withoutKey(group.members, memberId),
    staticMembers,
    leaderId,
  };
  const after =
    removed.kind === 'stable' || removed.kind === 'completingRebalance'
      ? prepareRebalance(removed, nowMs, config)
      : maybeCompleteJoin(removed, nowMs);
  return repliesFirst(replies, after);
}
