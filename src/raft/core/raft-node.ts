import { assert, assertNever, RaftUsageError } from './assert.js';
import { checkQuorum, tickElection } from './election.js';
import {
  broadcastAppend,
  broadcastHeartbeat,
  maybeCommit,
  requestReadIndex,
  syncProgress,
  tickReplication,
} from './leader-replication.js';
import { type TransferResult, tickTransfer, transferLeadership } from './leadership-transfer.js';
import type { ClusterConfig, LogEntry, NodeId, PersistedState } from './log-entry.js';
import { applyConfigChange, type ConfigChange } from './membership.js';
import { drawSnapshotDue, latestConfig, leaderId, type NodeState, resetElectionTimer } from './node-state.js';
import { RaftLog } from './raft-log.js';
import type { RaftMessage } from './raft-message.js';
import { type RaftOptionsInput, resolveRaftOptions } from './raft-options.js';
import type { RaftReady } from './raft-ready.js';
import type { Random } from './random.js';
import type { ReadState } from './read-index.js';
import { stepMessage } from './step-message.js';

export type ProposeResult =
  | { readonly ok: true; readonly index: number; readonly term: number }
  | {
      readonly ok: false;
      readonly reason:
        | 'notLeader'
        | 'transferring'
        | 'overloaded'
        | 'configChangePending'
        | 'invalidConfigChange';
      /** Where to retry, when known. */
      readonly leaderId: NodeId | undefined;
    };

/** A read-only view for drivers, metrics and the simulator's invariant checks. */
export interface RaftStatus {
  readonly id: NodeId;
  readonly role: NodeState['role']['kind'];
  readonly term: number;
  readonly votedFor: NodeId | undefined;
  readonly leaderId: NodeId | undefined;
  readonly commitIndex: number;
  readonly appliedIndex: number;
  readonly stableIndex: number;
  readonly snapshotIndex: number;
  readonly lastIndex: number;
  readonly lastTerm: number;
  readonly config: ClusterConfig;
}

/**
 * One Raft server as a pure state machine: no clock, timer, randomness or I/O of its own. Calls feed it
 * messages, ticks (with the caller's current time in ms) and proposals; `ready()` hands out the work
 * (persist, send, apply) and `advance()` confirms it. Up to `maxInflightWrites` readies may be
 * outstanding (pipelined writes: storage makes them durable in order, `advance()` takes them in order);
 * everything that happens meanwhile goes into the next one, so a message never leaves before the state
 * it depends on is durable (see src/raft/PERSISTENCE.md).
 */
export class RaftNode {
  readonly #state: NodeState;
  /** Handed out by ready(), not yet advance()d, oldest first. */
  readonly #outstanding: RaftReady[] = [];
  #snapshotAsked = false;

  constructor(options: RaftOptionsInput, persisted: PersistedState, random: Random, nowMs: number) {
    const resolved = resolveRaftOptions(options);
    const snapshotMeta = persisted.snapshot ?? { index: 0, term: 0, config: resolved.bootstrapConfig };
    const log = new RaftLog(
      { index: snapshotMeta.index, term: snapshotMeta.term, config: snapshotMeta.config },
      persisted.entries,
    );
    this.#state = {
      id: resolved.id,
      options: resolved,
      random,
      log,
      nowMs,
      term: persisted.hardState.term,
      votedFor: persisted.hardState.votedFor,
      role: { kind: 'follower', leaderId: undefined },
      commitIndex: snapshotMeta.index,
      appliedIndex: snapshotMeta.index,
      electionDeadlineMs: nowMs,
      leaderContactMs: Number.NEGATIVE_INFINITY,
      outbox: [],
      readStates: [],
      readSeq: 0,
      snapshot: persisted.snapshot,
      pendingSnapshot: undefined,
      receiver: undefined,
      snapshotRequested: false,
      snapshotDueBytes: resolved.snapshotThresholdBytes,
      persistedHardState: persisted.hardState,
      needsBroadcast: false,
      needsReadRound: false,
      droppedMessages: 0,
    };
    resetElectionTimer(this.#state);
    drawSnapshotDue(this.#state);
  }

  get id(): NodeId {
    return this.#state.id;
  }

  status(): RaftStatus {
    const state = this.#state;
    return {
      id: state.id,
      role: state.role.kind,
      term: state.term,
      votedFor: state.votedFor,
      leaderId: leaderId(state),
      commitIndex: state.commitIndex,
      appliedIndex: state.appliedIndex,
      stableIndex: state.log.stableIndex,
      snapshotIndex: state.log.snapshotMeta.index,
      lastIndex: state.log.lastIndex,
      lastTerm: state.log.lastTerm,
      config: latestConfig(state),
    };
  }

  /** The entry at `index` if the log still holds it in memory (not compacted). */
  entry(index: number): LogEntry | undefined {
    return this.#state.log.entry(index);
  }

  term(index: number): number | undefined {
    return this.#state.log.term(index);
  }

  /** When the node next needs a tick if nothing else happens (the caller's clock, ms). */
  nextDeadlineMs(): number {
    const state = this.#state;
    const role = state.role;
    if (role.kind !== 'leader') return state.electionDeadlineMs;
    return Math.min(
      role.heartbeatDueMs,
      role.checkQuorumDueMs,
      role.transfer?.deadlineMs ?? Number.POSITIVE_INFINITY,
      state.nowMs + state.options.appendStallTimeoutMs,
    );
  }

  tick(nowMs: number): void {
    const state = this.#state;
    // A clock that steps back is held at its last value, so no timer ever fires early twice.
    state.nowMs = Math.max(state.nowMs, nowMs);
    const role = state.role;
    switch (role.kind) {
      case 'leader':
        tickReplication(state, role);
        tickTransfer(state);
        checkQuorum(state);
        break;
      case 'follower':
      case 'preCandidate':
      case 'candidate':
        tickElection(state);
        break;
      default:
        assertNever(role);
    }
  }

  receive(message: RaftMessage): void {
    stepMessage(this.#state, message);
  }

  /**
   * Moves the node's clock to `nowMs` without acting on it: messages stepped next are stamped with this
   * time (leader contact, lease), and deadlines that passed are acted on at the next tick(). A host whose
   * event loop was held past an election deadline with a leader's messages waiting to be read steps
   * them first and ticks after, so a follower that was busy does not campaign against a leader it is
   * hearing (nor a leader's check-quorum count followers whose answers were waiting).
   */
  observeTime(nowMs: number): void {
    const state = this.#state;
    state.nowMs = Math.max(state.nowMs, nowMs);
  }

  /**
   * A hint from the transport: the connection from `peer` closed. When `peer` is the leader this
   * follower follows, it may be dead (a killed process's sockets close at once, long before an
   * election timeout passes), so the follower stops honouring its lease (it may grant pre-votes and
   * votes) and campaigns within a quarter of an election timeout instead of up to a whole one. Only
   * liveness depends on it: the campaign starts with a pre-vote, which fails while a majority still
   * hears a live leader, and any message from that leader restores the lease and the timer. Ignored
   * for any other peer or role.
   */
  peerDisconnected(peer: NodeId): void {
    const state = this.#state;
    const role = state.role;
    if (role.kind !== 'follower' || role.leaderId !== peer) return;
    state.leaderContactMs = Number.NEGATIVE_INFINITY;
    const soonMs =
      state.nowMs + state.random.nextInt(Math.max(1, Math.floor(state.options.electionTimeoutMs / 4)));
    state.electionDeadlineMs = Math.min(state.electionDeadlineMs, soonMs);
  }

  /** Appends `data` as a command if this node leads. The log owns `data` from now on. */
  propose(data: Uint8Array): ProposeResult {
    const state = this.#state;
    const refusal = this.#refuseProposal();
    if (refusal !== undefined) return refusal;
    const index = state.log.lastIndex + 1;
    state.log.append({ kind: 'command', index, term: state.term, data });
    state.needsBroadcast = true;
    return { ok: true, index, term: state.term };
  }

  /**
   * Appends a one-server configuration change. Refused while an earlier change is uncommitted, and
   * until this leader committed an entry of its term (the thesis' fix for single-server changes).
   */
  proposeConfigChange(change: ConfigChange): ProposeResult {
    const state = this.#state;
    const refusal = this.#refuseProposal();
    if (refusal !== undefined) return refusal;
    const role = state.role;
    assert(role.kind === 'leader', 'only a leader accepts proposals');
    const latest = state.log.latestConfig();
    if (latest.index > state.commitIndex || !role.hasCommittedInTerm) {
      return { ok: false, reason: 'configChangePending', leaderId: state.id };
    }
    const next = applyConfigChange(latest.config, change);
    if (!next.ok) return { ok: false, reason: 'invalidConfigChange', leaderId: state.id };
    const index = state.log.lastIndex + 1;
    state.log.append({ kind: 'config', index, term: state.term, config: next.config });
    syncProgress(state, role);
    if (role.transfer !== undefined && !role.progress.has(role.transfer.target)) role.transfer = undefined;
    state.needsBroadcast = true;
    return { ok: true, index, term: state.term };
  }

  #refuseProposal(): ProposeResult | undefined {
    const state = this.#state;
    const role = state.role;
    if (role.kind !== 'leader') return { ok: false, reason: 'notLeader', leaderId: leaderId(state) };
    if (role.transfer !== undefined) return { ok: false, reason: 'transferring', leaderId: state.id };
    if (state.log.lastIndex - state.commitIndex >= state.options.maxUncommittedEntries) {
      return { ok: false, reason: 'overloaded', leaderId: state.id };
    }
    return undefined;
  }

  transferLeadership(target: NodeId): TransferResult {
    return transferLeadership(this.#state, target);
  }

  /** Linearizable read: the answer comes through takeReadStates() or ready().readStates (see ReadIndexQueue). */
  readIndex(requestId: number): void {
    requestReadIndex(this.#state, requestId);
  }

  /**
   * Asks for a snapshot at a coming ready() (shouldSnapshot), whatever the log size; also after a
   * ready() that asked could not be followed (the applied index was beyond the stable one).
   */
  requestSnapshot(): void {
    this.#state.snapshotRequested = true;
    this.#snapshotAsked = false;
  }

  /**
   * The application took a snapshot of its state machine at `index` (<= the applied index). It is
   * handed out for persistence in the next ready(); once advanced, the log drops the entries it covers.
   * Returns false when `index` is not newer than the current snapshot.
   */
  compact(index: number, data: Uint8Array): boolean {
    const state = this.#state;
    if (index > state.appliedIndex)
      throw new RaftUsageError(`snapshot at ${index} beyond applied ${state.appliedIndex}`);
    const pendingIndex = state.pendingSnapshot?.snapshot.index ?? 0;
    if (index <= state.log.snapshotMeta.index || index <= pendingIndex) {
      // Overtaken (a snapshot installed from the leader while this one was being taken): ask again
      // once the log grows past the threshold after the newer one.
      this.#snapshotAsked = false;
      return false;
    }
    // Entries may be applied before they are durable here (takeCommitted): a snapshot covering entries
    // still on their way to this disk would let storage drop a log it has not finished writing.
    if (index > state.log.stableIndex)
      throw new RaftUsageError(`snapshot at ${index} beyond stable ${state.log.stableIndex}`);
    const term = state.log.term(index);
    assert(term !== undefined, 'an applied index above the snapshot is in the log');
    state.pendingSnapshot = {
      snapshot: { index, term, config: state.log.configAt(index), data },
      restore: false,
    };
    state.snapshotRequested = false;
    this.#snapshotAsked = false;
    return true;
  }

  /**
   * Messages that may leave now, before the write in flight (or the next one) is durable: a leader's
   * appends, heartbeats, snapshot chunks and TimeoutNow, and heartbeat responses, in a term already
   * durable here. They depend
   * on nothing else this node still has to write: the entries an append carries may still be on their
   * way to the leader's own disk (thesis §10.2.1), because the leader counts itself towards commit only
   * up to its stable index. Entries proposed since the last `ready()` are broadcast now, so followers
   * write them while the leader does. Callable at any time, also while a `ready()` is outstanding;
   * every other message stays for `ready()`. See PERSISTENCE.md.
   */
  takeEarlyMessages(): RaftMessage[] {
    const state = this.#state;
    const durableTerm = state.persistedHardState.term;
    if (state.role.kind === 'leader' && state.term === durableTerm) {
      if (state.needsBroadcast) broadcastAppend(state, state.role);
      if (state.needsReadRound) broadcastHeartbeat(state, state.role);
      state.needsBroadcast = false;
      state.needsReadRound = false;
    }
    const outbox = state.outbox;
    const early: RaftMessage[] = [];
    let kept = 0;
    for (const message of outbox) {
      if (isEarlyKind(message) && message.term <= durableTerm) early.push(message);
      else outbox[kept++] = message;
    }
    outbox.length = kept;
    return early;
  }

  /**
   * Committed entries the caller may apply now, before the ready() in flight (if any) completes: the
   * caller applies them at once, in order, before calling anything else on this node, and they count
   * as applied from now on. An entry is committed once a majority holds it durably, whether or not
   * this node is part of that majority, so it may be applied before it is durable here: a crash loses
   * only the volatile state machine, rebuilt from the durable snapshot and log (where a committed
   * entry is never overwritten). This takes the leader's own fsync, and the write of the next batch,
   * off the proposer's path (thesis §10.2.1). Empty while the outstanding ready() carries committed
   * entries or a snapshot to restore (they come first), or while a leader's snapshot awaits its ready().
   */
  takeCommitted(): LogEntry[] {
    const state = this.#state;
    for (const work of this.#outstanding) {
      if (work.committed.length > 0 || work.snapshot?.restore === true) return [];
    }
    if (state.pendingSnapshot?.restore === true) return [];
    const from = state.appliedIndex + 1;
    // While a snapshot is due, only durable entries: the state machine must come back to an index the
    // log holds durably, or the snapshot could wait for ever behind a leader always applying ahead.
    const limit = this.#snapshotDue()
      ? Math.min(state.commitIndex, state.log.stableIndex)
      : state.commitIndex;
    const to = Math.min(limit, from + state.options.maxApplyEntries - 1);
    if (to < from) return [];
    const entries = state.log.slice(from, to, Number.POSITIVE_INFINITY, to - from + 1);
    state.appliedIndex = to;
    return entries;
  }

  /**
   * Read-index answers the caller may serve now, also while a ready() is outstanding (each once its state
   * machine applied the answer's index). An answer depends on nothing this node still has to write: the
   * heartbeat round that confirmed the leadership happened after the read arrived, and the index noted
   * then is the commit index, committed on a majority's durable copies. Through ready() alone, a read
   * waited for the write in flight and then for the fsync of the ready that carried it. What is not taken
   * here still comes with the next ready().
   */
  takeReadStates(): ReadState[] {
    return this.#state.readStates.splice(0);
  }

  /**
   * Whether ready() has work, and may be called: false while `maxInflightWrites` readies are outstanding.
   * While one is outstanding, committed entries alone do not make a ready (takeCommitted hands them out).
   */
  hasReady(): boolean {
    if (this.#outstanding.length >= this.#state.options.maxInflightWrites) return false;
    const state = this.#state;
    return (
      state.outbox.length > 0 ||
      state.readStates.length > 0 ||
      state.pendingSnapshot !== undefined ||
      state.needsBroadcast ||
      state.needsReadRound ||
      state.log.hasUnstable ||
      this.#hardStateChanged() ||
      (this.#outstanding.length === 0 && this.#applyTo() > state.appliedIndex) ||
      this.#shouldSnapshot()
    );
  }

  /**
   * The next batch of work (RaftReady says what to do with it, in which order). Callable while fewer
   * than `maxInflightWrites` readies are outstanding: the caller must make each durable after the ones
   * handed out before it (a crash keeps a prefix of them, in order) and advance() them in that order.
   * Only the first outstanding ready carries committed entries; later ones leave them to takeCommitted()
   * or to the next ready after it.
   */
  ready(): RaftReady {
    const state = this.#state;
    if (this.#outstanding.length >= state.options.maxInflightWrites)
      throw new RaftUsageError(`ready() called with ${this.#outstanding.length} readies outstanding`);
    if (state.role.kind === 'leader') {
      if (state.needsBroadcast) broadcastAppend(state, state.role);
      if (state.needsReadRound) broadcastHeartbeat(state, state.role);
    }
    state.needsBroadcast = false;
    state.needsReadRound = false;
    const snapshot = state.pendingSnapshot;
    state.pendingSnapshot = undefined;
    const from = Math.max(state.appliedIndex, snapshot?.restore === true ? snapshot.snapshot.index : 0) + 1;
    const applyTo =
      this.#outstanding.length > 0 ? 0 : Math.min(this.#applyTo(), from + state.options.maxApplyEntries - 1);
    const committed =
      applyTo >= from ? state.log.slice(from, applyTo, Number.POSITIVE_INFINITY, applyTo - from + 1) : [];
    const shouldSnapshot = this.#shouldSnapshot();
    if (shouldSnapshot) this.#snapshotAsked = true;
    const work: RaftReady = {
      hardState: this.#hardStateChanged() ? { term: state.term, votedFor: state.votedFor } : undefined,
      snapshot,
      entries: state.log.takeUnstable(),
      messages: state.outbox.splice(0),
      committed,
      readStates: state.readStates.splice(0),
      shouldSnapshot,
    };
    this.#outstanding.push(work);
    return work;
  }

  /** `work`, the oldest outstanding ready, is durable and its messages sent: see RaftReady. */
  advance(work: RaftReady): void {
    if (work !== this.#outstanding[0])
      throw new RaftUsageError('advance() takes the oldest outstanding ready()');
    this.#outstanding.shift();
    const state = this.#state;
    if (work.hardState !== undefined) state.persistedHardState = work.hardState;
    state.log.markInflightStable();
    const snapshot = work.snapshot;
    if (snapshot !== undefined) {
      if (snapshot.restore) {
        state.log.markSnapshotStable(snapshot.snapshot.index);
        state.appliedIndex = Math.max(state.appliedIndex, snapshot.snapshot.index);
      } else {
        state.log.compact(snapshot.snapshot);
      }
      if (state.snapshot === undefined || state.snapshot.index < snapshot.snapshot.index) {
        state.snapshot = snapshot.snapshot;
      }
      drawSnapshotDue(state);
    }
    const lastApplied = work.committed.at(-1);
    if (lastApplied !== undefined) {
      assert(lastApplied.index > state.appliedIndex, 'committed entries are applied once, in order');
      state.appliedIndex = lastApplied.index;
    }
    if (state.role.kind === 'leader') maybeCommit(state, state.role);
  }

  /** Committed entries may be applied before they are durable here (see takeCommitted). */
  #applyTo(): number {
    return this.#state.commitIndex;
  }

  /** Term or vote differ from what was last handed out (durable, or in an outstanding ready). */
  #hardStateChanged(): boolean {
    const state = this.#state;
    let latest = state.persistedHardState;
    for (const work of this.#outstanding) latest = work.hardState ?? latest;
    return state.term !== latest.term || state.votedFor !== latest.votedFor;
  }

  #shouldSnapshot(): boolean {
    const state = this.#state;
    if (this.#snapshotAsked || state.pendingSnapshot !== undefined) return false;
    if (state.appliedIndex <= state.log.snapshotMeta.index) return false;
    // Only a snapshot of durable entries (compact()); asked again once the log caught up.
    if (state.appliedIndex > state.log.stableIndex) return false;
    return this.#snapshotDue();
  }

  /** The log grew past the threshold, or the application asked (see takeCommitted). */
  #snapshotDue(): boolean {
    const state = this.#state;
    return state.snapshotRequested || state.log.bytesAfterSnapshot >= state.snapshotDueBytes;
  }
}

/**
 * Messages whose content needs only their term durable on the sender (PERSISTENCE.md). A follower's
 * heartbeatResponse says only "I am in this term and heard you": held behind a slow fsync, it made
 * check-quorum depose a healthy leader and delayed read-index rounds, so it leaves at once too.
 */
function isEarlyKind(message: RaftMessage): boolean {
  switch (message.kind) {
    case 'append':
    case 'heartbeat':
    case 'heartbeatResponse':
    case 'installSnapshot':
    case 'timeoutNow':
      return true;
    default:
      return false;
  }
}
