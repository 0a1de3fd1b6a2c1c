import { assertNever } from '../core/assert.js';
import type { HardState, LogEntry, PersistedState, Snapshot } from '../core/log-entry.js';
import { type RaftStorage, RaftStorageFailedError } from './raft-storage.js';
import { StoredLog } from './stored-log.js';

/** One call's effect, kept until the next sync() so that a simulated crash can drop it. */
type PendingCall =
  | { readonly kind: 'hardState'; readonly hardState: HardState }
  | { readonly kind: 'snapshot'; readonly snapshot: Snapshot; readonly restore: boolean }
  | { readonly kind: 'entries'; readonly entries: readonly LogEntry[] };

/**
 * RaftStorage in memory, for tests and simulations. It follows the durability model of RaftStorage
 * exactly: calls since the last sync() are pending, and `crash(keep)` returns the store the next
 * process sees: the synced state plus the first `keep` pending calls (default none), the last of them
 * possibly an `appendEntries` cut after `keepEntries` entries. The crashed instance fails from then on.
 */
export class MemoryRaftStorage implements RaftStorage {
  /** What the running process sees. */
  #current: StoredLog;
  /** What survives a crash. */
  #durable: StoredLog;
  #pending: PendingCall[] = [];
  #isClosed = false;
  /** sync() calls that returned (tests assert on the number of barriers). */
  syncs = 0;

  constructor(durable: StoredLog = new StoredLog()) {
    this.#durable = durable;
    this.#current = durable.clone();
  }

  async load(): Promise<PersistedState> {
    this.#check();
    return this.#current.toPersisted();
  }

  async saveHardState(hardState: HardState): Promise<void> {
    this.#record({ kind: 'hardState', hardState });
  }

  async saveSnapshot(snapshot: Snapshot): Promise<void> {
    this.#record({ kind: 'snapshot', snapshot, restore: false });
  }

  async installSnapshot(snapshot: Snapshot): Promise<void> {
    this.#record({ kind: 'snapshot', snapshot, restore: true });
  }

  async appendEntries(entries: readonly LogEntry[]): Promise<void> {
    if (entries.length === 0) return;
    this.#record({ kind: 'entries', entries: [...entries] });
  }

  async sync(): Promise<void> {
    this.#check();
    for (const call of this.#pending) apply(this.#durable, call);
    this.#pending = [];
    this.syncs++;
  }

  async close(): Promise<void> {
    this.#isClosed = true;
  }

  /** Calls made since the last sync() (what a crash may lose). */
  get pendingCalls(): number {
    return this.#pending.length;
  }

  /**
   * A crash: the next process's store holds the synced state plus the first `keep` pending calls; when
   * `keepEntries` is given and the last kept call is an append, only that many of its entries.
   */
  crash(keep = 0, keepEntries?: number): MemoryRaftStorage {
    this.#check();
    this.#isClosed = true;
    const survivor = this.#durable.clone();
    const kept = this.#pending.slice(0, keep);
    kept.forEach((call, i) => {
      const isLast = i === kept.length - 1;
      if (isLast && call.kind === 'entries' && keepEntries !== undefined)
        apply(survivor, { kind: 'entries', entries: call.entries.slice(0, keepEntries) });
      else apply(survivor, call);
    });
    return new MemoryRaftStorage(survivor);
  }

  #record(call: PendingCall): void {
    this.#check();
    apply(this.#current, call);
    this.#pending.push(call);
  }

  #check(): void {
    if (this.#isClosed) throw new RaftStorageFailedError('the raft storage is closed (or crashed)');
  }
}

function apply(log: StoredLog, call: PendingCall): void {
  switch (call.kind) {
    case 'hardState':
      log.hardState = call.hardState;
      return;
    case 'snapshot':
      if (call.restore) log.installSnapshot(call.snapshot);
      else log.saveSnapshot(call.snapshot);
      return;
    case 'entries':
      log.appendEntries(call.entries);
      return;
    default:
      assertNever(call);
  }
}
