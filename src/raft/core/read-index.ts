import { assert } from './assert.js';

/**
 * The outcome of a read-index request. `ready`: once the state machine applied `index`, a read of it
 * is linearizable. `failed`: ask again (at the leader, after it committed an entry of its term).
 */
export type ReadState =
  | { readonly kind: 'ready'; readonly requestId: number; readonly index: number }
  | {
      readonly kind: 'failed';
      readonly requestId: number;
      readonly reason: 'notLeader' | 'notReady' | 'overloaded';
    };

interface PendingRead {
  readonly requestId: number;
  readonly index: number;
  readonly seq: number;
}

/**
 * Read-index (thesis §6.4): the leader notes its commit index when a read arrives, then sends a
 * heartbeat round tagged with a sequence number. Once a majority of voters echoed a sequence at or above
 * the read's, no newer leader can have committed anything before the read arrived, so the noted
 * index covers every write acknowledged before the read started.
 */
export class ReadIndexQueue {
  #pending: PendingRead[] = [];
  readonly #maxPending: number;

  constructor(maxPending: number) {
    this.#maxPending = maxPending;
  }

  get size(): number {
    return this.#pending.length;
  }

  add(requestId: number, index: number, seq: number): boolean {
    if (this.#pending.length >= this.#maxPending) return false;
    const last = this.#pending.at(-1);
    assert(last === undefined || last.seq <= seq, 'read sequences are issued in order');
    this.#pending.push({ requestId, index, seq });
    return true;
  }

  /** Releases every read whose heartbeat round a quorum confirmed (sequence <= confirmedSeq). */
  confirm(confirmedSeq: number): ReadState[] {
    let released = 0;
    while (released < this.#pending.length && this.#pending[released]!.seq <= confirmedSeq) released++;
    return this.#pending
      .splice(0, released)
      .map((read) => ({ kind: 'ready', requestId: read.requestId, index: read.index }));
  }

  /** Leadership was lost: every pending read fails. */
  failAll(): ReadState[] {
    return this.#pending
      .splice(0)
      .map((read) => ({ kind: 'failed', requestId: read.requestId, reason: 'notLeader' }));
  }
}
