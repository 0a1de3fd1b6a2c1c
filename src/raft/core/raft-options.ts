import { RaftUsageError } from './assert.js';
import type { ClusterConfig, NodeId } from './log-entry.js';

/** Tuning of one node. Times are in the caller's clock (ms); sizes in bytes. */
export interface RaftOptions {
  readonly id: NodeId;
  /** The configuration at index 0, before any config entry or snapshot (the initial voters). */
  readonly bootstrapConfig: ClusterConfig;
  /** Minimum election timeout; each round draws one in [electionTimeoutMs, 2 * electionTimeoutMs). */
  readonly electionTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  /** Upper bound on the entry bytes of one append message (at least one entry is always sent). */
  readonly maxAppendBytes: number;
  readonly maxAppendEntries: number;
  /**
   * Appends in flight per follower while pipelining. With one append per burst of proposals (about one
   * per ms at 1,000 proposals/s), a window of 8 filled whenever a follower's fsync ran 8 ms: the next
   * entries then waited at the leader for an acknowledgement and missed the follower's next write
   * (src/raft/README.md, sixth pass). The bytes bound below keeps large appends to the old budget.
   */
  readonly maxInflightAppends: number;
  /** Entry bytes (entryBytes) in flight per follower while pipelining; an append always fits alone. */
  readonly maxInflightAppendBytes: number;
  /**
   * ready()s outstanding at once (pipelined writes): with more than 1, entries that arrive while a
   * write is in flight go to storage at once in the next one instead of waiting for its fsync. Storage
   * must complete them in order (PERSISTENCE.md). Default 1.
   */
  readonly maxInflightWrites: number;
  /** A pipelining follower that acknowledged nothing for this long is probed again. */
  readonly appendStallTimeoutMs: number;
  /** Proposals are refused (back-pressure) while this many entries await commit. */
  readonly maxUncommittedEntries: number;
  /** Pending read-index requests; more are refused. */
  readonly maxPendingReads: number;
  /** Messages buffered between two `ready()` calls; more are dropped (Raft tolerates loss). */
  readonly maxOutboxMessages: number;
  /** Committed entries handed out per `ready()`. */
  readonly maxApplyEntries: number;
  /**
   * The core asks for a snapshot once the log after the last snapshot holds this many bytes, or up to
   * half as many more: each node draws where after every snapshot (node-state.ts drawSnapshotDue), so
   * that replicas with identical logs do not all write theirs at the same entry.
   */
  readonly snapshotThresholdBytes: number;
  readonly snapshotChunkBytes: number;
}

export type RaftOptionsInput = Pick<RaftOptions, 'id' | 'bootstrapConfig'> & Partial<RaftOptions>;

/** Defaults for a LAN cluster (KRaft uses 1 s election / 500 ms fetch; we aim lower). */
export function resolveRaftOptions(input: RaftOptionsInput): RaftOptions {
  const electionTimeoutMs = input.electionTimeoutMs ?? 300;
  const options: RaftOptions = {
    electionTimeoutMs,
    heartbeatIntervalMs: Math.max(1, Math.floor(electionTimeoutMs / 5)),
    maxAppendBytes: 1024 * 1024,
    maxAppendEntries: 4096,
    maxInflightAppends: 256,
    maxInflightAppendBytes: 8 * 1024 * 1024,
    maxInflightWrites: 1,
    appendStallTimeoutMs: electionTimeoutMs,
    maxUncommittedEntries: 100_000,
    maxPendingReads: 4096,
    maxOutboxMessages: 100_000,
    maxApplyEntries: 8192,
    snapshotThresholdBytes: 64 * 1024 * 1024,
    snapshotChunkBytes: 1024 * 1024,
    ...input,
  };
  const positive: (keyof RaftOptions)[] = [
    'electionTimeoutMs',
    'heartbeatIntervalMs',
    'maxAppendBytes',
    'maxAppendEntries',
    'maxInflightAppends',
    'maxInflightAppendBytes',
    'maxInflightWrites',
    'appendStallTimeoutMs',
    'maxUncommittedEntries',
    'maxPendingReads',
    'maxOutboxMessages',
    'maxApplyEntries',
    'snapshotThresholdBytes',
    'snapshotChunkBytes',
  ];
  for (const key of positive) {
    const value = options[key];
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new RaftUsageError(`raft option ${key} must be a positive number, got ${String(value)}`);
    }
  }
  if (options.heartbeatIntervalMs >= options.electionTimeoutMs) {
    throw new RaftUsageError('heartbeatIntervalMs must be below electionTimeoutMs');
  }
  if (options.bootstrapConfig.voters.length === 0) {
    throw new RaftUsageError('bootstrapConfig needs at least one voter');
  }
  return options;
}
