import { PyralogError } from '../../protocol/index.js';
import type { HardState, LogEntry, PersistedState, Snapshot } from '../core/log-entry.js';
import type { RaftReady } from '../core/raft-ready.js';

/**
 * One Raft node's durable state: hard state (term, vote), the latest snapshot and the log entries
 * after it. THIS INTERFACE IS THE CONTRACT THE DRIVER (raft-net, issue 7) BUILDS ON: change it only
 * by adding to it. Implementations: MemoryRaftStorage (tests, simulations) and FileRaftStorage (an
 * injected FileSystem port: segments with a CRC per record, atomic hard state and snapshot files).
 *
 * What must be durable before which message leaves is src/raft/PERSISTENCE.md; `persistReady` below
 * does it for one `RaftNode.ready()` in the order that document requires.
 *
 * Durability model, for every implementation:
 * - Calls are made one at a time (the caller awaits each before the next); none overlaps `load()`.
 *   Except: `sync()` and `appendEntries` may be called while earlier `sync()`s are in flight (pipelined
 *   writes, `pipelinedPersist`); a `sync()` then returns only once everything before it is durable,
 *   including what the syncs in flight cover, and the prefix-of-calls rule below still holds.
 * - Everything a call did is durable once a later `sync()` returned.
 * - A crash (process or power) keeps a prefix of the calls made since the last `sync()`, in call order,
 *   with the last `appendEntries` possibly cut at an entry boundary; when that append overwrote a
 *   suffix, the old entries may also be cut anywhere from the overwrite point on (they conflicted with
 *   the leader's, so none of them was committed). `saveHardState` and the two snapshot calls are
 *   atomic: all or nothing. So a recovered state never mixes old and new beyond that.
 * - `load()` never returns anything torn or invalid: a torn tail is truncated, a gap ends the log.
 */
export interface RaftStorage {
  /**
   * What survived the last run, exactly what `new RaftNode(options, persisted, ...)` takes: the hard
   * state ({term 0, no vote} on a fresh store), the latest snapshot and the contiguous entries after it.
   * Called once, before any write.
   */
  load(): Promise<PersistedState>;
  /** Replaces the term and vote (atomically: never a new term with an old vote or a torn record). */
  saveHardState(hardState: HardState): Promise<void>;
  /**
   * A snapshot the application took locally (`ready().snapshot.restore === false`). Entries at or
   * below its index may be deleted (the log prefix is compacted) once the snapshot is durable; entries
   * after it stay. A snapshot not newer than the stored one is ignored.
   */
  saveSnapshot(snapshot: Snapshot): Promise<void>;
  /**
   * A snapshot received from the leader (`restore === true`): it replaces the whole log, entries above
   * its index included, whatever their terms. Atomic: after a crash the store holds either the old
   * snapshot and log, or the new snapshot and no entry up to the next append.
   */
  installSnapshot(snapshot: Snapshot): Promise<void>;
  /**
   * Drops every stored entry at or after `entries[0].index` (a new leader overwriting a conflicting
   * uncommitted suffix), then appends `entries`. They must be contiguous, start after the snapshot and
   * leave no gap after the last stored entry (RaftInvariantError otherwise). The store owns the
   * entries' `data` buffers from now on (the caller must not mutate them). Durable after `sync()`.
   */
  appendEntries(entries: readonly LogEntry[]): Promise<void>;
  /** The durability barrier: returns once everything done before it is durable (fsync). */
  sync(): Promise<void>;
  /** Releases the store's files and lock; later calls fail. Does not sync. */
  close(): Promise<void>;
}

/**
 * Persists one `ready()` as PERSISTENCE.md requires: hard state, then the snapshot, then the entries,
 * then the barrier. Only after it resolved may the caller send `work.messages` and call `advance`.
 */
export async function persistReady(storage: RaftStorage, work: RaftReady): Promise<void> {
  if (!needsWrite(work)) return;
  await writeReady(storage, work);
  await storage.sync();
}

/**
 * Persists readies with several in flight (RaftOptions.maxInflightWrites > 1): the returned function
 * may be called again before an earlier call resolved. A ready's calls start once the previous ready's
 * calls returned, without waiting for its sync, so the next batch is written while the previous fsync
 * runs (the storage must allow appendEntries and sync() while a sync() is in flight, as
 * FileRaftStorage and MemoryRaftStorage do); each call resolves only after every earlier one did, so
 * messages leave and advance() runs in order. A failure fails that call and every later one.
 */
export function pipelinedPersist(storage: RaftStorage): (work: RaftReady) => Promise<void> {
  let written: Promise<void> = Promise.resolve();
  let durable: Promise<void> = Promise.resolve();
  return (work) => {
    const writes = written.then(() => (needsWrite(work) ? writeReady(storage, work) : undefined));
    const synced = writes.then(() => (needsWrite(work) ? storage.sync() : undefined));
    const done = Promise.all([durable, synced]).then(() => undefined);
    written = writes;
    durable = done;
    return done;
  };
}

function needsWrite(work: RaftReady): boolean {
  return work.hardState !== undefined || work.snapshot !== undefined || work.entries.length > 0;
}

/** PERSISTENCE.md's order: hard state, then the snapshot, then the entries (no barrier). */
async function writeReady(storage: RaftStorage, work: RaftReady): Promise<void> {
  if (work.hardState !== undefined) await storage.saveHardState(work.hardState);
  if (work.snapshot !== undefined) {
    if (work.snapshot.restore) await storage.installSnapshot(work.snapshot.snapshot);
    else await storage.saveSnapshot(work.snapshot.snapshot);
  }
  if (work.entries.length > 0) await storage.appendEntries(work.entries);
}

/** Stored state that fails its checks in a way recovery must not paper over (it would lose a vote or acknowledged entries). */
export class CorruptRaftStorageError extends PyralogError {
  readonly code = 'RAFT_STORAGE_CORRUPT';
}

/** The store failed an I/O call or was closed: its files are in an unknown state, every later call fails. */
export class RaftStorageFailedError extends PyralogError {
  readonly code = 'RAFT_STORAGE_FAILED';
}
