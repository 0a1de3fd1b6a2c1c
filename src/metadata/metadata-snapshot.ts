import { MetadataRecordType } from '../protocol/index.js';
import { MetadataDelta } from './metadata-delta.js';
import {
  emptyMetadataImage,
  METADATA_VERSION_FEATURE,
  type MetadataImage,
  type MetadataProvenance,
} from './metadata-image.js';
import { latestMetadataRecordVersion, type MetadataRecord } from './metadata-record.js';

/**
 * An image written as records: replaying `records` into an empty image (with the same cluster id)
 * gives an image equal to the one written, at `provenance`. This is what a KRaft snapshot holds
 * between its header and footer control records; framing it into a file is the log's business.
 */
export interface MetadataSnapshot {
  readonly provenance: MetadataProvenance;
  readonly records: readonly MetadataRecord[];
}

function at<K extends MetadataRecordType>(
  type: K,
  data: Extract<MetadataRecord, { type: K }>['data'],
): MetadataRecord {
  return { type, version: latestMetadataRecordVersion(type), data } as MetadataRecord;
}

/**
 * The records of a snapshot of `image`, each at the latest version this build writes, in an order
 * that replays: metadata.version first (it gates how the rest is read), then the other features,
 * brokers, topics each followed by their partitions, configs, and the producer id block. Arrays in
 * the records are copies; the image is not referenced.
 */
export function metadataSnapshotRecords(image: MetadataImage): MetadataRecord[] {
  const records: MetadataRecord[] = [];
  const features = [...image.features].sort(([a], [b]) =>
    a === METADATA_VERSION_FEATURE ? -1 : b === METADATA_VERSION_FEATURE ? 1 : a < b ? -1 : a > b ? 1 : 0,
  );
  for (const [name, featureLevel] of features) {
    records.push(at(MetadataRecordType.FeatureLevelRecord, { name, featureLevel }));
  }
  for (const broker of image.brokers.values()) {
    records.push(
      at(MetadataRecordType.RegisterBrokerRecord, {
        brokerId: broker.id,
        isMigratingZkBroker: broker.isMigratingZkBroker,
        incarnationId: broker.incarnationId,
        brokerEpoch: broker.epoch,
        endPoints: broker.listeners.map((endpoint) => ({ ...endpoint })),
        features: broker.supportedFeatures.map((feature) => ({ ...feature })),
        rack: broker.rack,
        fenced: broker.fenced,
        inControlledShutdown: broker.inControlledShutdown,
        logDirs: [...broker.directories],
      }),
    );
  }
  for (const topic of image.topicsById.values()) {
    records.push(at(MetadataRecordType.TopicRecord, { name: topic.name, topicId: topic.id }));
    for (const [partitionId, partition] of topic.partitions) {
      records.push(
        at(MetadataRecordType.PartitionRecord, {
          partitionId,
          topicId: topic.id,
          replicas: [...partition.replicas],
          isr: [...partition.isr],
          removingReplicas: [...partition.removingReplicas],
          addingReplicas: [...partition.addingReplicas],
          leader: partition.leader,
          leaderRecoveryState: partition.leaderRecoveryState,
          leaderEpoch: partition.leaderEpoch,
          partitionEpoch: partition.partitionEpoch,
          directories: [...partition.directories],
          eligibleLeaderReplicas:
            partition.eligibleLeaderReplicas === null ? null : [...partition.eligibleLeaderReplicas],
          lastKnownElr: partition.lastKnownElr === null ? null : [...partition.lastKnownElr],
        }),
      );
    }
  }
  for (const { resource, configs } of image.configs.values()) {
    for (const [name, value] of configs) {
      records.push(
        at(MetadataRecordType.ConfigRecord, {
          resourceType: resource.type,
          resourceName: resource.name,
          name,
          value,
        }),
      );
    }
  }
  if (image.producerIds !== null) {
    records.push(at(MetadataRecordType.ProducerIdsRecord, { ...image.producerIds }));
  }
  return records;
}

/** The snapshot of `image`: its records and its place in the log. */
export function takeMetadataSnapshot(image: MetadataImage): MetadataSnapshot {
  return { provenance: image.provenance, records: metadataSnapshotRecords(image) };
}

/**
 * The delta from the empty image of `clusterId` to the image a snapshot describes. Throws
 * MetadataReplayError when the records contradict each other.
 */
export function metadataSnapshotDelta(clusterId: string, snapshot: MetadataSnapshot): MetadataDelta {
  const delta = new MetadataDelta(emptyMetadataImage(clusterId));
  for (const record of snapshot.records) delta.replay(record);
  delta.advanceTo(snapshot.provenance);
  return delta;
}

/**
 * The image a snapshot describes, built from the empty image of `clusterId`. Throws
 * MetadataReplayError when the records contradict each other.
 */
export function loadMetadataSnapshot(clusterId: string, snapshot: MetadataSnapshot): MetadataImage {
  return metadataSnapshotDelta(clusterId, snapshot).apply();
}
