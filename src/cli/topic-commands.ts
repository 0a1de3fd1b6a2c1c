// `pyralog topic create|list|describe|alter-config|delete|add-partitions`, flags as kafka-topics.sh.
import type { Command } from 'commander';
import type { AdminClient, ConfigAlteration } from '../client/index.js';
import type { KafkaError } from '../protocol/index.js';
import {
  type AdminOptions,
  collect,
  json,
  type OutputMode,
  parsePairs,
  positiveInt,
  runAdmin,
  table,
  UsageError,
  withAdminOptions,
} from './cli-io.js';

interface ItemResult {
  readonly name: string;
  readonly error: KafkaError | null;
}

/** Per-item outcomes as a table or JSON; any failed item is also printed to stderr and exits 1. */
function outcomes(mode: OutputMode, action: string, results: readonly ItemResult[]): string {
  for (const result of results) {
    if (result.error === null) continue;
    process.stderr.write(`${result.error.code}: ${result.name}: ${result.error.message}\n`);
    process.exitCode = 1;
  }
  if (mode === 'json') {
    return json(
      results.map((r) => ({
        name: r.name,
        error: r.error === null ? null : { code: r.error.code, message: r.error.message },
      })),
    );
  }
  return table(
    ['TOPIC', 'RESULT'],
    results.map((r) => [r.name, r.error === null ? action : `${r.error.code}: ${r.error.message}`]),
  );
}

async function create(
  admin: AdminClient,
  mode: OutputMode,
  name: string,
  options: CreateOptions,
): Promise<string> {
  const partitions = positiveInt(options.partitions, '--partitions');
  const replicationFactor = positiveInt(options.replicationFactor, '--replication-factor');
  const [result] = await admin.createTopics([
    {
      name,
      ...(partitions === undefined ? {} : { numPartitions: partitions }),
      ...(replicationFactor === undefined ? {} : { replicationFactor }),
      configs: parsePairs(options.config, '--config'),
    },
  ]);
  if (result === undefined) throw new Error('no answer for the topic');
  if (result.error !== null) throw result.error;
  const created = {
    name: result.name,
    topicId: result.topicId,
    partitions: result.numPartitions,
    replicationFactor: result.replicationFactor,
  };
  if (mode === 'json') return json(created);
  return table(['TOPIC', 'TOPIC ID', 'PARTITIONS', 'REPLICATION FACTOR'], [Object.values(created)]);
}

async function list(admin: AdminClient, mode: OutputMode, includeInternal: boolean): Promise<string> {
  const topics = (await admin.listTopics({ includeInternal })).sort((a, b) => (a.name < b.name ? -1 : 1));
  if (mode === 'json')
    return json(topics.map((t) => ({ name: t.name, topicId: t.topicId, internal: t.isInternal })));
  return table(
    ['TOPIC', 'TOPIC ID', 'INTERNAL'],
    topics.map((t) => [t.name, t.topicId, t.isInternal ? 'yes' : 'no']),
  );
}

async function describe(admin: AdminClient, mode: OutputMode, names: readonly string[]): Promise<string> {
  const wanted = names.length > 0 ? names : (await admin.listTopics()).map((t) => t.name).sort();
  const topics = await admin.describeTopics(wanted);
  const found = topics.filter((t) => t.error === null);
  for (const failed of topics) {
    if (failed.error === null) continue;
    process.stderr.write(`${failed.error.code}: ${failed.name}: ${failed.error.message}\n`);
    process.exitCode = 1;
  }
  if (mode === 'json') {
    return json(
      found.map((t) => ({
        name: t.name,
        topicId: t.topicId,
        internal: t.isInternal,
        partitions: t.partitions.map((p) => ({
          partition: p.partition,
          leader: p.leader,
          leaderEpoch: p.leaderEpoch,
          replicas: p.replicas,
          isr: p.isr,
        })),
      })),
    );
  }
  return table(
    ['TOPIC', 'PARTITION', 'LEADER', 'REPLICAS', 'ISR'],
    found.flatMap((t) =>
      [...t.partitions]
        .sort((a, b) => a.partition - b.partition)
        .map((p) => [t.name, p.partition, p.leader, p.replicas.join(','), p.isr.join(',')]),
    ),
  );
}

async function alterConfig(
  admin: AdminClient,
  mode: OutputMode,
  name: string,
  options: { config: string[]; deleteConfig: string[] },
): Promise<string> {
  const alterations: ConfigAlteration[] = [
    ...Object.entries(parsePairs(options.config, '--config')).map(([key, value]) => ({
      name: key,
      op: 'set' as const,
      value,
    })),
    ...options.deleteConfig.map((key) => ({ name: key, op: 'delete' as const })),
  ];
  if (alterations.length === 0)
    throw new UsageError('give at least one --config key=value or --delete-config key');
  const [result] = await admin.incrementalAlterConfigs([{ type: 'topic', name, configs: alterations }]);
  return outcomes(mode, 'altered', [{ name, error: result?.error ?? null }]);
}

interface CreateOptions extends AdminOptions {
  readonly partitions?: string;
  readonly replicationFactor?: string;
  readonly config: string[];
}

export function addTopicCommands(program: Command): void {
  const topic = program.command('topic').description('create, list, describe, alter and delete topics');
  withAdminOptions(topic.command('create <topic>').description('create a topic'))
    .option('--partitions <n>', 'number of partitions (default: the broker’s num.partitions)')
    .option(
      '--replication-factor <n>',
      'replicas per partition (default: the broker’s default.replication.factor)',
    )
    .option('--config <key=value>', 'a topic config (repeatable)', collect, [])
    .action((name: string, options: CreateOptions) =>
      runAdmin(options, (admin, mode) => create(admin, mode, name, options)),
    );
  withAdminOptions(topic.command('list').description('list topics'))
    .option('--include-internal', 'also list internal topics (__consumer_offsets, …)', false)
    .action((options: AdminOptions & { includeInternal: boolean }) =>
      runAdmin(options, (admin, mode) => list(admin, mode, options.includeInternal)),
    );
  withAdminOptions(
    topic.command('describe [topics...]').description('partitions, leaders, replicas and ISR'),
  ).action((names: string[], options: AdminOptions) =>
    runAdmin(options, (admin, mode) => describe(admin, mode, names)),
  );
  withAdminOptions(topic.command('alter-config <topic>').description('set or delete topic configs'))
    .option('--config <key=value>', 'set a config (repeatable)', collect, [])
    .option('--delete-config <key>', 'remove an override (repeatable)', collect, [])
    .action((name: string, options: AdminOptions & { config: string[]; deleteConfig: string[] }) =>
      runAdmin(options, (admin, mode) => alterConfig(admin, mode, name, options)),
    );
  withAdminOptions(topic.command('delete <topics...>').description('delete topics')).action(
    (names: string[], options: AdminOptions) =>
      runAdmin(options, async (admin, mode) => outcomes(mode, 'deleted', await admin.deleteTopics(names))),
  );
  withAdminOptions(topic.command('add-partitions <topic>').description('raise a topic’s partition count'))
    .requiredOption('--partitions <n>', 'the new total number of partitions')
    .action((name: string, options: AdminOptions & { partitions: string }) =>
      runAdmin(options, async (admin, mode) => {
        const count = positiveInt(options.partitions, '--partitions')!;
        const results = await admin.createPartitions([{ topic: name, count }]);
        return outcomes(mode, `${count} partitions`, results);
      }),
    );
}
