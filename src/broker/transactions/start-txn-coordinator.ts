import {
  type GroupClock,
  startTxnRuntime,
  systemGroupClock,
  TRANSACTION_STATE_TOPIC,
  type TxnCoordinatorConfig,
  type TxnMarkerWriter,
  type TxnProducerIds,
  type TxnRuntime,
} from '../../coordinator/index.js';
import type { ReplicaManager } from '../../replication/index.js';
import type { BrokerLogger, TopicController } from '../broker-context.js';
import { internalTopicCreator } from '../internal-topic-creator.js';

/** The transaction coordinator's settings, by Kafka name. */
export interface TxnSettings {
  readonly coordinator: TxnCoordinatorConfig;
  /** transaction.state.log.replication.factor */
  readonly replicationFactor: number;
  /** transaction.state.log.segment.bytes */
  readonly segmentBytes: number;
  /** transaction.state.log.min.isr */
  readonly minInsyncReplicas: number;
}

export interface TxnCoordinatorParts {
  readonly replicas: ReplicaManager;
  readonly controller: TopicController;
  readonly logger: BrokerLogger;
  readonly producerIds: TxnProducerIds;
  /** Writes COMMIT/ABORT markers to the partitions of a transaction (the in-process WriteTxnMarkers). */
  readonly markers: TxnMarkerWriter;
  /** Real time unless a test injects its own. */
  readonly clock?: GroupClock;
}

/**
 * Loads the transactional ids held in __transaction_state and starts serving them. The topic is created
 * (compacted, uncompressed, transaction.state.log.num.partitions, as Kafka's TransactionStateManager
 * configures it) on the first FindCoordinator or write, not at start.
 */
export function startTxnCoordinator(parts: TxnCoordinatorParts, settings: TxnSettings): Promise<TxnRuntime> {
  const createTopic = internalTopicCreator(parts.controller, parts.logger, {
    name: TRANSACTION_STATE_TOPIC,
    numPartitions: settings.coordinator.numPartitions,
    replicationFactor: settings.replicationFactor,
    configs: {
      'cleanup.policy': 'compact',
      'compression.type': 'uncompressed',
      'min.insync.replicas': String(settings.minInsyncReplicas),
      'segment.bytes': String(settings.segmentBytes),
      'unclean.leader.election.enable': 'false',
    },
  });
  return startTxnRuntime({
    replicas: parts.replicas,
    createTopic,
    config: settings.coordinator,
    markers: parts.markers,
    producerIds: parts.producerIds,
    clock: parts.clock ?? systemGroupClock,
    onError: (error, what) => parts.logger.error({ err: error }, `transaction coordinator: ${what} failed`),
  });
}
