// SyncGroup on a classic group: the leader's assignments end the rebalance; followers wait for them.
import { ErrorCode, type SyncGroupRequest } from '../../protocol/index.js';
import { assertNever } from './assert.js';
import type { GroupCoordinatorConfig } from './group-config.js';
import {
  type ClassicGroup,
  type ClassicMember,
  type ClassicReply,
  type ClassicTransition,
  checkMember,
  type PendingRequest,
  refreshSession,
  transition,
  withMember,
} from './group-state.js';
import { prepareRebalance, syncReply } from './rebalance.js';

export interface SyncGroupInput {
  readonly request: SyncGroupRequest;
  readonly pending: PendingRequest;
}

/**
 * Handles one SyncGroup. In CompletingRebalance a follower's response is held; the leader's request
 * makes the group Stable and releases every held response only after the group record is durable
 * (`afterWrite`), so no member acts on an assignment a coordinator failover could forget.
 */
export function syncGroup(group: ClassicGroup, input: SyncGroupInput, nowMs: number): ClassicTransition {
  const { request, pending } = input;
  const fail = (errorCode: number): ClassicTransition =>
    transition(group, [syncReply(pending, errorCode, group, Buffer.alloc(0))]);
  if (group.kind === 'dead') return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  const error = checkMember(group, request.memberId, request.groupInstanceId, request.generationId);
  if (error !== ErrorCode.NONE) return fail(error);
  if (
    (request.protocolType !== null && request.protocolType !== group.protocolType) ||
    (request.protocolName !== null && request.protocolName !== group.protocolName)
  ) {
    return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  }
  switch (group.kind) {
    case 'empty':
      return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    case 'preparingRebalance':
      return fail(ErrorCode.REBALANCE_IN_PROGRESS);
    case 'stable': {
      const member = group.members.get(request.memberId);
      const next = refreshSession(group, request.memberId, nowMs);
      return transition(next, [
        syncReply(pending, ErrorCode.NONE, next, member?.assignment ?? Buffer.alloc(0)),
      ]);
    }
    case 'completingRebalance':
      return holdOrComplete(group, input, nowMs);
    default:
      return assertNever(group);
  }
}

function holdOrComplete(
  group: ClassicGroup & { kind: 'completingRebalance' },
  input: SyncGroupInput,
  nowMs: number,
): ClassicTransition {
  const { request, pending } = input;
  const replies: ClassicReply[] = [];
  const member = group.members.get(request.memberId);
  if (member === undefined) return transition(group);
  if (member.pendingSync !== null) {
    replies.push(syncReply(member.pendingSync, ErrorCode.REBALANCE_IN_PROGRESS, group, Buffer.alloc(0)));
  }
  const holding = { ...member, pendingSync: pending, heartbeatDeadlineMs: nowMs + member.sessionTimeoutMs };
  const held: ClassicGroup = { ...group, members: withMember(group.members, holding) };
  if (group.leaderId !== request.memberId) return transition(held, replies);
  const byMember = new Map(request.assignments.map((a) => [a.memberId, a.assignment]));
  const members = new Map<string, ClassicMember>();
  const released: ClassicReply[] = [];
  const stable: ClassicGroup = {
    ...held,
    kind: 'stable',
    members,
    currentStateTimestampMs: nowMs,
  };
  for (const m of held.members.values()) {
    const assignment = byMember.get(m.memberId) ?? Buffer.alloc(0);
    members.set(m.memberId, { ...m, assignment, pendingSync: null });
    if (m.pendingSync !== null) released.push(syncReply(m.pendingSync, ErrorCode.NONE, stable, assignment));
  }
  return transition(stable, replies, { afterWrite: released, persistGroup: true });
}

/**
 * The group record of a generation could not be written: its SyncGroup answers carry `errorCode`
 * instead, assignments are dropped and the group rebalances (Kafka does the same on a failed append).
 */
export function failGeneration(
  group: ClassicGroup,
  generationId: number,
  nowMs: number,
  config: GroupCoordinatorConfig,
): ClassicTransition {
  if (group.kind !== 'stable' || group.generationId !== generationId) return transition(group);
  const members = new Map<string, ClassicMember>();
  for (const m of group.members.values()) members.set(m.memberId, { ...m, assignment: Buffer.alloc(0) });
  return prepareRebalance({ ...group, members }, nowMs, config);
}
