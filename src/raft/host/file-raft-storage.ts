import {
  type Clock,
  type FileLock,
  type FileSystem,
  joinPath,
  systemClock,
  writeFileAtomically,
  ZeroAheadPolicy,
} from '../../storage/index.js';
import { RaftInvariantError, RaftUsageError } from '../core/assert.js';
import type { HardState, LogEntry, PersistedState, Snapshot } from '../core/log-entry.js';
import {
  HARD_STATE_FILE,
  LOCK_FILE,
  type LoadedState,
  type RaftStorageRecovery,
  recoverStore,
  snapshotFileName,
} from './file-raft-storage-recovery.js';
import { RaftLogSegment, type SegmentFileOptions } from './raft-log-segment.js';
import { encodeHardState, encodeSnapshot, recordBytes } from './raft-record-codec.js';
import { type RaftStorage, RaftStorageFailedError } from './raft-storage.js';
import { checkAppend } from './stored-log.js';

export interface FileRaftStorageOptions {
  /** A segment rolls once it holds this many bytes (default 64 MiB). */
  readonly segmentBytes?: number;
  /**
   * Zero-ahead: when an append reaches past the zeros already written in its segment, it writes more
   * zeros after its records in the same write (up to segmentBytes), so that most fsyncs overwrite
   * allocated, already-synced blocks instead of growing the file (raft-log-segment.ts). How many
   * follows the rate of appends, as the broker's segments do (src/storage ZeroAheadPolicy): twice the
   * bytes appended in the last second, at least 64 KiB, at most this (default 4 MiB; 0 turns it off);
   * none while appends average over ZERO_AHEAD_MAX_GROUP_BYTES (256 KiB), where writing every byte
   * twice costs more than the journal commit it saves (16 KiB entries in large groups).
   */
  readonly zeroAheadBytes?: number;
  /** For the zero-ahead rate (default: the system clock). */
  readonly clock?: Clock;
  /**
   * Open log segments with O_DSYNC (default true): an append is durable when its write returns, so a
   * persist costs one job in the thread pool instead of a write and then an fdatasync, each a round
   * trip main thread → pool thread → main thread (src/raft/README.md, seventh pass). false: plain
   * writes, made durable by the fdatasync of `sync()`.
   */
  readonly dsync?: boolean;
}

/**
 * RaftStorage on the injected FileSystem port, one directory per node:
 *
 * - `hard-state`: term and vote, replaced atomically (temp file, fsync, rename, directory fsync).
 * - `<generation>-<index>.snapshot`: the latest snapshot, written the same way; older ones are deleted.
 * - `<generation>-<base index>.log`: segments of the log after the snapshot, a CRC-32C per record.
 * - `.lock`: the FileSystem lock, so two processes never write one store.
 *
 * Installing a leader's snapshot must drop the whole log atomically, yet the snapshot is one file and
 * the log many. Instead of deleting segments first (a crash would then lose acknowledged entries with
 * no snapshot to replace them), the store bumps a log generation: the new snapshot file carries it,
 * segments of older generations are dead the moment that file is durable and are removed lazily.
 *
 * Why a format of its own rather than src/storage segments: those hold Kafka record batches indexed
 * by offset with producer state, leader-epoch caches, time indexes and a flush policy of their own;
 * a Raft log needs none of it but needs a term per entry, a cut at any index made durable before the
 * next write, and generations. Encoding entries as batches (as KRaft does) would matter only if the
 * log were served to Kafka clients as is, which this log is not. The record layout is in
 * raft-record-codec.ts, the segment rules in raft-log-segment.ts.
 *
 * Durability, as RaftStorage requires: saveHardState, saveSnapshot and installSnapshot first sync any
 * appended entries (keeping the prefix-of-calls property), then are durable on return; appends are
 * durable after sync(), which fsyncs every segment written to and, when segments were created, the
 * directory. With `dsync` (the default) segments are opened O_DSYNC: an append's records are durable
 * when it returns and sync() fsyncs only what a plain write left (a new segment, a new directory
 * entry), so the usual persist is one write. Any I/O error fails the store for good (after a failed fsync the page cache cannot be
 * trusted): the driver must stop the node and restart it from load().
 *
 * Pipelined writes: `sync()` may run while earlier syncs are still in flight, and `appendEntries` may
 * start while syncs are in flight (so the next batch is written while the previous one's fsync runs).
 * Such an append goes at the end of the last segment; one that cuts a suffix or needs a new segment,
 * and every hard-state and snapshot call, first waits for the syncs in flight (their prefix-of-calls
 * order needs what came before durable). A sync returns once its own fsync and every sync in flight
 * when it started returned, so it still covers every call before it. Records of an overlapping append
 * lie after the ones being synced, in the same file: a crash keeps a prefix of them as before (recovery
 * ends the log at the first record that did not survive).
 */
export class FileRaftStorage implements RaftStorage {
  readonly #fs: FileSystem;
  readonly #dir: string;
  readonly #segmentBytes: number;
  readonly #zeroAheadBytes: number;
  readonly #zeroAhead: ZeroAheadPolicy;
  readonly #clock: Clock;
  readonly #segmentFiles: SegmentFileOptions;
  readonly #lock: FileLock;
  #loaded: PersistedState | undefined;
  readonly recovery: RaftStorageRecovery;
  #generation: number;
  #snapshotIndex: number;
  #snapshotFile: string | undefined;
  /** Segments of the current generation, by base index, holding snapshotIndex + 1 .. lastIndex (and maybe some before). */
  #segments: RaftLogSegment[];
  #lastIndex: number;
  #isDirDirty = false;
  #failure: Error | undefined;
  #isBusy = false;
  /** sync() calls that have not returned: appends may overlap them (pipelined writes). */
  readonly #syncsInFlight = new Set<Promise<void>>();

  private constructor(
    fs: FileSystem,
    dir: string,
    sizes: { segmentBytes: number; zeroAheadBytes: number },
    clock: Clock,
    segmentFiles: SegmentFileOptions,
    lock: FileLock,
    state: LoadedState,
  ) {
    this.#fs = fs;
    this.#dir = dir;
    this.#segmentBytes = sizes.segmentBytes;
    this.#zeroAheadBytes = sizes.zeroAheadBytes;
    this.#zeroAhead = new ZeroAheadPolicy(sizes.zeroAheadBytes);
    this.#clock = clock;
    this.#segmentFiles = segmentFiles;
    this.#lock = lock;
    this.#loaded = state.persisted;
    this.recovery = state.recovery;
    this.#generation = state.generation;
    this.#snapshotIndex = state.persisted.snapshot?.index ?? 0;
    this.#snapshotFile = state.snapshotFile;
    this.#segments = state.segments;
    this.#lastIndex = this.#snapshotIndex + state.persisted.entries.length;
  }

  /**
   * Opens (creating it if needed) the store in `dir`: takes its lock (LogDirLockedError when another
   * process holds it), then recovers it. Throws CorruptRaftStorageError when the hard state or the
   * latest snapshot fails its CRC: a vote or acknowledged entries could be lost, so it will not guess.
   */
  static async open(
    fs: FileSystem,
    dir: string,
    options: FileRaftStorageOptions = {},
  ): Promise<FileRaftStorage> {
    const segmentBytes = options.segmentBytes ?? 64 * 1024 * 1024;
    if (!(segmentBytes > 0)) throw new RaftUsageError(`segmentBytes ${segmentBytes} must be positive`);
    const zeroAheadBytes = options.zeroAheadBytes ?? 4 * 1024 * 1024;
    if (!(zeroAheadBytes >= 0)) throw new RaftUsageError(`zeroAheadBytes ${zeroAheadBytes} must be >= 0`);
    await fs.mkdir(dir);
    const lock = await fs.lock(joinPath(dir, LOCK_FILE));
    try {
      const sizes = { segmentBytes, zeroAheadBytes };
      const segmentFiles = { dsync: options.dsync ?? true };
      return new FileRaftStorage(
        fs,
        dir,
        sizes,
        options.clock ?? systemClock,
        segmentFiles,
        lock,
        await recoverStore(fs, dir, segmentFiles),
      );
    } catch (error: unknown) {
      await lock.release();
      throw error;
    }
  }

  async load(): Promise<PersistedState> {
    const loaded = this.#loaded;
    if (loaded === undefined) throw new RaftUsageError('load() is called once, before any write');
    this.#loaded = undefined;
    return loaded;
  }

  saveHardState(hardState: HardState): Promise<void> {
    return this.#run(async () => {
      await this.#syncSegments();
      await writeFileAtomically(this.#fs, joinPath(this.#dir, HARD_STATE_FILE), encodeHardState(hardState));
    });
  }

  saveSnapshot(snapshot: Snapshot): Promise<void> {
    return this.#run(async () => {
      if (snapshot.index <= this.#snapshotIndex) return;
      await this.#syncSegments();
      await this.#writeSnapshot(snapshot, this.#generation);
      // Segments wholly covered by the snapshot go; a crash that resurrects one is harmless (load skips them).
      while (this.#segments[0] !== undefined && this.#segments[0].lastIndex <= snapshot.index) {
        await this.#removeSegment(this.#segments.shift()!);
      }
      this.#lastIndex = Math.max(this.#lastIndex, snapshot.index);
    });
  }

  installSnapshot(snapshot: Snapshot): Promise<void> {
    return this.#run(async () => {
      await this.#syncSegments();
      await this.#writeSnapshot(snapshot, this.#generation + 1);
      // Dead from now on (an older generation), whether these removals survive a crash or not.
      for (const segment of this.#segments.splice(0)) await this.#removeSegment(segment);
      this.#lastIndex = snapshot.index;
    });
  }

  appendEntries(entries: readonly LogEntry[]): Promise<void> {
    const check = () => checkAppend(entries, this.#snapshotIndex, this.#lastIndex);
    return this.#run(async () => {
      const first = entries[0];
      if (first === undefined) return;
      if (first.index <= this.#lastIndex || !this.#lastSegmentTakes(entries)) await this.#drainSyncs();
      if (first.index <= this.#lastIndex) await this.#truncateFrom(first.index);
      const zeroAheadBytes = this.#zeroAheadFor(entries);
      let from = 0;
      while (from < entries.length) {
        const segment = await this.#appendableSegment();
        // At least one entry per segment (an entry larger than segmentBytes gets a segment of its own).
        let to = from + 1;
        let bytes = segment.size + recordBytes(entries[from]!);
        while (to < entries.length && bytes + recordBytes(entries[to]!) <= this.#segmentBytes)
          bytes += recordBytes(entries[to++]!);
        const zeroAheadTo = zeroAheadBytes === 0 ? 0 : Math.min(this.#segmentBytes, bytes + zeroAheadBytes);
        await segment.append(entries.slice(from, to), zeroAheadTo);
        this.#lastIndex = entries[to - 1]!.index;
        from = to;
      }
    }, check);
  }

  /** Not exclusive: see "Pipelined writes" above. */
  sync(): Promise<void> {
    if (this.#failure !== undefined)
      return Promise.reject(
        new RaftStorageFailedError('the raft storage failed or is closed', { cause: this.#failure }),
      );
    if (this.#isBusy) return Promise.reject(new RaftUsageError('sync() must not overlap a write call'));
    this.#loaded = undefined;
    const own = this.#syncSegments().catch((error: unknown) => {
      this.#failure ??= error instanceof Error ? error : new Error(String(error));
      throw new RaftStorageFailedError(`raft storage in ${this.#dir} failed`, { cause: error });
    });
    this.#syncsInFlight.add(own);
    const forget = (): void => {
      this.#syncsInFlight.delete(own);
    };
    own.then(forget, forget);
    return own;
  }

  /** Whether `entries` fit at the end of the last segment (no new segment, so no directory change). */
  #lastSegmentTakes(entries: readonly LogEntry[]): boolean {
    const last = this.#segments.at(-1);
    if (last === undefined || last.lastIndex !== this.#lastIndex) return false;
    let bytes = last.size;
    for (const entry of entries) bytes += recordBytes(entry);
    return bytes <= this.#segmentBytes;
  }

  /** Waits until every sync in flight returned (a failed one fails the store, and so this call). */
  async #drainSyncs(): Promise<void> {
    while (this.#syncsInFlight.size > 0) await Promise.all(this.#syncsInFlight);
  }

  /**
   * Counts one append (each is one ready(), made durable by the sync after it: a group commit) and
   * returns how many zeros an append reaching past its segment's zeros writes now (0: none).
   */
  #zeroAheadFor(entries: readonly LogEntry[]): number {
    if (!this.#zeroAhead.isEnabled) return 0;
    let bytes = 0;
    for (const entry of entries) bytes += recordBytes(entry);
    const nowMs = this.#clock.nowMs();
    this.#zeroAhead.recordDurableWrite(bytes, nowMs);
    // The policy rounds to 64 KiB units; a smaller configured bound (tests) still holds.
    return Math.min(this.#zeroAheadBytes, this.#zeroAhead.targetBytes(nowMs));
  }

  async close(): Promise<void> {
    await Promise.allSettled(this.#syncsInFlight);
    this.#failure ??= new RaftStorageFailedError('the raft storage is closed');
    for (const segment of this.#segments.splice(0)) await segment.close();
    await this.#lock.release();
  }

  /**
   * One call at a time. `precondition` runs before any I/O: its refusal leaves the store as it was.
   * Any failure after that fails the store for good.
   */
  async #run(call: () => Promise<void>, precondition?: () => void): Promise<void> {
    if (this.#failure !== undefined)
      throw new RaftStorageFailedError('the raft storage failed or is closed', { cause: this.#failure });
    if (this.#isBusy) throw new RaftUsageError('RaftStorage calls must not overlap');
    precondition?.();
    this.#loaded = undefined;
    this.#isBusy = true;
    try {
      await call();
    } catch (error: unknown) {
      this.#failure = error instanceof Error ? error : new Error(String(error));
      throw new RaftStorageFailedError(`raft storage in ${this.#dir} failed`, { cause: error });
    } finally {
      this.#isBusy = false;
    }
  }

  /** Makes every call so far durable: fsyncs what is dirty, then waits for the syncs already in flight. */
  async #syncSegments(): Promise<void> {
    const earlier = [...this.#syncsInFlight];
    for (const segment of this.#segments) await segment.sync();
    if (this.#isDirDirty) {
      this.#isDirDirty = false;
      await this.#fs.fsyncDir(this.#dir);
    }
    await Promise.all(earlier);
  }

  async #writeSnapshot(snapshot: Snapshot, generation: number): Promise<void> {
    const name = snapshotFileName(generation, snapshot.index);
    await writeFileAtomically(this.#fs, joinPath(this.#dir, name), encodeSnapshot({ snapshot, generation }));
    if (this.#snapshotFile !== undefined && this.#snapshotFile !== name)
      await this.#fs.unlink(joinPath(this.#dir, this.#snapshotFile));
    this.#snapshotFile = name;
    this.#snapshotIndex = snapshot.index;
    this.#generation = generation;
  }

  /**
   * Drops entries `index`.. : later segments are removed, newest first, and the removals made durable
   * before the cut and any new write, so no old segment can come back after the new entries.
   */
  async #truncateFrom(index: number): Promise<void> {
    let removed = false;
    while ((this.#segments.at(-1)?.baseIndex ?? 0) > index) {
      await this.#removeSegment(this.#segments.pop()!);
      removed = true;
    }
    if (removed) await this.#fs.fsyncDir(this.#dir);
    const holder = this.#segments.at(-1);
    if (holder === undefined) throw new RaftInvariantError(`no segment holds entry ${index}`);
    await holder.truncateFrom(index);
    this.#lastIndex = index - 1;
  }

  /** The segment the next entry goes to: the last one, or a new one when it is full or does not end the log. */
  async #appendableSegment(): Promise<RaftLogSegment> {
    const last = this.#segments.at(-1);
    if (last !== undefined && last.lastIndex === this.#lastIndex && last.size < this.#segmentBytes)
      return last;
    const segment = await RaftLogSegment.create(
      this.#fs,
      this.#dir,
      this.#generation,
      this.#lastIndex + 1,
      this.#segmentFiles,
    );
    this.#segments.push(segment);
    this.#isDirDirty = true;
    return segment;
  }

  async #removeSegment(segment: RaftLogSegment): Promise<void> {
    await segment.close();
    await this.#fs.unlink(segment.path);
  }
}
