// src/coordinator owns the group coordinator (classic protocol and KIP-848) and the transaction coordinator as pure state machines plus their records, and the broker's producer id generator.
// It must not know sockets or files: its cores are pure; GroupRuntime and TxnRuntime drive them with injected time and their internal topics (through src/replication).

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
  type CoordinatorLog,
  type CreateInternalTopic,
  type EncodedRecord,
  InternalTopicLog,
} from './internal-topic-log.js';
export {
  type ProducerIdBlock,
  type ProducerIdBlockSource,
  ProducerIdManager,
} from './producer-id/producer-id-manager.js';
export { startTxnRuntime, type TxnRuntimeSetup } from './transaction/start-txn-runtime.js';
export {
  DEFAULT_TXN_COORDINATOR_CONFIG,
  type MarkerResult,
  mapTxnWriteError,
  TransactionCoordinator,
  type TxnCoordinatorConfig,
  type TxnMarkerJob,
} from './transaction/transaction-coordinator.js';
export { CorruptTxnRecordError, decodeTxnRecord, encodeTxnRecord } from './transaction/txn-log-records.js';
export {
  TXN_STATES,
  type TxnMetadata,
  type TxnPartition,
  type TxnState,
} from './transaction/txn-metadata.js';
export { TRANSACTION_STATE_TOPIC, transactionPartition } from './transaction/txn-partition.js';
export {
  TxnCoordinatorClosedError,
  type TxnMarkerWriter,
  type TxnOutcome,
  type TxnProducerIds,
  TxnRuntime,
} from './transaction/txn-runtime.js';
