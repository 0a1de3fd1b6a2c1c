// `pyralog produce` and `pyralog consume` as a user runs them, against a real `pyralog start` process
// (auto-creation off, so that an unknown topic is a broker error): records written by the CLI are
// read back with a raw Fetch (keys, headers, codec of each batch), records written by KafkaJS are
// printed by the CLI from the beginning, an offset or a timestamp, in a format template or as JSON
// lines; a group's commits are checked with KafkaJS' admin. Bad arguments exit 2, broker errors 1.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type kafkajs from 'kafkajs';
import { fetchBody } from '../../src/broker/request-builders.test-support.js';
import { KafkaConnection } from '../../src/network/index.js';
import { ApiKey, CompressionCodec, decodeRecordBatches } from '../../src/protocol/index.js';
import { eventually } from '../../src/testing/index.js';
import { type PyralogProcess, startPyralog, stopPyralog } from '../../tools/pyralog-process.js';
import { bundleCli, type CliBundle, ok } from './cli-bundle.js';
import { fetchAll } from './fetch-records.js';
import { kafkaClient, withAdmin } from './kafkajs-client.js';

let dir: string;
let broker: PyralogProcess;
let cli: CliBundle;
let kafka: kafkajs.Kafka;

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pyralog-cli-data-'));
  cli = await bundleCli('cli-data');
  broker = await startPyralog(join(dir, 'data'), [
    '--override',
    'auto.create.topics.enable=false',
    '--override',
    'group.initial.rebalance.delay.ms=0',
  ]);
  kafka = kafkaClient(broker.bootstrap, 'cli-data-test');
});

after(async () => {
  if (broker !== undefined) await stopPyralog(broker);
  await cli?.remove();
  await rm(dir, { recursive: true, force: true });
});

const pyralog = (args: readonly string[], stdin?: string) =>
  stdin === undefined
    ? cli.run(...args, '-b', broker.bootstrap)
    : cli.runWithInput(stdin, ...args, '-b', broker.bootstrap);

async function createTopic(topic: string, numPartitions: number): Promise<void> {
  await withAdmin(kafka, (admin) =>
    admin.createTopics({ topics: [{ topic, numPartitions }], waitForLeaders: true }),
  );
}

/** The compression codec of every batch of `topic`-`partition`, read with a raw Fetch. */
async function batchCodecs(topic: string, partition: number): Promise<number[]> {
  const [host, port] = broker.bootstrap.split(':') as [string, string];
  const connection = await KafkaConnection.connect({ host, port: Number(port) });
  try {
    const response = await connection.request(
      ApiKey.Fetch,
      12,
      fetchBody(topic, partition, 0n, { maxWaitMs: 0 }),
    );
    const records = response.responses[0]?.partitions[0]?.records ?? Buffer.alloc(0);
    return (await decodeRecordBatches(records)).batches.map((batch) => batch.compression);
  } finally {
    await connection.close();
  }
}

const lines = (text: string) => text.split('\n').filter((line) => line !== '');

test('produce reads stdin with keys, static and per-line headers and a null marker; human and JSON summaries', async () => {
  await createTopic('keyed', 1);
  const human = ok(
    await pyralog(['produce', '-t', 'keyed', '-K', ':', '-H', 'src=cli'], 'k1:v1\nk2:välue:2\n'),
  );
  assert.match(human.stdout, /^produced 2 records \(14 bytes\) to keyed in \d+\.\d\d s\n$/);
  const parsed = ok(
    await pyralog(
      [
        'produce',
        '--topic',
        'keyed',
        '--key-separator',
        '=',
        '--parse-headers',
        '--null-marker',
        'NULL',
        '-o',
        'json',
      ],
      'h1:x,h2\tk3=v3\nh:NULL\tNULL=NULL\n',
    ),
  );
  const summary = JSON.parse(parsed.stdout) as Record<string, unknown>;
  assert.deepEqual([summary.topic, summary.records, summary.bytes], ['keyed', 2, 4]);
  for (const field of ['elapsedMs', 'recordsPerSec', 'mbPerSec'])
    assert.equal(typeof summary[field], 'number');

  const records = await fetchAll(broker.bootstrap, 'keyed', 0, 4);
  assert.deepEqual(
    records.map((r) => [r.key, r.value, r.headers]),
    [
      ['k1', 'v1', { src: 'cli' }],
      ['k2', 'välue:2', { src: 'cli' }],
      ['k3', 'v3', { h1: 'x', h2: '' }],
      [null, null, { h: '' }],
    ],
  );
});

test('produce reads a file with each codec, --acks and --partition; every batch carries its codec', async () => {
  const codecs = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;
  const acks = ['all', '1', '-1', '0', 'all'];
  await createTopic('codecs', codecs.length);
  for (const [partition, codec] of codecs.entries()) {
    const file = join(dir, `${codec}.txt`);
    await writeFile(file, `${codec}-a\n${codec}-b\n${codec}-c\n`);
    const args = ['produce', '-t', 'codecs', '--file', file, '--compression', codec];
    args.push('--acks', acks[partition]!, '--partition', String(partition));
    if (partition % 2 === 1) args.push('-o', 'json');
    const run = ok(await pyralog(args));
    if (partition % 2 === 1) assert.equal((JSON.parse(run.stdout) as { records: number }).records, 3);
    else assert.match(run.stdout, /^produced 3 records/);
  }
  for (const [partition, codec] of codecs.entries()) {
    const records = await fetchAll(broker.bootstrap, 'codecs', partition, 3);
    assert.deepEqual(
      records.map((r) => [r.key, r.value]),
      ['a', 'b', 'c'].map((suffix) => [null, `${codec}-${suffix}`]),
    );
    const used = await batchCodecs('codecs', partition);
    assert.ok(used.length > 0);
    for (const batchCodec of used) assert.equal(batchCodec, CompressionCodec[codec], `${codec} batches`);
  }
});

test('consume prints from the beginning, an offset or a timestamp, in a format template or as JSON lines', async () => {
  await createTopic('events', 2);
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({
    topic: 'events',
    messages: [
      { partition: 0, key: 'a', value: '1', timestamp: '1000', headers: { h: 'x' } },
      { partition: 0, key: 'b', value: '2', timestamp: '2000' },
      { partition: 0, key: 'c', value: '3', timestamp: '3000' },
      { partition: 1, key: 'd', value: '4', timestamp: '1500' },
      { partition: 1, key: null, value: '5', timestamp: '2500' },
    ],
  });
  await producer.disconnect();

  const template = '{partition}/{offset} {key}={value} @{timestamp} [{headers}]';
  const all = ok(
    await pyralog(['consume', '-t', 'events', '--from-beginning', '--no-follow', '--format', template]),
  );
  assert.deepEqual(lines(all.stdout).sort(), [
    '0/0 a=1 @1000 [h:x]',
    '0/1 b=2 @2000 []',
    '0/2 c=3 @3000 []',
    '1/0 d=4 @1500 []',
    '1/1 null=5 @2500 []',
  ]);
  assert.match(all.stderr, /Processed a total of 5 messages/);

  const json = ok(
    await pyralog(['consume', '-t', 'events', '--from-beginning', '--no-follow', '-o', 'json']),
  );
  const objects = lines(json.stdout).map((line) => JSON.parse(line) as Record<string, unknown>);
  assert.equal(objects.length, 5);
  assert.deepEqual(
    objects.find((o) => o.key === 'a'),
    {
      topic: 'events',
      partition: 0,
      offset: 0,
      timestamp: 1000,
      timestampType: 'CreateTime',
      leaderEpoch: objects.find((o) => o.key === 'a')?.leaderEpoch,
      key: 'a',
      value: '1',
      headers: [{ key: 'h', value: 'x' }],
    },
  );
  assert.equal(typeof objects[0]?.leaderEpoch, 'number');

  const fromOffset = await pyralog([
    'consume',
    '-t',
    'events',
    '-p',
    '0',
    '--offset',
    '1',
    '--no-follow',
    '--format',
    '{value}',
  ]);
  assert.deepEqual(lines(ok(fromOffset).stdout), ['2', '3']);
  const fromTime = await pyralog([
    'consume',
    '-t',
    'events',
    '--timestamp',
    '2000',
    '--no-follow',
    '--format',
    '{value}',
  ]);
  assert.deepEqual(lines(ok(fromTime).stdout).sort(), ['2', '3', '5']);
  const limited = await pyralog([
    'consume',
    '-t',
    'events',
    '-p',
    '0',
    '--offset',
    'earliest',
    '--max-messages',
    '2',
  ]);
  assert.deepEqual(lines(ok(limited).stdout), ['1', '2']);
  const num = await pyralog([
    'consume',
    '-t',
    'events',
    '-p',
    '1',
    '--from-beginning',
    '--num',
    '1',
    '-o',
    'json',
  ]);
  assert.deepEqual(
    lines(ok(num).stdout).map((line) => (JSON.parse(line) as { value: string }).value),
    ['4'],
  );
  const latest = await pyralog(['consume', '-t', 'events', '--offset', 'latest', '--no-follow']);
  assert.equal(ok(latest).stdout, '');
});

async function committed(groupId: string, topic: string): Promise<string[]> {
  const offsets = await withAdmin(kafka, (admin) => admin.fetchOffsets({ groupId, topics: [topic] }));
  return offsets[0]!.partitions.sort((a, b) => a.partition - b.partition).map((p) => p.offset);
}

test('consume with a group commits what it printed, and the next member continues there', async () => {
  await createTopic('grouped', 1);
  const producer = kafka.producer();
  await producer.connect();
  await producer.send({ topic: 'grouped', messages: ['a', 'b', 'c', 'd', 'e'].map((value) => ({ value })) });
  await producer.disconnect();

  const first = ok(
    await pyralog(['consume', '-t', 'grouped', '-g', 'g1', '--from-beginning', '--max-messages', '3']),
  );
  assert.deepEqual(lines(first.stdout), ['a', 'b', 'c']);
  assert.deepEqual(await committed('g1', 'grouped'), ['3']);
  const rest = ok(await pyralog(['consume', '-t', 'grouped', '--group', 'g1', '--no-follow', '-o', 'json']));
  assert.deepEqual(
    lines(rest.stdout).map((line) => (JSON.parse(line) as { offset: number }).offset),
    [3, 4],
  );
  assert.deepEqual(await committed('g1', 'grouped'), ['5']);
});

test('consume follows the topic by default; SIGINT commits, leaves the group and exits 0', async () => {
  await createTopic('followed', 1);
  const consumer = cli.start(
    'consume',
    '-t',
    'followed',
    '-g',
    'g2',
    '-b',
    broker.bootstrap,
    '--format',
    '{value}',
  );
  try {
    // auto.offset.reset is latest: records produced before the member has looked up its position are
    // never printed. Joining (Stable) is not enough to know it has, so 'w' records go out until one
    // is printed; from then on the member is fetching and must print x and y after them.
    const producer = kafka.producer();
    await producer.connect();
    let warmUps = 0;
    await eventually(
      'the consumer prints a record produced after it started',
      async () => {
        if (lines(consumer.output().stdout).length > 0) return true;
        await producer.send({ topic: 'followed', messages: [{ value: 'w' }] });
        warmUps += 1;
        return undefined;
      },
      { timeoutMs: 20_000, intervalMs: 200 },
    );
    await producer.send({ topic: 'followed', messages: [{ value: 'x' }, { value: 'y' }] });
    await producer.disconnect();
    await eventually(
      'x and y printed',
      () => (lines(consumer.output().stdout).at(-1) === 'y' ? true : undefined),
      { timeoutMs: 20_000 },
    );
    consumer.child.kill('SIGINT');
    const exited = await consumer.exited;
    assert.equal(exited.code, 0, exited.stderr);
    const printed = lines(exited.stdout);
    assert.deepEqual(printed.slice(-2), ['x', 'y']);
    assert.ok(printed.length >= 3, 'at least one w first');
    assert.ok(
      printed.slice(0, -2).every((line) => line === 'w'),
      `only w before x and y: ${printed.join(',')}`,
    );
    // Every printed record is committed: the offset after the last one.
    assert.deepEqual(await committed('g2', 'followed'), [String(warmUps + 2)]);
    const group = await withAdmin(kafka, (admin) => admin.describeGroups(['g2']));
    assert.equal(group.groups[0]?.members.length, 0);
  } finally {
    consumer.child.kill('SIGKILL');
  }
});

test('bad arguments exit 2 with a message', async () => {
  await createTopic('args', 1);
  const cases: [string[], RegExp, string?][] = [
    [['produce', '-t', 'args', '--acks', '2'], /--acks must be 0, 1, all or -1, not '2'/],
    [['produce', '-t', 'args', '--compression', 'brotli'], /--compression must be one of none, gzip/],
    [['produce', '-t', 'args', '--partition', '-1'], /--partition must be a non-negative integer/],
    [['produce', '-t', 'args', '-H', 'novalue'], /--header expects key=value/],
    [['produce', '-t', 'args', '-K', ':'], /line 2: no key separator ":"/, 'k:v\nno separator\n'],
    [['produce'], /required option '-t, --topic <topic>'/],
    [['consume', '-t', 'args', '--format', '{nope}'], /unknown placeholder \{nope\}/],
    [['consume', '-t', 'args', '--offset', '3'], /--offset <n> needs --partition/],
    [['consume', '-t', 'args', '-g', 'g', '-p', '0'], /cannot be used with --group/],
    [['consume', '-t', 'args', '--from-beginning', '--timestamp', '5'], /at most one of --from-beginning/],
    [['consume', '-t', 'args', '--max-messages', '0'], /--max-messages must be a positive integer/],
    [['consume', '-t', 'args', '-n', '2', '--num', '3'], /--max-messages and --num are one option/],
    [['bench', 'produce', '--record-size', 'big'], /--record-size must be a positive integer/],
    [['bench', 'produce', '--max-in-flight', '6'], /--max-in-flight above 5 needs --no-idempotence/],
    [['bench', 'consume', '-o', 'yaml'], /--output must be table or json/],
  ];
  for (const [args, message, stdin] of cases) {
    const run = await pyralog(args, stdin);
    assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, message, args.join(' '));
  }
  // The line before the bad one was sent, as kafka-console-producer does.
  assert.deepEqual(
    (await fetchAll(broker.bootstrap, 'args', 0, 1)).map((r) => [r.key, r.value]),
    [['k', 'v']],
  );
});

test('broker errors print the Kafka error name and exit 1', async () => {
  const produce = await pyralog(['produce', '-t', 'missing', '--max-block-ms', '300'], 'x\n');
  assert.equal(produce.code, 1, produce.stderr);
  assert.match(produce.stderr, /^UNKNOWN_TOPIC_OR_PARTITION: /);
  const consume = await pyralog(['consume', '-t', 'missing']);
  assert.equal(consume.code, 1);
  assert.match(consume.stderr, /^UNKNOWN_TOPIC_OR_PARTITION: /m);
  await createTopic('one-partition', 1);
  const partition = await pyralog(['consume', '-t', 'one-partition', '-p', '3']);
  assert.equal(partition.code, 1);
  assert.match(partition.stderr, /^UNKNOWN_TOPIC_OR_PARTITION: topic one-partition has no partition 3/m);
  const bench = await pyralog(['bench', 'consume', '-t', 'missing', '--num-records', '1']);
  assert.equal(bench.code, 1);
  assert.match(bench.stderr, /^UNKNOWN_TOPIC_OR_PARTITION: /);
});
