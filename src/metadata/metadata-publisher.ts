import type { MetadataDelta } from './metadata-delta.js';
import type { MetadataImage } from './metadata-image.js';

/**
 * One step of the image, as publishers see it. For a `batch`, `delta` holds the batch's records on
 * top of `previousImage` (`delta.image === previousImage`). For a `snapshot`, the image was rebuilt
 * from a snapshot: `delta` holds the snapshot's records on top of the empty image, and what changed
 * since `previousImage` is found by comparing the two images (computeLocalReplicaChanges does).
 */
export type MetadataUpdate =
  | {
      readonly kind: 'batch';
      readonly previousImage: MetadataImage;
      readonly newImage: MetadataImage;
      readonly delta: MetadataDelta;
    }
  | {
      readonly kind: 'snapshot';
      readonly previousImage: MetadataImage;
      readonly newImage: MetadataImage;
      readonly delta: MetadataDelta;
    };

/**
 * Receives every new image, in log order, after the loader applied a batch or loaded a snapshot.
 * A publisher must not keep the delta past the call; images are immutable and may be kept. The
 * loader awaits each publisher in turn before the next update, and a publisher that throws fails the
 * loader (the broker must then stop: a broker that could not act on metadata must not serve it).
 */
export interface MetadataPublisher {
  /** For logs and errors. */
  readonly name: string;
  onMetadataUpdate(update: MetadataUpdate): void | Promise<void>;
}
