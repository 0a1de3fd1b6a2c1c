import type { MetadataImage } from '../metadata/index.js';
import type { Uuid } from '../protocol/index.js';
import type { ReplicaManager } from '../replication/index.js';
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
}

/** Broker settings the handlers read (Kafka names in brackets). */
export interface BrokerHandlerConfig {
  /** [auto.create.topics.enable] */
  readonly autoCreateTopicsEnable: boolean;
  /** [num.partitions] */
  readonly numPartitions: number;
  /** [default.replication.factor] */
  readonly defaultReplicationFactor: number;
}

/** The part of a pino logger handlers use. */
export interface BrokerLogger {
  error(object: object, message: string): void;
  warn(object: object, message: string): void;
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
  readonly config: BrokerHandlerConfig;
  readonly logger: BrokerLogger;
  /** Wall-clock milliseconds (LogAppendTime, timestamp bounds, fetch session ages). */
  readonly nowMs: () => number;
  /** KIP-227 incremental fetch sessions, bounded by max.incremental.fetch.session.cache.slots. */
  readonly fetchSessions: FetchSessionCache;
}
