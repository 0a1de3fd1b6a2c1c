// Test-only builders of metadata records with Kafka's defaults, so tests state only what they vary.
import { MetadataRecordType, type Uuid, uuidFromBytes } from '../protocol/index.js';
import { MetadataDelta } from './metadata-delta.js';
import type { MetadataImage } from './metadata-image.js';
import type { MetadataRecord } from './metadata-record.js';
import { NO_LEADER_CHANGE } from './partition-change.js';

/** A deterministic topic (or directory, incarnation) id for test number `n`. */
export function testUuid(n: number): Uuid {
  const bytes = Buffer.alloc(16);
  bytes.writeUInt32BE(n >>> 0, 12);
  bytes[0] = 0x10;
  return uuidFromBytes(bytes);
}

/** The image after replaying `records` onto `image` as one delta. */
export function replay(image: MetadataImage, records: readonly MetadataRecord[]): MetadataImage {
  const delta = new MetadataDelta(image);
  for (const record of records) delta.replay(record);
  return delta.apply();
}

export const rec = {
  topic(name: string, topicId: Uuid): MetadataRecord {
    return { type: MetadataRecordType.TopicRecord, version: 0, data: { name, topicId } };
  },
  partition(
    topicId: Uuid,
    partitionId: number,
    replicas: number[],
    options: { isr?: number[]; leader?: number; leaderEpoch?: number; partitionEpoch?: number } = {},
  ): MetadataRecord {
    return {
      type: MetadataRecordType.PartitionRecord,
      version: 2,
      data: {
        partitionId,
        topicId,
        replicas,
        isr: options.isr ?? replicas,
        removingReplicas: [],
        addingReplicas: [],
        leader: options.leader ?? replicas[0] ?? -1,
        leaderRecoveryState: 0,
        leaderEpoch: options.leaderEpoch ?? 0,
        partitionEpoch: options.partitionEpoch ?? 0,
        directories: [],
        eligibleLeaderReplicas: null,
        lastKnownElr: null,
      },
    };
  },
  partitionChange(
    topicId: Uuid,
    partitionId: number,
    change: { isr?: number[]; leader?: number; replicas?: number[] },
  ): MetadataRecord {
    return {
      type: MetadataRecordType.PartitionChangeRecord,
      version: 0,
      data: {
        partitionId,
        topicId,
        isr: change.isr ?? null,
        leader: change.leader ?? NO_LEADER_CHANGE,
        replicas: change.replicas ?? null,
        removingReplicas: null,
        addingReplicas: null,
        leaderRecoveryState: -1,
        directories: null,
        eligibleLeaderReplicas: null,
        lastKnownElr: null,
      },
    };
  },
  removeTopic(topicId: Uuid): MetadataRecord {
    return { type: MetadataRecordType.RemoveTopicRecord, version: 0, data: { topicId } };
  },
  config(resourceType: number, resourceName: string, name: string, value: string | null): MetadataRecord {
    return {
      type: MetadataRecordType.ConfigRecord,
      version: 0,
      data: { resourceType, resourceName, name, value },
    };
  },
  registerBroker(
    brokerId: number,
    brokerEpoch: bigint,
    options: { fenced?: boolean; port?: number } = {},
  ): MetadataRecord {
    return {
      type: MetadataRecordType.RegisterBrokerRecord,
      version: 3,
      data: {
        brokerId,
        isMigratingZkBroker: false,
        incarnationId: testUuid(1000 + brokerId),
        brokerEpoch,
        endPoints: [
          { name: 'PLAINTEXT', host: 'localhost', port: options.port ?? 9092, securityProtocol: 0 },
        ],
        features: [{ name: 'metadata.version', minSupportedVersion: 1, maxSupportedVersion: 20 }],
        rack: null,
        fenced: options.fenced ?? true,
        inControlledShutdown: false,
        logDirs: [],
      },
    };
  },
  fence(id: number, epoch: bigint): MetadataRecord {
    return { type: MetadataRecordType.FenceBrokerRecord, version: 0, data: { id, epoch } };
  },
  unfence(id: number, epoch: bigint): MetadataRecord {
    return { type: MetadataRecordType.UnfenceBrokerRecord, version: 0, data: { id, epoch } };
  },
  unregister(brokerId: number, brokerEpoch: bigint): MetadataRecord {
    return { type: MetadataRecordType.UnregisterBrokerRecord, version: 0, data: { brokerId, brokerEpoch } };
  },
  featureLevel(name: string, featureLevel: number): MetadataRecord {
    return { type: MetadataRecordType.FeatureLevelRecord, version: 0, data: { name, featureLevel } };
  },
  producerIds(nextProducerId: bigint): MetadataRecord {
    return {
      type: MetadataRecordType.ProducerIdsRecord,
      version: 0,
      data: { brokerId: 1, brokerEpoch: 1n, nextProducerId },
    };
  },
  noOp(): MetadataRecord {
    return { type: MetadataRecordType.NoOpRecord, version: 0, data: {} };
  },
};
