import type { HardState, LogEntry } from './log-entry.js';
import type { PendingSnapshot } from './node-state.js';
import type { RaftMessage } from './raft-message.js';
import type { ReadState } from './read-index.js';

/**
 * Work for the caller, to be done in this order (src/raft/PERSISTENCE.md says why):
 * 1. persist `hardState` (if set), then `snapshot` (if set), then `entries` — durably (fsync);
 * 2. send `messages`;
 * 3. if `snapshot.restore`, load it into the state machine; apply `committed` in order;
 *    serve `readStates` once the state machine applied their index;
 * 4. call `advance(work)`. If `shouldSnapshot`, take a snapshot at the applied index and call compact().
 */
export interface RaftReady {
  readonly hardState: HardState | undefined;
  /** restore = false: taken locally, storage drops the entries it covers. restore = true: from the
   * leader, it replaces the whole log and the state machine. */
  readonly snapshot: PendingSnapshot | undefined;
  /** Contiguous entries; storage first drops any entry at or after entries[0].index, then appends. */
  readonly entries: readonly LogEntry[];
  readonly messages: readonly RaftMessage[];
  readonly committed: readonly LogEntry[];
  readonly readStates: readonly ReadState[];
  readonly shouldSnapshot: boolean;
}
