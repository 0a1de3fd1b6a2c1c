// The server-side assignor contract of KIP-848: members' subscriptions and topic sizes in, a target assignment out.

/** topicId → partition numbers, ascending. */
export type TopicPartitions = ReadonlyMap<string, readonly number[]>;

export interface AssignorMember {
  readonly memberId: string;
  /** Topic ids the member subscribes to that exist. */
  readonly subscribedTopicIds: ReadonlySet<string>;
}

export interface AssignorInput {
  /** Members in any order; assignors sort by member id so results are deterministic. */
  readonly members: readonly AssignorMember[];
  /** topicId → partition count. */
  readonly topics: ReadonlyMap<string, number>;
  /** The previous target, for stickiness. */
  readonly previous: ReadonlyMap<string, TopicPartitions>;
}

/** A pure function: every partition of a subscribed topic goes to exactly one member subscribing to it. */
export type Assignor = (input: AssignorInput) => Map<string, TopicPartitions>;

export function partitionKey(topicId: string, partition: number): string {
  return `${topicId}:${partition}`;
}

/** Builds the result map from (member, topic, partition) triples, partitions sorted. */
export function collect(
  memberIds: readonly string[],
  owned: Iterable<[string, string, number]>,
): Map<string, TopicPartitions> {
  const result = new Map<string, Map<string, number[]>>();
  for (const id of memberIds) result.set(id, new Map());
  for (const [memberId, topicId, partition] of owned) {
    const topics = result.get(memberId);
    if (topics === undefined) continue;
    const list = topics.get(topicId) ?? [];
    list.push(partition);
    topics.set(topicId, list);
  }
  for (const topics of result.values()) for (const list of topics.values()) list.sort((a, b) => a - b);
  return result;
}
