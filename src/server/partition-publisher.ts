import { CLUSTER_METADATA_TOPIC } from '../controller/index.js';
import {
  computeLocalReplicaChanges,
  type MetadataImage,
  type MetadataPublisher,
  type MetadataUpdate,
} from '../metadata/index.js';
import { Partition, type ReplicaManager } from '../replication/index.js';
import { type LogManager, resolveLogConfig } from '../storage/index.js';
import { dynamicBrokerLayers, effectiveBrokerProperties } from './dynamic-broker-config.js';
import { reconfigureLogs } from './live-config.js';
import { topicOverrides } from './topic-overrides.js';

/**
 * Turns metadata changes into local partitions (Kafka's ReplicaManager.applyDelta, single node):
 * creates or opens the log of every partition this node now leads and registers a leader
 * Partition; deletes the logs of partitions it no longer hosts; re-resolves the config of every
 * log whose topic or broker configs changed (live, no restart). A follower assignment cannot
 * happen without other nodes; it is logged and skipped. A snapshot update (the first one, at start)
 * also deletes stray logs: dirs on disk that the image does not place on this node, left by a topic
 * deletion that a crash interrupted after its RemoveTopicRecord was committed (Kafka's stray logs).
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
    if (update.kind === 'snapshot') await this.deleteStrayLogs(update.newImage);
    const properties = effectiveBrokerProperties(
      this.brokerProperties,
      dynamicBrokerLayers(update.newImage, this.nodeId),
    );
    for (const leader of changes.leaders) {
      const overrides = topicOverrides(update.newImage, leader.topicName);
      const log = await this.logs.getOrCreateLog(leader.topicName, leader.partitionId, overrides);
      log.updateConfig(resolveLogConfig(overrides, properties));
      const existing = this.replicas.getPartition(leader.topicName, leader.partitionId);
      if (existing !== undefined && existing.log === log && existing.topicId === leader.topicId) {
        existing.updateLeaderEpoch(leader.partition.leaderEpoch);
      } else {
        this.replicas.addPartition(new Partition(leader.topicId, log, leader.partition.leaderEpoch));
      }
    }
    reconfigureLogs(
      update.previousImage,
      update.newImage,
      this.nodeId,
      this.brokerProperties,
      (topic, partition) => this.logs.getLog(topic, partition),
      this.warn,
    );
    for (const follower of changes.followers) {
      this.warn(`${follower.topicName}-${follower.partitionId}: follower replicas need a cluster; skipped`);
    }
  }

  private async deleteStrayLogs(image: MetadataImage): Promise<void> {
    for (const log of this.logs.allLogs()) {
      if (log.topic === CLUSTER_METADATA_TOPIC) continue;
      const partition = image.topicsByName.get(log.topic)?.partitions.get(log.partition);
      if (partition?.replicas.includes(this.nodeId) === true) continue;
      this.warn(
        `${log.topic}-${log.partition}: stray log (its topic or partition is not in the metadata); deleted`,
      );
      this.replicas.removePartition(log.topic, log.partition);
      await this.logs.deleteLog(log.topic, log.partition);
    }
  }
}
