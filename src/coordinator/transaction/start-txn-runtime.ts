// Builds this node's transaction coordinator: replays __transaction_state, then starts the runtime on it.
import type { ReplicaManager } from '../../replication/index.js';
import type { GroupClock } from '../group/group-runtime.js';
import { type CreateInternalTopic, InternalTopicLog } from '../internal-topic-log.js';
import { TransactionCoordinator, type TxnCoordinatorConfig } from './transaction-coordinator.js';
import { decodeTxnRecord } from './txn-log-records.js';
import { TRANSACTION_STATE_TOPIC } from './txn-partition.js';
import { type TxnMarkerWriter, type TxnProducerIds, TxnRuntime } from './txn-runtime.js';

export interface TxnRuntimeSetup {
  readonly replicas: ReplicaManager;
  readonly createTopic: CreateInternalTopic;
  readonly config: TxnCoordinatorConfig;
  readonly markers: TxnMarkerWriter;
  readonly producerIds: TxnProducerIds;
  readonly clock: GroupClock;
  readonly onError: (error: unknown, what: string) => void;
}

/**
 * Replays every __transaction_state partition this node holds (a topic not created yet holds nothing)
 * and returns the runtime serving the loaded transactional ids; transactions that were ending get their
 * markers written again. Throws CorruptTxnRecordError when a record does not decode: starting without it
 * could hand out an epoch a fenced producer already had.
 */
export async function startTxnRuntime(setup: TxnRuntimeSetup): Promise<TxnRuntime> {
  const log = new InternalTopicLog(TRANSACTION_STATE_TOPIC, setup.replicas, setup.createTopic, () =>
    setup.clock.nowMs(),
  );
  const records = await log.readAll(setup.config.numPartitions);
  const coordinator = new TransactionCoordinator(
    setup.config,
    (partition) => setup.replicas.getPartition(TRANSACTION_STATE_TOPIC, partition)?.leaderEpoch ?? 0,
  );
  coordinator.load(
    records.map((r) => decodeTxnRecord(r.key, r.value)),
    setup.clock.nowMs(),
  );
  return new TxnRuntime({
    coordinator,
    log,
    markers: setup.markers,
    producerIds: setup.producerIds,
    clock: setup.clock,
    onError: setup.onError,
  });
}
