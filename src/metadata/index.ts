// src/metadata owns KRaft metadata records as the log stores them, the immutable MetadataImage built from them
// by deltas, snapshots, the loader and publishers. It must not know how records were agreed (local log or raft).

export {
  CLUSTER_DEFAULT_RESOURCE_NAME,
  type ConfigResource,
  ConfigResourceType,
  configResourceKey,
  isRecordedConfigResourceType,
} from './config-resource.js';
export {
  computeLocalReplicaChanges,
  type LocalPartition,
  type LocalReplica,
  type LocalReplicaChanges,
} from './local-replica-changes.js';
export { MetadataDelta } from './metadata-delta.js';
export {
  MetadataFrameError,
  MetadataOffsetError,
  MetadataPublisherError,
  MetadataReplayError,
  MetadataSnapshotCorruptError,
  UnknownMetadataRecordTypeError,
  UnsupportedMetadataRecordVersionError,
} from './metadata-errors.js';
export {
  type BrokerEndpoint,
  type BrokerRegistration,
  type ConfigResourceImage,
  emptyMetadataImage,
  METADATA_VERSION_FEATURE,
  type MetadataImage,
  type MetadataProvenance,
  metadataVersionOf,
  NO_LEADER,
  type PartitionRegistration,
  type ProducerIdsImage,
  type SupportedFeature,
  type TopicImage,
} from './metadata-image.js';
export {
  type MetadataBatch,
  MetadataLoader,
  type MetadataLoaderOptions,
  type MetadataLogSource,
} from './metadata-loader.js';
export type { MetadataPublisher, MetadataUpdate } from './metadata-publisher.js';
export {
  decodeMetadataRecord,
  encodeMetadataRecord,
  isMetadataDecodeFailure,
  latestMetadataRecordVersion,
  METADATA_FRAME_VERSION,
  type MetadataRecord,
  metadataRecordName,
} from './metadata-record.js';
export {
  loadMetadataSnapshot,
  type MetadataSnapshot,
  metadataSnapshotRecords,
  takeMetadataSnapshot,
} from './metadata-snapshot.js';
export {
  decodeMetadataSnapshotBatches,
  encodeMetadataSnapshotBatches,
  type SnapshotFrameOptions,
} from './metadata-snapshot-batches.js';
export { NO_LEADER_CHANGE } from './partition-change.js';
