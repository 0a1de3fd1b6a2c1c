// IncrementalAlterConfigs and AlterConfigs through the dispatcher and the local controller: each
// operation, validateOnly, per-resource errors, dynamic broker configs at both levels, and changes
// reaching the live partition logs (a produce over a lowered max.message.bytes is refused).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ApiKey,
  createRecordBatch,
  ErrorCode,
  encodeRecordBatchSync,
  type IncrementalAlterConfigsRequest,
} from '../protocol/index.js';
import { createTestBroker, type TestBroker } from './broker-test-kit.js';
import { ConfigOperation } from './config-admin.js';
import { createTopicsBody, produceBody } from './request-builders.test-support.js';

const TOPIC = 2;
const BROKER = 4;
const Source = {
  DYNAMIC_TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  DEFAULT_CONFIG: 5,
} as const;
const { SET, DELETE, APPEND, SUBTRACT } = ConfigOperation;

type Op = [name: string, operation: number, value: string | null];

function incremental(
  resources: { type: number; name: string; ops: Op[] }[],
  validateOnly = false,
): IncrementalAlterConfigsRequest {
  return {
    resources: resources.map((resource) => ({
      resourceType: resource.type,
      resourceName: resource.name,
      configs: resource.ops.map(([name, configOperation, value]) => ({ name, configOperation, value })),
    })),
    validateOnly,
  };
}

async function alter(broker: TestBroker, type: number, name: string, ops: Op[], validateOnly = false) {
  const response = await broker.call(
    ApiKey.IncrementalAlterConfigs,
    1,
    incremental([{ type, name, ops }], validateOnly),
  );
  const result = response?.responses[0];
  assert.ok(result !== undefined);
  return result;
}

async function config(broker: TestBroker, type: number, name: string, key: string) {
  const response = await broker.call(ApiKey.DescribeConfigs, 4, {
    resources: [{ resourceType: type, resourceName: name, configurationKeys: [key] }],
    includeSynonyms: true,
    includeDocumentation: false,
  });
  return response?.results[0]?.configs[0];
}

function batch(bytes: number): Buffer {
  return encodeRecordBatchSync(
    createRecordBatch({ records: [{ value: Buffer.alloc(bytes, 1) }], timestamp: 1000n }),
  );
}

describe('IncrementalAlterConfigs and AlterConfigs', () => {
  let broker: TestBroker;
  before(async () => {
    broker = await createTestBroker();
    await broker.call(
      ApiKey.CreateTopics,
      7,
      createTopicsBody([{ name: 'orders' }, { name: 'other' }, { name: 'sized' }]),
    );
  });
  after(() => broker.close());

  it('SET and DELETE a topic config', async () => {
    assert.equal(
      (await alter(broker, TOPIC, 'orders', [['retention.ms', SET, '5000']])).errorCode,
      ErrorCode.NONE,
    );
    const set = await config(broker, TOPIC, 'orders', 'retention.ms');
    assert.deepEqual([set?.value, set?.configSource], ['5000', Source.DYNAMIC_TOPIC_CONFIG]);
    assert.equal(
      broker.context.replicas.getPartition('orders', 0)?.log.logConfig.retentionMs,
      5000,
      'live log',
    );
    assert.equal(
      (await alter(broker, TOPIC, 'orders', [['retention.ms', DELETE, null]])).errorCode,
      ErrorCode.NONE,
    );
    const deleted = await config(broker, TOPIC, 'orders', 'retention.ms');
    assert.deepEqual([deleted?.value, deleted?.configSource], ['604800000', Source.DEFAULT_CONFIG]);
    assert.equal(broker.context.replicas.getPartition('orders', 0)?.log.logConfig.retentionMs, 604800000);
  });

  it('APPEND and SUBTRACT list configs, starting from the default', async () => {
    assert.equal(
      (await alter(broker, TOPIC, 'orders', [['cleanup.policy', APPEND, 'compact']])).errorCode,
      ErrorCode.NONE,
    );
    assert.equal((await config(broker, TOPIC, 'orders', 'cleanup.policy'))?.value, 'delete,compact');
    assert.equal(
      (await alter(broker, TOPIC, 'orders', [['cleanup.policy', APPEND, 'compact']])).errorCode,
      ErrorCode.NONE,
    );
    assert.equal(
      (await config(broker, TOPIC, 'orders', 'cleanup.policy'))?.value,
      'delete,compact',
      'no duplicate',
    );
    assert.equal(
      (await alter(broker, TOPIC, 'orders', [['cleanup.policy', SUBTRACT, 'delete']])).errorCode,
      ErrorCode.NONE,
    );
    assert.equal((await config(broker, TOPIC, 'orders', 'cleanup.policy'))?.value, 'compact');
    assert.deepEqual(broker.context.replicas.getPartition('orders', 0)?.log.logConfig.cleanupPolicy, [
      'compact',
    ]);
    const notList = await alter(broker, TOPIC, 'orders', [['retention.ms', APPEND, '1']]);
    assert.equal(notList.errorCode, ErrorCode.INVALID_CONFIG);
    assert.match(notList.errorMessage ?? '', /retention\.ms.*not LIST/);
  });

  it('refuses bad values, unknown keys, bad operations and unknown topics per resource', async () => {
    const response = await broker.call(
      ApiKey.IncrementalAlterConfigs,
      1,
      incremental([
        { type: TOPIC, name: 'orders', ops: [['retention.ms', SET, 'soon']] },
        { type: TOPIC, name: 'other', ops: [['no.such.config', SET, '1']] },
        { type: TOPIC, name: 'missing', ops: [['retention.ms', SET, '1']] },
        { type: TOPIC, name: 'other', ops: [['segment.bytes', 9, '1']] },
        { type: BROKER, name: '7', ops: [['log.retention.ms', SET, '1']] },
      ]),
    );
    assert.deepEqual(
      response?.responses.map((r) => r.errorCode),
      [
        ErrorCode.INVALID_CONFIG,
        ErrorCode.INVALID_REQUEST, // 'other' appears twice in the request
        ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
        ErrorCode.INVALID_REQUEST,
        ErrorCode.INVALID_REQUEST,
      ],
    );
    assert.match(response?.responses[0]?.errorMessage ?? '', /retention\.ms.*soon.*not an integer/);
    const unknown = await alter(broker, TOPIC, 'other', [['no.such.config', SET, '1']]);
    assert.deepEqual(
      [unknown.errorCode, unknown.errorMessage],
      [ErrorCode.INVALID_CONFIG, 'Unknown topic config name: no.such.config'],
    );
    const range = await alter(broker, TOPIC, 'other', [['segment.bytes', SET, '10']]);
    assert.equal(range.errorCode, ErrorCode.INVALID_CONFIG);
    assert.match(range.errorMessage ?? '', /segment\.bytes.*below 14/);
    const duplicateKey = await alter(broker, TOPIC, 'other', [
      ['retention.ms', SET, '1'],
      ['retention.ms', DELETE, null],
    ]);
    assert.equal(duplicateKey.errorCode, ErrorCode.INVALID_REQUEST);
    assert.equal(
      (await config(broker, TOPIC, 'orders', 'retention.ms'))?.configSource,
      Source.DEFAULT_CONFIG,
    );
  });

  it('validateOnly checks without changing anything', async () => {
    assert.equal(
      (await alter(broker, TOPIC, 'other', [['retention.ms', SET, '1234']], true)).errorCode,
      ErrorCode.NONE,
    );
    assert.equal(
      (await alter(broker, TOPIC, 'other', [['retention.ms', SET, 'x']], true)).errorCode,
      ErrorCode.INVALID_CONFIG,
    );
    assert.equal((await config(broker, TOPIC, 'other', 'retention.ms'))?.value, '604800000');
  });

  it('AlterConfigs replaces the whole set of a topic overrides', async () => {
    await alter(broker, TOPIC, 'other', [
      ['retention.ms', SET, '1000'],
      ['segment.ms', SET, '2000'],
    ]);
    const response = await broker.call(ApiKey.AlterConfigs, 2, {
      resources: [
        { resourceType: TOPIC, resourceName: 'other', configs: [{ name: 'retention.bytes', value: '4096' }] },
      ],
      validateOnly: false,
    });
    assert.equal(response?.responses[0]?.errorCode, ErrorCode.NONE);
    assert.equal(
      (await config(broker, TOPIC, 'other', 'retention.bytes'))?.configSource,
      Source.DYNAMIC_TOPIC_CONFIG,
    );
    assert.equal((await config(broker, TOPIC, 'other', 'retention.ms'))?.configSource, Source.DEFAULT_CONFIG);
    assert.equal((await config(broker, TOPIC, 'other', 'segment.ms'))?.configSource, Source.DEFAULT_CONFIG);
    const v0 = await broker.call(ApiKey.AlterConfigs, 0, {
      resources: [
        { resourceType: TOPIC, resourceName: 'other', configs: [{ name: 'retention.bytes', value: 'big' }] },
      ],
      validateOnly: false,
    });
    assert.equal(v0?.responses[0]?.errorCode, ErrorCode.INVALID_CONFIG);
  });

  it('dynamic broker configs: cluster default, then per broker, reach topics without overrides', async () => {
    assert.equal(
      (await alter(broker, BROKER, '', [['log.retention.ms', SET, '60000']])).errorCode,
      ErrorCode.NONE,
    );
    const cluster = await broker.call(ApiKey.DescribeConfigs, 4, {
      resources: [{ resourceType: BROKER, resourceName: '', configurationKeys: null }],
      includeSynonyms: true,
      includeDocumentation: false,
    });
    assert.deepEqual(
      cluster?.results[0]?.configs.map((c) => [c.name, c.value, c.configSource]),
      [['log.retention.ms', '60000', Source.DYNAMIC_DEFAULT_BROKER_CONFIG]],
    );
    const topic = await config(broker, TOPIC, 'orders', 'retention.ms');
    assert.deepEqual([topic?.value, topic?.configSource], ['60000', Source.DYNAMIC_DEFAULT_BROKER_CONFIG]);
    assert.equal(
      broker.context.replicas.getPartition('orders', 0)?.log.logConfig.retentionMs,
      60000,
      'live log',
    );

    assert.equal(
      (await alter(broker, BROKER, '1', [['log.retention.ms', SET, '30000']])).errorCode,
      ErrorCode.NONE,
    );
    const own = await config(broker, BROKER, '1', 'log.retention.ms');
    assert.deepEqual([own?.value, own?.configSource], ['30000', Source.DYNAMIC_BROKER_CONFIG]);
    assert.deepEqual(own?.synonyms.map((s) => [s.name, s.value, s.source]).slice(0, 2), [
      ['log.retention.ms', '30000', Source.DYNAMIC_BROKER_CONFIG],
      ['log.retention.ms', '60000', Source.DYNAMIC_DEFAULT_BROKER_CONFIG],
    ]);
    assert.equal(broker.context.replicas.getPartition('orders', 0)?.log.logConfig.retentionMs, 30000);

    await alter(broker, BROKER, '1', [['log.retention.ms', DELETE, null]]);
    await alter(broker, BROKER, '', [['log.retention.ms', DELETE, null]]);
    assert.equal(broker.context.replicas.getPartition('orders', 0)?.log.logConfig.retentionMs, 604800000);
  });

  it('refuses static broker keys and bad broker values with Kafka messages', async () => {
    const staticKey = await alter(broker, BROKER, '1', [['num.partitions', SET, '3']]);
    assert.deepEqual(
      [staticKey.errorCode, staticKey.errorMessage],
      [ErrorCode.INVALID_CONFIG, 'Cannot update these configs dynamically: [num.partitions]'],
    );
    const bad = await alter(broker, BROKER, '', [['message.max.bytes', SET, 'lots']]);
    assert.equal(bad.errorCode, ErrorCode.INVALID_CONFIG);
    assert.match(bad.errorMessage ?? '', /message\.max\.bytes/);
    const unknown = await alter(broker, BROKER, '1', [['no.such.key', SET, '1']]);
    assert.equal(unknown.errorCode, ErrorCode.INVALID_CONFIG);
  });

  it('a lowered max.message.bytes applies to the next produce (MESSAGE_TOO_LARGE)', async () => {
    const ok = await broker.call(ApiKey.Produce, 9, produceBody('sized', 0, batch(500)));
    assert.equal(ok?.responses[0]?.partitionResponses[0]?.errorCode, ErrorCode.NONE);
    await alter(broker, TOPIC, 'sized', [['max.message.bytes', SET, '200']]);
    const refused = await broker.call(ApiKey.Produce, 9, produceBody('sized', 0, batch(500)));
    assert.equal(refused?.responses[0]?.partitionResponses[0]?.errorCode, ErrorCode.MESSAGE_TOO_LARGE);
    await alter(broker, TOPIC, 'sized', [['max.message.bytes', DELETE, null]]);
    await alter(broker, BROKER, '', [['message.max.bytes', SET, '200']]);
    const byDefault = await broker.call(ApiKey.Produce, 9, produceBody('sized', 0, batch(500)));
    assert.equal(byDefault?.responses[0]?.partitionResponses[0]?.errorCode, ErrorCode.MESSAGE_TOO_LARGE);
    await alter(broker, BROKER, '', [['message.max.bytes', DELETE, null]]);
  });
});
