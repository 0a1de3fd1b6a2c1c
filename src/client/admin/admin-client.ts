// The admin client: topics, configs, groups, offsets and cluster description over one Cluster.
import type { KafkaError } from '../../protocol/index.js';
import { type ClientOptions, resolveClientOptions } from '../client-options.js';
import { Cluster } from '../cluster.js';
import type { AdminCallOptions } from './admin-call.js';
import { type ClusterDescription, describeCluster } from './cluster-admin.js';
import {
  type AlterConfigsResult,
  type ConfigAlteration,
  type ConfigResource,
  type DescribeConfigsResult,
  describeConfigs,
  incrementalAlterConfigs,
} from './config-admin.js';
import { type ConsumerGroupDescription, describeConsumerGroups } from './consumer-group-admin.js';
import {
  alterGroupOffsets,
  type CommittedOffset,
  type DeleteGroupResult,
  deleteGroupOffsets,
  deleteGroups,
  describeGroups,
  type GroupDescription,
  type GroupListing,
  listGroupOffsets,
  listGroups,
  type OffsetToCommit,
  type PartitionResult,
  type TopicPartition,
} from './group-admin.js';
import {
  type DeleteRecordsResult,
  deleteRecords,
  type IsolationLevelName,
  type ListOffsetsResult,
  listOffsets,
  type OffsetQuery,
} from './offset-admin.js';
import {
  type CreateTopicResult,
  type CreateTopicsOptions,
  createPartitions,
  createTopics,
  type DeleteTopicResult,
  deleteTopics,
  describeTopics,
  listTopics,
  type NewPartitions,
  type NewTopic,
  type TopicDescription,
  type TopicListing,
} from './topic-admin.js';

/**
 * Kafka's Admin API for any Kafka-compatible cluster. Calls negotiate API versions per broker, route
 * to the controller, partition leaders or group coordinators, and retry retriable failures with
 * backoff. Per-entity Kafka errors (a topic that exists, a group that is not empty) come back as
 * `error` values in the results; a failure of the whole call rejects (KafkaError, NoBrokerAvailableError,
 * RetriesExhaustedError, OperationAbortedError when `signal` fires, ClientClosedError after close).
 */
export class AdminClient {
  readonly cluster: Cluster;

  constructor(options: ClientOptions | Cluster) {
    this.cluster = options instanceof Cluster ? options : new Cluster(resolveClientOptions(options));
  }

  createTopics(topics: readonly NewTopic[], options?: CreateTopicsOptions): Promise<CreateTopicResult[]> {
    return createTopics(this.cluster, topics, options);
  }

  deleteTopics(
    names: readonly string[],
    options?: AdminCallOptions & { operationTimeoutMs?: number },
  ): Promise<DeleteTopicResult[]> {
    return deleteTopics(this.cluster, names, options);
  }

  listTopics(options?: AdminCallOptions & { includeInternal?: boolean }): Promise<TopicListing[]> {
    return listTopics(this.cluster, options);
  }

  describeTopics(names: readonly string[], options?: AdminCallOptions): Promise<TopicDescription[]> {
    return describeTopics(this.cluster, names, options);
  }

  createPartitions(
    requests: readonly NewPartitions[],
    options?: AdminCallOptions & { validateOnly?: boolean; operationTimeoutMs?: number },
  ): Promise<{ name: string; error: KafkaError | null }[]> {
    return createPartitions(this.cluster, requests, options);
  }

  describeConfigs(
    resources: readonly (ConfigResource & { keys?: readonly string[] })[],
    options?: AdminCallOptions & { includeSynonyms?: boolean; includeDocumentation?: boolean },
  ): Promise<DescribeConfigsResult[]> {
    return describeConfigs(this.cluster, resources, options);
  }

  incrementalAlterConfigs(
    alterations: readonly (ConfigResource & { configs: readonly ConfigAlteration[] })[],
    options?: AdminCallOptions & { validateOnly?: boolean },
  ): Promise<AlterConfigsResult[]> {
    return incrementalAlterConfigs(this.cluster, alterations, options);
  }

  listGroups(
    options?: AdminCallOptions & { states?: readonly string[]; types?: readonly string[] },
  ): Promise<GroupListing[]> {
    return listGroups(this.cluster, options);
  }

  describeGroups(groupIds: readonly string[], options?: AdminCallOptions): Promise<GroupDescription[]> {
    return describeGroups(this.cluster, groupIds, options);
  }

  /** Classic and KIP-848 groups alike (ConsumerGroupDescribe, then DescribeGroups), as Kafka's Admin does. */
  describeConsumerGroups(
    groupIds: readonly string[],
    options?: AdminCallOptions,
  ): Promise<ConsumerGroupDescription[]> {
    return describeConsumerGroups(this.cluster, groupIds, options);
  }

  deleteGroups(groupIds: readonly string[], options?: AdminCallOptions): Promise<DeleteGroupResult[]> {
    return deleteGroups(this.cluster, groupIds, options);
  }

  listGroupOffsets(
    groupId: string,
    options?: AdminCallOptions & { partitions?: readonly TopicPartition[]; requireStable?: boolean },
  ): Promise<CommittedOffset[]> {
    return listGroupOffsets(this.cluster, groupId, options);
  }

  alterGroupOffsets(
    groupId: string,
    offsets: readonly OffsetToCommit[],
    options?: AdminCallOptions,
  ): Promise<PartitionResult[]> {
    return alterGroupOffsets(this.cluster, groupId, offsets, options);
  }

  deleteGroupOffsets(
    groupId: string,
    partitions: readonly TopicPartition[],
    options?: AdminCallOptions,
  ): Promise<PartitionResult[]> {
    return deleteGroupOffsets(this.cluster, groupId, partitions, options);
  }

  listOffsets(
    queries: readonly (TopicPartition & { query: OffsetQuery })[],
    options?: AdminCallOptions & { isolationLevel?: IsolationLevelName },
  ): Promise<ListOffsetsResult[]> {
    return listOffsets(this.cluster, queries, options);
  }

  deleteRecords(
    targets: readonly (TopicPartition & { offset: bigint })[],
    options?: AdminCallOptions & { operationTimeoutMs?: number },
  ): Promise<DeleteRecordsResult[]> {
    return deleteRecords(this.cluster, targets, options);
  }

  describeCluster(options?: AdminCallOptions): Promise<ClusterDescription> {
    return describeCluster(this.cluster, options);
  }

  /** Closes the connections; calls in progress reject. */
  close(): Promise<void> {
    return this.cluster.close();
  }
}
