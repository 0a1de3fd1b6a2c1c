import type { LogEntry } from '../core/log-entry.js';
import type { RaftMessage } from '../core/raft-message.js';
import type { RaftReady } from '../core/raft-ready.js';

/** A scheduled callback that can be cancelled. */
export interface TimerHandle {
  cancel(): void;
}

/** The driver's clock: wall time in ms plus one-shot timers (real: Date.now/setTimeout; tests: fake). */
export interface HostClock {
  nowMs(): number;
  /**
   * Runs `callback` once `delayMs` passed, after the input that was ready by then (systemClock): a
   * deadline is acted on only after what arrived before it was read.
   */
  setTimer(callback: () => void, delayMs: number): TimerHandle;
}

/**
 * Outbound messages. `send` must not block or throw: a message that cannot go out now is dropped (Raft
 * retransmits). Inbound messages reach the driver through `RaftDriver.receive`.
 */
export interface RaftTransport {
  send(messages: readonly RaftMessage[]): void;
}

/**
 * Makes one ready() durable, in the order of src/raft/PERSISTENCE.md (hard state, snapshot, entries,
 * fsync); resolves only once it is. A rejection is fatal for the node (its disk is in an unknown state).
 * The production one is `persistReady(storage, work)` over a RaftStorage.
 */
export type PersistReady = (work: RaftReady) => Promise<void>;

/**
 * The replicated application. Called by the driver only, in log order, each committed command once per
 * process lifetime (after a restart: again from the snapshot on, so `restore` must reset everything).
 */
export interface StateMachine {
  /** Applies a committed command; the result goes to the proposer's promise (on the node that proposed). */
  apply(entry: Extract<LogEntry, { kind: 'command' }>): Uint8Array;
  /**
   * The state after every command applied so far, as bytes (taken when the log grows past the
   * threshold). It may resolve later, so that a large state is serialised in slices between which the
   * event loop runs, but it must hold the state as of the call: commands applied meanwhile not included.
   */
  snapshot(): Uint8Array | Promise<Uint8Array>;
  /** Replaces the whole state with a snapshot's (at start, or installed from the leader). */
  restore(data: Uint8Array | undefined): void;
}

/**
 * Date.now and setTimeout, with the callback moved behind the I/O that is ready when the timeout fires
 * (setImmediate: Node runs due timers before it reads sockets). After the event loop was held past an
 * election deadline (a snapshot of a large state machine, a GC pause, a starved CPU), the leader's
 * messages that waited in the socket are stepped before the follower's timer, which then finds the
 * leader alive instead of starting a pre-vote against it.
 */
export const systemClock: HostClock = {
  nowMs: () => Date.now(),
  setTimer(callback, delayMs) {
    let immediate: NodeJS.Immediate | undefined;
    const timer = setTimeout(
      () => {
        immediate = setImmediate(callback);
      },
      Math.max(0, delayMs),
    );
    return {
      cancel: () => {
        clearTimeout(timer);
        if (immediate !== undefined) clearImmediate(immediate);
      },
    };
  },
};
