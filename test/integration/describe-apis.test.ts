// DescribeLogDirs, DescribeCluster and DescribeTopicPartitions against startBroker over TCP, on a
// real log dir (sizes, statfs space) and with memory storage (the machine's memory as the volume).
import assert from 'node:assert/strict';
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createTopicsBody, produceBody } from '../../src/broker/request-builders.test-support.js';
import { startBroker } from '../../src/index.js';
import { KafkaConnection } from '../../src/network/index.js';
import { ApiKey, createRecordBatch, ErrorCode, encodeRecordBatchSync } from '../../src/protocol/index.js';

describe('describe APIs against startBroker', () => {
  it('DescribeLogDirs v4 reports the dir, partition sizes and the volume space; the metadata log is left out', async () => {
    const dir = await realpath(await mkdtemp(join(tmpdir(), 'pyralog-describe-')));
    const broker = await startBroker({ port: 0, logDirs: [dir] });
    const connection = await KafkaConnection.connect({ host: broker.host, port: broker.port });
    try {
      await connection.request(
        ApiKey.CreateTopics,
        7,
        createTopicsBody([{ name: 'sized', numPartitions: 2 }]),
      );
      const batch = encodeRecordBatchSync(createRecordBatch({ records: [{ value: Buffer.alloc(1000, 1) }] }));
      const produced = await connection.request(ApiKey.Produce, 9, produceBody('sized', 0, batch));
      assert.equal(produced.responses[0]?.partitionResponses[0]?.errorCode, ErrorCode.NONE);
      const response = await connection.request(ApiKey.DescribeLogDirs, 4, { topics: null });
      assert.equal(response.results.length, 1);
      const result = response.results[0]!;
      assert.equal(result.errorCode, ErrorCode.NONE);
      assert.equal(result.logDir, dir);
      assert.ok(
        result.totalBytes > 0n && result.usableBytes >= 0n && result.usableBytes <= result.totalBytes,
      );
      assert.deepEqual(
        result.topics.map((t) => t.name),
        ['sized'],
      );
      const sizes = result.topics[0]!.partitions.map((p) => [p.partitionIndex, p.partitionSize, p.offsetLag]);
      assert.deepEqual(sizes, [
        [0, BigInt(batch.length), 0n],
        [1, 0n, 0n],
      ]);
      const cluster = await connection.request(ApiKey.DescribeCluster, 1, {
        includeClusterAuthorizedOperations: false,
        endpointType: 1,
      });
      assert.equal(cluster.clusterId, broker.clusterId);
      assert.deepEqual(cluster.brokers, [
        { brokerId: broker.nodeId, host: broker.host, port: broker.port, rack: null },
      ]);
      const partitions = await connection.request(ApiKey.DescribeTopicPartitions, 0, {
        topics: [],
        responsePartitionLimit: 1,
        cursor: null,
      });
      assert.deepEqual(
        partitions.topics.map((t) => [t.name, t.partitions.map((p) => p.partitionIndex)]),
        [['sized', [0]]],
      );
      assert.deepEqual(partitions.nextCursor, { topicName: 'sized', partitionIndex: 1 });
    } finally {
      await connection.close();
      await broker.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a memory-storage broker reports its one dir with the machine memory as the volume', async () => {
    const broker = await startBroker();
    const connection = await KafkaConnection.connect({ host: broker.host, port: broker.port });
    try {
      await connection.request(ApiKey.CreateTopics, 7, createTopicsBody([{ name: 'mem' }]));
      const response = await connection.request(ApiKey.DescribeLogDirs, 4, {
        topics: [{ topic: 'mem', partitions: [0] }],
      });
      const result = response.results[0]!;
      assert.equal(result.errorCode, ErrorCode.NONE);
      assert.equal(result.logDir, broker.logDirs[0]);
      assert.equal(result.totalBytes, BigInt(totalmem()));
      assert.deepEqual(
        result.topics.map((t) => [t.name, t.partitions.map((p) => p.partitionIndex)]),
        [['mem', [0]]],
      );
    } finally {
      await connection.close();
      await broker.stop();
    }
  });
});
