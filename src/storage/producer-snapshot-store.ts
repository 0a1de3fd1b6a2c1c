import { type FileSystem, joinPath, readWholeFile, writeFileAtomically } from './file-system.js';
import {
  decodeProducerSnapshot,
  encodeProducerSnapshot,
  SNAPSHOT_FILE,
  snapshotFileName,
} from './producer-snapshot-file.js';
import type { ProducerStateEntry } from './producer-state.js';
import { CorruptStorageFileError } from './storage-errors.js';
import type { StorageLogger } from './storage-logger.js';

/** A snapshot read back: the producer state of every offset below `offset`. */
export interface LoadedProducerSnapshot {
  readonly offset: bigint;
  readonly entries: ProducerStateEntry[];
}

/**
 * A partition directory's producer-state snapshots (`<20-digit offset>.snapshot`, Kafka's layout):
 * written whole and atomically (temp file, fsync, rename), so a crash leaves the old set or the new
 * one; a snapshot that still fails its CRC is logged, removed and an older one used instead.
 */
export class ProducerSnapshotStore {
  constructor(
    private readonly fs: FileSystem,
    private readonly dir: string,
    private readonly logger: StorageLogger,
  ) {}

  /** Offsets of the snapshots on disk, oldest first. */
  async offsets(): Promise<bigint[]> {
    const offsets: bigint[] = [];
    for (const name of await this.fs.readdir(this.dir)) {
      const match = SNAPSHOT_FILE.exec(name);
      if (match !== null) offsets.push(BigInt(match[1]!));
    }
    return offsets.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  }

  async write(offset: bigint, entries: readonly ProducerStateEntry[]): Promise<void> {
    await writeFileAtomically(this.fs, this.path(offset), encodeProducerSnapshot(entries));
  }

  /** The newest readable snapshot at or below `maxOffset`; corrupt ones on the way are removed. */
  async loadLatest(maxOffset: bigint): Promise<LoadedProducerSnapshot | undefined> {
    const offsets = (await this.offsets()).filter((offset) => offset <= maxOffset);
    for (const offset of offsets.reverse()) {
      const path = this.path(offset);
      const bytes = await readWholeFile(this.fs, path);
      if (bytes === undefined) continue;
      try {
        return { offset, entries: decodeProducerSnapshot(bytes, path) };
      } catch (error: unknown) {
        if (!(error instanceof CorruptStorageFileError)) throw error;
        this.logger.warn(
          { file: path, reason: error.message },
          `ignoring corrupt producer snapshot ${path}; rebuilding producer state from the log`,
        );
        await this.fs.unlink(path);
      }
    }
    return undefined;
  }

  /** Removes snapshots above `offset` (truncation: they describe batches that are gone). */
  async deleteAbove(offset: bigint): Promise<void> {
    await this.deleteWhere((snapshot) => snapshot > offset);
  }

  /** Removes snapshots below `offset` (retention: the log they would be replayed onto is gone). */
  async deleteBelow(offset: bigint): Promise<void> {
    await this.deleteWhere((snapshot) => snapshot < offset);
  }

  private async deleteWhere(predicate: (offset: bigint) => boolean): Promise<void> {
    const doomed = (await this.offsets()).filter(predicate);
    for (const offset of doomed) await this.fs.unlink(this.path(offset));
    if (doomed.length > 0) await this.fs.fsyncDir(this.dir);
  }

  private path(offset: bigint): string {
    return joinPath(this.dir, snapshotFileName(offset));
  }
}
