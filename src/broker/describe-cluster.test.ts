// DescribeCluster through the dispatcher: the registered, unfenced brokers on the request's
// listener, the cluster and controller ids, authorized operations on request, endpoint types.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { rec } from '../metadata/metadata-fixtures.js';
import { ApiKey, ErrorCode } from '../protocol/index.js';
import { CLUSTER_AUTHORIZED_OPERATIONS } from './authorized-operations.js';
import { createTestBroker } from './broker-test-kit.js';

describe('DescribeCluster', () => {
  it('lists the unfenced brokers with the cluster id and this node as controller (v0 and v1)', async () => {
    const broker = await createTestBroker();
    await broker.commitMetadata([
      rec.registerBroker(1, 1n, { fenced: false, port: 19092 }),
      rec.registerBroker(2, 1n, { fenced: true, port: 19093 }),
    ]);
    for (const version of [0, 1]) {
      const response = await broker.call(ApiKey.DescribeCluster, version, {
        includeClusterAuthorizedOperations: false,
        endpointType: 1,
      });
      assert.equal(response?.errorCode, ErrorCode.NONE);
      assert.equal(response?.clusterId, 'test-cluster');
      assert.equal(response?.controllerId, 1);
      assert.equal(response?.endpointType, 1);
      assert.deepEqual(response?.brokers, [{ brokerId: 1, host: 'localhost', port: 19092, rack: null }]);
      assert.equal(response?.clusterAuthorizedOperations, -2147483648);
    }
    await broker.close();
  });

  it('answers the authorized operations when asked (no authorizer: every cluster operation)', async () => {
    const broker = await createTestBroker();
    const response = await broker.call(ApiKey.DescribeCluster, 1, {
      includeClusterAuthorizedOperations: true,
      endpointType: 1,
    });
    assert.equal(response?.clusterAuthorizedOperations, CLUSTER_AUTHORIZED_OPERATIONS);
    // CREATE(5), ALTER(7), DESCRIBE(8), CLUSTER_ACTION(9), DESCRIBE_CONFIGS(10), ALTER_CONFIGS(11), IDEMPOTENT_WRITE(12)
    assert.equal(CLUSTER_AUTHORIZED_OPERATIONS, 0b1_1111_1010_0000);
    await broker.close();
  });

  it('answers UNSUPPORTED_ENDPOINT_TYPE when v1 asks for controllers', async () => {
    const broker = await createTestBroker();
    const response = await broker.call(ApiKey.DescribeCluster, 1, {
      includeClusterAuthorizedOperations: false,
      endpointType: 2,
    });
    assert.equal(response?.errorCode, ErrorCode.UNSUPPORTED_ENDPOINT_TYPE);
    assert.ok((response?.errorMessage ?? '').length > 0);
    assert.deepEqual(response?.brokers, []);
    await broker.close();
  });
});
