import { assert } from './assert.js';
import { type ClusterConfig, entryBytes, type LogEntry, type SnapshotMeta } from './log-entry.js';

/**
 * A node's log in memory: the snapshot it starts from, then the entries after it. It also tracks which
 * suffix is unstable (not yet handed to storage) and which prefix is stable (storage confirmed it), so
 * that the leader counts only durable entries for itself and nothing unpersisted is applied.
 *
 * Stability: `stableIndex` is the highest index i such that entries 1..i in memory are durable. A
 * truncation (a new leader overwriting a conflicting suffix) lowers it, and lowers what the writes in
 * flight will make stable, because storage will write the new entries over the old ones.
 */
export class RaftLog {
  #snapshot: SnapshotMeta;
  #entries: LogEntry[] = [];
  /** Indices of config entries in #entries, ascending. */
  #configIndices: number[] = [];
  #bytes = 0;
  #stableIndex: number;
  /** First index not yet handed to storage. */
  #unstableFrom: number;
  /**
   * Writes in flight, oldest first (storage completes them in order): the last index each will make
   * durable (-Infinity for a write without entries), clamped by truncations and restores.
   */
  #inflight: number[] = [];

  constructor(snapshot: SnapshotMeta, entries: readonly LogEntry[]) {
    this.#snapshot = snapshot;
    for (const entry of entries) this.#push(entry);
    this.#stableIndex = this.lastIndex;
    this.#unstableFrom = this.lastIndex + 1;
  }

  get snapshotMeta(): SnapshotMeta {
    return this.#snapshot;
  }
  get firstIndex(): number {
    return this.#snapshot.index + 1;
  }
  get lastIndex(): number {
    return this.#snapshot.index + this.#entries.length;
  }
  get lastTerm(): number {
    return this.#entries.at(-1)?.term ?? this.#snapshot.term;
  }
  get stableIndex(): number {
    return this.#stableIndex;
  }
  /** Bytes of the entries after the snapshot (what a new snapshot would free). */
  get bytesAfterSnapshot(): number {
    return this.#bytes;
  }
  get hasUnstable(): boolean {
    return this.#unstableFrom <= this.lastIndex;
  }

  /** The term at `index`, or undefined when it is compacted away (below the snapshot) or beyond the end. */
  term(index: number): number | undefined {
    if (index === this.#snapshot.index) return this.#snapshot.term;
    return this.entry(index)?.term;
  }

  entry(index: number): LogEntry | undefined {
    if (index <= this.#snapshot.index) return undefined;
    return this.#entries[index - this.#snapshot.index - 1];
  }

  /** Entries from `from` on, at most `maxEntries` and about `maxBytes` (never fewer than one). */
  slice(from: number, toInclusive: number, maxBytes: number, maxEntries: number): LogEntry[] {
    assert(from >= this.firstIndex, `slice from ${from} below first index ${this.firstIndex}`);
    const out: LogEntry[] = [];
    let bytes = 0;
    const last = Math.min(toInclusive, this.lastIndex, from + maxEntries - 1);
    for (let index = from; index <= last; index++) {
      const entry = this.entry(index);
      assert(entry !== undefined, 'entries between first and last index are present');
      bytes += entryBytes(entry);
      if (out.length > 0 && bytes > maxBytes) break;
      out.push(entry);
    }
    return out;
  }

  /** Raft's election restriction (§5.4.1): is a log ending at (lastIndex, lastTerm) at least as up to date? */
  isUpToDate(lastIndex: number, lastTerm: number): boolean {
    return lastTerm > this.lastTerm || (lastTerm === this.lastTerm && lastIndex >= this.lastIndex);
  }

  /** Appends the leader's own new entry. */
  append(entry: LogEntry): void {
    assert(entry.index === this.lastIndex + 1, 'a leader appends at the end of its log');
    assert(entry.term >= this.lastTerm, 'terms never decrease along a log');
    this.#push(entry);
  }

  /**
   * Merges entries that follow `prevIndex` (whose term the caller checked): entries already present with
   * the same term are kept, the first conflicting one truncates the suffix from there (§5.3). Never
   * truncates at or below `commitIndex`. Returns the index of the last entry of the message.
   */
  appendFromLeader(prevIndex: number, entries: readonly LogEntry[], commitIndex: number): number {
    let expected = prevIndex + 1;
    for (const entry of entries) {
      assert(entry.index === expected, 'append entries are contiguous after prevLogIndex');
      expected++;
      if (entry.index <= this.#snapshot.index) continue;
      const existing = this.term(entry.index);
      if (existing === entry.term) continue;
      if (existing !== undefined) {
        assert(entry.index > commitIndex, `a leader never overwrites committed index ${entry.index}`);
        this.#truncateFrom(entry.index);
      }
      this.#push(entry);
    }
    return prevIndex + entries.length;
  }

  /** Where a rejected append should restart: see RaftMessage appendResponse. */
  conflictHint(prevIndex: number): { hintIndex: number; hintTerm: number } {
    if (prevIndex > this.lastIndex) return { hintIndex: this.lastIndex + 1, hintTerm: 0 };
    const hintTerm = this.term(prevIndex);
    if (hintTerm === undefined) return { hintIndex: this.firstIndex, hintTerm: 0 };
    let hintIndex = prevIndex;
    while (hintIndex > this.firstIndex && this.term(hintIndex - 1) === hintTerm) hintIndex--;
    return { hintIndex, hintTerm };
  }

  /** The last index at or below `atOrBelow` holding `term`, scanning down while terms are >= it. */
  lastIndexOfTerm(term: number, atOrBelow: number): number | undefined {
    for (let index = Math.min(atOrBelow, this.lastIndex); index >= this.firstIndex; index--) {
      const found = this.term(index);
      if (found === undefined || found < term) return undefined;
      if (found === term) return index;
    }
    return this.#snapshot.term === term && this.#snapshot.index <= atOrBelow
      ? this.#snapshot.index
      : undefined;
  }

  /** The configuration in force: the latest config entry, committed or not, else the snapshot's. */
  latestConfig(): { config: ClusterConfig; index: number } {
    const index = this.#configIndices.at(-1);
    if (index === undefined) return { config: this.#snapshot.config, index: this.#snapshot.index };
    const entry = this.entry(index);
    assert(entry?.kind === 'config', 'config index points at a config entry');
    return { config: entry.config, index };
  }

  /** The configuration in force at `index` (for a snapshot taken there). */
  configAt(index: number): ClusterConfig {
    assert(index >= this.#snapshot.index, 'configAt needs an index the log still has');
    for (let i = this.#configIndices.length - 1; i >= 0; i--) {
      const configIndex = this.#configIndices[i]!;
      if (configIndex > index) continue;
      const entry = this.entry(configIndex);
      assert(entry?.kind === 'config', 'config index points at a config entry');
      return entry.config;
    }
    return this.#snapshot.config;
  }

  /**
   * Hands the unstable suffix to storage as one write (possibly empty). Several writes may be in
   * flight; storage makes them durable in the order they were handed out.
   */
  takeUnstable(): LogEntry[] {
    if (!this.hasUnstable) {
      this.#inflight.push(Number.NEGATIVE_INFINITY);
      return [];
    }
    const entries = this.#entries.slice(this.#unstableFrom - this.#snapshot.index - 1);
    this.#inflight.push(this.lastIndex);
    this.#unstableFrom = this.lastIndex + 1;
    return entries;
  }

  /** Storage confirmed the oldest write handed out by takeUnstable (and so every one before it). */
  markInflightStable(): void {
    const last = this.#inflight.shift();
    assert(last !== undefined, 'a write was handed out');
    this.#stableIndex = Math.max(this.#stableIndex, last);
  }

  /** A snapshot taken locally is durable: drop the entries it covers. */
  compact(meta: SnapshotMeta): void {
    if (meta.index <= this.#snapshot.index) return;
    assert(meta.index <= this.#stableIndex, 'only stable entries are compacted');
    assert(this.term(meta.index) === meta.term, 'a local snapshot matches the log at its index');
    const dropped = this.#entries.splice(0, meta.index - this.#snapshot.index);
    for (const entry of dropped) this.#bytes -= entryBytes(entry);
    this.#configIndices = this.#configIndices.filter((index) => index > meta.index);
    this.#snapshot = meta;
  }

  /** A snapshot from the leader replaces the whole log (storage does the same when persisting it). */
  restore(meta: SnapshotMeta): void {
    assert(meta.index > this.#snapshot.index, 'a restored snapshot moves the log forward');
    // Until the new snapshot is durable, only what the old snapshot covered is known to match memory.
    const durableFloor = this.#snapshot.index;
    this.#entries = [];
    this.#configIndices = [];
    this.#bytes = 0;
    this.#snapshot = meta;
    this.#stableIndex = Math.min(this.#stableIndex, durableFloor);
    this.#unstableFrom = meta.index + 1;
    this.#clampInflight(durableFloor);
  }

  /** Called when the restore snapshot became durable. */
  markSnapshotStable(index: number): void {
    if (index === this.#snapshot.index) this.#stableIndex = Math.max(this.#stableIndex, index);
  }

  #push(entry: LogEntry): void {
    assert(entry.index === this.lastIndex + 1, `entry ${entry.index} follows ${this.lastIndex}`);
    this.#entries.push(entry);
    this.#bytes += entryBytes(entry);
    if (entry.kind === 'config') this.#configIndices.push(entry.index);
  }

  #truncateFrom(index: number): void {
    const removed = this.#entries.splice(index - this.#snapshot.index - 1);
    for (const entry of removed) this.#bytes -= entryBytes(entry);
    this.#configIndices = this.#configIndices.filter((configIndex) => configIndex < index);
    this.#stableIndex = Math.min(this.#stableIndex, index - 1);
    this.#unstableFrom = Math.min(this.#unstableFrom, index);
    this.#clampInflight(index - 1);
  }

  /** Writes in flight make nothing above `index` stable any more (storage will overwrite it). */
  #clampInflight(index: number): void {
    for (let i = 0; i < this.#inflight.length; i++) this.#inflight[i] = Math.min(this.#inflight[i]!, index);
  }
}
