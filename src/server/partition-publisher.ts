import {
  ConfigResourceType,
  computeLocalReplicaChanges,
  configResourceKey,
  type MetadataImage,
  type MetadataPublisher,
  type MetadataUpdate,
} from '../metadata/index.js';
import { Partition, type ReplicaManager } from '../replication/index.js';
import { type LogManager, resolveLogConfig } from '../storage/index.js';

/** A topic's config overrides as the image records them (ConfigRecords on the topic resource). */
export function topicOverrides(image: MetadataImage, topic: string): Record<string, string> {
  const resource = image.configs.get(configResourceKey({ type: ConfigResourceType.TOPIC, name: topic }));
  return resource === undefined ? {} : Object.fromEntries(resource.configs);
}

/**
 * Turns metadata changes into local partitions (Kafka's ReplicaManager.applyDelta, single node):
 * creates or opens the log of every partition this node now leads and registers a leader
 * Partition; deletes the logs of partitions it no longer hosts. A follower assignment cannot
 * happen without other nodes; it is logged and skipped.
 */
export class PartitionPublisher implements MetadataPublisher {
  readonly name = 'PartitionPublisher';

  constructor(
    private readonly nodeId: number,
    private readonly logs: LogManager,
    private readonly replicas: ReplicaManager,
    private readonly brokerProperties: Readonly<Record<string, string>>,
    private readonly warn: (message: string) => void,
  ) {}

  async onMetadataUpdate(update: MetadataUpdate): Promise<void> {
    const changes = computeLocalReplicaChanges(update.previousImage, update.newImage, this.nodeId);
    for (const removed of changes.deletes) {
      this.replicas.removePartition(removed.topicName, removed.partitionId);
      await this.logs.deleteLog(removed.topicName, removed.partitionId);
    }
    for (const leader of changes.leaders) {
      const overrides = topicOverrides(update.newImage, leader.topicName);
      const log = await this.logs.getOrCreateLog(leader.topicName, leader.partitionId, overrides);
      log.updateConfig(resolveLogConfig(overrides, this.brokerProperties));
      const existing = this.replicas.getPartition(leader.topicName, leader.partitionId);
      if (existing !== undefined && existing.log === log && existing.topicId === leader.topicId) {
        existing.updateLeaderEpoch(leader.partition.leaderEpoch);
      } else {
        this.replicas.addPartition(new Partition(leader.topicId, log, leader.partition.leaderEpoch));
      }
    }
    for (const follower of changes.followers) {
      this.warn(`${follower.topicName}-${follower.partitionId}: follower replicas need a cluster; skipped`);
    }
  }
}
