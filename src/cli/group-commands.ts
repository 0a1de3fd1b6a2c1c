// `pyralog group list|describe|reset-offsets`, flags as kafka-consumer-groups.sh: classic and KIP-848
// groups, members and assignments, per-partition lag, and offset resets (a dry run unless --execute).
import type { Command } from 'commander';
import type { AdminClient, ConsumerGroupDescription, TopicPartition } from '../client/index.js';
import { KafkaError } from '../protocol/index.js';
import {
  type AdminOptions,
  collect,
  json,
  type OutputMode,
  runAdmin,
  table,
  throwFirst,
  UsageError,
  withAdminOptions,
} from './cli-io.js';
import {
  offsetMap,
  type PartitionBounds,
  type PartitionLag,
  partitionLags,
  planReset,
  type ResetTarget,
} from './group-offsets.js';

interface GroupsOptions extends AdminOptions {
  readonly group: string[];
  readonly allGroups: boolean;
}

/** The groups named by --group (repeatable) or every group with --all-groups. */
async function selectedGroups(admin: AdminClient, options: GroupsOptions): Promise<string[]> {
  if (options.allGroups && options.group.length > 0)
    throw new UsageError('give --group or --all-groups, not both');
  if (options.allGroups) return (await admin.listGroups()).map((g) => g.groupId);
  if (options.group.length === 0) throw new UsageError('give --group <id> (repeatable) or --all-groups');
  return [...new Set(options.group)];
}

/**
 * Describes the groups with their committed offsets. A group the cluster does not know is
 * GROUP_ID_NOT_FOUND, as Kafka's tool says, unless `mayBeNew` (a reset may create a group's offsets).
 */
async function describedGroups(admin: AdminClient, groupIds: readonly string[], mayBeNew = false) {
  const described = await admin.describeConsumerGroups(groupIds);
  return Promise.all(
    described.map(async (group) => {
      if (group.error !== null) throw group.error;
      const committed = (await admin.listGroupOffsets(group.groupId)).filter((o) => o.offset >= 0n);
      // DescribeGroups before v6 answers an unknown group as Dead without members instead of an error.
      if (!mayBeNew && group.state === 'Dead' && group.members.length === 0 && committed.length === 0)
        throw new KafkaError('GROUP_ID_NOT_FOUND', `consumer group '${group.groupId}' does not exist`);
      return { group, committed: offsetMap(committed) };
    }),
  );
}

async function list(
  admin: AdminClient,
  mode: OutputMode,
  options: AdminOptions & { state: string[]; type: string[] },
): Promise<string> {
  for (const type of options.type) {
    if (type !== 'classic' && type !== 'consumer')
      throw new UsageError(`--type must be classic or consumer, not '${type}'`);
  }
  const groups = await admin.listGroups({
    ...(options.state.length > 0 ? { states: options.state } : {}),
    ...(options.type.length > 0 ? { types: options.type } : {}),
  });
  const rows = groups.map((g) => ({
    groupId: g.groupId,
    state: g.groupState,
    // Brokers before ListGroups v5 do not say; their groups are all classic.
    type: g.groupType === '' ? 'classic' : g.groupType.toLowerCase(),
    protocolType: g.protocolType,
    coordinator: g.coordinatorId,
  }));
  if (mode === 'json') return json(rows);
  return table(
    ['GROUP', 'STATE', 'TYPE', 'PROTOCOL TYPE', 'COORDINATOR'],
    rows.map((r) => [r.groupId, r.state, r.type, r.protocolType, r.coordinator]),
  );
}

const formatAssignment = (assignment: ReadonlyMap<string, readonly number[]>): string =>
  [...assignment]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([topic, partitions]) => `${topic}(${partitions.join(',')})`)
    .join(' ');

const assignmentObject = (assignment: ReadonlyMap<string, readonly number[]> | null) =>
  assignment === null ? null : Object.fromEntries([...assignment].sort(([a], [b]) => (a < b ? -1 : 1)));

async function describe(admin: AdminClient, mode: OutputMode, options: GroupsOptions): Promise<string> {
  const groups = await describedGroups(admin, await selectedGroups(admin, options));
  const partitions = groups.flatMap(({ group, committed }) =>
    partitionLags(group, committed, new Map()).map(({ topic, partition }) => ({ topic, partition })),
  );
  const logEnds = await logEndOffsets(admin, partitions);
  const described = groups.map(({ group, committed }) => ({
    group,
    lags: partitionLags(group, committed, logEnds),
  }));
  if (mode === 'json') return json(described.map(({ group, lags }) => describedJson(group, lags)));
  let out = '';
  for (const { group, lags } of described) {
    out += table(
      ['GROUP', 'TYPE', 'STATE', 'ASSIGNOR', 'MEMBERS', 'COORDINATOR'],
      [[group.groupId, group.type, group.state, group.assignor, group.members.length, group.coordinatorId]],
    );
    if (group.members.length > 0) {
      out += table(
        ['GROUP', 'MEMBER ID', 'INSTANCE ID', 'CLIENT ID', 'HOST', '#PARTITIONS', 'ASSIGNMENT'],
        group.members.map((m) => [
          group.groupId,
          m.memberId,
          m.groupInstanceId,
          m.clientId,
          m.clientHost,
          [...m.assignment.values()].reduce((n, ps) => n + ps.length, 0),
          formatAssignment(m.assignment),
        ]),
      );
    } else {
      process.stderr.write(`consumer group '${group.groupId}' has no active members\n`);
    }
    out += table(
      [
        'GROUP',
        'TOPIC',
        'PARTITION',
        'CURRENT-OFFSET',
        'LOG-END-OFFSET',
        'LAG',
        'MEMBER ID',
        'HOST',
        'CLIENT ID',
      ],
      lags.map((l) => [
        group.groupId,
        l.topic,
        l.partition,
        l.currentOffset === null ? '-' : String(l.currentOffset),
        l.logEndOffset === null ? '-' : String(l.logEndOffset),
        l.lag === null ? '-' : String(l.lag),
        l.memberId ?? '-',
        l.host ?? '-',
        l.clientId ?? '-',
      ]),
    );
  }
  return out;
}

function describedJson(group: ConsumerGroupDescription, lags: readonly PartitionLag[]) {
  return {
    groupId: group.groupId,
    type: group.type,
    state: group.state,
    protocolType: group.protocolType,
    assignor: group.assignor,
    groupEpoch: group.groupEpoch,
    coordinator: group.coordinatorId,
    members: group.members.map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      host: m.clientHost,
      memberEpoch: m.memberEpoch,
      subscribedTopics: m.subscribedTopics,
      assignment: assignmentObject(m.assignment),
      targetAssignment: assignmentObject(m.targetAssignment),
    })),
    partitions: lags,
  };
}

/** Latest offsets (read_uncommitted, as Kafka's tool) of the partitions; a partition that failed is left out. */
async function logEndOffsets(admin: AdminClient, partitions: readonly TopicPartition[]) {
  const answered = await admin.listOffsets(partitions.map((p) => ({ ...p, query: 'latest' as const })));
  return offsetMap(answered.filter((r) => r.error === null));
}

interface ResetOptions extends GroupsOptions {
  readonly topic: string[];
  readonly allTopics: boolean;
  readonly toEarliest: boolean;
  readonly toLatest: boolean;
  readonly toDatetime?: string;
  readonly toOffset?: string;
  readonly shiftBy?: string;
  readonly execute: boolean;
  readonly dryRun: boolean;
}

/** The one reset scenario given; UsageError for none, several or a malformed value. */
export function resetTarget(options: ResetOptions): ResetTarget {
  const given: ResetTarget[] = [];
  if (options.toEarliest) given.push({ kind: 'earliest' });
  if (options.toLatest) given.push({ kind: 'latest' });
  if (options.toDatetime !== undefined) {
    const timestampMs = Date.parse(options.toDatetime);
    if (Number.isNaN(timestampMs))
      throw new UsageError(
        `--to-datetime expects a date-time such as 2026-11-22T10:15:00.000 (local) or with Z or +01:00, not '${options.toDatetime}'`,
      );
    given.push({ kind: 'datetime', timestampMs });
  }
  if (options.toOffset !== undefined) {
    if (!/^\d+$/.test(options.toOffset))
      throw new UsageError(`--to-offset must be an offset (0 or more), not '${options.toOffset}'`);
    given.push({ kind: 'offset', offset: BigInt(options.toOffset) });
  }
  if (options.shiftBy !== undefined) {
    if (!/^[+-]?\d+$/.test(options.shiftBy))
      throw new UsageError(`--shift-by must be a whole number (may be negative), not '${options.shiftBy}'`);
    given.push({ kind: 'shiftBy', delta: BigInt(options.shiftBy) });
  }
  if (given.length !== 1)
    throw new UsageError(
      'give exactly one of --to-earliest, --to-latest, --to-datetime, --to-offset or --shift-by',
    );
  return given[0]!;
}

/** `--topic t` (every partition) or `--topic t:0,2` (those), repeatable. */
function parseTopicArgs(values: readonly string[]): { topic: string; partitions: number[] | null }[] {
  return values.map((value) => {
    const colon = value.lastIndexOf(':');
    if (colon < 0) return { topic: value, partitions: null };
    const list = value.slice(colon + 1).split(',');
    if (colon === 0 || list.some((p) => !/^\d+$/.test(p)))
      throw new UsageError(`--topic expects a topic or topic:partition,partition…, not '${value}'`);
    return { topic: value.slice(0, colon), partitions: list.map(Number) };
  });
}

/** The partitions to reset in one group: those named by --topic, or with --all-topics those it committed. */
async function resetPartitions(
  admin: AdminClient,
  options: ResetOptions,
  committed: ReadonlyMap<string, ReadonlyMap<number, bigint>>,
): Promise<TopicPartition[]> {
  if (options.allTopics)
    return [...committed].flatMap(([topic, ps]) => [...ps.keys()].map((partition) => ({ topic, partition })));
  const asked = parseTopicArgs(options.topic);
  const whole = asked.filter((a) => a.partitions === null).map((a) => a.topic);
  const described = whole.length === 0 ? [] : await admin.describeTopics([...new Set(whole)]);
  throwFirst(described);
  const all = new Map(described.map((t) => [t.name, t.partitions.map((p) => p.partition)]));
  const seen = new Map<string, TopicPartition>();
  for (const { topic, partitions } of asked) {
    for (const partition of partitions ?? all.get(topic) ?? [])
      seen.set(`${topic}:${partition}`, { topic, partition });
  }
  return [...seen.values()].sort((a, b) =>
    a.topic !== b.topic ? (a.topic < b.topic ? -1 : 1) : a.partition - b.partition,
  );
}

/** Earliest, latest (and at-time) offsets of the partitions; an unknown partition throws its Kafka error. */
async function bounds(
  admin: AdminClient,
  partitions: readonly TopicPartition[],
  target: ResetTarget,
  committed: ReadonlyMap<string, ReadonlyMap<number, bigint>>,
): Promise<PartitionBounds[]> {
  const query = async (q: 'earliest' | 'latest' | { timestamp: number }) => {
    const results = await admin.listOffsets(partitions.map((p) => ({ ...p, query: q })));
    for (const r of results)
      if (r.error !== null)
        throw new KafkaError(r.error.code, `${r.topic}-${r.partition}: ${r.error.message}`);
    return offsetMap(results);
  };
  const [earliest, latest, atTime] = await Promise.all([
    query('earliest'),
    query('latest'),
    target.kind === 'datetime' ? query({ timestamp: target.timestampMs }) : Promise.resolve(undefined),
  ]);
  return partitions.map(({ topic, partition }) => {
    const at = atTime?.get(topic)?.get(partition);
    return {
      topic,
      partition,
      currentOffset: committed.get(topic)?.get(partition) ?? null,
      earliest: earliest.get(topic)?.get(partition) ?? 0n,
      latest: latest.get(topic)?.get(partition) ?? 0n,
      ...(at === undefined ? {} : { atTimestamp: at }),
    };
  });
}

async function resetOffsets(admin: AdminClient, mode: OutputMode, options: ResetOptions): Promise<string> {
  const target = resetTarget(options);
  if (options.execute && options.dryRun) throw new UsageError('give --dry-run or --execute, not both');
  if (options.allTopics === options.topic.length > 0)
    throw new UsageError('give --topic <topic[:partitions]> (repeatable) or --all-topics');
  parseTopicArgs(options.topic);
  const groups = await describedGroups(admin, await selectedGroups(admin, options), true);
  const plans = [];
  for (const { group, committed } of groups) {
    // Kafka's tool resets only an inactive group: a live member would overwrite the offsets anyway.
    if (group.members.length > 0 || (group.state !== 'Empty' && group.state !== 'Dead'))
      throw new KafkaError(
        'NON_EMPTY_GROUP',
        `offsets of group '${group.groupId}' can only be reset while it is inactive, but it is ${group.state} with ${group.members.length} members`,
      );
    const partitions = await resetPartitions(admin, options, committed);
    plans.push({
      groupId: group.groupId,
      offsets: planReset(target, await bounds(admin, partitions, target, committed)),
    });
  }
  if (options.execute) {
    for (const plan of plans) {
      throwFirst(
        await admin.alterGroupOffsets(
          plan.groupId,
          plan.offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.newOffset })),
        ),
      );
    }
  } else if (mode === 'table') {
    process.stderr.write('dry run: no offsets changed (add --execute to apply)\n');
  }
  if (mode === 'json') {
    return json(
      plans.map((plan) => ({ groupId: plan.groupId, executed: options.execute, partitions: plan.offsets })),
    );
  }
  return table(
    ['GROUP', 'TOPIC', 'PARTITION', 'CURRENT-OFFSET', 'NEW-OFFSET'],
    plans.flatMap((plan) =>
      plan.offsets.map((o) => [
        plan.groupId,
        o.topic,
        o.partition,
        o.currentOffset === null ? '-' : String(o.currentOffset),
        String(o.newOffset),
      ]),
    ),
  );
}

function withGroupOptions(command: Command): Command {
  return withAdminOptions(command)
    .option('--group <id>', 'a consumer group (repeatable)', collect, [])
    .option('--all-groups', 'every group of the cluster', false);
}

export function addGroupCommands(program: Command): void {
  const group = program
    .command('group')
    .description('list and describe consumer groups (classic and KIP-848), reset their offsets');
  withAdminOptions(group.command('list').description('groups with their state and type'))
    .option('--state <state>', 'only groups in this state, e.g. Stable or Empty (repeatable)', collect, [])
    .option('--type <type>', 'only classic or consumer (KIP-848) groups (repeatable)', collect, [])
    .action((options: AdminOptions & { state: string[]; type: string[] }) =>
      runAdmin(options, (admin, mode) => list(admin, mode, options)),
    );
  withGroupOptions(
    group.command('describe').description('members, assignments and per-partition offsets and lag'),
  ).action((options: GroupsOptions) => runAdmin(options, (admin, mode) => describe(admin, mode, options)));
  withGroupOptions(
    group
      .command('reset-offsets')
      .description('move an inactive group’s committed offsets (prints the plan; --execute applies it)'),
  )
    .option(
      '--topic <topic[:partitions]>',
      'a topic, or topic:0,1 for some partitions (repeatable)',
      collect,
      [],
    )
    .option('--all-topics', 'every partition the group has committed offsets for', false)
    .option('--to-earliest', 'to the log start offset', false)
    .option('--to-latest', 'to the log end offset', false)
    .option(
      '--to-datetime <datetime>',
      'to the first offset at or after a time, e.g. 2026-11-22T10:15:00.000Z',
    )
    .option('--to-offset <offset>', 'to this offset (kept within the log)')
    .option('--shift-by <n>', 'move the committed offset by n (negative moves back), kept within the log')
    .option('--dry-run', 'only print the plan (the default)', false)
    .option('--execute', 'apply the plan', false)
    .action((options: ResetOptions) =>
      runAdmin(options, (admin, mode) => resetOffsets(admin, mode, options)),
    );
}
