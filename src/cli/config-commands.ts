// `pyralog config get|set` for topics and brokers, and `pyralog cluster info`.
import type { Command } from 'commander';
import type { AdminClient, ConfigResourceTypeName } from '../client/index.js';
import {
  type AdminOptions,
  collect,
  json,
  type OutputMode,
  parsePairs,
  runAdmin,
  table,
  UsageError,
  withAdminOptions,
} from './cli-io.js';

interface ResourceOptions extends AdminOptions {
  readonly topic?: string;
  readonly broker?: string;
}

/** The one resource named by --topic or --broker (exactly one of them). */
function resourceOf(options: ResourceOptions): { type: ConfigResourceTypeName; name: string } {
  if ((options.topic === undefined) === (options.broker === undefined)) {
    throw new UsageError('give exactly one of --topic <name> or --broker <id>');
  }
  if (options.topic !== undefined) return { type: 'topic', name: options.topic };
  if (!/^\d+$/.test(options.broker!))
    throw new UsageError(`--broker must be a node id, not '${options.broker}'`);
  return { type: 'broker', name: options.broker! };
}

async function getConfigs(
  admin: AdminClient,
  mode: OutputMode,
  options: ResourceOptions & { all: boolean; key: string[] },
): Promise<string> {
  const resource = resourceOf(options);
  const [result] = await admin.describeConfigs([
    { ...resource, ...(options.key.length > 0 ? { keys: options.key } : {}) },
  ]);
  if (result === undefined) throw new Error('no answer for the resource');
  if (result.error !== null) throw result.error;
  const entries = result.entries
    .filter((e) => options.all || options.key.length > 0 || !e.isDefault)
    .sort((a, b) => (a.name < b.name ? -1 : 1));
  if (mode === 'json') {
    return json(
      entries.map((e) => ({
        name: e.name,
        value: e.isSensitive ? null : e.value,
        source: e.source,
        readOnly: e.isReadOnly,
      })),
    );
  }
  return table(
    ['NAME', 'VALUE', 'SOURCE', 'READ-ONLY'],
    entries.map((e) => [
      e.name,
      e.isSensitive ? '(sensitive)' : e.value,
      e.source,
      e.isReadOnly ? 'yes' : 'no',
    ]),
  );
}

async function setConfigs(
  admin: AdminClient,
  mode: OutputMode,
  pairs: readonly string[],
  options: ResourceOptions & { delete: string[] },
): Promise<string> {
  const resource = resourceOf(options);
  const configs = [
    ...Object.entries(parsePairs(pairs, 'config set')).map(([name, value]) => ({
      name,
      op: 'set' as const,
      value,
    })),
    ...options.delete.map((name) => ({ name, op: 'delete' as const })),
  ];
  if (configs.length === 0) throw new UsageError('give at least one key=value or --delete <key>');
  const [result] = await admin.incrementalAlterConfigs([{ ...resource, configs }]);
  if (result?.error) throw result.error;
  if (mode === 'json') return json({ resource, altered: configs });
  return table(
    ['RESOURCE', 'NAME', 'CHANGE'],
    configs.map((c) => [
      `${resource.type} ${resource.name}`,
      c.name,
      c.op === 'set' ? `set to ${c.value}` : 'deleted',
    ]),
  );
}

async function clusterInfo(admin: AdminClient, mode: OutputMode): Promise<string> {
  const cluster = await admin.describeCluster();
  if (mode === 'json') return json(cluster);
  const head = table(['CLUSTER ID', 'CONTROLLER'], [[cluster.clusterId, cluster.controllerId]]);
  return (
    head +
    table(
      ['NODE', 'HOST', 'PORT', 'RACK'],
      cluster.brokers.map((b) => [b.nodeId, b.host, b.port, b.rack]),
    )
  );
}

export function addConfigCommands(program: Command): void {
  const config = program.command('config').description('describe and alter topic and broker configs');
  withAdminOptions(config.command('get').description('show configs (overrides only unless --all or --key)'))
    .option('--topic <name>', 'a topic')
    .option('--broker <id>', 'a broker by node id')
    .option('--all', 'include every default', false)
    .option('--key <name>', 'only this config (repeatable)', collect, [])
    .action((options: ResourceOptions & { all: boolean; key: string[] }) =>
      runAdmin(options, (admin, mode) => getConfigs(admin, mode, options)),
    );
  withAdminOptions(
    config.command('set [pairs...]').description('set configs as key=value (IncrementalAlterConfigs)'),
  )
    .option('--topic <name>', 'a topic')
    .option('--broker <id>', 'a broker by node id')
    .option('--delete <key>', 'remove a dynamic config (repeatable)', collect, [])
    .action((pairs: string[], options: ResourceOptions & { delete: string[] }) =>
      runAdmin(options, (admin, mode) => setConfigs(admin, mode, pairs, options)),
    );
  const cluster = program.command('cluster').description('the cluster and its brokers');
  withAdminOptions(cluster.command('info').description('cluster id, controller and brokers')).action(
    (options: AdminOptions) => runAdmin(options, clusterInfo),
  );
}
