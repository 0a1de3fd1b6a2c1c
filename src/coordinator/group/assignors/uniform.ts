// The uniform assignor (KIP-848 "uniform"): balanced and sticky across members.
import { type Assignor, type AssignorInput, collect, partitionKey } from './assignor.js';

/**
 * When every member subscribes to the same topics, each gets floor(N/M) or one more partitions (balanced
 * within one), keeping as many of its previous partitions as its quota allows. With different
 * subscriptions, a partition stays with its previous owner if that member still subscribes and is
 * below the average, else it goes to the least loaded subscriber; balance is then best effort.
 */
export const uniformAssignor: Assignor = (input) => {
  const memberIds = input.members.map((m) => m.memberId).sort();
  const partitions: Array<[string, number]> = [];
  for (const [topicId, count] of [...input.topics].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (!input.members.some((m) => m.subscribedTopicIds.has(topicId))) continue;
    for (let p = 0; p < count; p++) partitions.push([topicId, p]);
  }
  const previousOwner = new Map<string, string>();
  for (const [memberId, topics] of input.previous) {
    for (const [topicId, list] of topics)
      for (const p of list) previousOwner.set(partitionKey(topicId, p), memberId);
  }
  const homogeneous = isHomogeneous(input);
  const load = new Map(memberIds.map((id) => [id, 0]));
  const owned: Array<[string, string, number]> = [];
  const quota = homogeneous ? quotas(memberIds, partitions, previousOwner) : null;
  const average = memberIds.length === 0 ? 0 : Math.ceil(partitions.length / memberIds.length);
  const subscribers = (topicId: string): string[] =>
    memberIds.filter((id) => input.members.find((m) => m.memberId === id)?.subscribedTopicIds.has(topicId));
  const left: Array<[string, number]> = [];
  for (const [topicId, p] of partitions) {
    const owner = previousOwner.get(partitionKey(topicId, p));
    const limit = owner === undefined ? 0 : (quota?.get(owner) ?? average);
    const eligible = owner !== undefined && subscribers(topicId).includes(owner);
    if (owner !== undefined && eligible && (load.get(owner) ?? 0) < limit) {
      owned.push([owner, topicId, p]);
      load.set(owner, (load.get(owner) ?? 0) + 1);
    } else {
      left.push([topicId, p]);
    }
  }
  for (const [topicId, p] of left) {
    let best: string | null = null;
    for (const id of subscribers(topicId)) {
      const room = quota === null || (load.get(id) ?? 0) < (quota.get(id) ?? 0);
      if (room && (best === null || (load.get(id) ?? 0) < (load.get(best) ?? 0))) best = id;
    }
    if (best === null) continue;
    owned.push([best, topicId, p]);
    load.set(best, (load.get(best) ?? 0) + 1);
  }
  return collect(memberIds, owned);
};

function isHomogeneous(input: AssignorInput): boolean {
  const first = input.members[0];
  if (first === undefined) return true;
  const topics = [...first.subscribedTopicIds]
    .filter((t) => input.topics.has(t))
    .sort()
    .join(',');
  return input.members.every(
    (m) =>
      [...m.subscribedTopicIds]
        .filter((t) => input.topics.has(t))
        .sort()
        .join(',') === topics,
  );
}

/** floor(N/M) each, one more for N mod M members: those holding the most previous partitions, then by id. */
function quotas(
  memberIds: readonly string[],
  partitions: ReadonlyArray<[string, number]>,
  previousOwner: ReadonlyMap<string, string>,
): Map<string, number> {
  const held = new Map(memberIds.map((id) => [id, 0]));
  for (const [topicId, p] of partitions) {
    const owner = previousOwner.get(partitionKey(topicId, p));
    if (owner !== undefined && held.has(owner)) held.set(owner, (held.get(owner) ?? 0) + 1);
  }
  const base = memberIds.length === 0 ? 0 : Math.floor(partitions.length / memberIds.length);
  const extra = memberIds.length === 0 ? 0 : partitions.length % memberIds.length;
  const ranked = [...memberIds].sort((a, b) => (held.get(b) ?? 0) - (held.get(a) ?? 0) || (a < b ? -1 : 1));
  return new Map(ranked.map((id, i) => [id, base + (i < extra ? 1 : 0)]));
}
