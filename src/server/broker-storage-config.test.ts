// The storage layer's broker-wide settings come from the broker config under Kafka's names.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_BROKER_STORAGE_CONFIG } from '../storage/index.js';
import { brokerStorageConfig } from './broker-storage-config.js';
import { loadBrokerConfig } from './load-broker-config.js';

describe('brokerStorageConfig', () => {
  it('has the storage defaults when nothing is set (the two tables agree)', () => {
    assert.deepEqual(brokerStorageConfig(loadBrokerConfig({})), DEFAULT_BROKER_STORAGE_CONFIG);
  });

  it('takes each setting from its Kafka key', () => {
    const config = loadBrokerConfig({
      flags: {
        overrides: [
          'log.flush.scheduler.interval.ms=1000',
          'log.flush.offset.checkpoint.interval.ms=2000',
          'log.flush.start.offset.checkpoint.interval.ms=3000',
          'log.retention.check.interval.ms=4000',
          'log.cleaner.backoff.ms=5000',
          'producer.id.expiration.ms=6000',
          'producer.id.expiration.check.interval.ms=7000',
          'pyralog.log.zero.ahead.max.bytes=0',
          'pyralog.log.dsync.segments.enable=false',
        ],
      },
    });
    assert.deepEqual(brokerStorageConfig(config), {
      flushSchedulerIntervalMs: 1000,
      flushOffsetCheckpointIntervalMs: 2000,
      flushStartOffsetCheckpointIntervalMs: 3000,
      retentionCheckIntervalMs: 4000,
      cleanerBackoffMs: 5000,
      cleanerMaxKeys: DEFAULT_BROKER_STORAGE_CONFIG.cleanerMaxKeys,
      producerIdExpirationMs: 6000,
      producerIdExpirationCheckIntervalMs: 7000,
      zeroAheadMaxBytes: 0,
      dsyncSegments: false,
    });
  });
});
