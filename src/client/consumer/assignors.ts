// Client-side assignors of the classic consumer protocol: range, roundrobin and cooperative-sticky (KIP-429).
// The range split is the broker's own pure KIP-848 range assignor: same contiguous-range rule, member order.
import { rangeAssignor } from '../../coordinator/group/assignors/range.js';
import type { TopicPartitionMap } from '../consumer-protocol.js';

export interface AssignorMemberInput {
  readonly memberId: string;
  readonly topics: readonly string[];
  /** What the member owns now (subscription v1+); only cooperative assignors use it. */
  readonly ownedPartitions: TopicPartitionMap;
}

export interface ClientAssignor {
  /** The protocol name members advertise in JoinGroup (Kafka's names). */
  readonly name: string;
  /** True for assignors that need the cooperative protocol (incremental revocation). */
  readonly isCooperative: boolean;
  /** Every partition of a topic some member subscribes to goes to exactly one member subscribing to it. */
  assign(
    members: readonly AssignorMemberInput[],
    partitionCounts: ReadonlyMap<string, number>,
  ): Map<string, Map<string, number[]>>;
}

function emptyResult(members: readonly AssignorMemberInput[]): Map<string, Map<string, number[]>> {
  return new Map(members.map((m) => [m.memberId, new Map<string, number[]>()]));
}

function put(
  result: Map<string, Map<string, number[]>>,
  memberId: string,
  topic: string,
  partition: number,
): void {
  const topics = result.get(memberId)!;
  topics.set(topic, [...(topics.get(topic) ?? []), partition]);
}

function sortedPartitions(
  members: readonly AssignorMemberInput[],
  partitionCounts: ReadonlyMap<string, number>,
): Array<[string, number]> {
  const topics = [...new Set(members.flatMap((m) => m.topics))].filter((t) => partitionCounts.has(t)).sort();
  return topics.flatMap((topic) =>
    Array.from({ length: partitionCounts.get(topic) ?? 0 }, (_, p): [string, number] => [topic, p]),
  );
}

/** Kafka's RangeAssignor: per topic, contiguous ranges over its subscribers sorted by member id. */
export const rangeClientAssignor: ClientAssignor = {
  name: 'range',
  isCooperative: false,
  assign(members, partitionCounts) {
    const assigned = rangeAssignor({
      members: members.map((m) => ({ memberId: m.memberId, subscribedTopicIds: new Set(m.topics) })),
      topics: new Map(
        [...partitionCounts].filter(([topic]) => members.some((m) => m.topics.includes(topic))),
      ),
      previous: new Map(),
    });
    return new Map(
      [...assigned].map(([memberId, topics]) => [
        memberId,
        new Map([...topics].map(([t, ps]) => [t, [...ps]])),
      ]),
    );
  },
};

/**
 * Kafka's RoundRobinAssignor: every subscribed partition sorted by topic and partition, dealt in turn to
 * the members sorted by id, skipping members that do not subscribe to the partition's topic.
 */
export const roundRobinClientAssignor: ClientAssignor = {
  name: 'roundrobin',
  isCooperative: false,
  assign(members, partitionCounts) {
    const result = emptyResult(members);
    const sorted = [...members].sort((a, b) => (a.memberId < b.memberId ? -1 : 1));
    let next = 0;
    for (const [topic, partition] of sortedPartitions(members, partitionCounts)) {
      for (let tried = 0; tried < sorted.length; tried++) {
        const member = sorted[(next + tried) % sorted.length]!;
        if (!member.topics.includes(topic)) continue;
        put(result, member.memberId, topic, partition);
        next = (next + tried + 1) % sorted.length;
        break;
      }
    }
    return result;
  },
};

/**
 * Kafka's CooperativeStickyAssignor (KIP-429), in its essentials: members keep what they own up to a
 * balanced quota (ceil of partitions over members), the rest goes to the least loaded subscriber; a partition
 * that moves away from its current owner is left out of this round (its owner revokes it and rejoins, and
 * the follow-up rebalance hands it over), so no partition is ever owned by two members at once.
 */
export const cooperativeStickyClientAssignor: ClientAssignor = {
  name: 'cooperative-sticky',
  isCooperative: true,
  assign(members, partitionCounts) {
    const result = emptyResult(members);
    const all = sortedPartitions(members, partitionCounts);
    const quota = Math.ceil(all.length / Math.max(1, members.length));
    const owner = new Map<string, string>();
    const counts = new Map(members.map((m) => [m.memberId, 0]));
    const sorted = [...members].sort((a, b) => (a.memberId < b.memberId ? -1 : 1));
    // Current owners, as the members claim them (a partition claimed twice belongs to neither).
    const claims = new Map<string, string[]>();
    for (const member of sorted) {
      for (const [topic, partitions] of member.ownedPartitions) {
        if (!member.topics.includes(topic)) continue;
        for (const p of partitions) {
          if (p >= (partitionCounts.get(topic) ?? 0)) continue;
          const key = `${topic}:${p}`;
          claims.set(key, [...(claims.get(key) ?? []), member.memberId]);
        }
      }
    }
    const currentOwner = new Map(
      [...claims].filter(([, ids]) => ids.length === 1).map(([k, ids]) => [k, ids[0]!]),
    );
    for (const [topic, partition] of all) {
      const key = `${topic}:${partition}`;
      const memberId = currentOwner.get(key);
      if (memberId === undefined || (counts.get(memberId) ?? 0) >= quota) continue;
      owner.set(key, memberId);
      counts.set(memberId, (counts.get(memberId) ?? 0) + 1);
    }
    for (const [topic, partition] of all) {
      const key = `${topic}:${partition}`;
      if (owner.has(key)) continue;
      let best: string | undefined;
      for (const member of sorted) {
        if (!member.topics.includes(topic)) continue;
        if (best === undefined || (counts.get(member.memberId) ?? 0) < (counts.get(best) ?? 0))
          best = member.memberId;
      }
      if (best === undefined) continue;
      owner.set(key, best);
      counts.set(best, (counts.get(best) ?? 0) + 1);
    }
    for (const [topic, partition] of all) {
      const key = `${topic}:${partition}`;
      const memberId = owner.get(key);
      if (memberId === undefined) continue;
      const previous = currentOwner.get(key);
      // Moving partitions wait one round: revoked now, handed over in the follow-up rebalance.
      if (previous !== undefined && previous !== memberId) continue;
      put(result, memberId, topic, partition);
    }
    return result;
  },
};

export const CLIENT_ASSIGNORS: ReadonlyMap<string, ClientAssignor> = new Map(
  [rangeClientAssignor, roundRobinClientAssignor, cooperativeStickyClientAssignor].map((a) => [a.name, a]),
);
