// What the client knows of the cluster at one moment: brokers, controller, topics and partition leaders (pure).
import { ErrorCode, type MetadataResponse, type Uuid, ZERO_UUID } from '../protocol/index.js';

export interface BrokerNode {
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
  readonly rack: string | null;
}

export interface PartitionMetadata {
  readonly topic: string;
  readonly partition: number;
  /** Kafka error code of the partition (e.g. LEADER_NOT_AVAILABLE); 0 when healthy. */
  readonly errorCode: number;
  /** -1 when the partition has no leader. */
  readonly leaderId: number;
  /** -1 when the broker does not report epochs (Metadata < v7). */
  readonly leaderEpoch: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  readonly offlineReplicas: readonly number[];
}

export interface TopicMetadata {
  readonly name: string;
  /** ZERO_UUID when the broker does not report topic ids (Metadata < v10). */
  readonly topicId: Uuid;
  readonly isInternal: boolean;
  /** Partitions in ascending partition order. */
  readonly partitions: readonly PartitionMetadata[];
}

/** A topic the last metadata answer reported with an error (e.g. UNKNOWN_TOPIC_OR_PARTITION). */
export interface TopicMetadataError {
  readonly name: string;
  readonly errorCode: number;
}

/**
 * An immutable snapshot built from Metadata answers. A refresh for some topics replaces those topics and
 * keeps the others; a topic answered with an error is dropped and its error remembered.
 */
export class ClusterView {
  private constructor(
    readonly clusterId: string | null,
    readonly controllerId: number,
    readonly brokers: ReadonlyMap<number, BrokerNode>,
    readonly topics: ReadonlyMap<string, TopicMetadata>,
    readonly topicErrors: ReadonlyMap<string, TopicMetadataError>,
    /** When this view was built, on the client's clock (ms); -Infinity for the empty view. */
    readonly updatedAtMs: number,
  ) {}

  static readonly empty = new ClusterView(
    null,
    -1,
    new Map(),
    new Map(),
    new Map(),
    Number.NEGATIVE_INFINITY,
  );

  /**
   * The view after `response`: brokers, controller and cluster id come from the response; topics it
   * names replace this view's; when `isFullListing` (the request asked for every topic), topics it
   * does not name are dropped.
   */
  merge(response: MetadataResponse, nowMs: number, isFullListing: boolean): ClusterView {
    const brokers = new Map<number, BrokerNode>();
    for (const broker of response.brokers) {
      brokers.set(broker.nodeId, {
        nodeId: broker.nodeId,
        host: broker.host,
        port: broker.port,
        rack: broker.rack,
      });
    }
    const topics = new Map(isFullListing ? [] : this.topics);
    const topicErrors = new Map(isFullListing ? [] : this.topicErrors);
    for (const topic of response.topics) {
      if (topic.name === null) continue;
      if (topic.errorCode !== ErrorCode.NONE) {
        topics.delete(topic.name);
        topicErrors.set(topic.name, { name: topic.name, errorCode: topic.errorCode });
        continue;
      }
      topicErrors.delete(topic.name);
      const name = topic.name;
      const partitions = topic.partitions
        .map(
          (partition): PartitionMetadata => ({
            topic: name,
            partition: partition.partitionIndex,
            errorCode: partition.errorCode,
            leaderId: partition.leaderId,
            leaderEpoch: partition.leaderEpoch,
            replicas: partition.replicaNodes,
            isr: partition.isrNodes,
            offlineReplicas: partition.offlineReplicas,
          }),
        )
        .sort((a, b) => a.partition - b.partition);
      topics.set(name, {
        name,
        topicId: topic.topicId ?? ZERO_UUID,
        isInternal: topic.isInternal,
        partitions,
      });
    }
    return new ClusterView(response.clusterId, response.controllerId, brokers, topics, topicErrors, nowMs);
  }

  /** The view without `topic`'s partitions, so that the next lookup refreshes it. */
  forget(topic: string): ClusterView {
    if (!this.topics.has(topic)) return this;
    const topics = new Map(this.topics);
    topics.delete(topic);
    return new ClusterView(
      this.clusterId,
      this.controllerId,
      this.brokers,
      topics,
      this.topicErrors,
      this.updatedAtMs,
    );
  }

  partition(topic: string, partition: number): PartitionMetadata | undefined {
    return this.topics.get(topic)?.partitions.find((p) => p.partition === partition);
  }

  /** The leader broker of a partition, or undefined when unknown, leaderless or not in the broker list. */
  leaderOf(topic: string, partition: number): BrokerNode | undefined {
    const metadata = this.partition(topic, partition);
    if (metadata === undefined || metadata.leaderId < 0) return undefined;
    return this.brokers.get(metadata.leaderId);
  }

  /** Topic name for a topic id (Fetch v13+ answers by id). */
  topicNameById(topicId: Uuid): string | undefined {
    for (const topic of this.topics.values()) if (topic.topicId === topicId) return topic.name;
    return undefined;
  }
}
