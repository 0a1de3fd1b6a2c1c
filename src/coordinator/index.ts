// src/coordinator owns the group coordinator (classic protocol and KIP-848) as pure state machines plus their records, and the broker's producer id generator.
// It must not know sockets or files: its cores are pure; GroupRuntime drives them with injected time and the __consumer_offsets log (through src/replication).

export { rangeAssignor } from './group/assignors/range.js';
export { uniformAssignor } from './group/assignors/uniform.js';
export { ConsumerGroupCoordinator } from './group/consumer-group/consumer-group-coordinator.js';
export { groupLag, type PartitionLag, partitionLag } from './group/consumer-lag.js';
export {
  CONSUMER_OFFSETS_TOPIC,
  ConsumerOffsetsLog,
  type CreateOffsetsTopic,
} from './group/consumer-offsets-log.js';
export {
  DEFAULT_GROUP_COORDINATOR_CONFIG,
  EMPTY_TOPIC_CATALOG,
  type GroupCoordinatorConfig,
  type MemberIdGenerator,
  type PendingTransactionalOffsets,
  type TopicCatalog,
  type TopicInfo,
} from './group/group-config.js';
export {
  type ClientInfo,
  GroupCoordinator,
  type GroupCoordinatorPorts,
  type GroupCoordinatorReady,
  type GroupReply,
  type GroupWrite,
} from './group/group-coordinator.js';
export { loadGroupCoordinator } from './group/group-loader.js';
export { groupPartition, javaStringHashCode } from './group/group-partition.js';
export {
  CorruptGroupRecordError,
  decodeGroupRecord,
  type EncodedGroupRecord,
  encodeGroupRecord,
} from './group/group-record-codec.js';
export {
  type GroupClock,
  GroupCoordinatorClosedError,
  type GroupLog,
  GroupRuntime,
  type GroupRuntimeOptions,
} from './group/group-runtime.js';
export type { PendingRequest } from './group/group-state.js';
export type { GroupRecord } from './group/group-store-records.js';
export { mapWriteError } from './group/group-write-errors.js';
export { type GroupRuntimeSetup, startGroupRuntime, systemGroupClock } from './group/start-group-runtime.js';
export {
  type ProducerIdBlock,
  type ProducerIdBlockSource,
  ProducerIdManager,
} from './producer-id/producer-id-manager.js';
