import type { GroupSettings } from '../broker/index.js';
import { DEFAULT_GROUP_COORDINATOR_CONFIG } from '../coordinator/index.js';
import type { BrokerConfig } from './broker-config.js';

/** The group coordinator's settings from the broker config (Kafka's group.* and offsets.* keys). */
export function groupSettings(config: BrokerConfig): GroupSettings {
  const v = config.values;
  return {
    coordinator: {
      ...DEFAULT_GROUP_COORDINATOR_CONFIG,
      groupMinSessionTimeoutMs: v['group.min.session.timeout.ms'],
      groupMaxSessionTimeoutMs: v['group.max.session.timeout.ms'],
      groupInitialRebalanceDelayMs: v['group.initial.rebalance.delay.ms'],
      groupMaxSize: v['group.max.size'],
      offsetsRetentionMs: v['offsets.retention.minutes'] * 60_000,
      offsetMetadataMaxBytes: v['offset.metadata.max.bytes'],
      consumerGroupSessionTimeoutMs: v['group.consumer.session.timeout.ms'],
      consumerGroupHeartbeatIntervalMs: v['group.consumer.heartbeat.interval.ms'],
      consumerGroupMaxSize: v['group.consumer.max.size'],
    },
    numPartitions: v['offsets.topic.num.partitions'],
    replicationFactor: v['offsets.topic.replication.factor'],
    segmentBytes: v['offsets.topic.segment.bytes'],
    retentionCheckIntervalMs: v['offsets.retention.check.interval.ms'],
  };
}
