// DescribeLogDirs through the dispatcher over in-memory logs: every dir, the partitions asked for
// (all for a null list) with their sizes and lags, the volume space from v4 on.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiKey, createRecordBatch, ErrorCode, encodeRecordBatchSync } from '../protocol/index.js';
import { createTestBroker } from './broker-test-kit.js';
import { createTopicsBody, produceBody } from './request-builders.test-support.js';

describe('DescribeLogDirs', () => {
  it('reports each partition with its size and lag, for all topics or the requested partitions', async () => {
    const broker = await createTestBroker();
    await broker.call(
      ApiKey.CreateTopics,
      7,
      createTopicsBody([{ name: 'a', numPartitions: 2 }, { name: 'b' }]),
    );
    const batch = encodeRecordBatchSync(createRecordBatch({ records: [{ value: Buffer.alloc(100) }] }));
    await broker.call(ApiKey.Produce, 9, produceBody('a', 1, batch));
    const size = BigInt(broker.logs.getLog('a', 1)?.sizeInBytes ?? 0);
    assert.ok(size >= BigInt(batch.length));
    for (const version of [0, 1, 2, 3, 4]) {
      const all = await broker.call(ApiKey.DescribeLogDirs, version, { topics: null });
      assert.equal(all?.results.length, 1);
      const dir = all?.results[0];
      assert.equal(dir?.errorCode, ErrorCode.NONE);
      assert.equal(dir?.logDir, '/logs');
      assert.deepEqual(
        dir?.topics.map((t) => [
          t.name,
          t.partitions.map((p) => [p.partitionIndex, p.partitionSize, p.offsetLag, p.isFutureKey]),
        ]),
        [
          [
            'a',
            [
              [0, 0n, 0n, false],
              [1, size, 0n, false],
            ],
          ],
          ['b', [[0, 0n, 0n, false]]],
        ],
      );
      if (version >= 4) {
        assert.ok((dir?.totalBytes ?? 0n) > 0n);
        assert.ok((dir?.usableBytes ?? -1n) >= 0n && (dir?.usableBytes ?? 0n) <= (dir?.totalBytes ?? 0n));
      } else {
        assert.equal(dir?.totalBytes, -1n, 'not on the wire before v4');
      }
    }
    const some = await broker.call(ApiKey.DescribeLogDirs, 4, {
      topics: [
        { topic: 'a', partitions: [1, 5] },
        { topic: 'missing', partitions: [0] },
      ],
    });
    assert.deepEqual(
      some?.results[0]?.topics.map((t) => [t.name, t.partitions.map((p) => p.partitionIndex)]),
      [['a', [1]]],
    );
    const none = await broker.call(ApiKey.DescribeLogDirs, 4, { topics: [] });
    assert.deepEqual(none?.results[0]?.topics, []);
    assert.equal(none?.results[0]?.logDir, '/logs');
    await broker.close();
  });
});
