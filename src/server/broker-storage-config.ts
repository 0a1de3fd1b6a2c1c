import { type BrokerStorageConfig, DEFAULT_BROKER_STORAGE_CONFIG } from '../storage/index.js';
import type { BrokerConfig } from './broker-config.js';

/** The storage layer's broker-wide settings, taken from the broker config by their Kafka names. */
export function brokerStorageConfig(config: BrokerConfig): BrokerStorageConfig {
  const values = config.values;
  return {
    flushSchedulerIntervalMs: values['log.flush.scheduler.interval.ms'],
    flushOffsetCheckpointIntervalMs: values['log.flush.offset.checkpoint.interval.ms'],
    flushStartOffsetCheckpointIntervalMs: values['log.flush.start.offset.checkpoint.interval.ms'],
    retentionCheckIntervalMs: values['log.retention.check.interval.ms'],
    cleanerBackoffMs: values['log.cleaner.backoff.ms'],
    // Kafka bounds its key map by bytes (log.cleaner.dedupe.buffer.size); ours counts keys and keeps its default.
    cleanerMaxKeys: DEFAULT_BROKER_STORAGE_CONFIG.cleanerMaxKeys,
    producerIdExpirationMs: values['producer.id.expiration.ms'],
    producerIdExpirationCheckIntervalMs: values['producer.id.expiration.check.interval.ms'],
    zeroAheadMaxBytes: values['pyralog.log.zero.ahead.max.bytes'],
    dsyncSegments: values['pyralog.log.dsync.segments.enable'],
  };
}
