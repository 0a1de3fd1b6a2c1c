// `pyralog bench produce|consume` against a real `pyralog start` process, with small N: the bench
// creates its topic, writes exactly N records of the asked size (KafkaJS sees the offsets), reads
// them back, and reports throughput and latency percentiles in human and JSON output. Speed itself
// is never asserted (bench/cli measures it).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type PyralogProcess, startPyralog, stopPyralog } from '../../tools/pyralog-process.js';
import { bundleCli, type CliBundle, ok } from './cli-bundle.js';
import { fetchAll } from './fetch-records.js';
import { kafkaClient, withAdmin } from './kafkajs-client.js';

let dir: string;
let broker: PyralogProcess;
let cli: CliBundle;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pyralog-cli-bench-'));
  cli = await bundleCli('cli-bench');
  broker = await startPyralog(join(dir, 'data'), ['--override', 'auto.create.topics.enable=false']);
});

after(async () => {
  if (broker !== undefined) await stopPyralog(broker);
  await cli?.remove();
  await rm(dir, { recursive: true, force: true });
});

const pyralog = (...args: string[]) => cli.run(...args, '-b', broker.bootstrap);
const NUMBER = '\\d+(\\.\\d+)?';

test('bench produce creates the topic, writes N records of S bytes and reports throughput and latency', async () => {
  const human = ok(
    await pyralog('bench', 'produce', '-t', 'perf', '--num-records', '2000', '--record-size', '100'),
  );
  assert.match(
    human.stdout,
    new RegExp(
      `^produced 2000 records of 100 bytes to perf \\(acks=all, idempotent, max in flight 5, compression=none\\) in ${NUMBER} s\\n` +
        `throughput: \\d+ msg/s, ${NUMBER} MB/s\\n` +
        `latency ms: p50 ${NUMBER}, p95 ${NUMBER}, p99 ${NUMBER}, max ${NUMBER} \\(mean ${NUMBER}\\)\\n` +
        `client CPU: ${NUMBER} us per record\\n$`,
    ),
  );
  const json = ok(
    await pyralog(
      'bench',
      'produce',
      '-t',
      'perf',
      '--num-records',
      '1000',
      '--record-size',
      '100',
      '--acks',
      '1',
      '--compression',
      'lz4',
      '--batch-size',
      '4096',
      '--linger-ms',
      '1',
      '--max-in-flight',
      '3',
      '-o',
      'json',
    ),
  );
  const result = JSON.parse(json.stdout) as {
    records: number;
    bytes: number;
    recordSize: number;
    acks: string;
    compression: string;
    recordsPerSec: number;
    mbPerSec: number;
    latencyMs: { count: number; p50Ms: number; p95Ms: number; p99Ms: number; maxMs: number };
    cpuUsPerRecord: number;
    idempotent: boolean;
    maxInFlight: number;
  };
  assert.deepEqual(
    [result.records, result.bytes, result.recordSize, result.acks, result.compression, result.idempotent],
    [1000, 100_000, 100, '1', 'lz4', false],
  );
  assert.equal(result.maxInFlight, 3);
  assert.equal(result.latencyMs.count, 1000);
  const l = result.latencyMs;
  assert.ok(l.p50Ms <= l.p95Ms && l.p95Ms <= l.p99Ms && l.p99Ms <= l.maxMs, JSON.stringify(l));
  assert.ok(result.recordsPerSec > 0 && result.mbPerSec > 0 && result.cpuUsPerRecord > 0);

  const offsets = await withAdmin(kafkaClient(broker.bootstrap, 'cli-bench-test'), (admin) =>
    admin.fetchTopicOffsets('perf'),
  );
  assert.deepEqual(
    offsets.map((o) => [o.partition, o.high]),
    [[0, '3000']],
  );
  const records = await fetchAll(broker.bootstrap, 'perf', 0, 3000);
  assert.ok(records.every((r) => r.key === null && r.value?.length === 100));
});

test('bench consume reads N records and reports throughput in human and JSON output', async () => {
  ok(
    await pyralog(
      'bench',
      'produce',
      '-t',
      'perf-read',
      '--num-records',
      '1500',
      '--record-size',
      '200',
      '--partitions',
      '3',
    ),
  );
  const json = ok(
    await pyralog('bench', 'consume', '-t', 'perf-read', '--num-records', '1500', '-o', 'json'),
  );
  const result = JSON.parse(json.stdout) as Record<string, unknown>;
  assert.deepEqual([result.topic, result.records, result.bytes], ['perf-read', 1500, 300_000]);
  for (const field of ['elapsedMs', 'recordsPerSec', 'mbPerSec'])
    assert.equal(typeof result[field], 'number');
  const human = ok(await pyralog('bench', 'consume', '-t', 'perf-read', '--num-records', '1000'));
  assert.match(
    human.stdout,
    new RegExp(
      `^consumed 1000 records \\(200000 bytes\\) of perf-read in ${NUMBER} s\\nthroughput: \\d+ msg/s, ${NUMBER} MB/s\\n$`,
    ),
  );
  const tooMany = await pyralog(
    'bench',
    'consume',
    '-t',
    'perf-read',
    '--num-records',
    '1600',
    '--timeout-ms',
    '1000',
  );
  assert.equal(tooMany.code, 1);
  assert.match(tooMany.stderr, /read 1500 of 1600 records: none arrived for 1000 ms/);
});
