// What kcat (librdkafka) observes of the topic-administration APIs, driven through our own
// connection (kcat has no admin commands): -L lists partitions added by CreatePartitions and drops
// a deleted topic, and -C -o beginning starts at the log start offset DeleteRecords set.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTopicsBody } from '../../src/broker/request-builders.test-support.js';
import { type RunningBroker, startBroker } from '../../src/index.js';
import { KafkaConnection } from '../../src/network/index.js';
import { ApiKey, ErrorCode } from '../../src/protocol/index.js';
import { kcat, readPartitionArgs } from './kcat-run.js';

interface KcatMetadata {
  readonly topics: { readonly topic: string; readonly partitions: { readonly partition: number }[] }[];
}

async function listed(broker: RunningBroker): Promise<Map<string, number[]>> {
  const metadata = JSON.parse(await kcat(['-b', broker.bootstrap, '-L', '-J'])) as KcatMetadata;
  return new Map(metadata.topics.map((t) => [t.topic, t.partitions.map((p) => p.partition).sort()]));
}

describe('kcat observes topic administration', () => {
  let dir: string;
  let broker: RunningBroker;
  let connection: KafkaConnection;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pyralog-kcat-admin-'));
    broker = await startBroker({ port: 0, logDirs: [dir], config: { 'auto.create.topics.enable': 'false' } });
    connection = await KafkaConnection.connect({ host: broker.host, port: broker.port });
  });
  after(async () => {
    await connection.close();
    await broker.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('-L shows partitions added by CreatePartitions and no longer lists a deleted topic', async () => {
    await connection.request(ApiKey.CreateTopics, 7, createTopicsBody([{ name: 'kgrow', numPartitions: 1 }]));
    const grown = await connection.request(ApiKey.CreatePartitions, 3, {
      topics: [{ name: 'kgrow', count: 3, assignments: null }],
      timeoutMs: 5000,
      validateOnly: false,
    });
    assert.equal(grown.results[0]?.errorCode, ErrorCode.NONE);
    assert.deepEqual((await listed(broker)).get('kgrow'), [0, 1, 2]);
    const deleted = await connection.request(ApiKey.DeleteTopics, 6, {
      topics: [{ name: 'kgrow', topicId: 'AAAAAAAAAAAAAAAAAAAAAA' }],
      topicNames: [],
      timeoutMs: 5000,
    });
    assert.equal(deleted.responses[0]?.errorCode, ErrorCode.NONE);
    assert.equal((await listed(broker)).has('kgrow'), false);
  });

  it('-C -o beginning starts at the log start offset after DeleteRecords', async () => {
    await connection.request(ApiKey.CreateTopics, 7, createTopicsBody([{ name: 'ktrim', numPartitions: 1 }]));
    await kcat(
      ['-b', broker.bootstrap, '-P', '-t', 'ktrim', '-p', '0', '-X', 'acks=all'],
      'm0\nm1\nm2\nm3\n',
    );
    const trimmed = await connection.request(ApiKey.DeleteRecords, 2, {
      topics: [{ name: 'ktrim', partitions: [{ partitionIndex: 0, offset: 2n }] }],
      timeoutMs: 5000,
    });
    assert.equal(trimmed.topics[0]?.partitions[0]?.lowWatermark, 2n);
    const consumed = await kcat(readPartitionArgs(broker.bootstrap, 'ktrim', '%o:%s\\n'));
    assert.deepEqual(consumed.trim().split('\n'), ['2:m2', '3:m3']);
  });
});
