// src/client owns the TypeScript Kafka client: bootstrap, metadata and routing, the admin client, producer and consumer.
// It must not know the broker's internals: it speaks the Kafka protocol through src/network and src/protocol only.

export type { AdminCallOptions } from './admin/admin-call.js';
export { AdminClient } from './admin/admin-client.js';
export type { ClusterDescription } from './admin/cluster-admin.js';
export {
  AlterConfigOp,
  type AlterConfigOpName,
  type AlterConfigsResult,
  type ConfigAlteration,
  type ConfigEntry,
  type ConfigResource,
  ConfigResourceType,
  type ConfigResourceTypeName,
  type ConfigSourceName,
  type ConfigSynonym,
  type ConfigTypeName,
  type DescribeConfigsResult,
} from './admin/config-admin.js';
export type { ConsumerGroupDescription, ConsumerGroupMember } from './admin/consumer-group-admin.js';
export type {
  CommittedOffset,
  DeleteGroupResult,
  GroupDescription,
  GroupListing,
  MemberDescription,
  OffsetToCommit,
  PartitionResult,
  TopicPartition,
} from './admin/group-admin.js';
export {
  type DeleteRecordsResult,
  IsolationLevel,
  type IsolationLevelName,
  type ListOffsetsResult,
  type OffsetQuery,
  OffsetSpec,
} from './admin/offset-admin.js';
export type {
  CreateTopicResult,
  CreateTopicsOptions,
  DeleteTopicResult,
  NewPartitions,
  NewTopic,
  PartitionDescription,
  TopicDescription,
  TopicListing,
} from './admin/topic-admin.js';
export {
  BufferExhaustedError,
  ClientClosedError,
  InvalidArgumentError,
  NoBrokerAvailableError,
  OperationAbortedError,
  RetriesExhaustedError,
  UnsupportedApiError,
} from './client-errors.js';
export { type BrokerAddress, type ClientOptions, parseBrokerAddress } from './client-options.js';
export { Cluster, CoordinatorType, isStaleCoordinatorError, isStaleMetadataError } from './cluster.js';
export type { BrokerNode, ClusterView, PartitionMetadata, TopicMetadata } from './cluster-view.js';
export {
  type AssignorMemberInput,
  CLIENT_ASSIGNORS,
  type ClientAssignor,
  cooperativeStickyClientAssignor,
  rangeClientAssignor,
  roundRobinClientAssignor,
} from './consumer/assignors.js';
export {
  type AutoOffsetReset,
  Consumer,
  type ConsumerOptions,
  type ConsumerRecord,
} from './consumer/consumer.js';
export { FetchSession, type FetchSessionRequest, type FetchTarget } from './consumer/fetch-session.js';
export {
  type Assignment,
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
  type Subscription,
  type TopicPartitionMap,
} from './consumer-protocol.js';
export { NodeConnection, type VersionBounds } from './node-connection.js';
export type { OffsetRange } from './producer/delivery.js';
export { murmur2, partitionForKey, toPositive } from './producer/murmur2.js';
export { DefaultPartitioner, type TopicPartitioning } from './producer/partitioner.js';
export {
  type HeaderValue,
  Producer,
  type ProducerOptions,
  type ProducerRecord,
  type SendOptions,
} from './producer/producer.js';
export type { RecordMetadata } from './producer/producer-batch.js';
export { backoffMs, DEFAULT_RETRY_POLICY, isRetriable, type RetryPolicy } from './retry.js';
export { type ClientConnection, type ConnectOptions, type Transport, tcpTransport } from './transport.js';
