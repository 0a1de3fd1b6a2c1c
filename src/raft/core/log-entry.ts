import { assertNever } from './assert.js';

/** A server's id, Kafka's replicaId / node.id (int32). */
export type NodeId = number;

/**
 * Who takes part in the quorum. Voters elect and count towards commit; learners (observers in KRaft)
 * only replicate. A node's configuration is the latest one in its log, committed or not (thesis §4.1).
 */
export interface ClusterConfig {
  readonly voters: readonly NodeId[];
  readonly learners: readonly NodeId[];
}

/**
 * One log entry. `command` carries application bytes (owned by the log once proposed: the caller must
 * not mutate them), `noop` is what a new leader appends to commit earlier terms (§5.4.2), `config`
 * changes the cluster configuration one server at a time.
 */
export type LogEntry =
  | { readonly kind: 'command'; readonly index: number; readonly term: number; readonly data: Uint8Array }
  | { readonly kind: 'noop'; readonly index: number; readonly term: number }
  | {
      readonly kind: 'config';
      readonly index: number;
      readonly term: number;
      readonly config: ClusterConfig;
    };

/** Where a snapshot ends: the last index and term it covers and the configuration in force there. */
export interface SnapshotMeta {
  readonly index: number;
  readonly term: number;
  readonly config: ClusterConfig;
}

/** A snapshot taken by the application; `data` is opaque to Raft. */
export interface Snapshot extends SnapshotMeta {
  readonly data: Uint8Array;
}

/** What a node must remember across crashes besides its log: see src/raft/PERSISTENCE.md. */
export interface HardState {
  readonly term: number;
  readonly votedFor: NodeId | undefined;
}

/** Everything that survived a restart, as storage recovered it. */
export interface PersistedState {
  readonly hardState: HardState;
  readonly snapshot: Snapshot | undefined;
  /** Contiguous entries following the snapshot (or index 1 without one). */
  readonly entries: readonly LogEntry[];
}

/** Bytes an entry counts for in batching and snapshot thresholds (a fixed header plus its payload). */
export function entryBytes(entry: LogEntry): number {
  const headerBytes = 24;
  switch (entry.kind) {
    case 'command':
      return headerBytes + entry.data.byteLength;
    case 'noop':
      return headerBytes;
    case 'config':
      return headerBytes + 4 * (entry.config.voters.length + entry.config.learners.length);
    default:
      return assertNever(entry);
  }
}
