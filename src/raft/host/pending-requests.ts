import type { LogEntry, NodeId } from '../core/log-entry.js';
import type { ReadState } from '../core/read-index.js';
import { LeadershipLostError, ProposalLostError, ReadIndexFailedError } from './driver-errors.js';

interface Deferred<T> {
  resolve(value: T): void;
  reject(error: Error): void;
}

/** What a committed proposal resolves to. */
export interface ProposalOutcome {
  readonly index: number;
  readonly term: number;
  /** The state machine's answer to the command. */
  readonly result: Uint8Array;
}

/**
 * Proposals waiting for their entry to be applied, keyed by index. An entry applied at that index with
 * the proposal's term is the proposal (log matching); any other term means a newer leader overwrote it.
 */
export class PendingProposals {
  readonly #byIndex = new Map<number, Deferred<ProposalOutcome> & { readonly term: number }>();

  get size(): number {
    return this.#byIndex.size;
  }

  add(index: number, term: number): Promise<ProposalOutcome> {
    // A proposal of an earlier term still waiting at this index lost it: this node's log now holds a
    // newer leader's entry there (this node led again after its entry was overwritten). Without this,
    // the old promise was replaced and never settled, leaving its client waiting forever.
    const earlier = this.#byIndex.get(index);
    if (earlier !== undefined && earlier.term !== term) {
      earlier.reject(
        new ProposalLostError(`entry ${index} of term ${earlier.term} was overwritten in term ${term}`),
      );
    }
    return new Promise((resolve, reject) => this.#byIndex.set(index, { term, resolve, reject }));
  }

  /** Called for every applied entry, commands with the state machine's result. */
  applied(entry: LogEntry, result: Uint8Array | undefined): void {
    if (this.#byIndex.size === 0) return;
    const waiter = this.#byIndex.get(entry.index);
    if (waiter === undefined) return;
    this.#byIndex.delete(entry.index);
    if (waiter.term === entry.term && result !== undefined) {
      waiter.resolve({ index: entry.index, term: entry.term, result });
    } else {
      waiter.reject(
        new ProposalLostError(`entry ${entry.index} committed in term ${entry.term}, not ${waiter.term}`),
      );
    }
  }

  /**
   * Leadership changed here: this node now leads `leadingTerm`, or nobody's proposals (undefined).
   * Every proposal of another term still above `commitIndex` is settled now, instead of when, much
   * later, some entry commits at its index. One whose entry is gone from the log (`termAt` differs: a
   * newer leader overwrote or truncated it) was lost; one still in the log may yet commit through the
   * new leader, which this node cannot know: it fails with LeadershipLostError (retry at `leaderId`).
   * Proposals at or below `commitIndex` settle when applied, as usual.
   */
  leadershipChanged(
    leadingTerm: number | undefined,
    commitIndex: number,
    termAt: (index: number) => number | undefined,
    leaderId: NodeId | undefined,
  ): void {
    for (const [index, waiter] of this.#byIndex) {
      if (index <= commitIndex || waiter.term === leadingTerm) continue;
      this.#byIndex.delete(index);
      if (termAt(index) === waiter.term) {
        waiter.reject(new LeadershipLostError(leaderId, index, waiter.term));
      } else {
        waiter.reject(
          new ProposalLostError(
            `entry ${index} of term ${waiter.term} was overwritten after a leader change`,
          ),
        );
      }
    }
  }

  /** A snapshot from the leader replaced the log up to `index`: those outcomes are unknown here. */
  snapshotInstalled(index: number): void {
    for (const [entryIndex, waiter] of this.#byIndex) {
      if (entryIndex > index) continue;
      this.#byIndex.delete(entryIndex);
      waiter.reject(new ProposalLostError(`entry ${entryIndex} was replaced by a snapshot at ${index}`));
    }
  }

  failAll(error: Error): void {
    for (const waiter of this.#byIndex.values()) waiter.reject(error);
    this.#byIndex.clear();
  }
}

interface ConfirmedRead {
  readonly index: number;
  readonly waiter: Deferred<number>;
}

/**
 * Read-index requests: first waiting for the core's answer (by request id), then for the state machine
 * to apply the answered index. Resolves with that index: reading the state machine then is linearizable.
 */
export class PendingReads {
  readonly #asked = new Map<number, Deferred<number>>();
  /** Confirmed reads waiting for the applied index, in the order they were confirmed. */
  #confirmed: ConfirmedRead[] = [];
  #nextRequestId = 1;

  get size(): number {
    return this.#asked.size + this.#confirmed.length;
  }

  /** Registers a read; the caller passes the returned id to RaftNode.readIndex. */
  add(): { readonly requestId: number; readonly done: Promise<number> } {
    const requestId = this.#nextRequestId++;
    const done = new Promise<number>((resolve, reject) => this.#asked.set(requestId, { resolve, reject }));
    return { requestId, done };
  }

  answered(state: ReadState, appliedIndex: number): void {
    const waiter = this.#asked.get(state.requestId);
    if (waiter === undefined) return;
    this.#asked.delete(state.requestId);
    if (state.kind === 'failed') {
      waiter.reject(new ReadIndexFailedError(`read index failed: ${state.reason}`));
    } else if (state.index <= appliedIndex) {
      waiter.resolve(state.index);
    } else {
      this.#confirmed.push({ index: state.index, waiter });
    }
  }

  /** Releases confirmed reads whose index the state machine reached. */
  applied(appliedIndex: number): void {
    if (this.#confirmed.length === 0) return;
    const still: ConfirmedRead[] = [];
    for (const read of this.#confirmed) {
      if (read.index <= appliedIndex) read.waiter.resolve(read.index);
      else still.push(read);
    }
    this.#confirmed = still;
  }

  failAll(error: Error): void {
    for (const waiter of this.#asked.values()) waiter.reject(error);
    for (const read of this.#confirmed) read.waiter.reject(error);
    this.#asked.clear();
    this.#confirmed = [];
  }
}
