import type { TxnSettings } from '../broker/index.js';
import { DEFAULT_TXN_COORDINATOR_CONFIG } from '../coordinator/index.js';
import type { BrokerConfig } from './broker-config.js';

/** The transaction coordinator's settings from the broker config (Kafka's transaction.* keys). */
export function txnSettings(config: BrokerConfig): TxnSettings {
  const v = config.values;
  return {
    coordinator: {
      ...DEFAULT_TXN_COORDINATOR_CONFIG,
      transactionalIdExpirationMs: v['transactional.id.expiration.ms'],
      transactionMaxTimeoutMs: v['transaction.max.timeout.ms'],
      numPartitions: v['transaction.state.log.num.partitions'],
    },
    replicationFactor: v['transaction.state.log.replication.factor'],
    segmentBytes: v['transaction.state.log.segment.bytes'],
    minInsyncReplicas: v['transaction.state.log.min.isr'],
  };
}
