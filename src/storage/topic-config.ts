import { InvalidConfigError } from './storage-errors.js';

/** Kafka's Long.MAX_VALUE defaults ("never") as the largest exact JS number. */
export const NEVER = Number.MAX_SAFE_INTEGER;

type ConfigType = 'int' | 'long' | 'double' | 'boolean' | 'string' | 'list';

export interface ConfigDefinition<Key extends string = string> {
  /** The topic-level name, as in Kafka's TopicConfig. */
  readonly name: string;
  /** The LogConfig field it resolves to. */
  readonly key: Key;
  readonly type: ConfigType;
  readonly defaultValue: number | boolean | string | readonly string[];
  /** What it does, for DescribeConfigs v3+ (`includeDocumentation`). */
  readonly doc: string;
  /** The broker-level property that supplies the default (Kafka's synonym), e.g. `log.segment.bytes`. */
  readonly brokerSynonym: string;
  /** Inclusive bounds for numbers, allowed values for strings and lists. */
  readonly min?: number;
  readonly max?: number;
  readonly values?: readonly string[];
}

/**
 * The storage engine's topic configs with Kafka's names, defaults and broker synonyms. Values above
 * 2^53 (Kafka's Long.MAX_VALUE "never") become NEVER. `pyralog.flush.policy` is Pyralog's own:
 * `durable` (the default) makes appends fsync in their group commit before their `durable` promise
 * resolves; `page-cache` leaves fsync to flush.messages/flush.ms as Kafka does.
 */
export const TOPIC_CONFIGS = [
  {
    name: 'segment.bytes',
    doc: 'Size of a segment file before a new one is rolled, in bytes.',
    key: 'segmentBytes',
    type: 'int',
    defaultValue: 1073741824,
    brokerSynonym: 'log.segment.bytes',
    min: 14,
    max: 2147483647,
  },
  {
    name: 'segment.ms',
    doc: 'Roll a new segment after this many ms even if the active one is not full.',
    key: 'segmentMs',
    type: 'long',
    defaultValue: 604800000,
    brokerSynonym: 'log.roll.ms',
    min: 1,
  },
  {
    name: 'segment.jitter.ms',
    doc: 'Largest random jitter subtracted from segment.ms per segment, so that partitions do not all roll at once.',
    key: 'segmentJitterMs',
    type: 'long',
    defaultValue: 0,
    brokerSynonym: 'log.roll.jitter.ms',
    min: 0,
  },
  {
    name: 'segment.index.bytes',
    doc: 'Largest offset index (and time index) of a segment, in bytes.',
    key: 'segmentIndexBytes',
    type: 'int',
    defaultValue: 10485760,
    brokerSynonym: 'log.index.size.max.bytes',
    min: 4,
  },
  {
    name: 'index.interval.bytes',
    doc: 'Bytes of records between two offset index entries.',
    key: 'indexIntervalBytes',
    type: 'int',
    defaultValue: 4096,
    brokerSynonym: 'log.index.interval.bytes',
    min: 0,
  },
  {
    name: 'flush.messages',
    doc: 'fsync after this many messages (with the page-cache flush policy).',
    key: 'flushMessages',
    type: 'long',
    defaultValue: NEVER,
    brokerSynonym: 'log.flush.interval.messages',
    min: 1,
  },
  {
    name: 'flush.ms',
    doc: 'fsync once a message waited this many ms (with the page-cache flush policy).',
    key: 'flushMs',
    type: 'long',
    defaultValue: NEVER,
    brokerSynonym: 'log.flush.interval.ms',
    min: 0,
  },
  {
    name: 'retention.ms',
    doc: 'Delete a segment once its newest record is older than this many ms (-1: never).',
    key: 'retentionMs',
    type: 'long',
    defaultValue: 604800000,
    brokerSynonym: 'log.retention.ms',
    min: -1,
  },
  {
    name: 'retention.bytes',
    doc: 'Delete the oldest segments while a partition is larger than this (-1: no limit).',
    key: 'retentionBytes',
    type: 'long',
    defaultValue: -1,
    brokerSynonym: 'log.retention.bytes',
  },
  {
    name: 'file.delete.delay.ms',
    doc: 'Delay before a deleted segment file is removed from the file system.',
    key: 'fileDeleteDelayMs',
    type: 'long',
    defaultValue: 60000,
    brokerSynonym: 'log.segment.delete.delay.ms',
    min: 0,
  },
  {
    name: 'cleanup.policy',
    doc: 'delete (by retention), compact (keep the latest record per key), or both.',
    key: 'cleanupPolicy',
    type: 'list',
    defaultValue: ['delete'],
    brokerSynonym: 'log.cleanup.policy',
    values: ['delete', 'compact'],
  },
  {
    name: 'delete.retention.ms',
    doc: 'How long delete tombstones are kept in a compacted log.',
    key: 'deleteRetentionMs',
    type: 'long',
    defaultValue: 86400000,
    brokerSynonym: 'log.cleaner.delete.retention.ms',
    min: 0,
  },
  {
    name: 'min.cleanable.dirty.ratio',
    doc: 'Dirty share of a log above which the cleaner compacts it.',
    key: 'minCleanableDirtyRatio',
    type: 'double',
    defaultValue: 0.5,
    brokerSynonym: 'log.cleaner.min.cleanable.ratio',
    min: 0,
    max: 1,
  },
  {
    name: 'min.compaction.lag.ms',
    doc: 'A record stays uncompacted at least this long.',
    key: 'minCompactionLagMs',
    type: 'long',
    defaultValue: 0,
    brokerSynonym: 'log.cleaner.min.compaction.lag.ms',
    min: 0,
  },
  {
    name: 'max.compaction.lag.ms',
    doc: 'A record becomes eligible for compaction at the latest after this long.',
    key: 'maxCompactionLagMs',
    type: 'long',
    defaultValue: NEVER,
    brokerSynonym: 'log.cleaner.max.compaction.lag.ms',
    min: 1,
  },
  {
    name: 'max.message.bytes',
    doc: 'Largest record batch accepted, in bytes.',
    key: 'maxMessageBytes',
    type: 'int',
    defaultValue: 1048588,
    brokerSynonym: 'message.max.bytes',
    min: 0,
  },
  {
    name: 'message.timestamp.type',
    doc: 'CreateTime keeps the timestamp a producer set; LogAppendTime stamps the broker clock.',
    key: 'messageTimestampType',
    type: 'string',
    defaultValue: 'CreateTime',
    brokerSynonym: 'log.message.timestamp.type',
    values: ['CreateTime', 'LogAppendTime'],
  },
  {
    name: 'message.timestamp.before.max.ms',
    doc: 'Largest amount a record timestamp may lie in the past (CreateTime), in ms.',
    key: 'messageTimestampBeforeMaxMs',
    type: 'long',
    defaultValue: NEVER,
    brokerSynonym: 'log.message.timestamp.before.max.ms',
    min: 0,
  },
  {
    name: 'message.timestamp.after.max.ms',
    doc: 'Largest amount a record timestamp may lie in the future (CreateTime), in ms.',
    key: 'messageTimestampAfterMaxMs',
    type: 'long',
    defaultValue: 3600000,
    brokerSynonym: 'log.message.timestamp.after.max.ms',
    min: 0,
  },
  // Accepted (a Kafka client or tool may set it) and without effect. Kafka's preallocation is
  // RandomAccessFile.setLength(segment.bytes): a sparse file on Linux file systems, which allocates
  // nothing and so does not spare an fsync its metadata commit, and a 1 GiB file per segment.
  // Pyralog's answer to the same cost is the broker-level zero-ahead (ZeroAhead,
  // `pyralog.log.zero.ahead.max.bytes`): real zeros, fsynced, a bounded and rate-adaptive distance
  // ahead of the data, only for partitions with durable appends; mapping `preallocate=true` onto it
  // would add nothing the adaptive distance does not already do, so the topic config stays inert.
  {
    name: 'preallocate',
    doc: 'Accepted for compatibility and ignored: Pyralog zeroes segment files ahead of the data instead (broker config pyralog.log.zero.ahead.max.bytes).',
    key: 'preallocate',
    type: 'boolean',
    defaultValue: false,
    brokerSynonym: 'log.preallocate',
  },
  {
    name: 'min.insync.replicas',
    doc: 'Replicas that must have a write for acks=all to succeed.',
    key: 'minInsyncReplicas',
    type: 'int',
    defaultValue: 1,
    brokerSynonym: 'min.insync.replicas',
    min: 1,
  },
  {
    name: 'unclean.leader.election.enable',
    doc: 'Allow an out-of-sync replica to become leader (may lose data).',
    key: 'uncleanLeaderElectionEnable',
    type: 'boolean',
    defaultValue: false,
    brokerSynonym: 'unclean.leader.election.enable',
  },
  {
    name: 'compression.type',
    doc: 'Compression of stored batches; producer keeps the codec of the producer.',
    key: 'compressionType',
    type: 'string',
    defaultValue: 'producer',
    brokerSynonym: 'compression.type',
    values: ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'],
  },
  {
    name: 'pyralog.flush.policy',
    doc: 'Pyralog: durable fsyncs before acks=all is answered; page-cache leaves it to flush.*.',
    key: 'flushPolicy',
    type: 'string',
    defaultValue: 'durable',
    brokerSynonym: 'pyralog.log.flush.policy',
    values: ['durable', 'page-cache'],
  },
] as const satisfies readonly ConfigDefinition[];

type Definitions = (typeof TOPIC_CONFIGS)[number];
type ValueOf<Definition extends Definitions> = Definition['type'] extends 'list'
  ? readonly string[]
  : Definition['type'] extends 'boolean'
    ? boolean
    : Definition['type'] extends 'string'
      ? Definition extends { values: readonly (infer Value)[] }
        ? Value
        : string
      : number;

/** Every topic config resolved to its typed value: `LogConfig['segmentBytes']` is a number. */
export type LogConfig = { readonly [Definition in Definitions as Definition['key']]: ValueOf<Definition> };

/** Broker-only storage settings (no topic-level override). */
export interface BrokerStorageConfig {
  /** `log.flush.scheduler.interval.ms`: how often flush.ms is checked (NEVER: not at all). */
  readonly flushSchedulerIntervalMs: number;
  /** `log.flush.offset.checkpoint.interval.ms`: how often recovery points are checkpointed. */
  readonly flushOffsetCheckpointIntervalMs: number;
  /** `log.flush.start.offset.checkpoint.interval.ms`. */
  readonly flushStartOffsetCheckpointIntervalMs: number;
  /** `log.retention.check.interval.ms`. */
  readonly retentionCheckIntervalMs: number;
  /** `log.cleaner.backoff.ms`: how often compacted logs are checked for cleaning. */
  readonly cleanerBackoffMs: number;
  /** Bound of the cleaner's key map (Kafka's `log.cleaner.dedupe.buffer.size`, counted in keys). */
  readonly cleanerMaxKeys: number;
  /** `producer.id.expiration.ms`: a producer idle this long is forgotten by every partition. */
  readonly producerIdExpirationMs: number;
  /** `producer.id.expiration.check.interval.ms`. */
  readonly producerIdExpirationCheckIntervalMs: number;
  /**
   * `pyralog.log.zero.ahead.max.bytes`: most bytes of zeros a partition's active segment is kept
   * written ahead of its data for durable appends (see ZeroAhead; 0 disables). Only on file
   * systems that benefit (FileSystem.benefitsFromZeroAhead).
   */
  readonly zeroAheadMaxBytes: number;
  /**
   * `pyralog.log.dsync.segments.enable`: durable partitions open their active segment O_DSYNC
   * (PartitionLogOptions.dsyncSegments).
   */
  readonly dsyncSegments: boolean;
}

export const DEFAULT_BROKER_STORAGE_CONFIG: BrokerStorageConfig = {
  flushSchedulerIntervalMs: NEVER,
  flushOffsetCheckpointIntervalMs: 60000,
  flushStartOffsetCheckpointIntervalMs: 60000,
  retentionCheckIntervalMs: 300000,
  cleanerBackoffMs: 15000,
  cleanerMaxKeys: 1_000_000,
  producerIdExpirationMs: 86_400_000,
  producerIdExpirationCheckIntervalMs: 600_000,
  zeroAheadMaxBytes: 8 * 1024 * 1024,
  dsyncSegments: false,
};

const byName = new Map<string, ConfigDefinition>(
  TOPIC_CONFIGS.map((definition) => [definition.name, definition]),
);

function parseValue(definition: ConfigDefinition, raw: string, source: string): LogConfig[keyof LogConfig] {
  const fail = (why: string): never => {
    throw new InvalidConfigError(`${source} ${definition.name}=${JSON.stringify(raw)}: ${why}`);
  };
  switch (definition.type) {
    case 'int':
    case 'long':
    case 'double': {
      const text = raw.trim();
      const isInteger = /^-?\d+$/.test(text);
      if (definition.type !== 'double' && !isInteger) fail('not an integer');
      const value = isInteger && BigInt(text) > BigInt(NEVER) ? NEVER : Number(text);
      if (text === '' || !Number.isFinite(value)) fail('not a number');
      if (definition.type === 'int' && (value < -(2 ** 31) || value >= 2 ** 31)) fail('out of int range');
      if (definition.min !== undefined && value < definition.min) fail(`below ${definition.min}`);
      if (definition.max !== undefined && value > definition.max) fail(`above ${definition.max}`);
      return value;
    }
    case 'boolean':
      if (raw !== 'true' && raw !== 'false') fail('not true or false');
      return raw === 'true';
    case 'string':
      if (definition.values !== undefined && !definition.values.includes(raw))
        fail(`not one of ${definition.values}`);
      return raw as LogConfig[keyof LogConfig];
    case 'list': {
      const items = raw
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item !== '');
      for (const item of items)
        if (definition.values?.includes(item) === false) fail(`${item} is not allowed`);
      return items;
    }
  }
}

/**
 * Resolves a topic's configs as Kafka does: the topic override (by topic name), else the broker
 * property (by synonym), else Kafka's default. Throws InvalidConfigError for an unknown topic config
 * name or a value of the wrong type or range.
 */
export function resolveLogConfig(
  topicOverrides: Readonly<Record<string, string>> = {},
  brokerProperties: Readonly<Record<string, string>> = {},
): LogConfig {
  for (const name of Object.keys(topicOverrides)) {
    if (!byName.has(name)) throw new InvalidConfigError(`unknown topic config ${name}`);
  }
  const resolved: Record<string, unknown> = {};
  for (const definition of TOPIC_CONFIGS as readonly ConfigDefinition[]) {
    const topicValue = topicOverrides[definition.name];
    const brokerValue =
      brokerProperties[definition.brokerSynonym] ?? brokerHoursFallback(definition, brokerProperties);
    resolved[definition.key] =
      topicValue !== undefined
        ? parseValue(definition, topicValue, 'topic config')
        : brokerValue !== undefined
          ? parseValue(definition, brokerValue, `broker config ${definition.brokerSynonym} for`)
          : definition.defaultValue;
  }
  return resolved as LogConfig;
}

/** Kafka's `log.roll.hours`, `log.roll.jitter.hours` and `log.retention.hours`/`minutes` when the ms property is absent. */
function brokerHoursFallback(
  definition: ConfigDefinition,
  properties: Readonly<Record<string, string>>,
): string | undefined {
  const scaled = (raw: string | undefined, factor: number): string | undefined =>
    raw === undefined || !/^-?\d+$/.test(raw.trim()) ? raw : String(Number(raw) * factor);
  if (definition.key === 'segmentMs') return scaled(properties['log.roll.hours'], 3_600_000);
  if (definition.key === 'segmentJitterMs') return scaled(properties['log.roll.jitter.hours'], 3_600_000);
  if (definition.key === 'retentionMs') {
    return (
      scaled(properties['log.retention.minutes'], 60_000) ??
      scaled(properties['log.retention.hours'], 3_600_000)
    );
  }
  return undefined;
}

/** A LogConfig with some fields replaced (tests and embedded use). */
export function logConfigWith(overrides: Partial<LogConfig>): LogConfig {
  return { ...resolveLogConfig(), ...overrides };
}
