// DescribeConfigs through the dispatcher over in-memory logs: every config of a topic or broker
// with Kafka's sources, read-only flags, synonyms, types and documentation at each version, and
// the per-resource errors.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiKey, type DescribeConfigsResult, ErrorCode } from '../protocol/index.js';
import { createTestBroker, type TestBroker } from './broker-test-kit.js';
import { createTopicsBody } from './request-builders.test-support.js';

const TOPIC = 2;
const BROKER = 4;
const BROKER_LOGGER = 8;
const Source = { DYNAMIC_TOPIC_CONFIG: 1, STATIC_BROKER_CONFIG: 4, DEFAULT_CONFIG: 5 } as const;

async function describeOne(
  broker: TestBroker,
  version: number,
  resource: { resourceType: number; resourceName: string; configurationKeys?: string[] | null },
  options: { includeSynonyms?: boolean; includeDocumentation?: boolean } = {},
): Promise<DescribeConfigsResult> {
  const response = await broker.call(ApiKey.DescribeConfigs, version, {
    resources: [{ configurationKeys: null, ...resource }],
    includeSynonyms: options.includeSynonyms ?? false,
    includeDocumentation: options.includeDocumentation ?? false,
  });
  const result = response?.results[0];
  assert.ok(result !== undefined);
  return result;
}

function entry(result: DescribeConfigsResult, name: string) {
  const found = result.configs.find((config) => config.name === name);
  assert.ok(found !== undefined, `${name} is described`);
  return found;
}

describe('DescribeConfigs', () => {
  let broker: TestBroker;
  before(async () => {
    broker = await createTestBroker({}, {}, { 'log.retention.hours': '24', 'log.segment.bytes': '1048576' });
    await broker.call(
      ApiKey.CreateTopics,
      7,
      createTopicsBody([
        { name: 'orders', configs: { 'retention.ms': '1000', 'cleanup.policy': 'compact' } },
      ]),
    );
  });
  after(() => broker.close());

  it('describes every topic config with its value and source', async () => {
    const result = await describeOne(broker, 4, { resourceType: TOPIC, resourceName: 'orders' });
    assert.equal(result.errorCode, ErrorCode.NONE);
    assert.ok(result.configs.length >= 20);
    const retention = entry(result, 'retention.ms');
    assert.deepEqual(
      [retention.value, retention.configSource, retention.readOnly],
      ['1000', Source.DYNAMIC_TOPIC_CONFIG, false],
    );
    const segment = entry(result, 'segment.bytes');
    assert.deepEqual([segment.value, segment.configSource], ['1048576', Source.STATIC_BROKER_CONFIG]);
    const flush = entry(result, 'flush.messages');
    assert.deepEqual([flush.value, flush.configSource], ['9223372036854775807', Source.DEFAULT_CONFIG]);
    assert.equal(entry(result, 'cleanup.policy').value, 'compact');
    assert.deepEqual(retention.synonyms, [], 'synonyms only when asked');
    assert.equal(retention.documentation, null, 'documentation only when asked');
    assert.equal(retention.configType, 5, 'LONG');
  });

  it('lists synonyms down to the broker defaults (retention.ms ← log.retention.hours)', async () => {
    await broker.call(ApiKey.CreateTopics, 7, createTopicsBody([{ name: 'plain' }]));
    const result = await describeOne(
      broker,
      4,
      { resourceType: TOPIC, resourceName: 'plain', configurationKeys: ['retention.ms'] },
      { includeSynonyms: true, includeDocumentation: true },
    );
    assert.equal(result.configs.length, 1);
    const retention = entry(result, 'retention.ms');
    assert.equal(retention.value, String(24 * 3_600_000));
    assert.equal(retention.configSource, Source.STATIC_BROKER_CONFIG);
    assert.deepEqual(retention.synonyms, [
      { name: 'log.retention.hours', value: '24', source: Source.STATIC_BROKER_CONFIG },
      { name: 'log.retention.hours', value: '168', source: Source.DEFAULT_CONFIG },
    ]);
    assert.match(retention.documentation ?? '', /older than/);
    const overridden = await describeOne(
      broker,
      1,
      { resourceType: TOPIC, resourceName: 'orders', configurationKeys: ['retention.ms'] },
      { includeSynonyms: true },
    );
    assert.deepEqual(entry(overridden, 'retention.ms').synonyms[0], {
      name: 'retention.ms',
      value: '1000',
      source: Source.DYNAMIC_TOPIC_CONFIG,
    });
  });

  it('answers v0 with isDefault instead of a source', async () => {
    const result = await describeOne(broker, 0, { resourceType: TOPIC, resourceName: 'orders' });
    assert.equal(entry(result, 'retention.ms').isDefault, false);
    assert.equal(entry(result, 'preallocate').isDefault, true);
    assert.equal(entry(result, 'segment.bytes').isDefault, false, 'set in the static broker config');
  });

  it('describes the broker: read-only static keys, dynamic ones, static sources', async () => {
    const result = await describeOne(
      broker,
      4,
      { resourceType: BROKER, resourceName: '1' },
      { includeSynonyms: true },
    );
    assert.equal(result.errorCode, ErrorCode.NONE);
    const partitions = entry(result, 'num.partitions');
    assert.deepEqual(
      [partitions.value, partitions.readOnly, partitions.configSource],
      ['1', true, Source.DEFAULT_CONFIG],
    );
    const segment = entry(result, 'log.segment.bytes');
    assert.deepEqual(
      [segment.value, segment.readOnly, segment.configSource],
      ['1048576', false, Source.STATIC_BROKER_CONFIG],
    );
    assert.deepEqual(segment.synonyms, [
      { name: 'log.segment.bytes', value: '1048576', source: Source.STATIC_BROKER_CONFIG },
      { name: 'log.segment.bytes', value: '1073741824', source: Source.DEFAULT_CONFIG },
    ]);
    const retentionMs = entry(result, 'log.retention.ms');
    assert.equal(retentionMs.value, null, 'unset, no default');
    assert.equal(retentionMs.configSource, Source.STATIC_BROKER_CONFIG, 'decided by log.retention.hours');
    const cluster = await describeOne(broker, 4, { resourceType: BROKER, resourceName: '' });
    assert.deepEqual(cluster.configs, [], 'no cluster-wide dynamic defaults yet');
  });

  it('refuses unknown topics, other broker ids, BROKER_LOGGER and unknown resource types', async () => {
    const cases: [number, string, number][] = [
      [TOPIC, 'missing', ErrorCode.UNKNOWN_TOPIC_OR_PARTITION],
      [TOPIC, 'bad/name', ErrorCode.INVALID_TOPIC_EXCEPTION],
      [BROKER, '2', ErrorCode.INVALID_REQUEST],
      [BROKER, 'one', ErrorCode.INVALID_REQUEST],
      [BROKER_LOGGER, '1', ErrorCode.INVALID_REQUEST],
      [16, 'x', ErrorCode.INVALID_REQUEST],
    ];
    const response = await broker.call(ApiKey.DescribeConfigs, 4, {
      resources: cases.map(([resourceType, resourceName]) => ({
        resourceType,
        resourceName,
        configurationKeys: null,
      })),
      includeSynonyms: false,
      includeDocumentation: false,
    });
    assert.deepEqual(
      response?.results.map((result) => [result.resourceType, result.resourceName, result.errorCode]),
      cases,
    );
    for (const result of response?.results ?? []) assert.ok((result.errorMessage ?? '').length > 0);
    assert.match(response?.results[2]?.errorMessage ?? '', /expected 1/);
  });
});
