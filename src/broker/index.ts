// src/broker owns one handler per Kafka API (decode → call a subsystem → encode) and the dispatcher that picks it.
// It must not know files or consensus: data comes through src/replication, topics through the TopicController port.
export type { ApiHandler } from './api-handler.js';
export { ApiLedger, type ApiLedgerEntry } from './api-ledger.js';
export type {
  BrokerContext,
  BrokerHandlerConfig,
  BrokerLogger,
  LogDirInfo,
  LogDirPartition,
  PartitionsCreation,
  PartitionsToCreate,
  ProducerIdGenerator,
  RequestLogger,
  TopicController,
  TopicCreation,
  TopicDeletion,
  TopicReference,
  TopicToCreate,
  TransactionVerifier,
} from './broker-context.js';
export { BrokerStats, BrokerTopicStats, RequestStats, TopicStats } from './broker-stats.js';
export { BufferLoan } from './buffer-loan.js';
export {
  type ConfigAdmin,
  type ConfigAlteration,
  type ConfigAlterationResult,
  type ConfigDescription,
  ConfigOperation,
  type ConfigResourceAlteration,
  type ConfigResourceRef,
  type DescribedConfig,
  type DescribedConfigSynonym,
} from './config-admin.js';
export { FetchReadAhead, type FetchReadAheadOptions } from './fetch-read-ahead.js';
export {
  DEFAULT_FETCH_SESSION_CACHE_SLOTS,
  FETCH_SESSION_EVICTION_MS,
  FetchSessionCache,
  type FetchSessionCacheOptions,
} from './fetch-session-cache.js';
export {
  type GroupCoordinatorParts,
  type GroupSettings,
  startGroupCoordinator,
} from './groups/start-group-coordinator.js';
export { createRequestDispatcher, handledApiKeys, UnanswerableRequestError } from './request-dispatcher.js';
export { SUPPORTED_APIS } from './supported-apis.js';
export { isInternalTopic, MAX_TOPIC_NAME_LENGTH, topicNameProblem } from './topic-name.js';
export {
  startTxnCoordinator,
  type TxnCoordinatorParts,
  type TxnSettings,
} from './transactions/start-txn-coordinator.js';
export { partitionMarkerWriter } from './transactions/txn-marker-writer.js';
export { coordinatorVerifier } from './transactions/txn-verifier.js';
export {
  type ConsumerOffsetsTxnCompletion,
  type TxnMarkerDeps,
  writeTransactionMarkers,
} from './txn-markers.js';
