// The `pyralog` admin commands (topic, config, cluster) as a user runs them, against a real
// `pyralog start` process: every command in table and JSON output, checked against what KafkaJS
// sees; bad arguments exit 2 with a message, broker errors print the Kafka error name and exit 1.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { type PyralogProcess, startPyralog, stopPyralog } from '../../tools/pyralog-process.js';
import { bundleCli, type CliBundle, ok, type CliRun as Run } from './cli-bundle.js';
import { kafkaClient, withAdmin } from './kafkajs-client.js';

let dir: string;
let broker: PyralogProcess;
let cli: CliBundle;

const pyralog = (...args: string[]): Promise<Run> => cli.run(...args);

/** Runs an admin command against the test broker in both output modes; returns [table, json]. */
async function both(...args: string[]): Promise<[Run, Run]> {
  const table = await pyralog(...args, '-b', broker.bootstrap);
  const json = await pyralog(...args, '--bootstrap-server', broker.bootstrap, '--output', 'json');
  return [table, json];
}

before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'pyralog-cli-admin-'));
  cli = await bundleCli('cli-admin-test');
  broker = await startPyralog(join(dir, 'data'));
});

after(async () => {
  if (broker !== undefined) await stopPyralog(broker);
  await rm(dir, { recursive: true, force: true });
  await cli?.remove();
});

test('topic create, list, describe, add-partitions, alter-config and delete in table and JSON output', async () => {
  const kafka = kafkaClient(broker.bootstrap, 'cli-admin-test');
  const created = ok(
    await pyralog(
      'topic',
      'create',
      'orders',
      '--partitions',
      '3',
      '--config',
      'retention.ms=60000',
      '-b',
      broker.bootstrap,
    ),
  );
  assert.match(created.stdout, /orders\s+│\s+\S{22}\s+│\s+3\s+│\s+1/);
  const createdJson = JSON.parse(
    ok(
      await pyralog('topic', 'create', 'payments', '--partitions', '2', '-b', broker.bootstrap, '-o', 'json'),
    ).stdout,
  ) as { name: string; partitions: number };
  assert.deepEqual([createdJson.name, createdJson.partitions], ['payments', 2]);
  const metadata = await withAdmin(kafka, (admin) =>
    admin.fetchTopicMetadata({ topics: ['orders', 'payments'] }),
  );
  assert.deepEqual(metadata.topics.map((t) => [t.name, t.partitions.length]).sort(), [
    ['orders', 3],
    ['payments', 2],
  ]);

  const [listTable, listJson] = await both('topic', 'list');
  assert.match(ok(listTable).stdout, /orders[\s\S]*payments/);
  assert.deepEqual(
    (JSON.parse(ok(listJson).stdout) as { name: string }[]).map((t) => t.name),
    ['orders', 'payments'],
  );

  const [describeTable, describeJson] = await both('topic', 'describe', 'orders');
  assert.equal(ok(describeTable).stdout.match(/│ orders\s+│ \d\s+│ 1\s+│ 1\s+│ 1\s+│/g)?.length, 3);
  const described = JSON.parse(ok(describeJson).stdout) as {
    partitions: { partition: number; leader: number }[];
  }[];
  assert.deepEqual(
    described[0]?.partitions.map((p) => [p.partition, p.leader]),
    [
      [0, 1],
      [1, 1],
      [2, 1],
    ],
  );

  ok(await pyralog('topic', 'add-partitions', 'orders', '--partitions', '5', '-b', broker.bootstrap));
  const grown = await withAdmin(kafka, (admin) => admin.fetchTopicMetadata({ topics: ['orders'] }));
  assert.equal(grown.topics[0]?.partitions.length, 5);
  const addJson = ok(
    await pyralog(
      'topic',
      'add-partitions',
      'payments',
      '--partitions',
      '4',
      '-b',
      broker.bootstrap,
      '-o',
      'json',
    ),
  );
  assert.deepEqual(JSON.parse(addJson.stdout), [{ name: 'payments', error: null }]);

  const [alterTable, alterJson] = await both(
    'topic',
    'alter-config',
    'orders',
    '--config',
    'retention.ms=1000',
  );
  assert.match(ok(alterTable).stdout, /orders\s+│ altered/);
  assert.deepEqual(JSON.parse(ok(alterJson).stdout), [{ name: 'orders', error: null }]);
  const configs = await withAdmin(kafka, (admin) =>
    admin.describeConfigs({
      resources: [{ type: 2, name: 'orders', configNames: ['retention.ms'] }],
      includeSynonyms: false,
    }),
  );
  assert.equal(configs.resources[0]?.configEntries[0]?.configValue, '1000');

  ok(await pyralog('topic', 'delete', 'orders', '-b', broker.bootstrap));
  const deleteJson = ok(await pyralog('topic', 'delete', 'payments', '-b', broker.bootstrap, '-o', 'json'));
  assert.deepEqual(JSON.parse(deleteJson.stdout), [{ name: 'payments', error: null }]);
  const left = await withAdmin(kafka, (admin) => admin.listTopics());
  assert.deepEqual(
    left.filter((t) => !t.startsWith('__')),
    [],
  );
});

test('config get and set for topics and brokers, and cluster info, in table and JSON output', async () => {
  ok(await pyralog('topic', 'create', 'tuned', '-b', broker.bootstrap));
  const [setTable, setJson] = await both('config', 'set', '--topic', 'tuned', 'cleanup.policy=compact');
  assert.match(ok(setTable).stdout, /topic tuned\s+│ cleanup\.policy\s+│ set to compact/);
  assert.deepEqual(JSON.parse(ok(setJson).stdout).altered, [
    { name: 'cleanup.policy', op: 'set', value: 'compact' },
  ]);
  const [getTable, getJson] = await both('config', 'get', '--topic', 'tuned');
  assert.match(ok(getTable).stdout, /cleanup\.policy\s+│ compact\s+│ DYNAMIC_TOPIC_CONFIG/);
  assert.deepEqual(JSON.parse(ok(getJson).stdout), [
    { name: 'cleanup.policy', value: 'compact', source: 'DYNAMIC_TOPIC_CONFIG', readOnly: false },
  ]);

  ok(await pyralog('config', 'set', '--broker', '1', 'log.retention.ms=3600000', '-b', broker.bootstrap));
  const brokerJson = ok(
    await pyralog(
      'config',
      'get',
      '--broker',
      '1',
      '--key',
      'log.retention.ms',
      '-b',
      broker.bootstrap,
      '-o',
      'json',
    ),
  );
  assert.deepEqual(JSON.parse(brokerJson.stdout), [
    { name: 'log.retention.ms', value: '3600000', source: 'DYNAMIC_BROKER_CONFIG', readOnly: false },
  ]);

  const [infoTable, infoJson] = await both('cluster', 'info');
  const port = broker.bootstrap.split(':')[1];
  assert.match(ok(infoTable).stdout, new RegExp(`│ 1\\s+│ 127\\.0\\.0\\.1\\s+│ ${port}`));
  const info = JSON.parse(ok(infoJson).stdout) as {
    clusterId: string;
    controllerId: number;
    brokers: { port: number }[];
  };
  assert.equal(info.controllerId, 1);
  assert.deepEqual(
    info.brokers.map((b) => b.port),
    [Number(port)],
  );
  const admin = (await (await fetch(`${broker.adminUrl}/v1/cluster`)).json()) as { clusterId: string };
  assert.equal(info.clusterId, admin.clusterId);
});

test('bad arguments exit 2 with a message; broker errors print the Kafka error name and exit 1', async () => {
  const badCount = await pyralog('topic', 'create', 'x', '--partitions', 'many', '-b', broker.bootstrap);
  assert.equal(badCount.code, 2);
  assert.match(badCount.stderr, /--partitions must be a positive integer, not 'many'/);
  const unknownCommand = await pyralog('topic', 'frobnicate');
  assert.equal(unknownCommand.code, 2);
  assert.match(unknownCommand.stderr, /unknown command 'frobnicate'/);
  const missingOption = await pyralog('topic', 'add-partitions', 'x', '-b', broker.bootstrap);
  assert.equal(missingOption.code, 2);
  assert.match(missingOption.stderr, /--partitions/);
  const badOutput = await pyralog('topic', 'list', '-b', broker.bootstrap, '-o', 'yaml');
  assert.equal(badOutput.code, 2);
  assert.match(badOutput.stderr, /--output must be table or json/);
  const bothResources = await pyralog(
    'config',
    'get',
    '--topic',
    't',
    '--broker',
    '1',
    '-b',
    broker.bootstrap,
  );
  assert.equal(bothResources.code, 2);

  ok(await pyralog('topic', 'create', 'dup', '-b', broker.bootstrap));
  const duplicate = await pyralog('topic', 'create', 'dup', '-b', broker.bootstrap);
  assert.equal(duplicate.code, 1);
  assert.match(duplicate.stderr, /^TOPIC_ALREADY_EXISTS: /);
  const missing = await pyralog('topic', 'delete', 'no-such-topic', '-b', broker.bootstrap, '-o', 'json');
  assert.equal(missing.code, 1);
  assert.match(missing.stderr, /^UNKNOWN_TOPIC_OR_PARTITION: no-such-topic: /);
  assert.equal(
    (JSON.parse(missing.stdout) as { error: { code: string } }[])[0]?.error.code,
    'UNKNOWN_TOPIC_OR_PARTITION',
  );
  const badConfig = await pyralog(
    'config',
    'set',
    '--topic',
    'dup',
    'retention.ms=soon',
    '-b',
    broker.bootstrap,
  );
  assert.equal(badConfig.code, 1);
  assert.match(badConfig.stderr, /^INVALID_CONFIG: /);
  const fewer = await pyralog('topic', 'add-partitions', 'dup', '--partitions', '1', '-b', broker.bootstrap);
  assert.equal(fewer.code, 1);
  assert.match(fewer.stderr, /^INVALID_PARTITIONS: /);
});
