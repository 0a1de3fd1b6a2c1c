import {
  decodeMetadataSnapshotBatches,
  encodeMetadataSnapshotBatches,
  type MetadataSnapshot,
  MetadataSnapshotCorruptError,
} from '../metadata/index.js';
import { type FileSystem, joinPath, readWholeFile, writeFileAtomically } from '../storage/index.js';

/** `<end offset, 20 digits>-<epoch, 10 digits>.checkpoint`, as KRaft names its snapshot files. */
const SNAPSHOT_FILE = /^(\d{20})-(\d{10})\.checkpoint$/;

/** A snapshot's place: it holds every record below `endOffset`, the last one written in `epoch`. */
export interface SnapshotId {
  readonly endOffset: bigint;
  readonly epoch: number;
}

export function snapshotFileName(id: SnapshotId): string {
  return `${id.endOffset.toString().padStart(20, '0')}-${id.epoch.toString().padStart(10, '0')}.checkpoint`;
}

function idOf(snapshot: MetadataSnapshot): SnapshotId {
  return {
    endOffset: snapshot.provenance.lastAppliedOffset + 1n,
    epoch: snapshot.provenance.lastAppliedEpoch,
  };
}

/**
 * The metadata snapshots kept next to the `__cluster_metadata-0` log, in KRaft's file layout (see
 * encodeMetadataSnapshotBatches). Files are written atomically (temp file, fsync, rename, directory
 * fsync; a leftover temp file is removed by the log loader), so a crash leaves either the whole new
 * snapshot or none.
 */
export class MetadataSnapshotStore {
  constructor(
    private readonly fs: FileSystem,
    private readonly dir: string,
  ) {}

  /** The snapshots on disk, newest (highest end offset) first. */
  async list(): Promise<SnapshotId[]> {
    const ids: SnapshotId[] = [];
    for (const name of await this.fs.readdir(this.dir)) {
      const match = SNAPSHOT_FILE.exec(name);
      if (match !== null) ids.push({ endOffset: BigInt(match[1]!), epoch: Number(match[2]!) });
    }
    return ids.sort((a, b) =>
      a.endOffset > b.endOffset ? -1 : a.endOffset < b.endOffset ? 1 : b.epoch - a.epoch,
    );
  }

  /** Writes `snapshot` (skipped when a file for its id exists); resolves with its id once durable. */
  async write(
    snapshot: MetadataSnapshot,
    lastContainedLogTimestamp: bigint,
    nowMs: number,
  ): Promise<SnapshotId> {
    const id = idOf(snapshot);
    const path = joinPath(this.dir, snapshotFileName(id));
    if ((await this.fs.stat(path)) !== undefined) return id;
    const bytes = encodeMetadataSnapshotBatches(snapshot, {
      lastContainedLogTimestamp,
      nowMs: BigInt(nowMs),
    });
    await writeFileAtomically(this.fs, path, bytes);
    return id;
  }

  /** Reads and checks one snapshot; throws MetadataSnapshotCorruptError when it cannot be trusted. */
  async read(id: SnapshotId): Promise<MetadataSnapshot> {
    const path = joinPath(this.dir, snapshotFileName(id));
    const bytes = await readWholeFile(this.fs, path);
    if (bytes === undefined) throw new MetadataSnapshotCorruptError(`${path} disappeared`);
    try {
      return decodeMetadataSnapshotBatches(bytes, {
        lastAppliedOffset: id.endOffset - 1n,
        lastAppliedEpoch: id.epoch,
      });
    } catch (error: unknown) {
      if (!(error instanceof MetadataSnapshotCorruptError)) throw error;
      throw new MetadataSnapshotCorruptError(`${path}: ${error.message}`, { cause: error });
    }
  }

  /**
   * The newest snapshot that reads back intact, or null. Each one skipped is reported through
   * `warn` (with why) and left on disk for an operator to look at.
   */
  async readNewestValid(warn: (message: string) => void): Promise<MetadataSnapshot | null> {
    for (const id of await this.list()) {
      try {
        return await this.read(id);
      } catch (error: unknown) {
        if (!(error instanceof MetadataSnapshotCorruptError)) throw error;
        warn(`ignoring corrupt metadata snapshot: ${error.message}`);
      }
    }
    return null;
  }

  /** Deletes every snapshot but the newest `keep`; resolves with the ids kept, newest first. */
  async retain(keep: number): Promise<SnapshotId[]> {
    const ids = await this.list();
    for (const id of ids.slice(keep)) await this.fs.unlink(joinPath(this.dir, snapshotFileName(id)));
    return ids.slice(0, keep);
  }
}
