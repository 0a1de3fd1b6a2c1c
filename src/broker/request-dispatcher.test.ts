// The dispatcher's version handling: ApiVersions advertises exactly the handled APIs, the KIP-511
// fallback for a too-new ApiVersions, and the close path for APIs without a handler.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiKey, ErrorCode } from '../protocol/index.js';
import { createTestBroker } from './broker-test-kit.js';
import { handledApiKeys, UnanswerableRequestError } from './request-dispatcher.js';
import { SUPPORTED_APIS } from './supported-apis.js';

describe('request dispatcher', () => {
  it('advertises exactly the APIs that have a handler', async () => {
    const broker = await createTestBroker();
    const response = await broker.call(ApiKey.ApiVersions, 3, {
      clientSoftwareName: 't',
      clientSoftwareVersion: '1',
    });
    assert.equal(response?.errorCode, ErrorCode.NONE);
    assert.deepEqual(
      response?.apiKeys.map((k) => k.apiKey).sort((a, b) => a - b),
      handledApiKeys().sort((a, b) => a - b),
    );
    for (const key of response?.apiKeys ?? []) {
      assert.deepEqual(
        { min: key.minVersion, max: key.maxVersion },
        SUPPORTED_APIS.get(key.apiKey as ApiKey),
      );
    }
    await broker.close();
  });

  it('answers ApiVersions above v4 with a v0 UNSUPPORTED_VERSION body listing its own range', async () => {
    const broker = await createTestBroker();
    const response = await broker.call(
      ApiKey.ApiVersions,
      4,
      { clientSoftwareName: 't', clientSoftwareVersion: '1' },
      9,
    );
    assert.equal(response?.errorCode, ErrorCode.UNSUPPORTED_VERSION);
    assert.deepEqual(response?.apiKeys, [{ apiKey: ApiKey.ApiVersions, minVersion: 0, maxVersion: 4 }]);
    await broker.close();
  });

  it('rejects (closing the connection) an API it does not serve', async () => {
    const broker = await createTestBroker();
    await assert.rejects(broker.call(ApiKey.AlterReplicaLogDirs, 2, { dirs: [] }), UnanswerableRequestError);
    await broker.close();
  });

  it('turns an unexpected exception into UNKNOWN_SERVER_ERROR for that request and logs one line', async () => {
    const logged: string[] = [];
    const broker = await createTestBroker(
      {},
      {
        controller: {
          createTopics: () => Promise.reject(new Error('boom')),
          deleteTopics: () => Promise.reject(new Error('boom')),
          createPartitions: () => Promise.reject(new Error('boom')),
        },
        logger: { error: (_object, message) => logged.push(message), warn: () => {}, debug: () => {} },
      },
    );
    const response = await broker.call(ApiKey.CreateTopics, 7, {
      topics: [{ name: 't', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 1000,
      validateOnly: false,
    });
    assert.equal(response?.topics[0]?.errorCode, ErrorCode.UNKNOWN_SERVER_ERROR);
    assert.equal(logged.length, 1);
    await broker.close();
  });

  it('counts every request by API: answered, answered with UNSUPPORTED_VERSION, or closing the connection', async () => {
    const broker = await createTestBroker();
    const counts = (): Map<number, number> =>
      new Map([...broker.context.stats.requests.snapshot()].map((api) => [api.apiKey, api.count]));
    await broker.call(ApiKey.ApiVersions, 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' });
    await broker.call(ApiKey.ApiVersions, 4, { clientSoftwareName: 't', clientSoftwareVersion: '1' }, 9);
    await assert.rejects(broker.call(ApiKey.AlterReplicaLogDirs, 2, { dirs: [] }), UnanswerableRequestError);
    assert.equal(counts().get(ApiKey.ApiVersions), 2);
    assert.equal(counts().get(ApiKey.AlterReplicaLogDirs), 1);
    await broker.close();
  });
});
