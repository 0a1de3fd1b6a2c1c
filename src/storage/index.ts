// src/storage owns log dirs, partition logs, segments (.log/.index/.timeindex/.txnindex), append/read, roll, recovery, flush policy, retention, leader-epoch cache, producer state (idempotence) and its snapshots, and checkpoints.
// It must not know about the network, other nodes or what a record means beyond its batch header; it imports only src/protocol.
export {
  CLEANER_OFFSET_CHECKPOINT,
  LOG_START_OFFSET_CHECKPOINT,
  RECOVERY_POINT_CHECKPOINT,
  readOffsetCheckpoint,
  type TopicPartitionOffset,
  writeOffsetCheckpoint,
} from './checkpoint-file.js';
export { type CleanResult, DEFAULT_MAX_CLEANER_KEYS } from './cleaner.js';
export {
  GROUP_COMMIT_CHANNEL,
  type GroupCommitTrace,
  LOG_SYNC_CHANNEL,
  type LogSyncTrace,
} from './commit-trace.js';
export {
  type Clock,
  type FileLock,
  type FileStat,
  type FileSystem,
  joinPath,
  type OpenOptions,
  readFully,
  readWholeFile,
  type StorageFile,
  systemClock,
  type VolumeSpace,
  writeFileAtomically,
} from './file-system.js';
export { DEFAULT_SYNCS_IN_FLIGHT, DEFAULT_WRITES_IN_FLIGHT } from './group-commit.js';
export { type EpochEndOffset, UNDEFINED_EPOCH, UNDEFINED_EPOCH_OFFSET } from './leader-epoch-cache.js';
export {
  CLEAN_SHUTDOWN_FILE,
  DELETED_DIR_SUFFIX,
  LOCK_FILE,
  type LogDirDescription,
  LogManager,
  type LogManagerOptions,
} from './log-manager.js';
export type { ReadOptions, ReadResult, TimestampAndOffset } from './log-reader.js';
export { MemoryFileSystem, type MemoryFileSystemOptions } from './memory-file-system.js';
export { NodeFileSystem, type NodeFileSystemOptions } from './node-file-system.js';
export {
  type AppendOptions,
  type AppendResult,
  type EndTxnMarkerAppend,
  ListOffsetsTimestamp,
  type LogProgressListener,
  PartitionLog,
  type PartitionLogOptions,
} from './partition-log.js';
export { SNAPSHOT_SUFFIX, snapshotFileName } from './producer-snapshot-file.js';
export {
  NO_PRODUCER_EPOCH,
  PRODUCER_BATCHES_RETAINED,
  type ProducerBatchMetadata,
  type ProducerCheck,
  type ProducerStateEntry,
} from './producer-state.js';
export {
  CorruptStorageFileError,
  FileNotFoundError,
  InvalidAppendError,
  InvalidConfigError,
  LogClosedError,
  LogDirLockedError,
  LogFailedError,
} from './storage-errors.js';
export { type StorageLogger, silentLogger } from './storage-logger.js';
export {
  type BrokerStorageConfig,
  type ConfigDefinition,
  DEFAULT_BROKER_STORAGE_CONFIG,
  type LogConfig,
  logConfigWith,
  NEVER,
  resolveLogConfig,
  TOPIC_CONFIGS,
} from './topic-config.js';
export { type AbortedTxn, decodeAbortedTxns, encodeAbortedTxn } from './txn-index.js';
export { ZERO_AHEAD_MAX_GROUP_BYTES, ZeroAheadPolicy } from './zero-ahead-policy.js';
