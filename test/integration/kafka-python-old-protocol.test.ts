// kafka-python 2.0.2 pinned to old broker protocols (api_version 0.9 and 0.10.0) against startBroker:
// Produce v1/v2 legacy message sets (gzip-wrapped) are stored as v2 batches and Fetch v1/v2 answers
// them down-converted to magic 0/1, with ListOffsets v0 to find the log start. This is the real-client
// check of the versions Kafka 4.0 dropped and Pyralog keeps (see src/broker/supported-apis.ts).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type RunningBroker, startBroker } from '../../src/index.js';
import { runPythonClient } from './python-client.js';

interface OldProtocolAnswer {
  readonly records: readonly { offset: number; key: string; value: string; timestamp: number }[];
}

describe('kafka-python on old protocol versions', () => {
  let broker: RunningBroker;
  before(async () => {
    broker = await startBroker({ port: 0, config: { 'pyralog.storage': 'memory' } });
  });
  after(() => broker.stop());

  for (const [apiVersion, produce, fetch, hasTimestamps] of [
    [[0, 9], 'ProduceRequest_v1', 'FetchRequest_v1', false],
    [[0, 10, 0], 'ProduceRequest_v2', 'FetchRequest_v2', true],
  ] as const) {
    it(`api_version ${apiVersion.join('.')}: ${produce} and ${fetch} round-trip three gzip records`, async () => {
      const answer = await runPythonClient<OldProtocolAnswer>('kafka_python_old_protocol.py', {
        bootstrap: broker.bootstrap,
        topic: `old-${apiVersion.join('')}`,
        api_version: apiVersion,
        compression: 'gzip',
      });
      assert.ok(answer.requests.includes(produce), `${answer.requests}`);
      assert.ok(answer.requests.includes(fetch), `${answer.requests}`);
      assert.ok(answer.requests.includes('OffsetRequest_v0'), `${answer.requests}`);
      assert.deepEqual(
        answer.records.map((record) => [record.offset, record.key, record.value]),
        [
          [0, 'k0', 'v0'],
          [1, 'k1', 'v1'],
          [2, 'k2', 'v2'],
        ],
      );
      assert.ok(answer.records.every((record) => record.timestamp > 0 === hasTimestamps));
    });
  }
});
