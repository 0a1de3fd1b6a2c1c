// KafkaJS 2.2.4 consumer groups against a real `pyralog start` process: three members share a 6-partition
// topic (each partition consumed by exactly one member), a fourth (a child process) joins and the group
// rebalances, the fourth is SIGKILLed without leaving and its partitions move to the others after its
// session timeout; every record is committed synchronously before it counts as processed and none is
// processed twice. Then the broker is SIGKILLed and restarted: the committed offsets are all there and a
// new member resumes from them. DescribeGroups shows members and assignments; resetOffsets, fetchOffsets,
// deleteGroups (KafkaJS admin) and OffsetDelete (raw request) change the stored offsets.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import kafkajs, { type Admin, type Consumer } from 'kafkajs';
import { KafkaConnection } from '../../src/network/index.js';
import { ApiKey, ErrorCode } from '../../src/protocol/index.js';
import { eventually } from '../../src/testing/index.js';
import { killPyralog, type PyralogProcess, startPyralog } from '../../tools/pyralog-process.js';
import { kafkaClient } from './kafkajs-client.js';

const { AssignerProtocol } = kafkajs;

const ROOT = new URL('../..', import.meta.url).pathname;
const TOPIC = 'work';
const GROUP = 'workers';
const PARTITIONS = 6;
const SESSION_TIMEOUT_MS = 3_000;
const BROKER_ARGS = [
  '--override',
  'group.initial.rebalance.delay.ms=0',
  '--override',
  'group.min.session.timeout.ms=1000',
  '--override',
  'offsets.topic.num.partitions=5',
];

/** Who committed which record: value → member names (more than one name is a duplicate). */
const processed = new Map<string, string[]>();

function record(member: string, value: string): void {
  processed.set(value, [...(processed.get(value) ?? []), member]);
}

const waitFor = <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> =>
  eventually(what, probe, { timeoutMs: 30_000, intervalMs: 100 });

async function startMember(bootstrap: string, name: string): Promise<Consumer> {
  const consumer = kafkaClient(bootstrap, name, 10).consumer({
    groupId: GROUP,
    sessionTimeout: SESSION_TIMEOUT_MS,
    heartbeatInterval: 300,
    rebalanceTimeout: 10_000,
    maxWaitTimeInMs: 100,
  });
  await consumer.connect();
  await consumer.subscribe({ topics: [TOPIC], fromBeginning: true });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ partition, message }) => {
      const next = (BigInt(message.offset) + 1n).toString();
      await consumer.commitOffsets([{ topic: TOPIC, partition, offset: next }]);
      record(name, message.value?.toString() ?? '');
    },
  });
  return consumer;
}

/** The stable group's partition owners when it has `members` members that together own each partition once. */
async function stableAssignment(admin: Admin, members: number): Promise<Map<number, string> | undefined> {
  const { groups } = await admin.describeGroups([GROUP]);
  const group = groups[0];
  if (group?.state !== 'Stable' || group.members.length !== members) return undefined;
  const owners = new Map<number, string>();
  for (const member of group.members) {
    const decoded = AssignerProtocol.MemberAssignment.decode(member.memberAssignment);
    for (const partition of decoded?.assignment[TOPIC] ?? []) {
      if (owners.has(partition)) return undefined;
      owners.set(partition, member.clientId);
    }
  }
  return owners.size === PARTITIONS ? owners : undefined;
}

let produced = 0;
async function produce(bootstrap: string, count: number): Promise<string[]> {
  const producer = kafkaClient(bootstrap, 'producer', 10).producer();
  await producer.connect();
  const values: string[] = [];
  try {
    const messages = [];
    for (let i = 0; i < count; i++) {
      const value = `m-${produced++}`;
      values.push(value);
      messages.push({ partition: i % PARTITIONS, value });
    }
    await producer.send({ topic: TOPIC, acks: -1, messages });
  } finally {
    await producer.disconnect();
  }
  return values;
}

function allProcessed(values: readonly string[]): true | undefined {
  return values.every((v) => processed.has(v)) ? true : undefined;
}

interface ChildMember {
  readonly child: ChildProcess;
  readonly exited: Promise<void>;
}

function startChildMember(bootstrap: string): ChildMember {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      'test/integration/kafkajs-group-member.ts',
      bootstrap,
      GROUP,
      TOPIC,
      String(SESSION_TIMEOUT_MS),
    ],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const entry = JSON.parse(line) as { value?: string };
    if (entry.value !== undefined) record('child', entry.value);
  });
  return { child, exited };
}

describe('KafkaJS consumer groups against pyralog start', () => {
  let dir: string;
  let broker: PyralogProcess;
  let admin: Admin;
  const members: Consumer[] = [];
  let childMember: ChildMember | undefined;

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pyralog-groups-'));
    broker = await startPyralog(dir, BROKER_ARGS);
    admin = kafkaClient(broker.bootstrap, 'admin', 10).admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: PARTITIONS }] });
  });
  after(async () => {
    for (const member of members) await member.disconnect().catch(() => {});
    if (childMember !== undefined) {
      childMember.child.kill('SIGKILL');
      await childMember.exited;
    }
    await admin.disconnect().catch(() => {});
    await killPyralog(broker);
    await rm(dir, { recursive: true, force: true });
  });

  it('shares partitions among members, rebalances on join and on a killed member, never processing twice', async () => {
    for (const name of ['a', 'b', 'c']) members.push(await startMember(broker.bootstrap, name));
    const three = await waitFor('3 stable members', () => stableAssignment(admin, 3));
    assert.equal(new Set(three.values()).size, 3);
    const first = await produce(broker.bootstrap, 60);
    await waitFor('the first records', async () => allProcessed(first));
    // Each partition's records went to the one member that owns it.
    for (const value of first) {
      const partition = Number(value.slice(2)) % PARTITIONS;
      assert.deepEqual(processed.get(value), [three.get(partition)], `${value} on partition ${partition}`);
    }

    childMember = startChildMember(broker.bootstrap);
    const four = await waitFor('4 stable members', () => stableAssignment(admin, 4));
    assert.ok([...four.values()].includes('child-member'));
    const second = await produce(broker.bootstrap, 60);
    await waitFor('the second records', async () => allProcessed(second));
    assert.ok(
      second.some((v) => processed.get(v)?.includes('child') === true),
      'the child consumed some',
    );

    const killedAt = Date.now();
    childMember.child.kill('SIGKILL');
    await childMember.exited;
    const back = await waitFor('3 stable members after the session timeout', () =>
      stableAssignment(admin, 3),
    );
    assert.ok(
      Date.now() - killedAt >= SESSION_TIMEOUT_MS - 500,
      'expired by the session timeout, not at once',
    );
    assert.ok(![...back.values()].includes('child-member'));
    const third = await produce(broker.bootstrap, 60);
    await waitFor('the third records', async () => allProcessed(third));
    const twice = [...processed].filter(([, who]) => who.length > 1);
    assert.deepEqual(twice, [], 'no record is processed twice');
  });

  it('keeps committed offsets across a SIGKILL of the broker and a new member resumes from them', async () => {
    for (const member of members.splice(0)) await member.disconnect();
    const committed = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
    const ends = await admin.fetchTopicOffsets(TOPIC);
    const byPartition = (list: Array<{ partition: number; offset: string }>) =>
      list.map((p) => [p.partition, p.offset]).sort((x, y) => Number(x[0]) - Number(y[0]));
    assert.deepEqual(byPartition(committed[0]?.partitions ?? []), byPartition(ends));
    await admin.disconnect();

    await killPyralog(broker);
    broker = await startPyralog(dir, BROKER_ARGS);
    admin = kafkaClient(broker.bootstrap, 'admin', 10).admin();
    await admin.connect();
    const after = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
    assert.deepEqual(byPartition(after[0]?.partitions ?? []), byPartition(ends));

    const fresh = await produce(broker.bootstrap, 12);
    const before = processed.size;
    members.push(await startMember(broker.bootstrap, 'd'));
    await waitFor('the records produced after the restart', async () => allProcessed(fresh));
    await waitFor('the new member to settle', () => stableAssignment(admin, 1));
    assert.equal(processed.size, before + fresh.length, 'only the new records were consumed');
    assert.deepEqual(
      [...processed].filter(([, who]) => who.length > 1),
      [],
    );
  });

  it('describes members, resets, fetches and deletes offsets and groups', async () => {
    const { groups } = await admin.describeGroups([GROUP]);
    assert.equal(groups[0]?.members.length, 1);
    assert.equal(groups[0]?.protocolType, 'consumer');
    assert.equal(groups[0]?.members[0]?.clientId, 'd');
    const deleteBusy = admin.deleteGroups([GROUP]);
    await assert.rejects(deleteBusy);
    for (const member of members.splice(0)) await member.disconnect();

    // KafkaJS's resetOffsets joins the group with a consumer that seeks and commits the EARLIEST sentinel
    // (-2) as is, as Kafka stores it; the group's next member resolves it through ListOffsets.
    await admin.resetOffsets({ groupId: GROUP, topic: TOPIC, earliest: true });
    const reset = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
    assert.deepEqual(
      reset[0]?.partitions.map((p) => p.offset),
      Array.from({ length: PARTITIONS }, () => '-2'),
    );
    const listed = await admin.listGroups();
    assert.deepEqual(
      listed.groups.filter((g) => g.groupId === GROUP).map((g) => g.protocolType),
      ['consumer'],
    );

    // OffsetDelete (KafkaJS has no call for it): the empty group drops partition 0's offset only.
    const connection = await KafkaConnection.connect({
      host: broker.bootstrap.split(':')[0] ?? '',
      port: Number(broker.bootstrap.split(':')[1]),
    });
    try {
      const deleted = await connection.request(ApiKey.OffsetDelete, 0, {
        groupId: GROUP,
        topics: [{ name: TOPIC, partitions: [{ partitionIndex: 0 }] }],
      });
      assert.equal(deleted.errorCode, ErrorCode.NONE);
      assert.equal(deleted.topics[0]?.partitions[0]?.errorCode, ErrorCode.NONE);
    } finally {
      await connection.close();
    }
    const afterDelete = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
    assert.deepEqual(
      afterDelete[0]?.partitions
        .map((p) => [p.partition, p.offset])
        .sort((x, y) => Number(x[0]) - Number(y[0])),
      [
        [0, '-1'],
        [1, '-2'],
        [2, '-2'],
        [3, '-2'],
        [4, '-2'],
        [5, '-2'],
      ],
    );

    const results = await admin.deleteGroups([GROUP]);
    assert.deepEqual(
      results.map((r) => [r.groupId, r.errorCode]),
      [[GROUP, 0]],
    );
    const gone = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
    assert.ok(gone[0]?.partitions.every((p) => p.offset === '-1'));
  });
});
