// KIP-848 consumer group state: group epoch, target assignment epoch, members with epochs and owned partitions.

/** A set of "topicId:partition" keys: set algebra over partitions stays trivial. */
export type PartitionSet = ReadonlySet<string>;

export interface ConsumerMember {
  readonly memberId: string;
  readonly instanceId: string | null;
  readonly rackId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  readonly subscribedTopicNames: readonly string[];
  /** KIP-848 subscribed_topic_regex (RE2/J syntax, see topic-regex.ts); its matches add to the names. */
  readonly subscribedTopicRegex: string | null;
  readonly serverAssignor: string | null;
  readonly rebalanceTimeoutMs: number;
  readonly memberEpoch: number;
  readonly previousMemberEpoch: number;
  /** Partitions the member may consume now. */
  readonly assigned: PartitionSet;
  /** Partitions the member was asked to give up and has not yet acknowledged; nobody else gets them meanwhile. */
  readonly pendingRevocation: PartitionSet;
  readonly sessionDeadlineMs: number;
  /** Set while a revocation is outstanding: the member is fenced if it has not acknowledged by then. */
  readonly revocationDeadlineMs: number | null;
  /** A static member that left with epoch -2: its partitions stay reserved until its session ends. */
  readonly isLeavingStatic: boolean;
  /** The assignment last sent, so unchanged heartbeats answer with a null assignment. */
  readonly lastSentAssignment: string;
}

export interface ConsumerGroup {
  readonly groupId: string;
  readonly groupEpoch: number;
  readonly assignmentEpoch: number;
  readonly members: ReadonlyMap<string, ConsumerMember>;
  readonly target: ReadonlyMap<string, PartitionSet>;
  /** Partition counts of subscribed topics when the epoch was last bumped ("topicId=count,…"). */
  readonly subscriptionMetadata: string;
  readonly assignor: string;
}

export function newConsumerGroup(groupId: string, assignor: string): ConsumerGroup {
  return {
    groupId,
    groupEpoch: 0,
    assignmentEpoch: 0,
    members: new Map(),
    target: new Map(),
    subscriptionMetadata: '',
    assignor,
  };
}

export function partitionId(topicId: string, partition: number): string {
  return `${topicId}:${partition}`;
}

/** Groups a partition set by topic id, partitions ascending, topics in id order. */
export function byTopic(set: PartitionSet): Array<{ topicId: string; partitions: number[] }> {
  const topics = new Map<string, number[]>();
  for (const key of set) {
    const at = key.lastIndexOf(':');
    const topicId = key.slice(0, at);
    const list = topics.get(topicId) ?? [];
    list.push(Number(key.slice(at + 1)));
    topics.set(topicId, list);
  }
  return [...topics]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([topicId, partitions]) => ({ topicId, partitions: partitions.sort((x, y) => x - y) }));
}

export function setKey(set: PartitionSet): string {
  return [...set].sort().join(',');
}

export function difference(a: PartitionSet, b: PartitionSet): Set<string> {
  return new Set([...a].filter((x) => !b.has(x)));
}

export function intersection(a: PartitionSet, b: PartitionSet): Set<string> {
  return new Set([...a].filter((x) => b.has(x)));
}

/** KIP-848 group states as ConsumerGroupDescribe and ListGroups report them. */
export function consumerGroupStateName(group: ConsumerGroup): string {
  if (group.members.size === 0) return 'Empty';
  if (group.groupEpoch > group.assignmentEpoch) return 'Assigning';
  for (const m of group.members.values()) {
    if (m.memberEpoch !== group.assignmentEpoch || m.pendingRevocation.size > 0) return 'Reconciling';
  }
  return 'Stable';
}
