import { assert } from './assert.js';
import type { HardState, NodeId, Snapshot } from './log-entry.js';
import { isVoter } from './membership.js';
import type { Progress } from './progress.js';
import type { RaftLog } from './raft-log.js';
import type { RaftMessage } from './raft-message.js';
import type { RaftOptions } from './raft-options.js';
import type { Random } from './random.js';
import type { ReadIndexQueue, ReadState } from './read-index.js';
import type { SnapshotReceiver } from './snapshot-receiver.js';

/** A leadership transfer in progress: proposals wait, the target gets TimeoutNow once caught up. */
export interface LeadershipTransfer {
  readonly target: NodeId;
  readonly deadlineMs: number;
  timeoutNowSent: boolean;
}

/** The node's role; each variant carries only what that role needs. */
export type Role =
  | { readonly kind: 'follower'; readonly leaderId: NodeId | undefined }
  | { readonly kind: 'preCandidate'; readonly grants: Set<NodeId>; readonly rejections: Set<NodeId> }
  | { readonly kind: 'candidate'; readonly grants: Set<NodeId>; readonly rejections: Set<NodeId> }
  | {
      readonly kind: 'leader';
      readonly progress: Map<NodeId, Progress>;
      heartbeatDueMs: number;
      checkQuorumDueMs: number;
      transfer: LeadershipTransfer | undefined;
      readonly reads: ReadIndexQueue;
      /** Set once an entry of this term committed: only then is commitIndex the cluster's (read-index). */
      hasCommittedInTerm: boolean;
    };

export type LeaderRole = Extract<Role, { kind: 'leader' }>;

/** A snapshot waiting to be persisted: taken locally (compacts) or received from the leader (restores). */
export interface PendingSnapshot {
  readonly snapshot: Snapshot;
  readonly restore: boolean;
}

/**
 * All state of one node, shared by the per-concern modules (election, replication, snapshots...).
 * Only RaftNode hands it out; nothing outside src/raft/core sees it.
 */
export interface NodeState {
  readonly id: NodeId;
  readonly options: RaftOptions;
  readonly random: Random;
  readonly log: RaftLog;
  /** The caller's clock at the last tick. */
  nowMs: number;
  term: number;
  votedFor: NodeId | undefined;
  role: Role;
  commitIndex: number;
  appliedIndex: number;
  electionDeadlineMs: number;
  /** When the current leader was last heard from (leader stickiness for votes, thesis §4.2.3). */
  leaderContactMs: number;
  outbox: RaftMessage[];
  readStates: ReadState[];
  /** Monotonic sequence of read-index heartbeat rounds (never reset, so stale echoes stay stale). */
  readSeq: number;
  /** The latest durable snapshot (sent to followers that are too far behind). */
  snapshot: Snapshot | undefined;
  pendingSnapshot: PendingSnapshot | undefined;
  receiver: SnapshotReceiver | undefined;
  snapshotRequested: boolean;
  /** Log bytes after the snapshot at which the next one is due (drawSnapshotDue). */
  snapshotDueBytes: number;
  persistedHardState: HardState;
  /** The leader has new entries to send: batched into one append per follower at the next ready(). */
  needsBroadcast: boolean;
  /** Read-index requests wait for a heartbeat round: one round at the next ready() serves them all. */
  needsReadRound: boolean;
  /** The leader's own proposals, rejected beyond options.maxUncommittedEntries. */
  droppedMessages: number;
}

export function send(state: NodeState, message: RaftMessage): void {
  assert(message.from === state.id, 'messages leave from this node');
  if (state.outbox.length >= state.options.maxOutboxMessages) {
    // Raft tolerates any message loss; a full outbox means the caller stopped calling ready().
    state.droppedMessages++;
    return;
  }
  state.outbox.push(message);
}

export function latestConfig(state: NodeState) {
  return state.log.latestConfig().config;
}

export function isSelfVoter(state: NodeState): boolean {
  return isVoter(latestConfig(state), state.id);
}

/**
 * The log size after the snapshot at which the next snapshot is due, drawn in [T, 1.5 T) with T =
 * snapshotThresholdBytes. Replicas hold byte-identical logs: with one fixed threshold every node took
 * its snapshot at the same entry, and while each wrote it (tens of MiB, a write that holds the node's
 * next log write) no majority was left to acknowledge entries, so commits stopped on all of them at
 * once. Drawn apart, the others keep committing while one writes its snapshot.
 */
export function drawSnapshotDue(state: NodeState): void {
  const threshold = state.options.snapshotThresholdBytes;
  state.snapshotDueBytes = threshold + state.random.nextInt(Math.max(1, Math.floor(threshold / 2)));
}

/** A fresh randomized deadline in [now + T, now + 2T): split votes become unlikely (§5.2). */
export function resetElectionTimer(state: NodeState): void {
  const timeout = state.options.electionTimeoutMs;
  state.electionDeadlineMs = state.nowMs + timeout + state.random.nextInt(timeout);
}

/** Moves to `term` (never backwards); a new term clears the vote. */
export function setTerm(state: NodeState, term: number): void {
  assert(term >= state.term, `term ${term} must not go below ${state.term}`);
  if (term > state.term) {
    state.term = term;
    state.votedFor = undefined;
  }
}

export function leaderId(state: NodeState): NodeId | undefined {
  switch (state.role.kind) {
    case 'leader':
      return state.id;
    case 'follower':
      return state.role.leaderId;
    default:
      return undefined;
  }
}

/** Heard from a live leader within the minimum election timeout (this node leads: always). */
export function isInLeaderLease(state: NodeState): boolean {
  if (state.role.kind === 'leader') return true;
  if (state.role.kind !== 'follower' || state.role.leaderId === undefined) return false;
  return state.nowMs - state.leaderContactMs < state.options.electionTimeoutMs;
}

/** Follows `leaderId` (or nobody) at `term`; a leader stepping down fails its pending reads. */
export function becomeFollower(state: NodeState, term: number, leader: NodeId | undefined): void {
  setTerm(state, term);
  if (state.role.kind === 'leader') state.readStates.push(...state.role.reads.failAll());
  state.role = { kind: 'follower', leaderId: leader };
  if (leader !== undefined) state.leaderContactMs = state.nowMs;
  resetElectionTimer(state);
}
