// startBroker's lifecycle: a second broker on a locked log dir is refused, and stop() answers a
// held long-poll fetch at once instead of waiting for its max.wait.ms, then releases the dir.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startBroker } from '../../src/index.js';
import { KafkaConnection } from '../../src/network/index.js';
import { ApiKey, ZERO_UUID } from '../../src/protocol/index.js';
import { LogDirLockedError } from '../../src/storage/index.js';

describe('broker lifecycle', () => {
  it('refuses a second broker on a locked log dir and answers held fetches on stop', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'pyralog-life-'));
    try {
      const broker = await startBroker({ port: 0, logDirs: [dir] });
      await assert.rejects(startBroker({ port: 0, logDirs: [dir] }), LogDirLockedError);
      const connection = await KafkaConnection.connect({ host: broker.host, port: broker.port });
      await connection.request(ApiKey.CreateTopics, 7, {
        topics: [{ name: 'idle', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
        timeoutMs: 1000,
        validateOnly: false,
      });
      const started = performance.now();
      const held = connection.request(ApiKey.Fetch, 12, {
        clusterId: null,
        replicaId: -1,
        replicaState: { replicaId: -1, replicaEpoch: -1n },
        maxWaitMs: 60_000,
        minBytes: 1,
        maxBytes: 1024,
        isolationLevel: 0,
        sessionId: 0,
        sessionEpoch: -1,
        topics: [
          {
            topic: 'idle',
            topicId: ZERO_UUID,
            partitions: [
              {
                partition: 0,
                currentLeaderEpoch: -1,
                fetchOffset: 0n,
                lastFetchedEpoch: -1,
                logStartOffset: -1n,
                partitionMaxBytes: 1024,
                replicaDirectoryId: ZERO_UUID,
              },
            ],
          },
        ],
        forgottenTopicsData: [],
        rackId: '',
      });
      // Stop only once the broker holds the fetch (a request not yet read is not in flight).
      const deadline = performance.now() + 10_000;
      while (broker.heldFetches === 0 && performance.now() < deadline) {
        await new Promise((resolve) => setImmediate(resolve));
      }
      assert.equal(broker.heldFetches, 1);
      await broker.stop();
      const response = await held;
      assert.ok(performance.now() - started < 30_000);
      assert.equal(response.responses[0]?.partitions[0]?.errorCode, 0);
      await connection.close();
      const again = await startBroker({ port: 0, logDirs: [dir] });
      await again.stop();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
