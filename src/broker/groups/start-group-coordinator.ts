import { randomUUID } from 'node:crypto';
import {
  CONSUMER_OFFSETS_TOPIC,
  type GroupClock,
  type GroupCoordinatorConfig,
  type GroupRuntime,
  startGroupRuntime,
  systemGroupClock,
} from '../../coordinator/index.js';
import type { MetadataImage } from '../../metadata/index.js';
import type { ReplicaManager } from '../../replication/index.js';
import type { BrokerLogger, TopicController } from '../broker-context.js';
import { internalTopicCreator } from '../internal-topic-creator.js';
import { topicCatalog } from './topic-catalog.js';

/** The group coordinator's settings, by Kafka name. */
export interface GroupSettings {
  readonly coordinator: GroupCoordinatorConfig;
  /** offsets.topic.num.partitions */
  readonly numPartitions: number;
  /** offsets.topic.replication.factor */
  readonly replicationFactor: number;
  /** offsets.topic.segment.bytes */
  readonly segmentBytes: number;
  /** offsets.retention.check.interval.ms */
  readonly retentionCheckIntervalMs: number;
}

export interface GroupCoordinatorParts {
  readonly replicas: ReplicaManager;
  readonly controller: TopicController;
  readonly metadata: () => MetadataImage;
  readonly logger: BrokerLogger;
  /** Real time unless a test injects its own. */
  readonly clock?: GroupClock;
}

/**
 * Loads the groups and offsets held in __consumer_offsets and starts serving them. The topic is
 * created (compacted, offsets.topic.num.partitions) on the first FindCoordinator or write, not at
 * start, so a broker that never sees a group starts without 50 extra partition logs.
 */
export function startGroupCoordinator(
  parts: GroupCoordinatorParts,
  settings: GroupSettings,
): Promise<GroupRuntime> {
  const createTopic = internalTopicCreator(parts.controller, parts.logger, {
    name: CONSUMER_OFFSETS_TOPIC,
    numPartitions: settings.numPartitions,
    replicationFactor: settings.replicationFactor,
    configs: {
      'cleanup.policy': 'compact',
      'compression.type': 'producer',
      'segment.bytes': String(settings.segmentBytes),
    },
  });
  return startGroupRuntime({
    replicas: parts.replicas,
    createTopic,
    config: settings.coordinator,
    numPartitions: settings.numPartitions,
    retentionCheckIntervalMs: settings.retentionCheckIntervalMs,
    clock: parts.clock ?? systemGroupClock,
    topics: () => topicCatalog(parts.metadata()),
    // Kafka's form: the client id, a dash, a random UUID.
    newMemberId: (clientId) => `${clientId}-${randomUUID()}`,
    onError: (error, what) => parts.logger.error({ err: error }, `group coordinator: ${what} failed`),
  });
}
