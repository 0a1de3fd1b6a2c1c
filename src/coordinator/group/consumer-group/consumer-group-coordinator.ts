// The KIP-848 consumer groups of one coordinator: heartbeats, timers, ConsumerGroupDescribe, commit checks.
import {
  type ConsumerGroupDescribeResponseDescribedGroup,
  type ConsumerGroupHeartbeatRequest,
  type ConsumerGroupHeartbeatResponse,
  ErrorCode,
} from '../../../protocol/index.js';
import { DeadlineMap } from '../deadline-map.js';
import type { GroupCoordinatorConfig, MemberIdGenerator, TopicCatalog } from '../group-config.js';
import { consumerGroupHeartbeat, heartbeatResponse } from './consumer-group-heartbeat.js';
import { type ConsumerGroupRecord, consumerGroupChangeRecords } from './consumer-group-records.js';
import {
  byTopic,
  type ConsumerGroup,
  consumerGroupStateName,
  newConsumerGroup,
  type PartitionSet,
} from './consumer-group-state.js';
import { memberTopicNames, removeConsumerMember } from './target-assignment.js';

/** Records that describe one group's change; `revert` undoes the change if they cannot be made durable. */
export interface ConsumerGroupWrite {
  readonly groupId: string;
  readonly records: readonly ConsumerGroupRecord[];
  readonly previous: ConsumerGroup | undefined;
  readonly next: ConsumerGroup | undefined;
  /** Written by `revert` to undo a lost change in the log; not itself undone if it fails. */
  readonly isRepair: boolean;
}

const NO_WRITES: readonly ConsumerGroupWrite[] = Object.freeze([]);

/** The earliest session or revocation deadline of `group`'s members, or null. */
export function consumerGroupDeadlineMs(group: ConsumerGroup): number | null {
  let next = Number.POSITIVE_INFINITY;
  for (const m of group.members.values()) {
    next = Math.min(next, m.sessionDeadlineMs, m.revocationDeadlineMs ?? Number.POSITIVE_INFINITY);
  }
  return Number.isFinite(next) ? next : null;
}

/**
 * Every change of a group (heartbeat, expiry, deletion) becomes its KIP-848 records (ConsumerGroupMetadata,
 * member metadata, target and current assignments: see consumer-group-records.ts), which the driver takes
 * with `takeWrites` and appends to __consumer_offsets before answering; a restart replays them. `groups`
 * is read-only for callers: changes go through the methods, which record them.
 */
export class ConsumerGroupCoordinator {
  /** Every KIP-848 group by id, indexed by its members' earliest session or revocation deadline. */
  readonly groups = new DeadlineMap<ConsumerGroup>(consumerGroupDeadlineMs);
  #writes: ConsumerGroupWrite[] = [];

  constructor(
    readonly config: GroupCoordinatorConfig,
    readonly newMemberId: MemberIdGenerator,
    readonly maxGroups: number,
  ) {}

  heartbeat(
    request: ConsumerGroupHeartbeatRequest,
    client: { clientId: string; clientHost: string },
    topics: TopicCatalog,
    nowMs: number,
  ): ConsumerGroupHeartbeatResponse {
    const existing = this.groups.get(request.groupId);
    if (request.groupId === '' || (existing === undefined && this.groups.size >= this.maxGroups)) {
      const errorCode =
        request.groupId === '' ? ErrorCode.INVALID_GROUP_ID : ErrorCode.COORDINATOR_NOT_AVAILABLE;
      return heartbeatResponse({ errorCode });
    }
    const group = existing ?? newConsumerGroup(request.groupId, this.config.consumerGroupDefaultAssignor);
    const ctx = { nowMs, config: this.config, topics, newMemberId: this.newMemberId, ...client };
    const result = consumerGroupHeartbeat(group, request, ctx);
    if (existing !== undefined || result.group.members.size > 0) this.#set(existing, result.group, topics);
    return result.response;
  }

  /** Expires silent members and fences members that did not revoke within their rebalance timeout. */
  tick(nowMs: number, topics: TopicCatalog): void {
    for (const groupId of this.groups.dueKeys(nowMs)) {
      const group = this.groups.get(groupId);
      if (group === undefined) continue;
      let next = group;
      for (const member of group.members.values()) {
        const expired = member.sessionDeadlineMs <= nowMs;
        const stuck = member.revocationDeadlineMs !== null && member.revocationDeadlineMs <= nowMs;
        if (expired || stuck)
          next = removeConsumerMember(next, member.memberId, { config: this.config, topics });
      }
      if (next !== group) this.#set(group, next, topics);
    }
  }

  /** Removes a group (DeleteGroups, or offsets expiry of an empty group): its records are tombstoned. */
  deleteGroup(groupId: string, topics: TopicCatalog): void {
    const group = this.groups.get(groupId);
    if (group === undefined) return;
    this.groups.delete(groupId);
    this.#record(groupId, group, undefined, topics);
  }

  /** Groups loaded from __consumer_offsets at start (nothing is written for them). */
  restore(groups: ReadonlyMap<string, ConsumerGroup>): void {
    for (const [groupId, group] of groups) this.groups.set(groupId, group);
  }

  /** Drops a group from memory without writing anything (the runtime reloads it from the log). */
  unload(groupId: string): void {
    this.groups.delete(groupId);
  }

  /** The writes produced since the last call, in order. */
  takeWrites(): readonly ConsumerGroupWrite[] {
    // The runtime asks after every request: no new array while there is nothing to take.
    if (this.#writes.length === 0) return NO_WRITES;
    const writes = this.#writes;
    this.#writes = [];
    return writes;
  }

  /**
   * `write` could not be made durable: the group goes back to what it was before it. Changes made
   * since were built on the lost one, so they are undone with it (their writes count as failed), and
   * records that bring the log back to that state are written (a `repair`): the log may hold later
   * changes' records without this one's.
   */
  revert(write: ConsumerGroupWrite, topics: TopicCatalog): void {
    const current = this.groups.get(write.groupId);
    if (write.previous === undefined) this.groups.delete(write.groupId);
    else this.groups.set(write.groupId, write.previous);
    if (current !== write.next) this.#record(write.groupId, current, write.previous, topics, true);
  }

  #set(previous: ConsumerGroup | undefined, next: ConsumerGroup, topics: TopicCatalog): void {
    this.groups.set(next.groupId, next);
    this.#record(next.groupId, previous, next, topics);
  }

  #record(
    groupId: string,
    previous: ConsumerGroup | undefined,
    next: ConsumerGroup | undefined,
    topics: TopicCatalog,
    isRepair = false,
  ): void {
    const records = consumerGroupChangeRecords(previous, next, topics);
    if (records.length > 0) this.#writes.push({ groupId, records, previous, next, isRepair });
  }

  nextDeadlineMs(): number | null {
    return this.groups.nextDeadlineMs();
  }

  /** OffsetCommit/OffsetFetch member check for a consumer group (KIP-848 uses the member epoch as generation). */
  commitError(groupId: string, memberId: string, memberEpoch: number): number {
    const group = this.groups.get(groupId);
    if (group === undefined) return ErrorCode.GROUP_ID_NOT_FOUND;
    const member = group.members.get(memberId);
    if (member === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
    return memberEpoch === member.memberEpoch ? ErrorCode.NONE : ErrorCode.STALE_MEMBER_EPOCH;
  }

  /** The topics the group's members subscribe to now (names and regex matches); undefined for no such group. */
  subscribedTopics(groupId: string, topics: TopicCatalog): Set<string> | undefined {
    const group = this.groups.get(groupId);
    if (group === undefined) return undefined;
    return new Set([...group.members.values()].flatMap((m) => memberTopicNames(m, topics)));
  }

  hasMembers(groupId: string): boolean {
    return (this.groups.get(groupId)?.members.size ?? 0) > 0;
  }

  describe(groupId: string, topics: TopicCatalog): ConsumerGroupDescribeResponseDescribedGroup {
    const group = this.groups.get(groupId);
    if (group === undefined) {
      return {
        errorCode: ErrorCode.GROUP_ID_NOT_FOUND,
        errorMessage: null,
        groupId,
        groupState: 'Dead',
        groupEpoch: -1,
        assignmentEpoch: -1,
        assignorName: '',
        members: [],
        authorizedOperations: -2147483648,
      };
    }
    const described = (set: PartitionSet) => ({
      topicPartitions: byTopic(set).map((t) => ({ ...t, topicName: topics.byId(t.topicId)?.name ?? '' })),
    });
    return {
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      groupId,
      groupState: consumerGroupStateName(group),
      groupEpoch: group.groupEpoch,
      assignmentEpoch: group.assignmentEpoch,
      assignorName: group.assignor,
      members: [...group.members.values()].map((m) => ({
        memberId: m.memberId,
        instanceId: m.instanceId,
        rackId: m.rackId,
        memberEpoch: m.memberEpoch,
        clientId: m.clientId,
        clientHost: m.clientHost,
        subscribedTopicNames: [...m.subscribedTopicNames],
        subscribedTopicRegex: m.subscribedTopicRegex,
        assignment: described(m.assigned),
        targetAssignment: described(group.target.get(m.memberId) ?? new Set()),
      })),
      authorizedOperations: -2147483648,
    };
  }
}
