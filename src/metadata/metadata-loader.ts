import { MetadataDelta } from './metadata-delta.js';
import { MetadataOffsetError, MetadataPublisherError } from './metadata-errors.js';
import { emptyMetadataImage, type MetadataImage } from './metadata-image.js';
import type { MetadataPublisher, MetadataUpdate } from './metadata-publisher.js';
import type { MetadataRecord } from './metadata-record.js';
import {
  type MetadataSnapshot,
  metadataSnapshotDelta,
  metadataSnapshotRecords,
} from './metadata-snapshot.js';

/** Records agreed at consecutive offsets from `baseOffset`, in one leader epoch. */
export interface MetadataBatch {
  readonly baseOffset: bigint;
  /** The leader epoch (raft term) the batch was written in. */
  readonly epoch: number;
  readonly records: readonly MetadataRecord[];
}

/**
 * Where committed metadata comes from: the local `__cluster_metadata` log of a single node, or the
 * committed entries of a raft quorum. The loader does not know which. Control records (leader
 * changes, snapshot markers) are the source's business and never reach the loader.
 */
export interface MetadataLogSource {
  /** The newest snapshot, or null when there is none. */
  readLatestSnapshot(): Promise<MetadataSnapshot | null>;
  /** The committed batches holding offsets above `afterOffset`, in offset order. */
  readBatches(afterOffset: bigint): AsyncIterable<MetadataBatch>;
}

export interface MetadataLoaderOptions {
  readonly clusterId: string;
  /** The image to start from; the empty image of `clusterId` by default. */
  readonly image?: MetadataImage;
}

/**
 * Applies committed metadata in log order and hands each new image to its publishers. Calls are
 * queued, so concurrent callers never interleave. A batch is applied whole or not at all: one bad
 * record (MetadataReplayError) or an offset at or below the last applied one (MetadataOffsetError)
 * rejects the call and leaves the image as it was. A publisher that throws fails the loader: that
 * call and every later one reject with MetadataPublisherError.
 */
export class MetadataLoader {
  private current: MetadataImage;
  private readonly publishers: MetadataPublisher[] = [];
  private queue: Promise<unknown> = Promise.resolve();
  private failure: MetadataPublisherError | undefined;

  constructor(options: MetadataLoaderOptions) {
    this.current = options.image ?? emptyMetadataImage(options.clusterId);
  }

  /** The newest image; publishers have seen it once the call that made it has resolved. */
  get image(): MetadataImage {
    return this.current;
  }

  /**
   * Adds a publisher. When the image is not empty, the publisher first catches up with one
   * `snapshot` update from the empty image to the current one.
   */
  installPublisher(publisher: MetadataPublisher): Promise<void> {
    return this.enqueue(async () => {
      this.publishers.push(publisher);
      if (this.current.provenance.lastAppliedOffset < 0n) return;
      const empty = emptyMetadataImage(this.current.clusterId);
      const delta = new MetadataDelta(empty);
      for (const record of metadataSnapshotRecords(this.current)) delta.replay(record);
      await this.publish([publisher], {
        kind: 'snapshot',
        previousImage: empty,
        newImage: this.current,
        delta,
      });
    });
  }

  /** Applies one batch (an empty batch is ignored) and publishes the new image. */
  applyBatch(batch: MetadataBatch): Promise<MetadataImage> {
    return this.enqueue(async () => {
      if (batch.records.length === 0) return this.current;
      const last = this.current.provenance.lastAppliedOffset;
      if (batch.baseOffset <= last) {
        throw new MetadataOffsetError(`metadata batch at offset ${batch.baseOffset} is not above ${last}`);
      }
      const delta = new MetadataDelta(this.current);
      for (const record of batch.records) delta.replay(record);
      delta.advanceTo({
        lastAppliedOffset: batch.baseOffset + BigInt(batch.records.length - 1),
        lastAppliedEpoch: batch.epoch,
      });
      return this.install({ kind: 'batch', previousImage: this.current, newImage: delta.apply(), delta });
    });
  }

  /** Replaces the image by the one `snapshot` describes, which must be ahead of the current image. */
  loadSnapshot(snapshot: MetadataSnapshot): Promise<MetadataImage> {
    return this.enqueue(async () => {
      const last = this.current.provenance.lastAppliedOffset;
      if (snapshot.provenance.lastAppliedOffset <= last) {
        throw new MetadataOffsetError(
          `snapshot at offset ${snapshot.provenance.lastAppliedOffset} is not above ${last}`,
        );
      }
      const delta = metadataSnapshotDelta(this.current.clusterId, snapshot);
      return this.install({ kind: 'snapshot', previousImage: this.current, newImage: delta.apply(), delta });
    });
  }

  /**
   * Reads `source` to its end: its latest snapshot when that is ahead of the image, then every batch
   * after the image's offset. Resolves with the final image.
   */
  async catchUp(source: MetadataLogSource): Promise<MetadataImage> {
    const snapshot = await source.readLatestSnapshot();
    if (
      snapshot !== null &&
      snapshot.provenance.lastAppliedOffset > this.current.provenance.lastAppliedOffset
    ) {
      await this.loadSnapshot(snapshot);
    }
    for await (const batch of source.readBatches(this.current.provenance.lastAppliedOffset)) {
      await this.applyBatch(batch);
    }
    return this.current;
  }

  private async install(update: MetadataUpdate): Promise<MetadataImage> {
    this.current = update.newImage;
    await this.publish(this.publishers, update);
    return update.newImage;
  }

  private async publish(publishers: readonly MetadataPublisher[], update: MetadataUpdate): Promise<void> {
    for (const publisher of publishers) {
      try {
        await publisher.onMetadataUpdate(update);
      } catch (error: unknown) {
        this.failure = new MetadataPublisherError(publisher.name, error);
        throw this.failure;
      }
    }
  }

  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      if (this.failure !== undefined) throw this.failure;
      return work();
    };
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }
}
