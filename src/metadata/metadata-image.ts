import type { Uuid } from '../protocol/index.js';
import type { ConfigResource } from './config-resource.js';

/** The feature name that carries the metadata version (KIP-778). */
export const METADATA_VERSION_FEATURE = 'metadata.version';

/** PartitionRecord.leader when a partition has no leader. */
export const NO_LEADER = -1;

/** One endpoint a broker registered (RegisterBrokerRecord.endPoints). */
export interface BrokerEndpoint {
  readonly name: string;
  readonly host: string;
  readonly port: number;
  /** Kafka's SecurityProtocol id (0 PLAINTEXT, 1 SSL, 2 SASL_PLAINTEXT, 3 SASL_SSL). */
  readonly securityProtocol: number;
}

/** A feature range a broker supports (RegisterBrokerRecord.features). */
export interface SupportedFeature {
  readonly name: string;
  readonly minSupportedVersion: number;
  readonly maxSupportedVersion: number;
}

/** A broker as the controller registered it; replaced whole by a new RegisterBrokerRecord. */
export interface BrokerRegistration {
  readonly id: number;
  readonly epoch: bigint;
  readonly incarnationId: Uuid;
  readonly listeners: readonly BrokerEndpoint[];
  readonly supportedFeatures: readonly SupportedFeature[];
  readonly rack: string | null;
  readonly fenced: boolean;
  readonly inControlledShutdown: boolean;
  readonly isMigratingZkBroker: boolean;
  /** Log directory ids the broker reported as available. */
  readonly directories: readonly Uuid[];
}

/** One partition's replica assignment and leadership (PartitionRecord, then PartitionChangeRecords). */
export interface PartitionRegistration {
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  readonly removingReplicas: readonly number[];
  readonly addingReplicas: readonly number[];
  /** The leader's broker id, or NO_LEADER. */
  readonly leader: number;
  /** 0 recovered, 1 recovering from an unclean election. */
  readonly leaderRecoveryState: number;
  readonly leaderEpoch: number;
  /** Incremented by every change to the partition; publishers compare it to detect any change. */
  readonly partitionEpoch: number;
  /** The log directory of each replica, in replica order (may be empty before metadata v3.7). */
  readonly directories: readonly Uuid[];
  readonly eligibleLeaderReplicas: readonly number[] | null;
  readonly lastKnownElr: readonly number[] | null;
}

/** A topic and its partitions by partition id. */
export interface TopicImage {
  readonly name: string;
  readonly id: Uuid;
  readonly partitions: ReadonlyMap<number, PartitionRegistration>;
}

/** The configs set on one resource; keys absent here take the broker's or Kafka's default. */
export interface ConfigResourceImage {
  readonly resource: ConfigResource;
  readonly configs: ReadonlyMap<string, string>;
}

/** The last producer id block handed out (ProducerIdsRecord). */
export interface ProducerIdsImage {
  /** The first producer id of the next block to allocate. */
  readonly nextProducerId: bigint;
  readonly brokerId: number;
  readonly brokerEpoch: bigint;
}

/** Where the image stands in the metadata log. */
export interface MetadataProvenance {
  /** The offset of the last record applied, -1n for the empty image. */
  readonly lastAppliedOffset: bigint;
  /** The leader epoch (raft term) of the batch holding that record, -1 for the empty image. */
  readonly lastAppliedEpoch: number;
}

/**
 * Everything a broker knows about the cluster, as of one offset of the metadata log. Immutable:
 * every object and map reachable from an image is never changed after it is built, and a new image
 * shares every part the delta did not touch with the image it came from, so holding an image is a
 * consistent read without copying or locking.
 */
export interface MetadataImage {
  /** From the log's storage (meta.properties), not from a record: snapshots do not carry it. */
  readonly clusterId: string;
  readonly provenance: MetadataProvenance;
  /** Finalized feature levels by name; `metadata.version` among them once set. */
  readonly features: ReadonlyMap<string, number>;
  readonly brokers: ReadonlyMap<number, BrokerRegistration>;
  readonly topicsByName: ReadonlyMap<string, TopicImage>;
  readonly topicsById: ReadonlyMap<Uuid, TopicImage>;
  /** By configResourceKey(resource). */
  readonly configs: ReadonlyMap<string, ConfigResourceImage>;
  readonly producerIds: ProducerIdsImage | null;
}

/** The image before any record: no topics, no brokers, no features. */
export function emptyMetadataImage(clusterId: string): MetadataImage {
  return Object.freeze({
    clusterId,
    provenance: Object.freeze({ lastAppliedOffset: -1n, lastAppliedEpoch: -1 }),
    features: new Map(),
    brokers: new Map(),
    topicsByName: new Map(),
    topicsById: new Map(),
    configs: new Map(),
    producerIds: null,
  });
}

/** The finalized metadata.version level, or 0 when none was recorded yet. */
export function metadataVersionOf(image: MetadataImage): number {
  return image.features.get(METADATA_VERSION_FEATURE) ?? 0;
}
