// Proves the client's bootstrap, version negotiation and routing against scripted in-memory brokers
// (FakeTransport: every request and answer goes through the generated codecs at the chosen version).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiKey, ErrorCode, type ListOffsetsRequest, type ResponseBodies } from '../protocol/index.js';
import { AdminClient } from './admin/admin-client.js';
import { NoBrokerAvailableError, OperationAbortedError, UnsupportedApiError } from './client-errors.js';
import { resolveClientOptions } from './client-options.js';
import { Cluster } from './cluster.js';
import { FakeTransport, metadataAnswer } from './fake-transport.test-support.js';

const BROKERS = new Map([
  [1, 'b1:9092'],
  [2, 'b2:9092'],
]);

function clusterOn(transport: FakeTransport, bootstrap = 'b1:9092', retries = 3): Cluster {
  return new Cluster(
    resolveClientOptions({
      bootstrapServers: bootstrap,
      transport,
      retries,
      retryBackoffMs: 1,
      retryBackoffMaxMs: 2,
    }),
  );
}

function listOffsetsAnswer(request: ListOffsetsRequest, errorCode: number, offset: bigint) {
  return {
    throttleTimeMs: 0,
    topics: request.topics.map((topic) => ({
      name: topic.name,
      partitions: topic.partitions.map((p) => ({
        partitionIndex: p.partitionIndex,
        errorCode,
        oldStyleOffsets: [],
        timestamp: -1n,
        offset,
        leaderEpoch: 0,
      })),
    })),
  } satisfies ResponseBodies[typeof ApiKey.ListOffsets];
}

describe('Cluster', () => {
  it('uses the highest version both sides support for each API', async () => {
    const transport = new FakeTransport();
    transport.addBroker(
      'b1:9092',
      (apiKey) => (apiKey === ApiKey.Metadata ? metadataAnswer(BROKERS, {}) : undefined) as never,
      new Map([[ApiKey.Metadata, { min: 0, max: 3 }]]),
    );
    const cluster = clusterOn(transport);
    await cluster.refresh();
    assert.equal(transport.requestsOf(ApiKey.Metadata)[0]?.version, 3);
    // Metadata v3 has no allowAutoTopicCreation: the codec only encodes it when true (Kafka's default).
    const connection = await cluster.anyConnection();
    assert.equal(connection.version(ApiKey.Fetch), connection.maybeVersion(ApiKey.Fetch));
    assert.throws(() => connection.version(ApiKey.Metadata, { min: 4 }), UnsupportedApiError);
    await cluster.close();
  });

  it('bootstraps through the next server when the first cannot be reached', async () => {
    const transport = new FakeTransport();
    transport.addBroker(
      'b2:9092',
      (apiKey) =>
        (apiKey === ApiKey.Metadata
          ? metadataAnswer(new Map([[2, 'b2:9092']]), { t: [2] })
          : undefined) as never,
    );
    const cluster = clusterOn(transport, 'b1:9092,b2:9092');
    const view = await cluster.metadata(['t']);
    assert.equal(view.leaderOf('t', 0)?.nodeId, 2);
    await cluster.close();
  });

  it('fails with NoBrokerAvailableError when no bootstrap server answers', async () => {
    const cluster = clusterOn(new FakeTransport(), 'nowhere:1', 0);
    await assert.rejects(cluster.refresh(), (error: unknown) => {
      assert.ok(error instanceof Error);
      assert.ok(error.cause instanceof NoBrokerAvailableError || error instanceof NoBrokerAvailableError);
      return true;
    });
  });

  it('routes to partition leaders and follows a leader change after NOT_LEADER_OR_FOLLOWER', async () => {
    const transport = new FakeTransport();
    let leaderOfP0 = 1;
    const handler = (address: string) => (apiKey: number, _version: number, body: unknown) => {
      if (apiKey === ApiKey.Metadata) return metadataAnswer(BROKERS, { t: [leaderOfP0, 2] }) as never;
      if (apiKey === ApiKey.ListOffsets) {
        const request = body as ListOffsetsRequest;
        const partition = request.topics[0]!.partitions[0]!.partitionIndex;
        const leader = partition === 0 ? leaderOfP0 : 2;
        if (address !== BROKERS.get(leader)) {
          // The leader moved to broker 2 while the client still believed broker 1 led partition 0.
          return listOffsetsAnswer(request, ErrorCode.NOT_LEADER_OR_FOLLOWER, -1n) as never;
        }
        return listOffsetsAnswer(request, 0, address === 'b1:9092' ? 100n : 200n) as never;
      }
      return undefined as never;
    };
    transport.addBroker('b1:9092', handler('b1:9092'));
    transport.addBroker('b2:9092', handler('b2:9092'));
    const admin = new AdminClient(clusterOn(transport));
    const first = await admin.listOffsets([
      { topic: 't', partition: 0, query: 'latest' },
      { topic: 't', partition: 1, query: 'latest' },
    ]);
    assert.deepEqual(
      first.map((r) => [r.partition, r.offset, r.error]),
      [
        [0, 100n, null],
        [1, 200n, null],
      ],
    );
    leaderOfP0 = 2;
    const second = await admin.listOffsets([{ topic: 't', partition: 0, query: 'earliest' }]);
    assert.deepEqual(
      second.map((r) => [r.partition, r.offset, r.error]),
      [[0, 200n, null]],
    );
    const offsetsRequests = transport.requestsOf(ApiKey.ListOffsets).map((r) => r.address);
    assert.deepEqual(offsetsRequests.slice(-2), ['b1:9092', 'b2:9092']);
    await admin.close();
  });

  it('answers unknown topics and partitions with UNKNOWN_TOPIC_OR_PARTITION without a request to a leader', async () => {
    const transport = new FakeTransport();
    transport.addBroker(
      'b1:9092',
      (apiKey) =>
        (apiKey === ApiKey.Metadata
          ? metadataAnswer(BROKERS, { t: [1] }, { unknown: ['nope'] })
          : undefined) as never,
    );
    const admin = new AdminClient(clusterOn(transport));
    const results = await admin.listOffsets([
      { topic: 'nope', partition: 0, query: 'latest' },
      { topic: 't', partition: 7, query: 'latest' },
    ]);
    assert.deepEqual(
      results.map((r) => r.error?.code),
      ['UNKNOWN_TOPIC_OR_PARTITION', 'UNKNOWN_TOPIC_OR_PARTITION'],
    );
    assert.equal(transport.requestsOf(ApiKey.ListOffsets).length, 0);
    await admin.close();
  });

  it('cancels a call whose answer never comes with its AbortSignal', async () => {
    const transport = new FakeTransport();
    transport.addBroker(
      'b1:9092',
      (apiKey) => (apiKey === ApiKey.Metadata ? metadataAnswer(BROKERS, {}) : undefined) as never,
    );
    const admin = new AdminClient(clusterOn(transport));
    const controller = new AbortController();
    const pending = admin.describeCluster({ signal: controller.signal });
    // describeCluster waits for a DescribeCluster answer that the fake never sends.
    await new Promise<void>((resolve) => {
      const check = (): void => {
        if (transport.requestsOf(ApiKey.DescribeCluster).length > 0) resolve();
        else setImmediate(check);
      };
      check();
    });
    controller.abort(new Error('user gave up'));
    await assert.rejects(pending, OperationAbortedError);
    await admin.close();
  });
});
