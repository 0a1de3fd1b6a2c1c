import {
  decodeMetadataRecord,
  encodeMetadataRecord,
  type MetadataBatch,
  type MetadataImage,
  type MetadataLoader,
  type MetadataLogSource,
  type MetadataRecord,
  type MetadataSnapshot,
  takeMetadataSnapshot,
} from '../metadata/index.js';
import {
  createRecordBatch,
  decodeRecordBatches,
  encodeRecordBatchSync,
  PyralogError,
} from '../protocol/index.js';
import type { FileSystem, PartitionLog } from '../storage/index.js';
import { MetadataSnapshotStore, type SnapshotId } from './metadata-snapshot-store.js';

/** Bytes read per step when replaying the metadata log at start-up. */
const REPLAY_READ_BYTES = 1024 * 1024;
/** The single node's metadata leader epoch: no elections without a quorum. */
const LOCAL_EPOCH = 0;
/**
 * Snapshots kept: the newest, and one older one to fall back on should the newest not read back.
 * The log is kept from the older one's end offset, so either gives the whole image with the tail.
 */
const SNAPSHOTS_KEPT = 2;

/**
 * The metadata log starts after the newest snapshot that reads back: the records in between were
 * deleted behind snapshots that are now corrupt or gone, so no image can be rebuilt.
 */
export class MetadataLogGapError extends PyralogError {
  readonly code = 'METADATA_LOG_GAP';
}

export interface LocalMetadataLogOptions {
  readonly log: PartitionLog;
  readonly loader: MetadataLoader;
  /** The file system of `log`: snapshots live in its directory. */
  readonly fs: FileSystem;
  readonly nowMs: () => number;
  /** metadata.log.max.record.bytes.between.snapshots */
  readonly maxBytesBetweenSnapshots: number;
  /** metadata.log.max.snapshot.interval.ms (0: no time-based snapshots) */
  readonly maxSnapshotIntervalMs: number;
  readonly warn: (message: string) => void;
}

/**
 * The single node's metadata log: `__cluster_metadata-0`, a partition log whose record values are
 * framed KRaft metadata records, one record batch per commit, plus KRaft-style snapshot files of the
 * image in the same directory (`<end offset>-<epoch>.checkpoint`). `commit` appends with an fsync
 * and then applies the batch through the loader (so publishers run before it resolves); `replay`
 * loads the newest snapshot that reads back (warning about each corrupt one) and applies the log
 * after it. A snapshot is written in the background once the log grew by
 * `maxBytesBetweenSnapshots` since the last one, or when records older than
 * `maxSnapshotIntervalMs` are not in one (Kafka's two triggers), and on `close` when anything was
 * committed since the last one; then only the newest SNAPSHOTS_KEPT snapshots stay and the log
 * start moves to the oldest one kept (segments behind it are deleted).
 */
export class LocalMetadataLog implements MetadataLogSource {
  private readonly log: PartitionLog;
  private readonly loader: MetadataLoader;
  private readonly snapshots: MetadataSnapshotStore;
  private bytesSinceSnapshot = 0;
  private lastSnapshotMs: number;
  private lastAppendTimestamp = -1n;
  private snapshotting: Promise<unknown> = Promise.resolve();

  constructor(private readonly options: LocalMetadataLogOptions) {
    this.log = options.log;
    this.loader = options.loader;
    this.snapshots = new MetadataSnapshotStore(options.fs, options.log.dir);
    this.lastSnapshotMs = options.nowMs();
  }

  /**
   * The newest snapshot that reads back, or null. Throws MetadataLogGapError when the log starts
   * after its end (records lost in between). A snapshot ahead of the log end (the log lost its tail)
   * moves the log to start at the snapshot's end, so that new commits follow it.
   */
  async readLatestSnapshot(): Promise<MetadataSnapshot | null> {
    const snapshot = await this.snapshots.readNewestValid(this.options.warn);
    const endOffset = snapshot === null ? 0n : snapshot.provenance.lastAppliedOffset + 1n;
    if (endOffset < this.log.logStartOffset) {
      throw new MetadataLogGapError(
        `${this.log.dir}: the log starts at ${this.log.logStartOffset} but the newest readable ` +
          `snapshot ends at ${endOffset}; the metadata in between is lost`,
      );
    }
    if (endOffset > this.log.logEndOffset) {
      this.options.warn(
        `${this.log.dir}: the snapshot ending at ${endOffset} is ahead of the log end ${this.log.logEndOffset}; ` +
          'the log restarts at the snapshot',
      );
      await this.log.truncateFullyAndStartAt(endOffset);
    }
    return snapshot;
  }

  async *readBatches(afterOffset: bigint): AsyncIterable<MetadataBatch> {
    let offset = afterOffset + 1n < this.log.logStartOffset ? this.log.logStartOffset : afterOffset + 1n;
    while (offset < this.log.logEndOffset) {
      const read = await this.log.read(offset, { maxBytes: REPLAY_READ_BYTES, minOneBatch: true });
      if (read.kind !== 'records' || read.records.length === 0) return;
      const { batches } = await decodeRecordBatches(read.records);
      if (batches.length === 0) return;
      this.bytesSinceSnapshot += read.records.length;
      for (const batch of batches) {
        offset = batch.baseOffset + BigInt(batch.lastOffsetDelta) + 1n;
        if (batch.isControl) continue;
        this.lastAppendTimestamp = batch.maxTimestamp;
        const records = batch.records.flatMap((record) =>
          record.value === null ? [] : [decodeMetadataRecord(record.value)],
        );
        yield { baseOffset: batch.baseOffset, epoch: batch.partitionLeaderEpoch, records };
      }
    }
  }

  /** Loads the newest readable snapshot and applies the log after it; resolves with the image. */
  async replay(): Promise<MetadataImage> {
    this.bytesSinceSnapshot = 0;
    const image = await this.loader.catchUp(this);
    this.log.setHighWatermark(this.log.logEndOffset);
    this.lastSnapshotMs = this.options.nowMs();
    return image;
  }

  /** Appends `records` as one batch, waits for its fsync, then applies it (publishers included). */
  async commit(records: readonly MetadataRecord[]): Promise<MetadataImage> {
    const timestamp = BigInt(this.options.nowMs());
    const batch = encodeRecordBatchSync(
      createRecordBatch({
        records: records.map((record) => ({ value: encodeMetadataRecord(record) })),
        partitionLeaderEpoch: LOCAL_EPOCH,
        timestamp,
      }),
    );
    const appended = this.log.appendAsLeader(batch, { leaderEpoch: LOCAL_EPOCH, sync: true });
    await appended.durable;
    this.log.setHighWatermark(appended.lastOffset + 1n);
    const image = await this.loader.applyBatch({
      baseOffset: appended.firstOffset,
      epoch: LOCAL_EPOCH,
      records,
    });
    this.bytesSinceSnapshot += batch.length;
    this.lastAppendTimestamp = timestamp;
    this.maybeSnapshot();
    return image;
  }

  private maybeSnapshot(): void {
    const nowMs = this.options.nowMs();
    const interval = this.options.maxSnapshotIntervalMs;
    const due =
      this.bytesSinceSnapshot >= this.options.maxBytesBetweenSnapshots ||
      (interval > 0 && this.bytesSinceSnapshot > 0 && nowMs - this.lastSnapshotMs >= interval);
    if (!due) return;
    this.bytesSinceSnapshot = 0;
    this.lastSnapshotMs = nowMs;
    this.snapshotting = this.snapshotting
      .then(() => this.takeSnapshot())
      .catch((error: unknown) => this.options.warn(`metadata snapshot failed: ${String(error)}`));
  }

  /**
   * Writes a snapshot of the current image now (none for an empty image), keeps the newest
   * SNAPSHOTS_KEPT and deletes the log behind the oldest of them. Resolves with the id written.
   */
  async takeSnapshot(): Promise<SnapshotId | undefined> {
    const image = this.loader.image;
    if (image.provenance.lastAppliedOffset < 0n) return undefined;
    const id = await this.snapshots.write(
      takeMetadataSnapshot(image),
      this.lastAppendTimestamp,
      this.options.nowMs(),
    );
    const kept = await this.snapshots.retain(SNAPSHOTS_KEPT);
    const oldest = kept.at(-1);
    if (
      kept.length === SNAPSHOTS_KEPT &&
      oldest !== undefined &&
      oldest.endOffset > this.log.logStartOffset
    ) {
      await this.log.deleteRecordsBefore(oldest.endOffset);
    }
    return id;
  }

  /** Waits for a background snapshot, then writes one if anything was committed since the last. */
  async close(): Promise<void> {
    await this.snapshotting;
    if (this.bytesSinceSnapshot > 0) {
      this.bytesSinceSnapshot = 0;
      await this.takeSnapshot();
    }
  }

  get logEndOffset(): bigint {
    return this.log.logEndOffset;
  }

  get logStartOffset(): bigint {
    return this.log.logStartOffset;
  }
}
