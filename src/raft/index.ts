// src/raft owns Raft consensus as a pure state machine (core/) and its deterministic simulator (sim/).
// It must not know clocks, sockets, files or the Kafka wire format: time, randomness and I/O are injected.
export { assertNever, RaftInvariantError, RaftUsageError } from './core/assert.js';
export type { TransferResult } from './core/leadership-transfer.js';
export type {
  ClusterConfig,
  HardState,
  LogEntry,
  NodeId,
  PersistedState,
  Snapshot,
  SnapshotMeta,
} from './core/log-entry.js';
export { applyConfigChange, type ConfigChange, quorumSize } from './core/membership.js';
export type { PendingSnapshot } from './core/node-state.js';
export type { RaftMessage, RaftMessageKind } from './core/raft-message.js';
export { type ProposeResult, RaftNode, type RaftStatus } from './core/raft-node.js';
export { type RaftOptions, type RaftOptionsInput, resolveRaftOptions } from './core/raft-options.js';
export type { RaftReady } from './core/raft-ready.js';
export type { Random } from './core/random.js';
export type { ReadState } from './core/read-index.js';
export { FileRaftStorage, type FileRaftStorageOptions } from './host/file-raft-storage.js';
export type { RaftStorageRecovery } from './host/file-raft-storage-recovery.js';
export { MemoryRaftStorage } from './host/memory-raft-storage.js';
export {
  CorruptRaftStorageError,
  persistReady,
  type RaftStorage,
  RaftStorageFailedError,
} from './host/raft-storage.js';
