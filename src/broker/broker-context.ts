import type { GroupRuntime, TxnRuntime } from '../coordinator/index.js';
import type { MetadataImage } from '../metadata/index.js';
import type { BufferPool } from '../network/index.js';
import type { Uuid } from '../protocol/index.js';
import type { ReplicaManager } from '../replication/index.js';
import type { ApiLedger } from './api-ledger.js';
import type { BrokerStats } from './broker-stats.js';
import type { ConfigAdmin } from './config-admin.js';
import type { FetchReadAhead } from './fetch-read-ahead.js';
import type { FetchSessionCache } from './fetch-session-cache.js';

/** A topic to create, as CreateTopics or auto-creation asks for it (defaults already applied). */
export interface TopicToCreate {
  readonly name: string;
  readonly numPartitions: number;
  readonly replicationFactor: number;
  /** Explicit assignments (partition → broker ids); empty to let the controller place replicas. */
  readonly assignments: ReadonlyMap<number, readonly number[]>;
  readonly configs: Readonly<Record<string, string>>;
}

/** The controller's answer for one topic. */
export interface TopicCreation {
  readonly name: string;
  readonly errorCode: number;
  readonly errorMessage: string | null;
  readonly topicId: Uuid;
  readonly numPartitions: number;
  readonly replicationFactor: number;
}

/** A topic to delete: by name (DeleteTopics v0-5, or v6 with a name) or by id (v6). */
export type TopicReference = { readonly name: string } | { readonly topicId: Uuid };

/** The controller's answer for one deletion: the topic's name and id when it was found. */
export interface TopicDeletion {
  readonly name: string | null;
  readonly topicId: Uuid;
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

/** CreatePartitions for one topic: the new total `count`, with the new partitions' replicas or null. */
export interface PartitionsToCreate {
  readonly name: string;
  readonly count: number;
  /** One broker list per new partition (count - current of them), or null to let the controller place. */
  readonly assignments: readonly (readonly number[])[] | null;
}

/** The controller's answer for one topic of CreatePartitions. */
export interface PartitionsCreation {
  readonly name: string;
  readonly errorCode: number;
  readonly errorMessage: string | null;
}

/**
 * What handlers need of the controller: the single node's local controller now, the quorum
 * controller later. Topics are created (or validated) in request order; the promise resolves once
 * the records are committed and the image that holds them is published, so a Metadata request
 * answered afterwards sees the topics. Never rejects for bad input: errors are per topic.
 */
export interface TopicController {
  createTopics(
    topics: readonly TopicToCreate[],
    options: { validateOnly: boolean },
  ): Promise<TopicCreation[]>;
  /**
   * Removes the topics (one RemoveTopicRecord each, committed together); resolves once the image
   * without them is published, so their partitions are no longer served and their logs are gone.
   */
  deleteTopics(topics: readonly TopicReference[]): Promise<TopicDeletion[]>;
  /** Adds partitions (PartitionRecords); resolves once they are published and their logs exist. */
  createPartitions(
    topics: readonly PartitionsToCreate[],
    options: { validateOnly: boolean },
  ): Promise<PartitionsCreation[]>;
}

/**
 * InitProducerId's source of ids: never the same id twice, across restarts and crashes (blocks
 * persisted through the controller). Rejects when no id can be had right now.
 */
export interface ProducerIdGenerator {
  generateProducerId(): Promise<bigint>;
}

/**
 * KIP-890 (part 1) verification, provided by the transaction coordinator: before a partition leader
 * appends the first transactional batch of a producer's transaction (no transaction of that
 * producer open in the partition), it asks whether the coordinator has added the partition to the
 * producer's ongoing transaction at that epoch, so a late or zombie batch cannot open a hanging
 * transaction. Resolves ErrorCode.NONE to allow the append, else the error code that answers the
 * partition in Produce (INVALID_TXN_STATE when the partition is not in the transaction,
 * INVALID_PRODUCER_EPOCH / PRODUCER_FENCED for a stale epoch; coordinator-unavailable codes are
 * answered NOT_ENOUGH_REPLICAS, which every producer retries, as Kafka does).
 */
export interface TransactionVerifier {
  verifyTransaction(
    transactionalId: string,
    producerId: bigint,
    producerEpoch: number,
    topic: string,
    partition: number,
  ): Promise<number>;
}

/** Broker settings the handlers read (Kafka names in brackets). */
export interface BrokerHandlerConfig {
  /** [auto.create.topics.enable] */
  readonly autoCreateTopicsEnable: boolean;
  /** [num.partitions] */
  readonly numPartitions: number;
  /** [default.replication.factor] */
  readonly defaultReplicationFactor: number;
  /** [delete.topic.enable] */
  readonly deleteTopicEnable: boolean;
}

/** One partition's log in a log dir (DescribeLogDirs). */
export interface LogDirPartition {
  readonly topic: string;
  readonly partition: number;
  readonly sizeBytes: bigint;
  /** Log end offset minus high watermark (Kafka's offsetLag of a current, not future, log). */
  readonly offsetLag: bigint;
}

/** One log dir (DescribeLogDirs). */
export interface LogDirInfo {
  /** The absolute path. */
  readonly path: string;
  /** NONE, or KAFKA_STORAGE_ERROR for a dir that cannot be read. */
  readonly errorCode: number;
  readonly partitions: readonly LogDirPartition[];
  /** Size and free space of the dir's volume (-1n when unknown). */
  readonly totalBytes: bigint;
  readonly usableBytes: bigint;
}

/** The part of a pino logger handlers use. */
export interface BrokerLogger {
  error(object: object, message: string): void;
  warn(object: object, message: string): void;
  debug(object: object, message: string): void;
}

/** The request log: one debug line per request when its level allows (checked per request). */
export interface RequestLogger {
  isLevelEnabled(level: 'debug'): boolean;
  debug(object: object, message: string): void;
}

/** Everything a handler may reach: subsystems behind ports, never storage or sockets. */
export interface BrokerContext {
  readonly nodeId: number;
  readonly clusterId: string;
  /** The newest published metadata image. */
  readonly metadata: () => MetadataImage;
  readonly replicas: ReplicaManager;
  readonly controller: TopicController;
  readonly producerIds: ProducerIdGenerator;
  /** The log dirs and the partition logs in each (DescribeLogDirs). */
  readonly logDirs: () => Promise<LogDirInfo[]>;
  /** DescribeConfigs, AlterConfigs and IncrementalAlterConfigs. */
  readonly configs: ConfigAdmin;
  /** This node's group coordinator (classic and KIP-848 groups, committed offsets). */
  readonly groups: GroupRuntime;
  /** This node's transaction coordinator (transactional ids, their transactions and markers). */
  readonly transactions: TxnRuntime;
  readonly config: BrokerHandlerConfig;
  readonly logger: BrokerLogger;
  /** Request-level debug logging (switchable at runtime); absent means none. */
  readonly requestLogger?: RequestLogger | undefined;
  /** Wall-clock milliseconds (LogAppendTime, timestamp bounds, fetch session ages). */
  readonly nowMs: () => number;
  /** KIP-227 incremental fetch sessions, bounded by max.incremental.fetch.session.cache.slots. */
  readonly fetchSessions: FetchSessionCache;
  /** Buffers fetch reads fill from log files, lent to a response until it was written. */
  readonly readBuffers: BufferPool;
  /** Partition reads started ahead of the consumers' next fetches (into `readBuffers`). */
  readonly readAhead: FetchReadAhead;
  /** Counters for the metrics layer (bytes and messages per topic, request times, purgatory). */
  readonly stats: BrokerStats;
  /**
   * KIP-890 verification of a transaction's first batch in a partition; absent, every transactional
   * batch is appended unverified (as before the coordinator wires it).
   */
  readonly transactionVerifier?: TransactionVerifier | undefined;
  /** Tests only (PYRALOG_API_LEDGER): records which APIs and versions clients use. */
  readonly apiLedger?: ApiLedger | undefined;
}
