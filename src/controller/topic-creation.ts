import type { TopicCreation, TopicToCreate } from '../broker/index.js';
import { topicNameProblem } from '../broker/index.js';
import { ConfigResourceType, type MetadataImage, type MetadataRecord } from '../metadata/index.js';
import { ErrorCode, MetadataRecordType, type Uuid, ZERO_UUID } from '../protocol/index.js';

/** The metadata log's own topic: reserved, never created by a client. */
export const CLUSTER_METADATA_TOPIC = '__cluster_metadata';

/**
 * Partitions one topic may have: each is a directory with open files, so an unbounded request
 * could exhaust the node. Kafka sets no limit; this one is far above any single-node need.
 */
export const MAX_PARTITIONS_PER_TOPIC = 10_000;

export interface TopicCreationRules {
  /** The brokers that can hold replicas (a single node: itself). */
  readonly brokerIds: readonly number[];
  /** Why `configs` is not valid for a topic, or null (checked against the topic config table). */
  readonly configProblem: (configs: Readonly<Record<string, string>>) => string | null;
  readonly newTopicId: () => Uuid;
}

/** The outcome of validating one topic: its records, or the error that refuses it. */
export type TopicPlan =
  | { readonly ok: true; readonly creation: TopicCreation; readonly records: MetadataRecord[] }
  | { readonly ok: false; readonly creation: TopicCreation };

function refuse(topic: TopicToCreate, errorCode: number, errorMessage: string): TopicPlan {
  return {
    ok: false,
    creation: {
      name: topic.name,
      errorCode,
      errorMessage,
      topicId: ZERO_UUID,
      numPartitions: -1,
      replicationFactor: -1,
    },
  };
}

/** Kafka refuses names that differ only by '.' versus '_' (they collide in metric names). */
function collisionKey(name: string): string {
  return name.replaceAll('.', '_');
}

/** The replicas of each partition: explicit assignments, or every partition on the brokers in turn. */
function placeReplicas(topic: TopicToCreate, rules: TopicCreationRules): number[][] | string {
  if (topic.assignments.size > 0) {
    const placed: number[][] = [];
    for (let index = 0; index < topic.assignments.size; index += 1) {
      const replicas = topic.assignments.get(index);
      if (replicas === undefined) return `assignments must cover partitions 0..${topic.assignments.size - 1}`;
      const problem = replicasProblem(replicas, rules.brokerIds);
      if (problem !== null) return `partition ${index}: ${problem}`;
      placed.push([...replicas]);
    }
    return placed;
  }
  const brokers = rules.brokerIds;
  return Array.from({ length: topic.numPartitions }, (_, index) =>
    Array.from({ length: topic.replicationFactor }, (_, r) => brokers[(index + r) % brokers.length]!),
  );
}

/** A new partition led by its first replica, every replica in sync, at epoch 0. */
export function partitionRecord(
  topicId: Uuid,
  partitionId: number,
  replicas: readonly number[],
): MetadataRecord {
  return {
    type: MetadataRecordType.PartitionRecord,
    version: 0,
    data: {
      partitionId,
      topicId,
      replicas: [...replicas],
      isr: [...replicas],
      removingReplicas: [],
      addingReplicas: [],
      leader: replicas[0]!,
      leaderRecoveryState: 0,
      leaderEpoch: 0,
      partitionEpoch: 0,
      directories: [],
      eligibleLeaderReplicas: null,
      lastKnownElr: null,
    },
  };
}

/** Why `replicas` cannot hold a partition (empty, repeated or unknown brokers), or null. */
export function replicasProblem(replicas: readonly number[], brokerIds: readonly number[]): string | null {
  if (replicas.length === 0 || new Set(replicas).size !== replicas.length) return 'needs distinct replicas';
  const unknown = replicas.find((id) => !brokerIds.includes(id));
  return unknown === undefined ? null : `broker ${unknown} is not registered`;
}

function recordsOf(topic: TopicToCreate, topicId: Uuid, placement: readonly number[][]): MetadataRecord[] {
  const records: MetadataRecord[] = [
    { type: MetadataRecordType.TopicRecord, version: 0, data: { name: topic.name, topicId } },
  ];
  placement.forEach((replicas, partitionId) => {
    records.push(partitionRecord(topicId, partitionId, replicas));
  });
  for (const [name, value] of Object.entries(topic.configs)) {
    records.push({
      type: MetadataRecordType.ConfigRecord,
      version: 0,
      data: { resourceType: ConfigResourceType.TOPIC, resourceName: topic.name, name, value },
    });
  }
  return records;
}

/**
 * Validates one topic against the image and the topics planned before it in the same request, as
 * Kafka's controller does: INVALID_TOPIC_EXCEPTION (bad or reserved name, '.'/'_' collision),
 * TOPIC_ALREADY_EXISTS, INVALID_PARTITIONS, INVALID_REPLICATION_FACTOR (more replicas than
 * brokers), INVALID_REPLICA_ASSIGNMENT, INVALID_CONFIG. Pure.
 */
export function planTopic(
  topic: TopicToCreate,
  image: MetadataImage,
  planned: ReadonlySet<string>,
  rules: TopicCreationRules,
): TopicPlan {
  const nameProblem = topicNameProblem(topic.name);
  if (nameProblem !== null) return refuse(topic, ErrorCode.INVALID_TOPIC_EXCEPTION, nameProblem);
  if (topic.name === CLUSTER_METADATA_TOPIC) {
    return refuse(topic, ErrorCode.INVALID_TOPIC_EXCEPTION, `${CLUSTER_METADATA_TOPIC} is reserved`);
  }
  if (image.topicsByName.has(topic.name) || planned.has(topic.name)) {
    return refuse(topic, ErrorCode.TOPIC_ALREADY_EXISTS, `Topic '${topic.name}' already exists.`);
  }
  const key = collisionKey(topic.name);
  const collides = [...image.topicsByName.keys(), ...planned].find((name) => collisionKey(name) === key);
  if (collides !== undefined) {
    return refuse(
      topic,
      ErrorCode.INVALID_TOPIC_EXCEPTION,
      `Topic '${topic.name}' collides with '${collides}'`,
    );
  }
  if (topic.assignments.size === 0) {
    if (topic.numPartitions < 1 || topic.numPartitions > MAX_PARTITIONS_PER_TOPIC) {
      return refuse(topic, ErrorCode.INVALID_PARTITIONS, `partitions must be 1..${MAX_PARTITIONS_PER_TOPIC}`);
    }
    if (topic.replicationFactor < 1 || topic.replicationFactor > rules.brokerIds.length) {
      return refuse(
        topic,
        ErrorCode.INVALID_REPLICATION_FACTOR,
        `Replication factor: ${topic.replicationFactor} larger than available brokers: ${rules.brokerIds.length}.`,
      );
    }
  } else if (topic.assignments.size > MAX_PARTITIONS_PER_TOPIC) {
    return refuse(topic, ErrorCode.INVALID_PARTITIONS, `partitions must be 1..${MAX_PARTITIONS_PER_TOPIC}`);
  }
  const configProblem = rules.configProblem(topic.configs);
  if (configProblem !== null) return refuse(topic, ErrorCode.INVALID_CONFIG, configProblem);
  const placement = placeReplicas(topic, rules);
  if (typeof placement === 'string') return refuse(topic, ErrorCode.INVALID_REPLICA_ASSIGNMENT, placement);
  const topicId = rules.newTopicId();
  return {
    ok: true,
    records: recordsOf(topic, topicId, placement),
    creation: {
      name: topic.name,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      topicId,
      numPartitions: placement.length,
      replicationFactor: placement[0]?.length ?? 0,
    },
  };
}
