// KIP-848 target assignment: recomputed by the group's assignor whenever the group epoch moves past it.

import type { AssignorMember, TopicPartitions } from '../assignors/assignor.js';
import { rangeAssignor } from '../assignors/range.js';
import { uniformAssignor } from '../assignors/uniform.js';
import type { GroupCoordinatorConfig, TopicCatalog } from '../group-config.js';
import {
  type ConsumerGroup,
  type ConsumerMember,
  type PartitionSet,
  partitionId,
} from './consumer-group-state.js';
import { compileTopicRegex, topicsMatching } from './topic-regex.js';

interface TargetContext {
  readonly config: GroupCoordinatorConfig;
  readonly topics: TopicCatalog;
}

/**
 * Bumps the group epoch when the subscribed topics' partition counts changed, then, if the group
 * epoch is ahead of the assignment epoch, runs the assignor and sets assignmentEpoch = groupEpoch.
 */
export function refreshTarget(group: ConsumerGroup, ctx: TargetContext): ConsumerGroup {
  const topics = new Map<string, number>();
  for (const member of group.members.values()) {
    for (const name of memberTopicNames(member, ctx.topics)) {
      const info = ctx.topics.byName(name);
      if (info !== undefined) topics.set(info.topicId, info.partitionCount);
    }
  }
  const metadata = [...topics]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([id, n]) => `${id}=${n}`)
    .join(',');
  let next = group;
  if (metadata !== group.subscriptionMetadata) {
    // One epoch bump covers a membership change and the metadata change it causes in the same event.
    const bump = group.members.size > 0 && group.groupEpoch <= group.assignmentEpoch ? 1 : 0;
    next = { ...next, subscriptionMetadata: metadata, groupEpoch: next.groupEpoch + bump };
  }
  if (next.groupEpoch <= next.assignmentEpoch) return next;
  const members: AssignorMember[] = [...next.members.values()].map((m) => ({
    memberId: m.memberId,
    subscribedTopicIds: new Set(
      memberTopicNames(m, ctx.topics).flatMap((n) => ctx.topics.byName(n)?.topicId ?? []),
    ),
  }));
  const previous = new Map<string, TopicPartitions>();
  for (const [memberId, set] of next.target) previous.set(memberId, toTopicPartitions(set));
  const assignor = pickAssignor(next, ctx.config);
  const computed = (assignor === 'range' ? rangeAssignor : uniformAssignor)({ members, topics, previous });
  const target = new Map<string, PartitionSet>();
  for (const [memberId, topicMap] of computed) {
    const set = new Set<string>();
    for (const [topicId, list] of topicMap) for (const p of list) set.add(partitionId(topicId, p));
    target.set(memberId, set);
  }
  return { ...next, target, assignmentEpoch: next.groupEpoch, assignor };
}

/**
 * The topics a member subscribes to: its names plus, with a regex, every topic the regex matches now
 * (a topic created later that matches changes the subscription metadata, hence the group epoch).
 */
export function memberTopicNames(member: ConsumerMember, topics: TopicCatalog): string[] {
  if (member.subscribedTopicRegex === null) return [...member.subscribedTopicNames];
  const regex = compileTopicRegex(member.subscribedTopicRegex);
  const matched = regex === null ? [] : topicsMatching(regex, topics.names());
  return [...new Set([...member.subscribedTopicNames, ...matched])];
}

function pickAssignor(group: ConsumerGroup, config: GroupCoordinatorConfig): string {
  for (const m of group.members.values()) {
    if (m.serverAssignor === 'range' || m.serverAssignor === 'uniform') return m.serverAssignor;
  }
  return config.consumerGroupDefaultAssignor;
}

function toTopicPartitions(set: PartitionSet): TopicPartitions {
  const map = new Map<string, number[]>();
  for (const key of set) {
    const at = key.lastIndexOf(':');
    const list = map.get(key.slice(0, at)) ?? [];
    list.push(Number(key.slice(at + 1)));
    map.set(key.slice(0, at), list);
  }
  return map;
}

/** Removes a member (left, expired or fenced): its partitions are released at once and the epoch moves. */
export function removeConsumerMember(
  group: ConsumerGroup,
  memberId: string,
  ctx: TargetContext,
): ConsumerGroup {
  if (!group.members.has(memberId)) return group;
  const members = new Map(group.members);
  members.delete(memberId);
  const target = new Map(group.target);
  target.delete(memberId);
  return refreshTarget({ ...group, members, target, groupEpoch: group.groupEpoch + 1 }, ctx);
}
