// ConsumerGroupHeartbeat (KIP-848): join with epoch 0, leave with -1, static leave with -2, epochs fenced, reconciliation.
import {
  type ConsumerGroupHeartbeatRequest,
  type ConsumerGroupHeartbeatResponse,
  ErrorCode,
} from '../../../protocol/index.js';
import type { GroupCoordinatorConfig, MemberIdGenerator, TopicCatalog } from '../group-config.js';
import {
  byTopic,
  type ConsumerGroup,
  type ConsumerMember,
  partitionId,
  setKey,
} from './consumer-group-state.js';
import { acknowledgeOwned, reconcile } from './reconciliation.js';
import { refreshTarget, removeConsumerMember } from './target-assignment.js';
import { compileTopicRegex } from './topic-regex.js';

export interface HeartbeatContext {
  readonly nowMs: number;
  readonly config: GroupCoordinatorConfig;
  readonly topics: TopicCatalog;
  readonly newMemberId: MemberIdGenerator;
  readonly clientId: string;
  readonly clientHost: string;
}

export interface ConsumerHeartbeatResult {
  readonly group: ConsumerGroup;
  readonly response: ConsumerGroupHeartbeatResponse;
}

/** A ConsumerGroupHeartbeat response: no member, no assignment and no heartbeat interval unless `fields` says so. */
export function heartbeatResponse(
  fields: Partial<ConsumerGroupHeartbeatResponse>,
): ConsumerGroupHeartbeatResponse {
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    memberId: null,
    memberEpoch: -1,
    heartbeatIntervalMs: 0,
    assignment: null,
    ...fields,
  };
}

function answer(
  group: ConsumerGroup,
  response: Partial<ConsumerGroupHeartbeatResponse>,
  ctx: HeartbeatContext,
): ConsumerHeartbeatResult {
  return {
    group,
    response: heartbeatResponse({
      heartbeatIntervalMs: ctx.config.consumerGroupHeartbeatIntervalMs,
      ...response,
    }),
  };
}

/**
 * Handles one heartbeat. Errors: INVALID_REQUEST (join without subscription), UNKNOWN_MEMBER_ID,
 * FENCED_MEMBER_EPOCH (an epoch other than the member's current or, with owned partitions it still has,
 * previous one), UNRELEASED_INSTANCE_ID (an instance id held by a live member), GROUP_MAX_SIZE_REACHED.
 */
export function consumerGroupHeartbeat(
  group: ConsumerGroup,
  request: ConsumerGroupHeartbeatRequest,
  ctx: HeartbeatContext,
): ConsumerHeartbeatResult {
  const fail = (errorCode: number, message: string): ConsumerHeartbeatResult =>
    answer(group, { errorCode, errorMessage: message, memberId: request.memberId }, ctx);
  const epoch = request.memberEpoch;
  const regex = request.subscribedTopicRegex;
  if (regex !== null && epoch >= 0 && compileTopicRegex(regex) === null) {
    return fail(ErrorCode.INVALID_REGULAR_EXPRESSION, `${regex} is not a valid regular expression`);
  }
  if (epoch === 0) return join(group, request, ctx);
  const member = group.members.get(request.memberId);
  if (member === undefined) return fail(ErrorCode.UNKNOWN_MEMBER_ID, 'unknown member id');
  if (epoch === -1 || epoch === -2) {
    // A static member that left keeps its epoch for the instance that replaces it; its previous epoch
    // goes: only the process that left could have retried with it. Kafka's record of a leaving member
    // (epoch -2) has room for one epoch besides the marker, so memory and log then hold the same.
    const leaving = { ...member, isLeavingStatic: true, previousMemberEpoch: member.memberEpoch };
    const next =
      epoch === -1 || member.instanceId === null
        ? removeConsumerMember(group, member.memberId, ctx)
        : { ...group, members: new Map(group.members).set(member.memberId, leaving) };
    return answer(next, { memberId: member.memberId, memberEpoch: epoch }, ctx);
  }
  const owned = ownedSet(request);
  const previousOk =
    epoch === member.previousMemberEpoch && owned !== null && [...owned].every((p) => member.assigned.has(p));
  if (epoch !== member.memberEpoch && !previousOk) {
    return fail(ErrorCode.FENCED_MEMBER_EPOCH, `member epoch ${epoch} is not ${member.memberEpoch}`);
  }
  return update(group, member, request, owned, ctx);
}

function ownedSet(request: ConsumerGroupHeartbeatRequest): Set<string> | null {
  if (request.topicPartitions === null) return null;
  const owned = new Set<string>();
  for (const t of request.topicPartitions) for (const p of t.partitions) owned.add(partitionId(t.topicId, p));
  return owned;
}

/** Whether two subscriptions name the same topics, ignoring order and repeats. */
function sameTopicNames(a: readonly string[], b: readonly string[]): boolean {
  return setKey(new Set(a)) === setKey(new Set(b));
}

function join(
  group: ConsumerGroup,
  request: ConsumerGroupHeartbeatRequest,
  ctx: HeartbeatContext,
): ConsumerHeartbeatResult {
  if (request.subscribedTopicNames === null && request.subscribedTopicRegex === null) {
    return answer(
      group,
      { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'a joining member must subscribe' },
      ctx,
    );
  }
  let base = group;
  let inherited: ConsumerMember | undefined;
  if (request.instanceId !== null) {
    inherited = [...group.members.values()].find((m) => m.instanceId === request.instanceId);
    if (inherited !== undefined && !inherited.isLeavingStatic && inherited.memberId !== request.memberId) {
      return answer(
        group,
        { errorCode: ErrorCode.UNRELEASED_INSTANCE_ID, errorMessage: 'instance id in use' },
        ctx,
      );
    }
  }
  const existing = request.memberId === '' ? undefined : group.members.get(request.memberId);
  if (existing !== undefined && inherited === undefined)
    base = removeConsumerMember(group, existing.memberId, ctx);
  if (inherited === undefined && base.members.size >= ctx.config.consumerGroupMaxSize) {
    return answer(group, { errorCode: ErrorCode.GROUP_MAX_SIZE_REACHED, errorMessage: 'group is full' }, ctx);
  }
  const memberId = request.memberId !== '' ? request.memberId : ctx.newMemberId(ctx.clientId);
  const fresh: ConsumerMember = {
    memberId,
    instanceId: request.instanceId,
    rackId: request.rackId,
    clientId: ctx.clientId,
    clientHost: ctx.clientHost,
    subscribedTopicNames: request.subscribedTopicNames ?? [],
    subscribedTopicRegex: request.subscribedTopicRegex,
    serverAssignor: request.serverAssignor,
    rebalanceTimeoutMs: request.rebalanceTimeoutMs >= 0 ? request.rebalanceTimeoutMs : 300_000,
    // A returning static member (KIP-848, epoch 0 with its instance id) takes over the partitions its
    // predecessor was assigned, as Kafka's GroupMetadataManager does: as a new member at epoch 0 (no
    // previous epoch), which reconciliation moves to the assignment epoch. Partitions the predecessor
    // was still revoking are released: the new process never owned them.
    memberEpoch: 0,
    previousMemberEpoch: inherited === undefined ? 0 : -1,
    assigned: inherited?.assigned ?? new Set(),
    pendingRevocation: new Set(),
    sessionDeadlineMs: ctx.nowMs + ctx.config.consumerGroupSessionTimeoutMs,
    revocationDeadlineMs: null,
    isLeavingStatic: false,
    lastSentAssignment: '\u0000',
  };
  const members = new Map(base.members);
  const target = new Map(base.target);
  if (inherited !== undefined) {
    members.delete(inherited.memberId);
    const reserved = target.get(inherited.memberId);
    target.delete(inherited.memberId);
    if (reserved !== undefined) target.set(memberId, reserved);
  }
  members.set(memberId, fresh);
  const sameSubscription =
    inherited !== undefined &&
    sameTopicNames(inherited.subscribedTopicNames, fresh.subscribedTopicNames) &&
    inherited.subscribedTopicRegex === fresh.subscribedTopicRegex;
  const joined: ConsumerGroup = {
    ...base,
    members,
    target,
    groupEpoch: sameSubscription ? base.groupEpoch : base.groupEpoch + 1,
  };
  return update(joined, fresh, request, null, ctx);
}

function update(
  group: ConsumerGroup,
  member: ConsumerMember,
  request: ConsumerGroupHeartbeatRequest,
  owned: Set<string> | null,
  ctx: HeartbeatContext,
): ConsumerHeartbeatResult {
  let next = group;
  let current: ConsumerMember = {
    ...acknowledgeOwned(member, owned),
    sessionDeadlineMs: ctx.nowMs + ctx.config.consumerGroupSessionTimeoutMs,
    rackId: request.rackId ?? member.rackId,
    serverAssignor: request.serverAssignor ?? member.serverAssignor,
    rebalanceTimeoutMs:
      request.rebalanceTimeoutMs >= 0 ? request.rebalanceTimeoutMs : member.rebalanceTimeoutMs,
  };
  const names = request.subscribedTopicNames;
  if (names !== null && !sameTopicNames(names, member.subscribedTopicNames)) {
    current = { ...current, subscribedTopicNames: [...names] };
    next = { ...next, groupEpoch: next.groupEpoch + 1 };
  }
  // An empty regex drops the regex subscription (KIP-848: null means unchanged).
  const regex = request.subscribedTopicRegex === '' ? null : request.subscribedTopicRegex;
  if (request.subscribedTopicRegex !== null && regex !== member.subscribedTopicRegex) {
    current = { ...current, subscribedTopicRegex: regex };
    next = { ...next, groupEpoch: next.groupEpoch + 1 };
  }
  next = { ...next, members: new Map(next.members).set(current.memberId, current) };
  next = refreshTarget(next, ctx);
  current = reconcile(next, next.members.get(current.memberId) ?? current, ctx.nowMs);
  const sent = setKey(current.assigned);
  const sendAssignment =
    sent !== current.lastSentAssignment ||
    request.memberEpoch === 0 ||
    (owned !== null && setKey(owned) !== sent);
  current = { ...current, lastSentAssignment: sent };
  next = { ...next, members: new Map(next.members).set(current.memberId, current) };
  return answer(
    next,
    {
      memberId: current.memberId,
      memberEpoch: current.memberEpoch,
      assignment: sendAssignment ? { topicPartitions: byTopic(current.assigned) } : null,
    },
    ctx,
  );
}
