import { assert } from '../core/assert.js';
import type { HardState, LogEntry, PersistedState, Snapshot } from '../core/log-entry.js';

/**
 * The logical content of a RaftStorage, as plain values: what MemoryRaftStorage holds and what
 * FileRaftStorage's files must decode to. Each method is one storage call's effect (RaftStorage
 * documents them); the preconditions are the driver's and are asserted.
 */
export class StoredLog {
  hardState: HardState = { term: 0, votedFor: undefined };
  snapshot: Snapshot | undefined;
  /** Contiguous, the first one at snapshot index + 1. */
  entries: LogEntry[] = [];

  get snapshotIndex(): number {
    return this.snapshot?.index ?? 0;
  }

  get lastIndex(): number {
    return this.snapshotIndex + this.entries.length;
  }

  saveSnapshot(snapshot: Snapshot): void {
    if (snapshot.index <= this.snapshotIndex) return;
    this.entries = this.entries.slice(Math.min(this.entries.length, snapshot.index - this.snapshotIndex));
    this.snapshot = snapshot;
  }

  installSnapshot(snapshot: Snapshot): void {
    this.snapshot = snapshot;
    this.entries = [];
  }

  appendEntries(entries: readonly LogEntry[]): void {
    const first = entries[0];
    if (first === undefined) return;
    checkAppend(entries, this.snapshotIndex, this.lastIndex);
    this.entries.length = first.index - this.snapshotIndex - 1;
    this.entries.push(...entries);
  }

  toPersisted(): PersistedState {
    return { hardState: this.hardState, snapshot: this.snapshot, entries: [...this.entries] };
  }

  clone(): StoredLog {
    const copy = new StoredLog();
    copy.hardState = this.hardState;
    copy.snapshot = this.snapshot;
    copy.entries = [...this.entries];
    return copy;
  }
}

/** The preconditions of RaftStorage.appendEntries, shared by every implementation. */
export function checkAppend(entries: readonly LogEntry[], snapshotIndex: number, lastIndex: number): void {
  const first = entries[0];
  if (first === undefined) return;
  assert(first.index > snapshotIndex, `entry ${first.index} is covered by the snapshot at ${snapshotIndex}`);
  assert(
    first.index <= lastIndex + 1,
    `entry ${first.index} leaves a gap after the last stored ${lastIndex}`,
  );
  for (let i = 1; i < entries.length; i++) {
    assert(entries[i]!.index === first.index + i, 'appended entries are contiguous');
    assert(entries[i]!.term >= entries[i - 1]!.term, 'terms never decrease along the log');
  }
}
