// kcat (librdkafka 2.0.2) against startBroker for the Fetch and Produce paths: thousands of records
// consumed back exactly across many small fetches; a topic whose compression.type makes the broker
// recompress what kcat sends uncompressed; and librdkafka speaking the 0.9 protocol (no
// ApiVersions, broker.version.fallback=0.9.0) so that Produce v1 message sets, Fetch v1
// down-conversion and ListOffsets v0 run against a real client. librdkafka 2.0.2 sends sessionless
// fetches (epoch -1); the session paths are covered by fetch-sessions-protocol.test.ts.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createTopicsBody, fetchBody } from '../../src/broker/request-builders.test-support.js';
import { type RunningBroker, startBroker } from '../../src/index.js';
import { KafkaConnection } from '../../src/network/index.js';
import { ApiKey, CompressionCodec, ErrorCode, viewRecordBatches } from '../../src/protocol/index.js';
import { kcat, kcatOutput } from './kcat-run.js';

interface KcatRecord {
  readonly partition: number;
  readonly offset: number;
  readonly tstype?: string;
  readonly key: string | null;
  readonly payload: string | null;
}

function parseRecords(output: string): KcatRecord[] {
  return output
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as KcatRecord);
}

describe('kcat fetch and produce paths', () => {
  let dir: string;
  let broker: RunningBroker;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pyralog-kcat-fetch-'));
    broker = await startBroker({ port: 0, logDirs: [dir], config: { 'num.partitions': '3' } });
    const connection = await KafkaConnection.connect({ host: broker.host, port: broker.port });
    try {
      const created = await connection.request(
        ApiKey.CreateTopics,
        7,
        createTopicsBody([{ name: 'gz', configs: { 'compression.type': 'gzip' } }]),
      );
      assert.equal(created.topics[0]?.errorCode, ErrorCode.NONE);
    } finally {
      await connection.close();
    }
  });
  after(async () => {
    await broker.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it('consumes 3000 keyed records back exactly across many small fetches', async () => {
    const lines = Array.from({ length: 3000 }, (_, i) => `key-${i % 37}:value-${i}`);
    await kcat(
      [
        '-b',
        broker.bootstrap,
        '-P',
        '-t',
        'many',
        '-K',
        ':',
        '-X',
        'batch.num.messages=50',
        '-X',
        'acks=all',
      ],
      `${lines.join('\n')}\n`,
    );
    const { stdout, stderr } = await kcatOutput([
      '-b',
      broker.bootstrap,
      '-C',
      '-t',
      'many',
      '-o',
      'beginning',
      '-e',
      '-J',
      '-d',
      'protocol',
      '-X',
      'fetch.message.max.bytes=1024',
      '-X',
      'fetch.max.bytes=2048',
      '-X',
      'message.max.bytes=2048',
    ]);
    const records = parseRecords(stdout);
    assert.equal(records.length, lines.length);
    const fetches = stderr.split('\n').filter((line) => /Sent FetchRequest/.test(line)).length;
    assert.ok(fetches >= 30, `${fetches} fetches`);
    for (let partition = 0; partition < 3; partition += 1) {
      const mine = records.filter((record) => record.partition === partition);
      assert.deepEqual(
        mine.map((record) => record.offset),
        mine.map((_, index) => index),
        `partition ${partition} offsets`,
      );
      const values = mine.map((record) => Number(record.payload?.slice('value-'.length)));
      assert.deepEqual(
        values,
        [...values].sort((a, b) => a - b),
        `partition ${partition} keeps produce order`,
      );
    }
    assert.deepEqual(records.map((record) => `${record.key}:${record.payload}`).sort(), [...lines].sort());
  });

  it('stores what kcat sends uncompressed as gzip on a compression.type=gzip topic, and serves it back', async () => {
    await kcat(
      ['-b', broker.bootstrap, '-P', '-t', 'gz', '-p', '0', '-z', 'none', '-X', 'acks=all'],
      'a\nb\nc\n',
    );
    const consumed = parseRecords(
      await kcat(['-b', broker.bootstrap, '-C', '-t', 'gz', '-p', '0', '-o', 'beginning', '-e', '-J']),
    );
    assert.deepEqual(
      consumed.map((record) => record.payload),
      ['a', 'b', 'c'],
    );
    const connection = await KafkaConnection.connect({ host: broker.host, port: broker.port });
    try {
      const response = await connection.request(ApiKey.Fetch, 12, fetchBody('gz', 0, 0n));
      const records = response.responses[0]?.partitions[0]?.records ?? Buffer.alloc(0);
      const codecs = viewRecordBatches(records).map((view) => view.compression);
      assert.ok(codecs.length > 0 && codecs.every((codec) => codec === CompressionCodec.gzip), `${codecs}`);
    } finally {
      await connection.close();
    }
  });

  // librdkafka skips ApiVersions only for fallbacks below 0.10.0 (which imply magic 0); the magic 1
  // versions (Produce v2, Fetch v2-3) are covered on the wire by fetch-sessions-protocol.test.ts.
  for (const [fallback, produceVersion, fetchVersion, hasTimestamps] of [['0.9.0', 1, 1, false]] as const) {
    it(`speaks the ${fallback} protocol: Produce v${produceVersion} message sets, Fetch v${fetchVersion} down-converted, ListOffsets v0`, async () => {
      const topic = `old-${fallback.replaceAll('.', '')}`;
      const old = [
        '-X',
        'api.version.request=false',
        '-X',
        `broker.version.fallback=${fallback}`,
        '-d',
        'protocol',
      ];
      const produced = await kcatOutput(
        ['-b', broker.bootstrap, '-P', '-t', topic, '-p', '0', '-K', ':', '-z', 'gzip', ...old],
        'k1:v1\nk2:v2\nk3:v3\n',
      );
      assert.match(produced.stderr, new RegExp(`Sent ProduceRequest \\(v${produceVersion},`));
      const consumed = await kcatOutput([
        '-b',
        broker.bootstrap,
        '-C',
        '-t',
        topic,
        '-p',
        '0',
        '-o',
        'beginning',
        '-e',
        '-J',
        ...old,
      ]);
      assert.match(consumed.stderr, new RegExp(`Sent FetchRequest \\(v${fetchVersion},`));
      assert.match(consumed.stderr, /Sent (ListOffsets|Offset)Request \(v0,/);
      const records = parseRecords(consumed.stdout);
      assert.deepEqual(
        records.map((record) => [record.offset, record.key, record.payload]),
        [
          [0, 'k1', 'v1'],
          [1, 'k2', 'v2'],
          [2, 'k3', 'v3'],
        ],
      );
      assert.ok(records.every((record) => (record.tstype === 'create') === hasTimestamps));
    });
  }
});
