import { assert } from '../core/assert.js';
import type { HardState, LogEntry, PersistedState, Snapshot } from '../core/log-entry.js';
import type { RaftReady } from '../core/raft-ready.js';

/**
 * One node's durable storage as the persistence contract describes it: a write persists, in order, the
 * hard state, the snapshot, then the entries. A crash during a write keeps only a prefix of those steps
 * (entries torn at an entry boundary); nothing else survives a crash.
 */
export class SimDisk {
  #hardState: HardState = { term: 0, votedFor: undefined };
  #snapshot: Snapshot | undefined;
  #entries: LogEntry[] = [];
  /** Extra latency of every write (a slow disk), in virtual ms. */
  delayMs = 0;
  /**
   * The device completes no write before this virtual time (a stall of the whole disk: every write in
   * flight, and every one issued meanwhile, completes only after it). Writes always complete in order.
   */
  stalledUntilMs = 0;
  /**
   * Writes in flight are served one after the other (each takes its delay after the previous one
   * completed) rather than overlapping: the pessimistic bound for pipelined writes on one device.
   */
  serial = false;

  /** The whole write completed (fsync returned). */
  write(work: RaftReady): void {
    this.#writeSteps(work, Number.POSITIVE_INFINITY);
  }

  /** A crash hit the write after `steps` of its steps (hard state, snapshot, each entry) reached disk. */
  writeTorn(work: RaftReady, steps: number): void {
    this.#writeSteps(work, steps);
  }

  /** The number of steps a write has, for choosing where a crash tears it. */
  static stepsOf(work: RaftReady): number {
    return 2 + work.entries.length;
  }

  recover(): PersistedState {
    return { hardState: this.#hardState, snapshot: this.#snapshot, entries: [...this.#entries] };
  }

  get hardState(): HardState {
    return this.#hardState;
  }

  get snapshot(): Snapshot | undefined {
    return this.#snapshot;
  }

  /** The last durable log index (the snapshot's when no entry follows it). */
  get lastIndex(): number {
    return (this.#snapshot?.index ?? 0) + this.#entries.length;
  }

  /** The durable log: does it hold `index` with `term` (in an entry or as the snapshot's end)? */
  holds(index: number, term: number): boolean {
    const snapshotIndex = this.#snapshot?.index ?? 0;
    if (index <= snapshotIndex) return index === snapshotIndex ? this.#snapshot?.term === term : true;
    return this.#entries[index - snapshotIndex - 1]?.term === term;
  }

  #writeSteps(work: RaftReady, steps: number): void {
    let remaining = steps;
    if (remaining-- <= 0) return;
    if (work.hardState !== undefined) this.#hardState = work.hardState;
    if (remaining-- <= 0) return;
    if (work.snapshot !== undefined) this.#persistSnapshot(work.snapshot.snapshot, work.snapshot.restore);
    for (const entry of work.entries) {
      if (remaining-- <= 0) return;
      this.#persistEntry(entry);
    }
  }

  #persistSnapshot(snapshot: Snapshot, restore: boolean): void {
    const current = this.#snapshot?.index ?? 0;
    if (restore) {
      this.#snapshot = snapshot;
      this.#entries = [];
      return;
    }
    if (snapshot.index <= current) return;
    const firstIndex = current + 1;
    this.#entries = this.#entries.slice(snapshot.index - firstIndex + 1);
    this.#snapshot = snapshot;
  }

  #persistEntry(entry: LogEntry): void {
    const snapshotIndex = this.#snapshot?.index ?? 0;
    assert(entry.index > snapshotIndex, 'storage never writes an entry its snapshot covers');
    const position = entry.index - snapshotIndex - 1;
    assert(position <= this.#entries.length, `entry ${entry.index} leaves a gap in the durable log`);
    this.#entries.length = position;
    this.#entries.push(entry);
  }
}
