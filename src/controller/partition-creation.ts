import type { PartitionsCreation, PartitionsToCreate } from '../broker/index.js';
import type { MetadataImage, MetadataRecord } from '../metadata/index.js';
import { ErrorCode } from '../protocol/index.js';
import {
  MAX_PARTITIONS_PER_TOPIC,
  partitionRecord,
  replicasProblem,
  type TopicCreationRules,
} from './topic-creation.js';

/** The outcome of validating CreatePartitions for one topic: its new PartitionRecords, or the refusal. */
export interface PartitionsPlan {
  readonly creation: PartitionsCreation;
  readonly records: readonly MetadataRecord[];
}

function refuse(name: string, errorCode: number, errorMessage: string): PartitionsPlan {
  return { creation: { name, errorCode, errorMessage }, records: [] };
}

/**
 * Validates CreatePartitions for one topic as Kafka's controller does: UNKNOWN_TOPIC_OR_PARTITION,
 * INVALID_PARTITIONS when `count` is not above the current count (or above the per-topic bound),
 * INVALID_REPLICA_ASSIGNMENT when the assignments do not give exactly one distinct, registered
 * replica list per new partition with the topic's replication factor. New partitions without
 * assignments get the replication factor of partition 0, placed round robin. Pure.
 */
export function planPartitions(
  topic: PartitionsToCreate,
  image: MetadataImage,
  rules: Pick<TopicCreationRules, 'brokerIds'>,
): PartitionsPlan {
  const existing = image.topicsByName.get(topic.name);
  if (existing === undefined) {
    return refuse(topic.name, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic ${topic.name} does not exist.`);
  }
  const current = existing.partitions.size;
  if (topic.count < current) {
    return refuse(
      topic.name,
      ErrorCode.INVALID_PARTITIONS,
      `Topic currently has ${current} partitions, which is higher than the requested ${topic.count}.`,
    );
  }
  if (topic.count === current) {
    return refuse(topic.name, ErrorCode.INVALID_PARTITIONS, `Topic already has ${current} partitions.`);
  }
  if (topic.count > MAX_PARTITIONS_PER_TOPIC) {
    return refuse(
      topic.name,
      ErrorCode.INVALID_PARTITIONS,
      `partitions must be 1..${MAX_PARTITIONS_PER_TOPIC}`,
    );
  }
  const added = topic.count - current;
  const replicationFactor = existing.partitions.get(0)?.replicas.length ?? 1;
  let placement: readonly (readonly number[])[];
  if (topic.assignments === null) {
    const brokers = rules.brokerIds;
    placement = Array.from({ length: added }, (_, index) =>
      Array.from({ length: replicationFactor }, (_, r) => brokers[(current + index + r) % brokers.length]!),
    );
  } else {
    if (topic.assignments.length !== added) {
      return refuse(
        topic.name,
        ErrorCode.INVALID_REPLICA_ASSIGNMENT,
        `Attempted to add ${added} additional partition(s), but only ${topic.assignments.length} assignment(s) were specified.`,
      );
    }
    for (const [index, replicas] of topic.assignments.entries()) {
      const problem = replicasProblem(replicas, rules.brokerIds);
      if (problem !== null) {
        return refuse(
          topic.name,
          ErrorCode.INVALID_REPLICA_ASSIGNMENT,
          `partition ${current + index}: ${problem}`,
        );
      }
      if (replicas.length !== replicationFactor) {
        return refuse(
          topic.name,
          ErrorCode.INVALID_REPLICA_ASSIGNMENT,
          `The manual partition assignment includes a partition with ${replicas.length} replica(s), but this is not consistent with previous partitions, which have ${replicationFactor} replica(s).`,
        );
      }
    }
    placement = topic.assignments;
  }
  return {
    creation: { name: topic.name, errorCode: ErrorCode.NONE, errorMessage: null },
    records: placement.map((replicas, index) => partitionRecord(existing.id, current + index, replicas)),
  };
}
