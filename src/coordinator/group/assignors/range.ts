// The range assignor (KIP-848 "range"): per topic, contiguous partition ranges over the members subscribing to it.
import { type Assignor, collect } from './assignor.js';

/**
 * For each topic, its subscribers sorted by member id get contiguous ranges of floor(P/M) partitions,
 * the first P mod M of them one more. Co-partitioned topics therefore line up on the same member.
 */
export const rangeAssignor: Assignor = (input) => {
  const memberIds = input.members.map((m) => m.memberId).sort();
  const owned: Array<[string, string, number]> = [];
  for (const [topicId, partitionCount] of [...input.topics].sort(([a], [b]) =>
    a < b ? -1 : a > b ? 1 : 0,
  )) {
    const subscribers = input.members
      .filter((m) => m.subscribedTopicIds.has(topicId))
      .map((m) => m.memberId)
      .sort();
    if (subscribers.length === 0) continue;
    const base = Math.floor(partitionCount / subscribers.length);
    const extra = partitionCount % subscribers.length;
    let next = 0;
    subscribers.forEach((memberId, i) => {
      const size = base + (i < extra ? 1 : 0);
      for (let p = next; p < next + size; p++) owned.push([memberId, topicId, p]);
      next += size;
    });
  }
  return collect(memberIds, owned);
};
