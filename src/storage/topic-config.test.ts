// Proves topic configs resolve as Kafka's: topic override over broker synonym over default, with
// types and ranges checked and Kafka's hour/minute broker fallbacks.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { InvalidConfigError } from './storage-errors.js';
import { NEVER, resolveLogConfig, TOPIC_CONFIGS } from './topic-config.js';

describe('topic configs', () => {
  it("has Kafka's defaults", () => {
    const config = resolveLogConfig();
    assert.equal(config.segmentBytes, 1073741824);
    assert.equal(config.segmentMs, 604800000);
    assert.equal(config.indexIntervalBytes, 4096);
    assert.equal(config.segmentIndexBytes, 10485760);
    assert.equal(config.retentionMs, 604800000);
    assert.equal(config.retentionBytes, -1);
    assert.equal(config.flushMessages, NEVER);
    assert.equal(config.fileDeleteDelayMs, 60000);
    assert.deepEqual(config.cleanupPolicy, ['delete']);
    assert.equal(config.minCleanableDirtyRatio, 0.5);
    assert.equal(config.maxMessageBytes, 1048588);
    assert.equal(config.messageTimestampType, 'CreateTime');
    assert.equal(config.flushPolicy, 'durable');
  });

  it('takes a topic override over the broker synonym over the default', () => {
    const config = resolveLogConfig(
      { 'segment.bytes': '1000', 'cleanup.policy': 'compact,delete' },
      {
        'log.segment.bytes': '2000',
        'log.retention.bytes': '5000',
        'log.retention.hours': '1',
        'log.roll.hours': '2',
      },
    );
    assert.equal(config.segmentBytes, 1000);
    assert.equal(config.retentionBytes, 5000);
    assert.equal(config.retentionMs, 3_600_000);
    assert.equal(config.segmentMs, 7_200_000);
    assert.deepEqual(config.cleanupPolicy, ['compact', 'delete']);
    assert.equal(
      resolveLogConfig({}, { 'log.retention.ms': '5', 'log.retention.hours': '1' }).retentionMs,
      5,
    );
    assert.equal(resolveLogConfig({ 'flush.messages': '9223372036854775807' }).flushMessages, NEVER);
  });

  it('refuses unknown names, wrong types and values out of range', () => {
    for (const [name, value] of [
      ['segment.bytes', '13'],
      ['segment.bytes', 'big'],
      ['segment.bytes', '4294967296'],
      ['min.cleanable.dirty.ratio', '1.5'],
      ['cleanup.policy', 'shred'],
      ['preallocate', 'yes'],
      ['message.timestamp.type', 'Now'],
      ['no.such.config', '1'],
    ] as const) {
      assert.throws(() => resolveLogConfig({ [name]: value }), InvalidConfigError, `${name}=${value}`);
    }
  });

  it('names every broker synonym as Kafka does', () => {
    const synonyms = Object.fromEntries(
      TOPIC_CONFIGS.map((definition) => [definition.name, definition.brokerSynonym]),
    );
    assert.equal(synonyms['segment.bytes'], 'log.segment.bytes');
    assert.equal(synonyms['flush.ms'], 'log.flush.interval.ms');
    assert.equal(synonyms['file.delete.delay.ms'], 'log.segment.delete.delay.ms');
    assert.equal(synonyms['max.message.bytes'], 'message.max.bytes');
  });
});
