// `pyralog group list|describe|reset-offsets` as a user runs them, against a real `pyralog start`
// process: a KafkaJS classic group and a node-rdkafka KIP-848 group are listed and described (members,
// assignments, exact lag after producing known counts), in table and JSON output; reset-offsets prints a
// plan that changes nothing, --execute changes the offsets (read back with KafkaJS), and a group with
// active members is refused. Bad arguments exit 2, broker errors print the Kafka error name and exit 1.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import type kafkajs from 'kafkajs';
import { eventually } from '../../src/testing/index.js';
import { type PyralogProcess, startPyralog, stopPyralog } from '../../tools/pyralog-process.js';
import { bundleCli, type CliBundle, type CliRun, ok } from './cli-bundle.js';
import { type GroupMemberProcess, rdkafkaMember } from './group-member-process.js';
import { kafkaClient, withAdmin } from './kafkajs-client.js';

const BROKER_ARGS = [
  '--override',
  'group.initial.rebalance.delay.ms=0',
  '--override',
  'group.min.session.timeout.ms=1000',
  '--override',
  'group.consumer.heartbeat.interval.ms=500',
  '--override',
  'offsets.topic.num.partitions=3',
];

let dir: string;
let broker: PyralogProcess;
let cli: CliBundle;
let kafka: kafkajs.Kafka;
const members: GroupMemberProcess[] = [];
const consumers: kafkajs.Consumer[] = [];

const pyralog = (...args: string[]): Promise<CliRun> => cli.run(...args, '-b', broker.bootstrap);
const pyralogJson = async <T>(...args: string[]): Promise<T> =>
  JSON.parse(
    ok(await cli.run(...args, '--bootstrap-server', broker.bootstrap, '--output', 'json')).stdout,
  ) as T;

interface DescribedGroup {
  groupId: string;
  type: string;
  state: string;
  assignor: string;
  members: { memberId: string; clientId: string; host: string; assignment: Record<string, number[]> }[];
  partitions: {
    topic: string;
    partition: number;
    currentOffset: number | null;
    logEndOffset: number | null;
    lag: number | null;
    memberId: string | null;
  }[];
}

interface Planned {
  groupId: string;
  executed: boolean;
  partitions: { topic: string; partition: number; currentOffset: number | null; newOffset: number }[];
}

/** Produces `counts[p]` records to partition p of `topic`, with timestamps from `timestampsFrom` (1 s apart). */
async function produce(topic: string, counts: readonly number[], timestampsFrom?: number): Promise<void> {
  const producer = kafka.producer();
  await producer.connect();
  try {
    let n = 0;
    const messages = counts.flatMap((count, partition) =>
      Array.from({ length: count }, () => ({
        partition,
        value: `${topic}-${n}`,
        ...(timestampsFrom === undefined ? {} : { timestamp: String(timestampsFrom + 1000 * n++) }),
      })),
    );
    await producer.send({ topic, acks: -1, messages });
  } finally {
    await producer.disconnect();
  }
}

async function committed(groupId: string, topic: string): Promise<string[]> {
  const [offsets] = await withAdmin(kafka, (admin) => admin.fetchOffsets({ groupId, topics: [topic] }));
  return [...(offsets?.partitions ?? [])].sort((a, b) => a.partition - b.partition).map((p) => p.offset);
}

/** A running KafkaJS member of `groupId` on `topic` that commits nothing by itself. */
async function kafkajsMember(groupId: string, topic: string): Promise<kafkajs.Consumer> {
  const consumer = kafkaClient(broker.bootstrap, 'cli-groups-member', 10).consumer({
    groupId,
    sessionTimeout: 3_000,
    heartbeatInterval: 300,
    maxWaitTimeInMs: 100,
  });
  consumers.push(consumer);
  const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({ autoCommit: false, eachMessage: async () => {} });
  await joined;
  return consumer;
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pyralog-cli-groups-'));
  cli = await bundleCli('cli-groups-test');
  broker = await startPyralog(join(dir, 'data'), BROKER_ARGS);
  kafka = kafkaClient(broker.bootstrap, 'cli-groups-test', 10);
  await withAdmin(kafka, (admin) =>
    admin.createTopics({
      waitForLeaders: true,
      topics: [
        { topic: 'lagged', numPartitions: 2 },
        { topic: 'timed', numPartitions: 1 },
        { topic: 'kip848', numPartitions: 2 },
      ],
    }),
  );
  await produce('lagged', [10, 5]);
  await produce('timed', [5], 1_000);
});

after(async () => {
  await Promise.all(consumers.map((c) => c.disconnect().catch(() => {})));
  await Promise.all(members.map((m) => m.kill()));
  if (broker !== undefined) await stopPyralog(broker);
  await rm(dir, { recursive: true, force: true });
  await cli?.remove();
});

test('a classic group: list and describe with exact lag, reset refused while it has members', async () => {
  const consumer = await kafkajsMember('classic-readers', 'lagged');
  await consumer.commitOffsets([
    { topic: 'lagged', partition: 0, offset: '3' },
    { topic: 'lagged', partition: 1, offset: '1' },
  ]);

  const listed = ok(await pyralog('group', 'list'));
  assert.match(listed.stdout, /│ classic-readers\s+│ Stable\s+│ classic\s+│ consumer\s+│ 1\s+│/);
  const listedJson = await pyralogJson<
    { groupId: string; state: string; type: string; protocolType: string }[]
  >('group', 'list');
  assert.deepEqual(
    listedJson.find((g) => g.groupId === 'classic-readers'),
    {
      groupId: 'classic-readers',
      state: 'Stable',
      type: 'classic',
      protocolType: 'consumer',
      coordinator: 1,
    },
  );
  const empty = await pyralogJson<unknown[]>('group', 'list', '--state', 'Empty');
  assert.equal(
    empty.some((g) => (g as { groupId: string }).groupId === 'classic-readers'),
    false,
  );

  const [described] = await pyralogJson<DescribedGroup[]>('group', 'describe', '--group', 'classic-readers');
  assert.equal(described?.type, 'classic');
  assert.equal(described?.state, 'Stable');
  assert.equal(described?.assignor, 'RoundRobinAssigner');
  assert.equal(described?.members.length, 1);
  const member = described!.members[0]!;
  assert.equal(member.clientId, 'cli-groups-member');
  assert.match(member.host, /127\.0\.0\.1/);
  assert.deepEqual(member.assignment, { lagged: [0, 1] });
  assert.deepEqual(
    described?.partitions.map((p) => [
      p.topic,
      p.partition,
      p.currentOffset,
      p.logEndOffset,
      p.lag,
      p.memberId,
    ]),
    [
      ['lagged', 0, 3, 10, 7, member.memberId],
      ['lagged', 1, 1, 5, 4, member.memberId],
    ],
  );
  const table = ok(await pyralog('group', 'describe', '--group', 'classic-readers')).stdout;
  assert.match(table, /│ classic-readers\s+│ classic\s+│ Stable\s+│ RoundRobinAssigner\s+│ 1\s+│ 1\s+│/);
  assert.match(
    table,
    new RegExp(`│ ${member.memberId}\\s+│\\s+│ cli-groups-member\\s+│ \\S+\\s+│ 2\\s+│ lagged\\(0,1\\)`),
  );
  assert.match(
    table,
    new RegExp(`│ classic-readers\\s+│ lagged\\s+│ 0\\s+│ 3\\s+│ 10\\s+│ 7\\s+│ ${member.memberId}`),
  );
  assert.match(
    table,
    new RegExp(`│ classic-readers\\s+│ lagged\\s+│ 1\\s+│ 1\\s+│ 5\\s+│ 4\\s+│ ${member.memberId}`),
  );

  const refused = await pyralog(
    'group',
    'reset-offsets',
    '--group',
    'classic-readers',
    '--topic',
    'lagged',
    '--to-earliest',
    '--execute',
  );
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^NON_EMPTY_GROUP: .*classic-readers.*inactive.*Stable/);
  assert.deepEqual(await committed('classic-readers', 'lagged'), ['3', '1']);

  await consumer.disconnect();
  const [emptied] = await eventually('the group to be empty', async () => {
    const groups = await pyralogJson<DescribedGroup[]>('group', 'describe', '--group', 'classic-readers');
    return groups[0]?.state === 'Empty' ? groups : undefined;
  });
  assert.deepEqual(
    emptied?.partitions.map((p) => [p.partition, p.currentOffset, p.lag, p.memberId]),
    [
      [0, 3, 7, null],
      [1, 1, 4, null],
    ],
  );
  const noMembers = ok(await pyralog('group', 'describe', '--group', 'classic-readers'));
  assert.match(noMembers.stderr, /consumer group 'classic-readers' has no active members/);
  assert.match(noMembers.stdout, /│ classic-readers\s+│ lagged\s+│ 0\s+│ 3\s+│ 10\s+│ 7\s+│ -/);
});

test('reset-offsets: a dry run changes nothing; --execute moves the offsets to each target', async () => {
  const plan = ok(
    await pyralog(
      'group',
      'reset-offsets',
      '--group',
      'classic-readers',
      '--topic',
      'lagged',
      '--to-earliest',
    ),
  );
  assert.match(plan.stderr, /dry run: no offsets changed/);
  assert.match(plan.stdout, /│ classic-readers\s+│ lagged\s+│ 0\s+│ 3\s+│ 0\s+│/);
  assert.match(plan.stdout, /│ classic-readers\s+│ lagged\s+│ 1\s+│ 1\s+│ 0\s+│/);
  const planJson = await pyralogJson<Planned[]>(
    'group',
    'reset-offsets',
    '--group',
    'classic-readers',
    '--all-topics',
    '--to-latest',
    '--dry-run',
  );
  assert.deepEqual(planJson, [
    {
      groupId: 'classic-readers',
      executed: false,
      partitions: [
        { topic: 'lagged', partition: 0, currentOffset: 3, newOffset: 10 },
        { topic: 'lagged', partition: 1, currentOffset: 1, newOffset: 5 },
      ],
    },
  ]);
  assert.deepEqual(await committed('classic-readers', 'lagged'), ['3', '1']);

  const reset = async (...target: string[]) => {
    const [result] = await pyralogJson<Planned[]>(
      'group',
      'reset-offsets',
      '--group',
      'classic-readers',
      '--topic',
      'lagged',
      ...target,
      '--execute',
    );
    assert.equal(result?.executed, true);
    return committed('classic-readers', 'lagged');
  };
  // Beyond the log end is clamped to it, as Kafka's tool does.
  assert.deepEqual(await reset('--to-offset', '8'), ['8', '5']);
  assert.deepEqual(await reset('--shift-by', '-2'), ['6', '3']);
  assert.deepEqual(await reset('--shift-by=-100'), ['0', '0']);
  assert.deepEqual(await reset('--to-latest'), ['10', '5']);
  const executed = ok(
    await pyralog(
      'group',
      'reset-offsets',
      '--group',
      'classic-readers',
      '--topic',
      'lagged:1',
      '--to-earliest',
      '--execute',
    ),
  );
  assert.match(executed.stdout, /│ classic-readers\s+│ lagged\s+│ 1\s+│ 5\s+│ 0\s+│/);
  assert.doesNotMatch(executed.stdout, /│ lagged\s+│ 0\s+│/);
  assert.deepEqual(await committed('classic-readers', 'lagged'), ['10', '0']);

  // Records of 'timed' carry timestamps 1000, 2000, … 5000 ms: 2.5 s is the record at offset 2.
  const [timed] = await pyralogJson<Planned[]>(
    'group',
    'reset-offsets',
    '--group',
    'timed-readers',
    '--topic',
    'timed',
    '--to-datetime',
    '1970-01-01T00:00:02.500Z',
    '--execute',
  );
  assert.deepEqual(timed?.partitions, [{ topic: 'timed', partition: 0, currentOffset: null, newOffset: 2 }]);
  assert.deepEqual(await committed('timed-readers', 'timed'), ['2']);
  const [late] = await pyralogJson<Planned[]>(
    'group',
    'reset-offsets',
    '--group',
    'timed-readers',
    '--topic',
    'timed',
    '--to-datetime',
    '2030-01-01T00:00:00Z',
  );
  assert.equal(late?.partitions[0]?.newOffset, 5);
});

test('a KIP-848 group: type consumer in list, members and assignments from ConsumerGroupDescribe, exact lag', async () => {
  await produce('kip848', [4, 6]);
  const member = rdkafkaMember({
    bootstrap: broker.bootstrap,
    group: 'kip848-readers',
    topic: 'kip848',
    name: 'rd-1',
  });
  members.push(member);
  await member.until('both partitions consumed', () => member.records.length === 10);
  const [described] = await eventually(
    'the consumed offsets committed',
    async () => {
      const groups = await pyralogJson<DescribedGroup[]>('group', 'describe', '--group', 'kip848-readers');
      return groups[0]?.partitions.every((p) => p.lag === 0) && groups[0].partitions.length === 2
        ? groups
        : undefined;
    },
    { timeoutMs: 30_000, intervalMs: 200 },
  );
  assert.equal(described?.type, 'consumer');
  assert.equal(described?.state, 'Stable');
  assert.equal(described?.assignor, 'uniform');
  assert.equal(described?.members.length, 1);
  assert.equal(described?.members[0]?.clientId, 'rd-1');
  assert.deepEqual(described?.members[0]?.assignment, { kip848: [0, 1] });
  assert.deepEqual(
    described?.partitions.map((p) => [p.partition, p.currentOffset, p.logEndOffset, p.lag, p.memberId]),
    [
      [0, 4, 4, 0, described?.members[0]?.memberId],
      [1, 6, 6, 0, described?.members[0]?.memberId],
    ],
  );
  const listed = ok(await pyralog('group', 'list', '--type', 'consumer'));
  assert.match(listed.stdout, /│ kip848-readers\s+│ Stable\s+│ consumer\s+│ consumer\s+│/);
  assert.doesNotMatch(listed.stdout, /classic-readers/);
  const refused = await pyralog(
    'group',
    'reset-offsets',
    '--group',
    'kip848-readers',
    '--all-topics',
    '--to-earliest',
  );
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /^NON_EMPTY_GROUP: /);

  await member.close();
  await produce('kip848', [2, 3]);
  const [left] = await eventually('the member gone', async () => {
    const groups = await pyralogJson<DescribedGroup[]>('group', 'describe', '--group', 'kip848-readers');
    return groups[0]?.members.length === 0 ? groups : undefined;
  });
  assert.equal(left?.state, 'Empty');
  assert.deepEqual(
    left?.partitions.map((p) => [p.partition, p.currentOffset, p.logEndOffset, p.lag]),
    [
      [0, 4, 6, 2],
      [1, 6, 9, 3],
    ],
  );
  const table = ok(await pyralog('group', 'describe', '--group', 'kip848-readers')).stdout;
  assert.match(table, /│ kip848-readers\s+│ consumer\s+│ Empty\s+│ uniform\s+│ 0\s+│/);
  assert.match(table, /│ kip848-readers\s+│ kip848\s+│ 1\s+│ 6\s+│ 9\s+│ 3\s+│ -/);
  ok(
    await pyralog(
      'group',
      'reset-offsets',
      '--group',
      'kip848-readers',
      '--all-topics',
      '--to-latest',
      '--execute',
    ),
  );
  assert.deepEqual(await committed('kip848-readers', 'kip848'), ['6', '9']);
});

test('bad arguments exit 2 with a message; broker errors print the Kafka error name and exit 1', async () => {
  const usage = async (pattern: RegExp, ...args: string[]) => {
    const run = await pyralog(...args);
    assert.equal(run.code, 2, `${args.join(' ')}: ${run.stderr}`);
    assert.match(run.stderr, pattern);
  };
  await usage(/--group <id> \(repeatable\) or --all-groups/, 'group', 'describe');
  await usage(/--group or --all-groups, not both/, 'group', 'describe', '--group', 'g', '--all-groups');
  await usage(/exactly one of --to-earliest/, 'group', 'reset-offsets', '--group', 'g', '--topic', 't');
  await usage(
    /exactly one of --to-earliest/,
    'group',
    'reset-offsets',
    '--group',
    'g',
    '--topic',
    't',
    '--to-earliest',
    '--to-latest',
  );
  await usage(
    /--to-offset must be an offset/,
    'group',
    'reset-offsets',
    '--group',
    'g',
    '--topic',
    't',
    '--to-offset',
    'ten',
  );
  await usage(
    /--shift-by must be a whole number/,
    'group',
    'reset-offsets',
    '--group',
    'g',
    '--topic',
    't',
    '--shift-by',
    '1.5',
  );
  await usage(
    /--to-datetime expects a date-time/,
    'group',
    'reset-offsets',
    '--group',
    'g',
    '--topic',
    't',
    '--to-datetime',
    'yesterday',
  );
  await usage(
    /--topic <topic\[:partitions\]> \(repeatable\) or --all-topics/,
    'group',
    'reset-offsets',
    '--group',
    'g',
    '--to-earliest',
  );
  await usage(
    /--topic expects a topic or topic:partition/,
    'group',
    'reset-offsets',
    '--group',
    'g',
    '--topic',
    't:x',
    '--to-earliest',
  );
  await usage(
    /--dry-run or --execute, not both/,
    'group',
    'reset-offsets',
    '--group',
    'g',
    '--topic',
    't',
    '--to-earliest',
    '--dry-run',
    '--execute',
  );
  await usage(/--type must be classic or consumer/, 'group', 'list', '--type', 'share');
  await usage(/--output must be table or json/, 'group', 'list', '-o', 'yaml');

  const unknownGroup = await pyralog('group', 'describe', '--group', 'no-such-group');
  assert.equal(unknownGroup.code, 1);
  assert.match(unknownGroup.stderr, /^GROUP_ID_NOT_FOUND: consumer group 'no-such-group' does not exist/);
  const unknownTopic = await pyralog(
    'group',
    'reset-offsets',
    '--group',
    'classic-readers',
    '--topic',
    'no-such-topic',
    '--to-earliest',
  );
  assert.equal(unknownTopic.code, 1);
  assert.match(unknownTopic.stderr, /^UNKNOWN_TOPIC_OR_PARTITION: /);
  const noCommit = await pyralog(
    'group',
    'reset-offsets',
    '--group',
    'timed-readers',
    '--topic',
    'lagged',
    '--shift-by',
    '1',
  );
  assert.equal(noCommit.code, 1);
  assert.match(noCommit.stderr, /cannot shift lagged-0: the group has no committed offset for it/);
});
