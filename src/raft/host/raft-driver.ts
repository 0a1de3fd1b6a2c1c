import type { LogEntry, NodeId } from '../core/log-entry.js';
import type { RaftMessage } from '../core/raft-message.js';
import type { RaftNode, RaftStatus } from '../core/raft-node.js';
import type { RaftReady } from '../core/raft-ready.js';
import { DriverStoppedError, NotLeaderError, ProposalRefusedError } from './driver-errors.js';
import type { HostClock, PersistReady, RaftTransport, StateMachine, TimerHandle } from './driver-ports.js';
import { PendingProposals, PendingReads, type ProposalOutcome } from './pending-requests.js';

export interface RaftDriverOptions {
  readonly node: RaftNode;
  readonly persist: PersistReady;
  readonly transport: RaftTransport;
  /** Already restored from the snapshot the node was constructed with. */
  readonly stateMachine: StateMachine;
  readonly clock: HostClock;
  /** Called once when persisting fails: the driver has stopped and the process should exit. */
  readonly onFatal?: (error: unknown) => void;
  /** Called when the role, term or known leader changed (checked once per burst of inputs): for logs. */
  readonly onRoleChange?: (status: RaftStatus) => void;
  /**
   * With RaftOptions.maxInflightWrites > 1, a further write starts while others are in flight only when
   * the entries waiting are at least as many as the newest write in flight carries, or the oldest write
   * in flight has run this long (ms, default 2; 0: always at once). So at a low rate (a write of one or
   * two entries in flight) the next entries go to disk at once, beside it; under load, batches keep
   * growing while a write of normal speed runs (group commit: one fsync for many, as with one write in
   * flight), and behind a slow write (a stalled fsync) the next batch goes at once instead of waiting.
   */
  readonly pipelineAfterMs?: number;
}

/**
 * The event loop around one RaftNode (src/raft/PERSISTENCE.md, "The loop"): inputs (messages, timer
 * ticks, proposals, reads) go into the node at once; one loop takes `ready()`, persists it, sends its
 * messages, applies committed entries, then `advance()`. Proposals that arrive while a write is in
 * flight join the next ready(): one fsync covers all of them (group commit), so throughput grows with
 * load. A leader sends its appends at once (`takeEarlyMessages`), before and while its own write of
 * those entries runs, so its fsync and its followers' overlap: latency is about one fsync plus one
 * round trip, not two fsyncs in sequence (thesis §10.2.1).
 */
export class RaftDriver {
  readonly #options: RaftDriverOptions;
  readonly #node: RaftNode;
  readonly #proposals = new PendingProposals();
  readonly #reads = new PendingReads();
  #timer: TimerHandle | undefined;
  #timerDueMs = Number.POSITIVE_INFINITY;
  #wake: (() => void) | undefined;
  #running = false;
  #loop: Promise<void> | undefined;
  /** Completes the writes in flight in the order they were handed out (one chain). */
  #completions: Promise<void> = Promise.resolve();
  /** The writes in flight, oldest first: when each started (clock ms), and its entries. */
  readonly #writesInFlight: { startedMs: number; count: number; lastIndex: number }[] = [];
  #pipelineTimer: TimerHandle | undefined;
  #stoppedError: Error | undefined;
  #flushQueued = false;
  #lastRole = '';
  /** The term this node led when last observed (undefined: it did not lead). */
  #leadingTerm: number | undefined;
  #tickedAtMs = Number.NaN;
  /** A state machine snapshot is being taken asynchronously (StateMachine.snapshot returned a promise). */
  #snapshotInProgress = false;

  constructor(options: RaftDriverOptions) {
    this.#options = options;
    this.#node = options.node;
  }

  status(): RaftStatus {
    return this.#node.status();
  }

  start(): void {
    if (this.#running || this.#stoppedError !== undefined) return;
    this.#running = true;
    this.#node.tick(this.#options.clock.nowMs());
    this.#schedule();
    this.#loop = this.#run();
  }

  /** Stops the loop after the writes in flight; pending proposals and reads fail with DriverStoppedError. */
  async stop(): Promise<void> {
    this.#halt(new DriverStoppedError('raft driver stopped'));
    await this.#loop;
    await this.#completions;
  }

  /**
   * Steps the message at the current time before acting on the deadlines that passed (RaftNode
   * observeTime): after the event loop was held (a snapshot, a GC pause, CPU starvation) past an
   * election deadline, the leader's appends waiting in the socket are evidence that it is alive. Ticking
   * first made a follower pre-campaign on the first of them, and drop back to follower on the same one.
   */
  receive(message: RaftMessage): void {
    if (!this.#running) return;
    const nowMs = this.#options.clock.nowMs();
    this.#node.observeTime(nowMs);
    this.#node.receive(message);
    this.#catchUpClock(nowMs);
    this.#schedule();
    this.#inputArrived();
  }

  /** The transport lost its connection from `peer` (RaftNode.peerDisconnected: a hint the leader died). */
  peerDisconnected(peer: NodeId): void {
    if (!this.#running) return;
    this.#catchUpClock();
    this.#node.peerDisconnected(peer);
    this.#schedule();
    this.#inputArrived();
  }

  /**
   * Proposes a command; resolves once it is committed and applied here, with the state machine's result.
   * Rejects with NotLeaderError, ProposalRefusedError (back-pressure), ProposalLostError or
   * DriverStoppedError. The driver owns `data` from now on.
   */
  propose(data: Uint8Array): Promise<ProposalOutcome> {
    if (this.#stoppedError !== undefined) return Promise.reject(this.#stoppedError);
    this.#catchUpClock();
    const result = this.#node.propose(data);
    if (!result.ok) {
      return Promise.reject(
        result.reason === 'notLeader'
          ? new NotLeaderError(result.leaderId)
          : new ProposalRefusedError(result.reason),
      );
    }
    const done = this.#proposals.add(result.index, result.term);
    this.#schedule();
    this.#inputArrived();
    return done;
  }

  /**
   * A linearizable read point: resolves with an index once this node (the leader) confirmed its
   * leadership after the call and applied everything committed before it; reading the state machine
   * right then sees every write acknowledged before the call. Rejects with ReadIndexFailedError.
   */
  readIndex(): Promise<number> {
    if (this.#stoppedError !== undefined) return Promise.reject(this.#stoppedError);
    const { requestId, done } = this.#reads.add();
    this.#node.readIndex(requestId);
    this.#inputArrived();
    return done;
  }

  /**
   * Hands out readies while the node has work and allows it (up to maxInflightWrites in flight); each
   * write completes (send, apply, advance) in order, after the ones before it.
   */
  async #run(): Promise<void> {
    while (this.#running) {
      if (!this.#node.hasReady() || this.#holdBehindWriteInFlight()) {
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
        continue;
      }
      this.#flushEarly();
      const work = this.#node.ready();
      this.#writesInFlight.push({
        startedMs: this.#options.clock.nowMs(),
        count: work.entries.length,
        lastIndex: work.entries.at(-1)?.index ?? 0,
      });
      // Settled at once (a rejection is handled here, not left unhandled until its turn comes).
      const persisted = this.#options.persist(work).then(
        () => undefined,
        (error: unknown) => ({ error }),
      );
      this.#completions = this.#completions.then(async () => this.#complete(work, await persisted));
    }
  }

  /**
   * Whether the next write waits for the writes in flight (pipelineAfterMs says when it does not); then
   * a timer wakes the loop once the oldest is old enough, unless a write completes first.
   */
  #holdBehindWriteInFlight(): boolean {
    const writes = this.#writesInFlight;
    const oldest = writes[0];
    if (oldest === undefined) return false;
    const status = this.#node.status();
    let written = status.stableIndex;
    for (const write of writes) written = Math.max(written, write.lastIndex);
    if (status.lastIndex - written >= Math.max(1, writes.at(-1)!.count)) return false;
    const clock = this.#options.clock;
    const waitMs = oldest.startedMs + (this.#options.pipelineAfterMs ?? 2) - clock.nowMs();
    if (waitMs <= 0) return false;
    this.#pipelineTimer ??= clock.setTimer(() => {
      this.#pipelineTimer = undefined;
      this.#kick();
    }, waitMs);
    return true;
  }

  /** One write is durable (or failed): send its messages, apply, advance, then wake the loop. */
  #complete(work: RaftReady, failure: { error: unknown } | undefined): void {
    this.#writesInFlight.shift();
    this.#pipelineTimer?.cancel();
    this.#pipelineTimer = undefined;
    if (!this.#running) return;
    if (failure !== undefined) {
      this.#halt(new DriverStoppedError('raft storage failed; the node stopped', { cause: failure.error }));
      this.#options.onFatal?.(failure.error);
      return;
    }
    this.#options.transport.send(work.messages);
    this.#apply(work);
    this.#node.advance(work);
    this.#applyEarly();
    this.#observeRole();
    if (work.shouldSnapshot) this.#snapshot();
    this.#schedule();
    this.#kick();
  }

  /** Applies the ready's snapshot and committed entries, answers reads. */
  #apply(work: RaftReady): void {
    const snapshot = work.snapshot;
    if (snapshot?.restore === true) {
      this.#options.stateMachine.restore(snapshot.snapshot.data);
      this.#proposals.snapshotInstalled(snapshot.snapshot.index);
    }
    const appliedIndex = Math.max(
      this.#applyEntries(work.committed) ?? this.#node.status().appliedIndex,
      snapshot?.restore === true ? snapshot.snapshot.index : 0,
    );
    for (const state of work.readStates) this.#reads.answered(state, appliedIndex);
    this.#reads.applied(appliedIndex);
  }

  /**
   * Applies what committed since, without waiting for the write in flight (RaftNode.takeCommitted):
   * a proposal is answered once a majority holds it durably, even when this node's own fsync, or the
   * one of the batch after it, has not finished.
   */
  #applyEarly(): void {
    const appliedIndex = this.#applyEntries(this.#node.takeCommitted());
    if (appliedIndex !== undefined) this.#reads.applied(appliedIndex);
  }

  /** Applies committed entries in order and settles their proposals; returns the last index, if any. */
  #applyEntries(entries: readonly LogEntry[]): number | undefined {
    const machine = this.#options.stateMachine;
    for (const entry of entries) {
      const result = entry.kind === 'command' ? machine.apply(entry) : undefined;
      this.#proposals.applied(entry, result);
    }
    return entries.at(-1)?.index;
  }

  /**
   * The core asked for a snapshot (its log grew past the threshold). It covers only entries durable
   * here; when entries were applied before their write completed, it is asked again once they are. A
   * state machine may take it asynchronously (in slices, so that serialising tens of MiB does not hold
   * the event loop past heartbeats): the node keeps running meanwhile, and compacts at the index applied
   * when it was asked, unless a newer snapshot (one installed from the leader) arrived in between.
   */
  #snapshot(): void {
    if (this.#snapshotInProgress) return;
    const status = this.#node.status();
    if (status.appliedIndex <= status.snapshotIndex) return;
    if (status.appliedIndex > status.stableIndex) {
      this.#node.requestSnapshot();
      return;
    }
    const index = status.appliedIndex;
    const data = this.#options.stateMachine.snapshot();
    if (data instanceof Uint8Array) {
      this.#node.compact(index, data);
      return;
    }
    this.#snapshotInProgress = true;
    data.then(
      (bytes) => {
        this.#snapshotInProgress = false;
        if (!this.#running) return;
        this.#node.compact(index, bytes);
        this.#schedule();
        this.#kick();
      },
      (error: unknown) => {
        this.#snapshotInProgress = false;
        if (!this.#running) return;
        this.#halt(
          new DriverStoppedError('the state machine failed to snapshot; the node stopped', { cause: error }),
        );
        this.#options.onFatal?.(error);
      },
    );
  }

  #kick(): void {
    const wake = this.#wake;
    if (wake === undefined) return;
    this.#wake = undefined;
    wake();
  }

  /** Keeps one timer at the node's next deadline; an earlier deadline replaces it, a later one waits. */
  #schedule(): void {
    if (!this.#running) return;
    const dueMs = this.#node.nextDeadlineMs();
    if (this.#timer !== undefined && this.#timerDueMs <= dueMs) return;
    this.#timer?.cancel();
    const clock = this.#options.clock;
    this.#timerDueMs = dueMs;
    this.#timer = clock.setTimer(() => this.#onTimer(), dueMs - clock.nowMs());
  }

  /**
   * The core reads time only from tick(): without this, a message would be stamped with the time of
   * the last timer (a follower's timer fires only at its election deadline, hundreds of ms apart), so
   * leader contact, election deadlines and the vote lease would all be computed from a stale clock: a
   * follower hearing the leader every millisecond still campaigned at the old deadline, and a voter
   * kept a dead leader's lease until its own timer fired. Ticking when the clock moved (at most once
   * per ms) keeps the core's time current.
   */
  #catchUpClock(nowMs = this.#options.clock.nowMs()): void {
    if (nowMs === this.#tickedAtMs) return;
    this.#tickedAtMs = nowMs;
    this.#node.tick(nowMs);
  }

  #onTimer(): void {
    this.#timer = undefined;
    this.#timerDueMs = Number.POSITIVE_INFINITY;
    if (!this.#running) return;
    this.#tickedAtMs = this.#options.clock.nowMs();
    this.#node.tick(this.#tickedAtMs);
    this.#schedule();
    this.#inputArrived();
  }

  /**
   * Something reached the node: wake the loop if it sleeps, and send what may leave before the write
   * in flight completes (the leader's appends and heartbeats, PERSISTENCE.md) once the current burst
   * of inputs is in: a microtask later, so the proposals of one socket read share one append.
   */
  #inputArrived(): void {
    this.#kick();
    if (this.#flushQueued) return;
    this.#flushQueued = true;
    queueMicrotask(() => {
      this.#flushQueued = false;
      this.#flushEarly();
    });
  }

  #flushEarly(): void {
    if (!this.#running) return;
    const early = this.#node.takeEarlyMessages();
    if (early.length > 0) this.#options.transport.send(early);
    this.#applyEarly();
    this.#answerReadsEarly();
    this.#observeRole();
  }

  /**
   * Read-index answers do not wait for the write in flight (RaftNode.takeReadStates): a read is served
   * once the leadership round after it completed and the state machine applied its index.
   */
  #answerReadsEarly(): void {
    const states = this.#node.takeReadStates();
    if (states.length === 0) return;
    const appliedIndex = this.#node.status().appliedIndex;
    for (const state of states) this.#reads.answered(state, appliedIndex);
  }

  /** Reports role changes, and settles the proposals of a leadership this node no longer holds. */
  #observeRole(): void {
    const onRoleChange = this.#options.onRoleChange;
    if (onRoleChange === undefined && this.#proposals.size === 0) return;
    const status = this.#node.status();
    const leadingTerm = status.role === 'leader' ? status.term : undefined;
    if (leadingTerm !== this.#leadingTerm) {
      this.#leadingTerm = leadingTerm;
      this.#proposals.leadershipChanged(
        leadingTerm,
        status.commitIndex,
        (index) => this.#node.term(index),
        status.leaderId,
      );
    }
    if (onRoleChange === undefined) return;
    const role = `${status.role}/${status.term}/${status.leaderId ?? '-'}`;
    if (role === this.#lastRole) return;
    this.#lastRole = role;
    onRoleChange(status);
  }

  #halt(error: Error): void {
    if (this.#stoppedError !== undefined) return;
    this.#stoppedError = error;
    this.#running = false;
    this.#timer?.cancel();
    this.#timer = undefined;
    this.#pipelineTimer?.cancel();
    this.#pipelineTimer = undefined;
    this.#proposals.failAll(error);
    this.#reads.failAll(error);
    this.#kick();
  }
}
