import { MetadataRecordType, type ProducerIdsRecord } from '../protocol/index.js';
import { assertNever } from './assert-never.js';
import { ClusterDelta } from './cluster-delta.js';
import { ConfigsDelta } from './configs-delta.js';
import { MetadataReplayError } from './metadata-errors.js';
import type { MetadataImage, MetadataProvenance, ProducerIdsImage } from './metadata-image.js';
import type { MetadataRecord } from './metadata-record.js';
import { TopicsDelta } from './topics-delta.js';

/**
 * The changes of a run of metadata records on top of a base image. `replay` each record in log
 * order, then `apply` once for the new image; the base image is never modified.
 *
 * A record that contradicts the image (a partition of an unknown topic, a duplicate topic id or
 * name, a fence for an unregistered broker or a stale broker epoch, a producer id block moving back)
 * throws MetadataReplayError. The delta is then in an unspecified state and must be discarded: the
 * loader refuses the whole batch, never a part of it.
 *
 * Records replayed without effect on the image, on purpose, until their features arrive:
 * AccessControlEntryRecord / RemoveAccessControlEntryRecord (ACLs), ClientQuotaRecord (quotas),
 * UserScramCredentialRecord / RemoveUserScramCredentialRecord (SCRAM), DelegationTokenRecord /
 * RemoveDelegationTokenRecord, RegisterControllerRecord (controller quorum membership),
 * ZkMigrationStateRecord (Pyralog never migrates from ZooKeeper), and the KIP-868 markers
 * BeginTransactionRecord / EndTransactionRecord / AbortTransactionRecord (the loader applies whole
 * batches, so a transaction written in one batch is atomic already; aborts are not honoured yet).
 */
export class MetadataDelta {
  private readonly topics: TopicsDelta;
  private readonly cluster: ClusterDelta;
  private readonly configs: ConfigsDelta;
  private features: Map<string, number> | undefined;
  private producerIds: ProducerIdsImage | null;
  private provenance: MetadataProvenance;
  private recordCount = 0;

  constructor(readonly image: MetadataImage) {
    this.topics = new TopicsDelta(image);
    this.cluster = new ClusterDelta(image.brokers);
    this.configs = new ConfigsDelta(image.configs);
    this.producerIds = image.producerIds;
    this.provenance = image.provenance;
  }

  /** Records replayed so far. */
  get size(): number {
    return this.recordCount;
  }

  /** Applies one record to this delta. Throws MetadataReplayError for a contradiction (see class doc). */
  replay(record: MetadataRecord): void {
    switch (record.type) {
      case MetadataRecordType.TopicRecord:
        this.topics.replayTopic(record.data);
        break;
      case MetadataRecordType.PartitionRecord:
        this.topics.replayPartition(record.data);
        break;
      case MetadataRecordType.PartitionChangeRecord:
        this.topics.replayPartitionChange(record.data);
        break;
      case MetadataRecordType.RemoveTopicRecord:
        this.configs.removeTopic(this.topics.replayRemoveTopic(record.data.topicId));
        break;
      case MetadataRecordType.ConfigRecord:
        this.configs.replay(record.data);
        break;
      case MetadataRecordType.RegisterBrokerRecord:
        this.cluster.replayRegister(record.data);
        break;
      case MetadataRecordType.UnregisterBrokerRecord:
        this.cluster.replayUnregister(record.data.brokerId, record.data.brokerEpoch);
        break;
      case MetadataRecordType.FenceBrokerRecord:
        this.cluster.replayFence(record.data.id, record.data.epoch, true);
        break;
      case MetadataRecordType.UnfenceBrokerRecord:
        this.cluster.replayFence(record.data.id, record.data.epoch, false);
        break;
      case MetadataRecordType.BrokerRegistrationChangeRecord:
        this.cluster.replayChange(record.data);
        break;
      case MetadataRecordType.FeatureLevelRecord:
        this.replayFeatureLevel(record.data.name, record.data.featureLevel);
        break;
      case MetadataRecordType.ProducerIdsRecord:
        this.replayProducerIds(record.data);
        break;
      case MetadataRecordType.NoOpRecord:
      case MetadataRecordType.AccessControlEntryRecord:
      case MetadataRecordType.RemoveAccessControlEntryRecord:
      case MetadataRecordType.ClientQuotaRecord:
      case MetadataRecordType.UserScramCredentialRecord:
      case MetadataRecordType.RemoveUserScramCredentialRecord:
      case MetadataRecordType.DelegationTokenRecord:
      case MetadataRecordType.RemoveDelegationTokenRecord:
      case MetadataRecordType.RegisterControllerRecord:
      case MetadataRecordType.ZkMigrationStateRecord:
      case MetadataRecordType.BeginTransactionRecord:
      case MetadataRecordType.EndTransactionRecord:
      case MetadataRecordType.AbortTransactionRecord:
        break;
      default:
        assertNever(record);
    }
    this.recordCount += 1;
  }

  /** Records where the new image stands in the log; apply() carries it into the image. */
  advanceTo(provenance: MetadataProvenance): void {
    if (provenance.lastAppliedOffset < this.provenance.lastAppliedOffset) {
      throw new MetadataReplayError(
        `provenance moves back from offset ${this.provenance.lastAppliedOffset} to ${provenance.lastAppliedOffset}`,
      );
    }
    this.provenance = Object.freeze({ ...provenance });
  }

  /** The new image: the base image with every replayed record applied; untouched parts are shared. */
  apply(): MetadataImage {
    const { topicsByName, topicsById } = this.topics.apply();
    return Object.freeze({
      clusterId: this.image.clusterId,
      provenance: this.provenance,
      features: this.features ?? this.image.features,
      brokers: this.cluster.apply(),
      topicsByName,
      topicsById,
      configs: this.configs.apply(),
      producerIds: this.producerIds,
    });
  }

  private replayFeatureLevel(name: string, level: number): void {
    if (name === '') throw new MetadataReplayError('FeatureLevelRecord with an empty feature name');
    if (level < 0) throw new MetadataReplayError(`FeatureLevelRecord ${name}: negative level ${level}`);
    this.features ??= new Map(this.image.features);
    // Level 0 means "not enabled": Kafka removes the feature from the finalized set.
    if (level === 0) this.features.delete(name);
    else this.features.set(name, level);
  }

  private replayProducerIds(record: ProducerIdsRecord): void {
    const previous = this.producerIds?.nextProducerId ?? 0n;
    if (record.nextProducerId < previous) {
      throw new MetadataReplayError(
        `ProducerIdsRecord: next producer id ${record.nextProducerId} is below the previous ${previous}`,
      );
    }
    this.producerIds = Object.freeze({
      nextProducerId: record.nextProducerId,
      brokerId: record.brokerId,
      brokerEpoch: record.brokerEpoch,
    });
  }
}
