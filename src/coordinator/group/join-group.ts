// JoinGroup on a classic group: KIP-394 member ids, KIP-345 static members, protocol checks, rebalance triggers.
import { ErrorCode, type JoinGroupRequest } from '../../protocol/index.js';
import { assertNever } from './assert.js';
import type { GroupCoordinatorConfig, MemberIdGenerator } from './group-config.js';
import {
  type ClassicGroup,
  type ClassicMember,
  type ClassicReply,
  type ClassicTransition,
  isCompatible,
  isFull,
  type PendingRequest,
  repliesFirst,
  sameProtocols,
  selectProtocol,
  transition,
  withMember,
  withoutKey,
} from './group-state.js';
import {
  joinErrorResponse,
  joinReply,
  joinSuccessResponse,
  maybeCompleteJoin,
  prepareRebalance,
  syncReply,
} from './rebalance.js';

/** A decoded JoinGroup with what the broker knows of its connection. */
export interface JoinGroupInput {
  readonly request: JoinGroupRequest;
  readonly pending: PendingRequest;
  readonly clientId: string;
  readonly clientHost: string;
}

export interface JoinGroupContext {
  readonly nowMs: number;
  readonly config: GroupCoordinatorConfig;
  readonly newMemberId: MemberIdGenerator;
}

/** Handles one JoinGroup; the response is either among `replies` now or held in the member until the join completes. */
export function joinGroup(
  group: ClassicGroup,
  input: JoinGroupInput,
  ctx: JoinGroupContext,
): ClassicTransition {
  const { request, pending } = input;
  const fail = (errorCode: number): ClassicTransition =>
    refuseJoin(group, pending, request.memberId, errorCode);
  if (group.kind === 'dead') return fail(ErrorCode.COORDINATOR_NOT_AVAILABLE);
  const { groupMinSessionTimeoutMs: min, groupMaxSessionTimeoutMs: max } = ctx.config;
  if (request.sessionTimeoutMs < min || request.sessionTimeoutMs > max)
    return fail(ErrorCode.INVALID_SESSION_TIMEOUT);
  const self = request.memberId === '' ? null : request.memberId;
  if (!isCompatible(group, request.protocolType, request.protocols, self)) {
    return fail(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  }
  return request.memberId === '' ? joinUnknownMember(group, input, ctx) : joinKnownMember(group, input, ctx);
}

/** Answers the JoinGroup at once with `errorCode`; the group becomes `group`. */
function refuseJoin(
  group: ClassicGroup,
  pending: PendingRequest,
  memberId: string,
  errorCode: number,
): ClassicTransition {
  return transition(group, [joinReply(pending, joinErrorResponse(memberId, errorCode))]);
}

function memberFrom(
  input: JoinGroupInput,
  memberId: string,
  nowMs: number,
  previous?: ClassicMember,
): ClassicMember {
  const { request } = input;
  return {
    memberId,
    groupInstanceId: request.groupInstanceId,
    clientId: input.clientId,
    clientHost: input.clientHost,
    sessionTimeoutMs: request.sessionTimeoutMs,
    // JoinGroup v0 has no rebalance timeout: Kafka uses the session timeout for both.
    rebalanceTimeoutMs:
      request.rebalanceTimeoutMs >= 0 ? request.rebalanceTimeoutMs : request.sessionTimeoutMs,
    protocolType: request.protocolType,
    protocols: request.protocols.map((p) => ({ name: p.name, metadata: p.metadata })),
    assignment: previous?.assignment ?? Buffer.alloc(0),
    heartbeatDeadlineMs: nowMs + request.sessionTimeoutMs,
    pendingJoin: input.pending,
    pendingSync: previous?.pendingSync ?? null,
  };
}

function joinUnknownMember(
  group: ClassicGroup,
  input: JoinGroupInput,
  ctx: JoinGroupContext,
): ClassicTransition {
  const { request, pending } = input;
  const instanceId = request.groupInstanceId;
  if (instanceId !== null && group.staticMembers.has(instanceId))
    return rejoinStaticMember(group, input, ctx);
  if (isFull(group, ctx.config.groupMaxSize)) {
    return refuseJoin(group, pending, '', ErrorCode.GROUP_MAX_SIZE_REACHED);
  }
  const memberId = ctx.newMemberId(input.clientId);
  if (instanceId === null && pending.version >= 4) {
    // KIP-394: the id is only admitted on the second JoinGroup, so a client that never comes back costs
    // a pending entry until its session timeout instead of a rebalance.
    const pendingMembers = new Map(group.pendingMembers);
    pendingMembers.set(memberId, ctx.nowMs + request.sessionTimeoutMs);
    const next = { ...group, pendingMembers };
    return refuseJoin(next, pending, memberId, ErrorCode.MEMBER_ID_REQUIRED);
  }
  return addMemberAndRebalance(group, memberFrom(input, memberId, ctx.nowMs), ctx);
}

function addMemberAndRebalance(
  group: ClassicGroup,
  member: ClassicMember,
  ctx: JoinGroupContext,
): ClassicTransition {
  const staticMembers =
    member.groupInstanceId === null
      ? group.staticMembers
      : new Map(group.staticMembers).set(member.groupInstanceId, member.memberId);
  let next: ClassicGroup = {
    ...group,
    members: withMember(group.members, member),
    staticMembers,
    protocolType: group.protocolType ?? member.protocolType,
  };
  if (next.kind === 'preparingRebalance' && next.initialDelayLimitMs !== null) {
    // Each newcomer during the initial delay buys the others another delay, up to the rebalance timeout.
    const extended = Math.min(ctx.nowMs + ctx.config.groupInitialRebalanceDelayMs, next.initialDelayLimitMs);
    next = { ...next, rebalanceDeadlineMs: Math.max(next.rebalanceDeadlineMs, extended) };
  }
  return rebalanceThenMaybeComplete(next, ctx);
}

function rebalanceThenMaybeComplete(group: ClassicGroup, ctx: JoinGroupContext): ClassicTransition {
  const prepared = prepareRebalance(group, ctx.nowMs, ctx.config);
  const completed = maybeCompleteJoin(prepared.group, ctx.nowMs);
  return repliesFirst(prepared.replies, completed);
}

/**
 * KIP-345: a static member rejoining without its member id takes over the old id's place. The old id is
 * fenced (its held responses get FENCED_INSTANCE_ID). In a Stable group whose selected protocol stays
 * the same there is no rebalance: the member gets the current generation back once the new id mapping
 * is persisted. In CompletingRebalance the group rebalances (the leader may have assigned to the old
 * id); in PreparingRebalance the member simply joins the rebalance under its new id.
 */
function rejoinStaticMember(
  group: ClassicGroup,
  input: JoinGroupInput,
  ctx: JoinGroupContext,
): ClassicTransition {
  const instanceId = input.request.groupInstanceId ?? '';
  const oldId = group.staticMembers.get(instanceId) ?? '';
  const old = group.members.get(oldId);
  if (old === undefined) {
    const cleaned = { ...group, staticMembers: withoutKey(group.staticMembers, instanceId) };
    return joinUnknownMember(cleaned, input, ctx);
  }
  const fenced: ClassicReply[] = [];
  if (old.pendingJoin !== null) {
    fenced.push(joinReply(old.pendingJoin, joinErrorResponse(oldId, ErrorCode.FENCED_INSTANCE_ID)));
  }
  if (old.pendingSync !== null)
    fenced.push(syncReply(old.pendingSync, ErrorCode.FENCED_INSTANCE_ID, group, Buffer.alloc(0)));
  const memberId = ctx.newMemberId(input.clientId);
  const replacement: ClassicMember = { ...memberFrom(input, memberId, ctx.nowMs, old), pendingSync: null };
  const members = withMember(withoutKey(group.members, oldId), replacement);
  const replaced: ClassicGroup = {
    ...group,
    members,
    staticMembers: new Map(group.staticMembers).set(instanceId, memberId),
    leaderId: group.leaderId === oldId ? memberId : group.leaderId,
  };
  // Kafka rebalances only when the replacement changes the protocol the group would select (a changed
  // subscription alone does not: the leader learns it from the member list, KIP-814).
  if (replaced.kind === 'stable' && selectProtocol(members.values()) === group.protocolName) {
    const settled: ClassicGroup = {
      ...replaced,
      members: withMember(members, { ...replacement, pendingJoin: null }),
    };
    const response = joinSuccessResponse(settled, memberId);
    // KIP-814: a returning static leader learns the members but is told not to reassign; older versions see no list.
    const skip = settled.leaderId === memberId && input.pending.version >= 9;
    const answer = joinReply(input.pending, {
      ...response,
      skipAssignment: skip,
      members: skip ? response.members : [],
    });
    return transition(settled, fenced, { afterWrite: [answer], persistGroup: true });
  }
  const after = rebalanceThenMaybeComplete(replaced, ctx);
  return repliesFirst(fenced, after);
}

function joinKnownMember(
  group: ClassicGroup,
  input: JoinGroupInput,
  ctx: JoinGroupContext,
): ClassicTransition {
  const { request, pending } = input;
  const memberId = request.memberId;
  const fail = (errorCode: number): ClassicTransition => refuseJoin(group, pending, memberId, errorCode);
  if (group.pendingMembers.has(memberId)) {
    const admitted = { ...group, pendingMembers: withoutKey(group.pendingMembers, memberId) };
    return addMemberAndRebalance(admitted, memberFrom(input, memberId, ctx.nowMs), ctx);
  }
  const member = group.members.get(memberId);
  const instanceId = request.groupInstanceId;
  if (
    instanceId !== null &&
    group.staticMembers.has(instanceId) &&
    group.staticMembers.get(instanceId) !== memberId
  ) {
    return fail(ErrorCode.FENCED_INSTANCE_ID);
  }
  if (member === undefined) return fail(ErrorCode.UNKNOWN_MEMBER_ID);
  if (member.groupInstanceId !== instanceId) return fail(ErrorCode.FENCED_INSTANCE_ID);
  const replies: ClassicReply[] = [];
  if (member.pendingJoin !== null) {
    // A client has one JoinGroup in flight; an older held one is answered rather than leaked.
    replies.push(joinReply(member.pendingJoin, joinErrorResponse(memberId, ErrorCode.REBALANCE_IN_PROGRESS)));
  }
  const updated = memberFrom(input, memberId, ctx.nowMs, member);
  const unchanged = sameProtocols(member.protocols, updated.protocols);
  const withUpdate = (m: ClassicMember): ClassicGroup => ({
    ...group,
    members: withMember(group.members, m),
  });
  const current = (): ClassicTransition => {
    const next = withUpdate({ ...updated, pendingJoin: null });
    return transition(next, [...replies, joinReply(pending, joinSuccessResponse(next, memberId))]);
  };
  const rebalance = (): ClassicTransition =>
    repliesFirst(replies, rebalanceThenMaybeComplete(withUpdate(updated), ctx));
  switch (group.kind) {
    case 'empty':
    case 'dead':
      return fail(ErrorCode.UNKNOWN_MEMBER_ID);
    case 'preparingRebalance':
      return repliesFirst(replies, maybeCompleteJoin(withUpdate(updated), ctx.nowMs));
    case 'completingRebalance':
      return unchanged ? current() : rebalance();
    case 'stable':
      return unchanged && group.leaderId !== memberId ? current() : rebalance();
    default:
      return assertNever(group);
  }
}
