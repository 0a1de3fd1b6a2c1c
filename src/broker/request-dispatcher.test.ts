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
    await assert.rejects(
      broker.call(ApiKey.DescribeCluster, 0, { includeClusterAuthorizedOperations: false, endpointType: 1 }),
      UnanswerableRequestError,
    );
    await broker.close();
  });
});
