// Configuration and injected ports of the group coordinator core (Kafka's group.* and offsets.* names).

/** The coordinator's settings; names follow Kafka's broker configs, units in the suffix. */
export interface GroupCoordinatorConfig {
  /** group.min.session.timeout.ms */
  readonly groupMinSessionTimeoutMs: number;
  /** group.max.session.timeout.ms */
  readonly groupMaxSessionTimeoutMs: number;
  /** group.initial.rebalance.delay.ms: an Empty group waits this long (extended per new member) before its first generation. */
  readonly groupInitialRebalanceDelayMs: number;
  /** group.max.size: members (joined or awaiting their KIP-394 second join) per classic group. */
  readonly groupMaxSize: number;
  /** offsets.retention.minutes, in ms. */
  readonly offsetsRetentionMs: number;
  /** offset.metadata.max.bytes */
  readonly offsetMetadataMaxBytes: number;
  /** Upper bound on groups held by this coordinator; a new group beyond it gets COORDINATOR_NOT_AVAILABLE. */
  readonly maxGroups: number;
  /** Upper bound on committed offsets per group; commits of new partitions beyond it get OFFSET_METADATA_TOO_LARGE. */
  readonly maxOffsetsPerGroup: number;
  /** group.consumer.session.timeout.ms (KIP-848) */
  readonly consumerGroupSessionTimeoutMs: number;
  /** group.consumer.heartbeat.interval.ms (KIP-848) */
  readonly consumerGroupHeartbeatIntervalMs: number;
  /** group.consumer.max.size (KIP-848) */
  readonly consumerGroupMaxSize: number;
  /** The first of group.consumer.assignors: used when a member names none. */
  readonly consumerGroupDefaultAssignor: 'uniform' | 'range';
}

export const DEFAULT_GROUP_COORDINATOR_CONFIG: GroupCoordinatorConfig = Object.freeze({
  groupMinSessionTimeoutMs: 6_000,
  groupMaxSessionTimeoutMs: 1_800_000,
  groupInitialRebalanceDelayMs: 3_000,
  groupMaxSize: 2_147_483_647,
  offsetsRetentionMs: 10_080 * 60_000,
  offsetMetadataMaxBytes: 4_096,
  maxGroups: 100_000,
  maxOffsetsPerGroup: 1_000_000,
  consumerGroupSessionTimeoutMs: 45_000,
  consumerGroupHeartbeatIntervalMs: 5_000,
  consumerGroupMaxSize: 2_147_483_647,
  consumerGroupDefaultAssignor: 'uniform',
});

/** Generates member ids; the real one uses random UUIDs, tests a SeededRandom. Must not repeat. */
export type MemberIdGenerator = (clientId: string) => string;

/** A topic as the coordinator needs it (KIP-848 assignors, ConsumerGroupDescribe). */
export interface TopicInfo {
  readonly topicId: string;
  readonly name: string;
  readonly partitionCount: number;
}

/** The current topic metadata, read at each call (a snapshot of the MetadataImage). */
export interface TopicCatalog {
  byName(name: string): TopicInfo | undefined;
  byId(topicId: string): TopicInfo | undefined;
  /** Every topic name (KIP-848 regex subscriptions). */
  names(): Iterable<string>;
}

/** Hook into the transaction coordinator: true when a transaction has an uncommitted offset for this partition. */
export type PendingTransactionalOffsets = (groupId: string, topic: string, partition: number) => boolean;

export const EMPTY_TOPIC_CATALOG: TopicCatalog = Object.freeze({
  byName: () => undefined,
  byId: () => undefined,
  names: () => [],
});
