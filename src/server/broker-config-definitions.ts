import {
  booleanConfig,
  type ConfigDefinition,
  doubleConfig,
  intConfig,
  listConfig,
  longConfig,
  shortConfig,
  stringConfig,
} from './config-definition.js';

/** Kafka's default for `listener.security.protocol.map` (KRaft adds CONTROLLER). */
const DEFAULT_PROTOCOL_MAP =
  'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL';

const LONG_MAX_TEXT = '9223372036854775807';

/**
 * The broker configs a single-node Pyralog reads today: Kafka's names, types, defaults, docs and
 * update modes. Defaults are Kafka's except where zero configuration on a laptop needs another
 * (each such line says so): node.id 1, process.roles broker+controller, listeners on localhost,
 * log.dir ./data, and replication factor 1 for the internal topics (Kafka's 3 cannot be met by
 * one broker). Update modes are Kafka's, except that the listener keys (per-broker in Kafka) are
 * read-only: Pyralog cannot rebind its listeners without a restart yet. Every broker synonym of a
 * topic config (src/storage TOPIC_CONFIGS) is here with the same default, so that DescribeConfigs
 * can list it and a cluster-wide change reaches every topic that does not override it.
 */
export const BROKER_CONFIG_DEFINITIONS = {
  'node.id': intConfig({ default: 1, min: 0, doc: 'The id of this node (Kafka: required, no default).' }),
  'process.roles': listConfig({
    default: ['broker', 'controller'],
    oneOf: ['broker', 'controller'],
    nonEmpty: true,
    doc: 'The roles of this process: broker, controller or both (Pyralog default: both, one node).',
  }),
  listeners: stringConfig({
    default: 'PLAINTEXT://localhost:9092',
    doc: 'Listeners as NAME://host:port, comma-separated; port 0 picks a free port (Kafka: PLAINTEXT://:9092).',
  }),
  'advertised.listeners': stringConfig({
    default: null,
    doc: 'Listeners published to clients when they differ from `listeners`.',
  }),
  'listener.security.protocol.map': stringConfig({
    default: DEFAULT_PROTOCOL_MAP,
    doc: 'Security protocol of each listener name, as NAME:PROTOCOL pairs.',
  }),
  'inter.broker.listener.name': stringConfig({
    default: null,
    doc: 'The listener brokers use to talk to each other; the first listener when unset.',
  }),
  'controller.listener.names': listConfig({
    default: null,
    doc: 'Listener names used by the controller. A single node with a local metadata log needs none.',
  }),
  'log.dirs': listConfig({
    default: null,
    nonEmpty: true,
    doc: 'Directories of the partition logs; overrides log.dir.',
  }),
  'log.dir': stringConfig({
    default: './data',
    doc: 'The log directory when log.dirs is unset (Kafka: /tmp/kafka-logs).',
  }),
  'num.partitions': intConfig({ default: 1, min: 1, doc: 'Partitions of an auto-created topic.' }),
  'default.replication.factor': intConfig({
    default: 1,
    min: 1,
    doc: 'Replication factor of an auto-created topic.',
  }),
  'auto.create.topics.enable': booleanConfig({
    default: true,
    doc: 'Create a topic when a client asks for an unknown one.',
  }),
  'delete.topic.enable': booleanConfig({ default: true, doc: 'Allow DeleteTopics.' }),
  'message.max.bytes': intConfig({
    default: 1048588,
    min: 0,
    dynamic: 'cluster-wide',
    doc: 'Largest record batch accepted, in bytes (topic: max.message.bytes).',
  }),
  'socket.request.max.bytes': intConfig({
    default: 104857600,
    min: 1,
    doc: 'Largest request frame, in bytes.',
  }),
  'connections.max.idle.ms': longConfig({
    default: 600000,
    doc: 'Idle connections are closed after this many ms.',
  }),
  'log.segment.bytes': intConfig({
    default: 1073741824,
    min: 14,
    dynamic: 'cluster-wide',
    doc: 'Size of a log segment before a new one is rolled.',
  }),
  'log.roll.ms': longConfig({
    default: null,
    dynamic: 'cluster-wide',
    doc: 'Roll a segment after this many ms; overrides log.roll.hours.',
  }),
  'log.roll.hours': intConfig({ default: 168, min: 1, doc: 'Roll a segment after this many hours.' }),
  'log.roll.jitter.ms': longConfig({
    default: null,
    dynamic: 'cluster-wide',
    doc: 'Largest random jitter subtracted from a segment roll time; overrides log.roll.jitter.hours.',
  }),
  'log.roll.jitter.hours': intConfig({
    default: 0,
    min: 0,
    doc: 'Largest random jitter subtracted from a segment roll time, in hours.',
  }),
  'log.retention.ms': longConfig({
    default: null,
    dynamic: 'cluster-wide',
    doc: 'Keep a segment this many ms (-1: forever); overrides log.retention.minutes and .hours.',
  }),
  'log.retention.minutes': intConfig({
    default: null,
    doc: 'Retention in minutes; overrides log.retention.hours.',
  }),
  'log.retention.hours': intConfig({ default: 168, doc: 'Retention in hours.' }),
  'log.retention.bytes': longConfig({
    default: -1,
    dynamic: 'cluster-wide',
    doc: 'Largest partition size before deletion (-1: none).',
  }),
  'log.cleanup.policy': listConfig({
    default: ['delete'],
    oneOf: ['delete', 'compact'],
    nonEmpty: true,
    dynamic: 'cluster-wide',
    doc: 'delete, compact, or both.',
  }),
  'log.flush.interval.messages': longConfig({
    default: Number.MAX_SAFE_INTEGER,
    defaultText: LONG_MAX_TEXT,
    min: 1,
    dynamic: 'cluster-wide',
    doc: 'fsync after this many messages (only with pyralog.flush.mode=kafka).',
  }),
  'log.flush.interval.ms': longConfig({
    default: null,
    dynamic: 'cluster-wide',
    doc: 'fsync after a message waited this many ms (only with pyralog.flush.mode=kafka).',
  }),
  'log.index.size.max.bytes': intConfig({
    default: 10485760,
    min: 4,
    dynamic: 'cluster-wide',
    doc: 'Largest offset index (and time index) of a segment, in bytes.',
  }),
  'log.index.interval.bytes': intConfig({
    default: 4096,
    min: 0,
    dynamic: 'cluster-wide',
    doc: 'Bytes of records between two offset index entries.',
  }),
  'log.segment.delete.delay.ms': longConfig({
    default: 60000,
    min: 0,
    dynamic: 'cluster-wide',
    doc: 'Delay before a deleted segment file is removed from the file system.',
  }),
  'log.retention.check.interval.ms': longConfig({
    default: 300000,
    min: 1,
    doc: 'How often the retention of every log is checked.',
  }),
  'log.cleaner.delete.retention.ms': longConfig({
    default: 86400000,
    min: 0,
    dynamic: 'cluster-wide',
    doc: 'How long delete tombstones are kept in a compacted log.',
  }),
  'log.cleaner.min.cleanable.ratio': doubleConfig({
    default: 0.5,
    min: 0,
    max: 1,
    dynamic: 'cluster-wide',
    doc: 'Dirty share of a log above which the cleaner compacts it.',
  }),
  'log.cleaner.min.compaction.lag.ms': longConfig({
    default: 0,
    min: 0,
    dynamic: 'cluster-wide',
    doc: 'A record stays uncompacted at least this long.',
  }),
  'log.cleaner.max.compaction.lag.ms': longConfig({
    default: Number.MAX_SAFE_INTEGER,
    defaultText: LONG_MAX_TEXT,
    min: 1,
    dynamic: 'cluster-wide',
    doc: 'A record becomes eligible for compaction at the latest after this long.',
  }),
  'log.preallocate': booleanConfig({
    default: false,
    dynamic: 'cluster-wide',
    doc:
      'Accepted for compatibility and ignored: segment files are not preallocated; see ' +
      'pyralog.log.zero.ahead.max.bytes for what Pyralog does instead.',
  }),
  'log.flush.offset.checkpoint.interval.ms': intConfig({
    default: 60000,
    min: 0,
    doc: 'How often the recovery points of all logs are checkpointed.',
  }),
  'log.flush.start.offset.checkpoint.interval.ms': intConfig({
    default: 60000,
    min: 0,
    doc: 'How often the log start offsets of all logs are checkpointed.',
  }),
  'log.cleaner.backoff.ms': longConfig({
    default: 15000,
    min: 0,
    doc: 'How long the cleaner sleeps when no log is due for compaction.',
  }),
  'producer.id.expiration.ms': intConfig({
    default: 86400000,
    min: 1,
    doc: 'A producer id idle this long is forgotten by every partition (its producer state expires).',
  }),
  'producer.id.expiration.check.interval.ms': intConfig({
    default: 600000,
    min: 1,
    doc: 'How often expired producer ids are removed.',
  }),
  'log.flush.scheduler.interval.ms': longConfig({
    default: Number.MAX_SAFE_INTEGER,
    defaultText: LONG_MAX_TEXT,
    doc: 'How often the flusher checks whether a log needs an fsync.',
  }),
  'offsets.topic.num.partitions': intConfig({
    default: 50,
    min: 1,
    doc: 'Partitions of __consumer_offsets.',
  }),
  'offsets.topic.replication.factor': shortConfig({
    default: 1,
    min: 1,
    doc: 'Replication factor of __consumer_offsets (Kafka: 3).',
  }),
  'offsets.retention.minutes': intConfig({
    default: 10080,
    min: 1,
    doc: 'Committed offsets of empty groups are kept this long.',
  }),
  'offsets.retention.check.interval.ms': longConfig({
    default: 600000,
    min: 1,
    doc: 'How often the group coordinator looks for expired offsets.',
  }),
  'offsets.topic.segment.bytes': intConfig({
    default: 104857600,
    min: 1,
    doc: 'Segment size of __consumer_offsets.',
  }),
  'offset.metadata.max.bytes': intConfig({
    default: 4096,
    doc: 'Largest metadata string an offset commit may carry.',
  }),
  'transaction.state.log.num.partitions': intConfig({
    default: 50,
    min: 1,
    doc: 'Partitions of __transaction_state.',
  }),
  'transaction.state.log.replication.factor': shortConfig({
    default: 1,
    min: 1,
    doc: 'Replication factor of __transaction_state (Kafka: 3).',
  }),
  'transaction.state.log.min.isr': intConfig({
    default: 1,
    min: 1,
    doc: 'min.insync.replicas of __transaction_state (Kafka: 2).',
  }),
  'transaction.state.log.segment.bytes': intConfig({
    default: 104857600,
    min: 1,
    doc: 'Segment size of __transaction_state.',
  }),
  'transactional.id.expiration.ms': intConfig({
    default: 604800000,
    min: 1,
    doc: 'A transactional id without a transaction for this long is removed from __transaction_state.',
  }),
  'transaction.max.timeout.ms': intConfig({
    default: 900000,
    min: 1,
    doc: 'Largest transaction timeout a producer may ask for (InitProducerId): longer gets INVALID_TRANSACTION_TIMEOUT.',
  }),
  'group.initial.rebalance.delay.ms': intConfig({
    default: 3000,
    doc: 'Wait for more members before the first rebalance of a group.',
  }),
  'group.min.session.timeout.ms': intConfig({
    default: 6000,
    doc: 'Smallest session timeout a member may ask for.',
  }),
  'group.max.session.timeout.ms': intConfig({
    default: 1800000,
    doc: 'Largest session timeout a member may ask for.',
  }),
  'group.max.size': intConfig({
    default: 2147483647,
    min: 1,
    doc: 'Most members of one classic group.',
  }),
  'group.consumer.session.timeout.ms': intConfig({
    default: 45000,
    min: 1,
    doc: 'Session timeout of members of consumer-protocol groups (KIP-848).',
  }),
  'group.consumer.heartbeat.interval.ms': intConfig({
    default: 5000,
    min: 1,
    doc: 'Heartbeat interval given to members of consumer-protocol groups (KIP-848).',
  }),
  'group.consumer.max.size': intConfig({
    default: 2147483647,
    min: 1,
    doc: 'Most members of one consumer-protocol group (KIP-848).',
  }),
  'min.insync.replicas': intConfig({
    default: 1,
    min: 1,
    dynamic: 'cluster-wide',
    doc: 'Replicas needed to accept acks=all.',
  }),
  'unclean.leader.election.enable': booleanConfig({
    default: false,
    dynamic: 'cluster-wide',
    doc: 'Allow an out-of-sync replica to become leader (may lose data).',
  }),
  'compression.type': stringConfig({
    default: 'producer',
    oneOf: ['uncompressed', 'zstd', 'lz4', 'snappy', 'gzip', 'producer'],
    dynamic: 'cluster-wide',
    doc: "Compression of stored batches; 'producer' keeps the producer's.",
  }),
  'log.message.timestamp.type': stringConfig({
    default: 'CreateTime',
    oneOf: ['CreateTime', 'LogAppendTime'],
    dynamic: 'cluster-wide',
    doc: 'Which timestamp a stored record carries.',
  }),
  'max.incremental.fetch.session.cache.slots': intConfig({
    default: 1000,
    min: 0,
    doc: 'Most incremental fetch sessions (KIP-227) kept; 0 disables them.',
  }),
  'log.message.timestamp.before.max.ms': longConfig({
    default: Number.MAX_SAFE_INTEGER,
    defaultText: LONG_MAX_TEXT,
    min: 0,
    dynamic: 'cluster-wide',
    doc: 'Refuse a CreateTime record older than this many ms (INVALID_TIMESTAMP).',
  }),
  'log.message.timestamp.after.max.ms': longConfig({
    default: 3600000,
    min: 0,
    dynamic: 'cluster-wide',
    doc: 'Refuse a CreateTime record this many ms in the future (INVALID_TIMESTAMP).',
  }),
  'metadata.log.max.record.bytes.between.snapshots': longConfig({
    default: 20971520,
    min: 1,
    doc: 'Write a metadata snapshot once the metadata log grew by this many bytes since the last one.',
  }),
  'metadata.log.max.snapshot.interval.ms': longConfig({
    default: 3600000,
    min: 0,
    doc:
      'Write a metadata snapshot when records not in the latest snapshot are this old (checked on ' +
      'each metadata commit; 0 disables time-based snapshots).',
  }),
  'admin.listener': stringConfig({
    default: 'localhost:9644',
    doc:
      'Pyralog: host:port of the admin HTTP listener (/metrics, /health, /ready, /v1/*); empty ' +
      'disables it. startBroker() leaves it disabled unless its config sets it.',
  }),
  'pyralog.storage': stringConfig({
    default: 'disk',
    oneOf: ['disk', 'memory'],
    doc: 'Pyralog: disk keeps logs under the log dirs; memory keeps everything in RAM (tests; lost on exit).',
  }),
  'pyralog.flush.mode': stringConfig({
    default: 'durable',
    oneOf: ['durable', 'kafka'],
    doc:
      'Pyralog: durable answers acks=all only after an fsync (group-committed); kafka follows ' +
      "Kafka's page-cache policy, fsyncing only as log.flush.* and flush.* say.",
  }),
  'pyralog.log.zero.ahead.max.bytes': intConfig({
    default: 8 * 1024 * 1024,
    min: 0,
    doc:
      "Pyralog: most bytes of zeros kept written (and fsynced) ahead of a partition's active segment " +
      'data once it sees durable appends, growing with its recent write rate, so that an fsync after ' +
      'an append does not have to commit a file size change; trimmed at roll and clean shutdown. ' +
      '0 disables it.',
  }),
  'pyralog.log.dsync.segments.enable': booleanConfig({
    default: false,
    doc:
      "Pyralog: a durable partition opens its active segment's .log with O_DSYNC, so a group " +
      'commit is one write that is durable when it returns instead of a write and then an fsync ' +
      '(fewer wake-ups per request, lower durable produce throughput). Off by default.',
  }),
  'pyralog.fetch.read.ahead.max.bytes': intConfig({
    default: 16 * 1024 * 1024,
    min: 0,
    doc:
      "Pyralog: most bytes of log file reads started ahead of consumers' next fetches (once a fetch " +
      'read a partition from its file and more is readable, the range after it is read while the ' +
      'response travels) and not yet claimed. 0 disables read-ahead.',
  }),
  'pyralog.fetch.read.ahead.ranges': intConfig({
    default: 2,
    min: 1,
    doc:
      "Pyralog: ranges read ahead of a consumer's position: with 2, the range after the next one is " +
      'read as soon as the next one was, so that a fetch finds its range read even when a file read ' +
      "takes longer than the consumer's round trip. Reads beyond the first never drop other " +
      "consumers' results for room (see pyralog.fetch.read.ahead.max.bytes).",
  }),
  'pyralog.fetch.read.ahead.ranges.per.read': intConfig({
    default: 2,
    min: 1,
    doc:
      'Pyralog: ranges one read ahead takes from the log file: with 2, twice the fetch limit is read ' +
      "at once and cut into the consumer's next two ranges (each exactly what a read of it returns), " +
      'so a consumer reading from files costs half as many thread-pool reads (read_committed ' +
      'fetches get the aborted transactions of each range), and only when ' +
      'pyralog.fetch.read.ahead.max.bytes holds the wider read.',
  }),
  'pyralog.test.fsync.journal': stringConfig({
    default: null,
    doc:
      'Pyralog, TEST ONLY: a file to which the disk storage journals every write, truncation and ' +
      'fsync (and renames and unlinks), so that a test can return files to what was durable after ' +
      'SIGKILL to simulate power loss (see src/storage/power-loss.ts). Slows every write and fsync; ' +
      'never set it in production.',
  }),
} as const satisfies Record<string, ConfigDefinition<unknown>>;

export type BrokerConfigName = keyof typeof BROKER_CONFIG_DEFINITIONS;

/** The typed value of every broker config. */
export type BrokerConfigValues = {
  readonly [K in BrokerConfigName]: (typeof BROKER_CONFIG_DEFINITIONS)[K]['defaultValue'];
};

export function isBrokerConfigName(key: string): key is BrokerConfigName {
  return Object.hasOwn(BROKER_CONFIG_DEFINITIONS, key);
}

/**
 * Kafka's synonyms, highest precedence first: the first one with a value decides, whatever source
 * set the others (log.retention.ms in the file beats log.retention.hours given as a flag), and a
 * factor converts each to the unit of the first.
 */
export const BROKER_CONFIG_SYNONYMS = {
  'log.retention.ms': [
    { name: 'log.retention.ms', factor: 1 },
    { name: 'log.retention.minutes', factor: 60_000 },
    { name: 'log.retention.hours', factor: 3_600_000 },
  ],
  'log.roll.ms': [
    { name: 'log.roll.ms', factor: 1 },
    { name: 'log.roll.hours', factor: 3_600_000 },
  ],
  'log.roll.jitter.ms': [
    { name: 'log.roll.jitter.ms', factor: 1 },
    { name: 'log.roll.jitter.hours', factor: 3_600_000 },
  ],
  'log.dirs': [
    { name: 'log.dirs', factor: 1 },
    { name: 'log.dir', factor: 1 },
  ],
} as const satisfies Record<string, readonly { name: BrokerConfigName; factor: number }[]>;
