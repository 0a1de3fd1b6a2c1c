// LeaveGroup on a classic group: one member (v0-2) or a batch identified by member id or group.instance.id (v3+, KIP-345).
import {
  ErrorCode,
  type LeaveGroupRequest,
  type LeaveGroupResponseMemberResponse,
} from '../../protocol/index.js';
import type { GroupCoordinatorConfig } from './group-config.js';
import type { ClassicGroup, ClassicReply, ClassicTransition, PendingRequest } from './group-state.js';
import { removeMember } from './rebalance.js';

export interface LeaveGroupInput {
  readonly request: LeaveGroupRequest;
  readonly pending: PendingRequest;
}

/**
 * Removes each listed member that is known, answering per member (UNKNOWN_MEMBER_ID, or FENCED_INSTANCE_ID
 * when an instance id now belongs to another member id). Before v3 the single member's error is the
 * top-level error. A departure triggers one rebalance, not one per member.
 */
export function leaveGroup(
  group: ClassicGroup,
  input: LeaveGroupInput,
  nowMs: number,
  config: GroupCoordinatorConfig,
): ClassicTransition {
  const { request, pending } = input;
  const batched = pending.version >= 3;
  const identities = batched
    ? request.members
    : [{ memberId: request.memberId, groupInstanceId: null as string | null, reason: null }];
  let current = group;
  const replies: ClassicReply[] = [];
  const results: LeaveGroupResponseMemberResponse[] = [];
  for (const identity of identities) {
    const errorCode =
      group.kind === 'dead' ? ErrorCode.COORDINATOR_NOT_AVAILABLE : leaveError(current, identity);
    results.push({ memberId: identity.memberId, groupInstanceId: identity.groupInstanceId, errorCode });
    if (errorCode !== ErrorCode.NONE) continue;
    const memberId =
      identity.groupInstanceId !== null
        ? (current.staticMembers.get(identity.groupInstanceId) ?? identity.memberId)
        : identity.memberId;
    const after = removeMember(current, memberId, ErrorCode.UNKNOWN_MEMBER_ID, nowMs, config);
    current = after.group;
    replies.push(...after.replies);
  }
  const topLevel = batched ? ErrorCode.NONE : (results[0]?.errorCode ?? ErrorCode.NONE);
  replies.push({
    api: 'leaveGroup',
    request: pending,
    response: { throttleTimeMs: 0, errorCode: topLevel, members: batched ? results : [] },
  });
  return { group: current, replies, afterWrite: [], persistGroup: false };
}

function leaveError(
  group: ClassicGroup,
  identity: { memberId: string; groupInstanceId: string | null },
): number {
  if (identity.groupInstanceId !== null) {
    const owner = group.staticMembers.get(identity.groupInstanceId);
    if (owner === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    if (identity.memberId !== '' && identity.memberId !== owner) return ErrorCode.FENCED_INSTANCE_ID;
    return ErrorCode.NONE;
  }
  if (identity.memberId === '') return ErrorCode.UNKNOWN_MEMBER_ID;
  if (group.members.has(identity.memberId) || group.pendingMembers.has(identity.memberId))
    return ErrorCode.NONE;
  return ErrorCode.UNKNOWN_MEMBER_ID;
}
