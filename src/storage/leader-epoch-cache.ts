import { readCheckpoint, writeCheckpoint } from './checkpoint-file.js';
import type { FileSystem } from './file-system.js';
import { CorruptStorageFileError } from './storage-errors.js';

export const LEADER_EPOCH_CHECKPOINT = 'leader-epoch-checkpoint';
/** Kafka's UNDEFINED_EPOCH and UNDEFINED_EPOCH_OFFSET, as OffsetForLeaderEpoch answers them. */
export const UNDEFINED_EPOCH = -1;
export const UNDEFINED_EPOCH_OFFSET = -1n;

export interface EpochEntry {
  readonly epoch: number;
  readonly startOffset: bigint;
}

export interface EpochEndOffset {
  readonly leaderEpoch: number;
  readonly endOffset: bigint;
}

/**
 * Leader epoch → first offset written in it (Kafka's LeaderEpochFileCache), persisted in the
 * partition's `leader-epoch-checkpoint` in Kafka's text format. Epochs and start offsets both
 * increase strictly. Mutations change memory; `persist()` writes the file (the log calls it in its
 * queue after every change, before the appends that caused it are acknowledged).
 */
export class LeaderEpochCache {
  private entries: EpochEntry[] = [];
  private isDirty = false;

  private constructor(
    private readonly fs: FileSystem,
    private readonly path: string,
  ) {}

  static async load(fs: FileSystem, path: string): Promise<LeaderEpochCache> {
    const cache = new LeaderEpochCache(fs, path);
    const lines = (await readCheckpoint(fs, path, 2)) ?? [];
    for (const [epoch, startOffset] of lines) {
      if (!/^\d+$/.test(epoch!) || !/^\d+$/.test(startOffset!)) {
        throw new CorruptStorageFileError(`${path}: bad entry ${epoch} ${startOffset}`);
      }
      cache.assign(Number(epoch), BigInt(startOffset!));
    }
    cache.isDirty = false;
    return cache;
  }

  get all(): readonly EpochEntry[] {
    return this.entries;
  }

  latest(): EpochEntry | undefined {
    return this.entries.at(-1);
  }

  /**
   * Records that `epoch` starts at `startOffset`. An epoch not above the latest is ignored; entries
   * whose start is at or after `startOffset` are replaced (as Kafka: a new leader's first offset
   * wins over stale entries a truncation did not remove).
   */
  assign(epoch: number, startOffset: bigint): void {
    const latest = this.latest();
    if (epoch < 0 || (latest !== undefined && epoch <= latest.epoch)) return;
    while ((this.entries.at(-1)?.startOffset ?? -1n) >= startOffset) this.entries.pop();
    this.entries.push({ epoch, startOffset });
    this.isDirty = true;
  }

  /** The epoch of the batch holding `offset`: the last entry starting at or before it. */
  epochFor(offset: bigint): number | undefined {
    let found: number | undefined;
    for (const entry of this.entries) if (entry.startOffset <= offset) found = entry.epoch;
    return found;
  }

  /** Removes entries starting at or after `endOffset` (the log was truncated there). */
  truncateFromEnd(endOffset: bigint): void {
    const before = this.entries.length;
    this.entries = this.entries.filter((entry) => entry.startOffset < endOffset);
    if (this.entries.length !== before) this.isDirty = true;
  }

  /** Drops entries wholly before `startOffset`, moving the last such entry's start up to it. */
  truncateFromStart(startOffset: bigint): void {
    let keepFrom = 0;
    while (keepFrom + 1 < this.entries.length && this.entries[keepFrom + 1]!.startOffset <= startOffset) {
      keepFrom += 1;
    }
    const first = this.entries[keepFrom];
    if (first === undefined) return;
    const kept = this.entries.slice(keepFrom);
    if (first.startOffset < startOffset) kept[0] = { epoch: first.epoch, startOffset };
    if (keepFrom > 0 || first.startOffset < startOffset) this.isDirty = true;
    this.entries = kept;
  }

  /**
   * OffsetForLeaderEpoch's answer (Kafka's `endOffsetFor`): for the latest epoch, the log end
   * offset; for an older epoch, the start offset of the first epoch above it, paired with the
   * largest epoch at or below the requested one (the requested one itself when none is); UNDEFINED
   * for an epoch above the latest or an empty cache.
   */
  endOffsetFor(requestedEpoch: number, logEndOffset: bigint): EpochEndOffset {
    const latest = this.latest();
    if (latest === undefined || requestedEpoch < 0) {
      return { leaderEpoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
    }
    if (requestedEpoch === latest.epoch) return { leaderEpoch: latest.epoch, endOffset: logEndOffset };
    const higher = this.entries.findIndex((entry) => entry.epoch > requestedEpoch);
    if (higher < 0) return { leaderEpoch: UNDEFINED_EPOCH, endOffset: UNDEFINED_EPOCH_OFFSET };
    if (higher === 0) return { leaderEpoch: requestedEpoch, endOffset: this.entries[0]!.startOffset };
    return { leaderEpoch: this.entries[higher - 1]!.epoch, endOffset: this.entries[higher]!.startOffset };
  }

  /** Writes the checkpoint when something changed since the last write. */
  async persist(): Promise<void> {
    if (!this.isDirty) return;
    this.isDirty = false;
    await writeCheckpoint(
      this.fs,
      this.path,
      this.entries.map((entry) => `${entry.epoch} ${entry.startOffset}`),
    );
  }

  clear(): void {
    this.isDirty = this.isDirty || this.entries.length > 0;
    this.entries = [];
  }
}
