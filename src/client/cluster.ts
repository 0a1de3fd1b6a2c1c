// The client's live cluster: connections per broker, bootstrap, metadata refresh and leader/coordinator routing.
import { ApiKey, ErrorCode, KafkaError, kafkaErrorFromCode, ZERO_UUID } from '../protocol/index.js';
import { ClientClosedError, NoBrokerAvailableError } from './client-errors.js';
import type { BrokerAddress, ResolvedClientOptions } from './client-options.js';
import { type BrokerNode, ClusterView } from './cluster-view.js';
import { NodeConnection } from './node-connection.js';
import { throwIfAborted, withRetries } from './retry.js';

/** FindCoordinator key types. */
export const CoordinatorType = { group: 0, transaction: 1 } as const;
export type CoordinatorType = (typeof CoordinatorType)[keyof typeof CoordinatorType];

/** Error codes after which the partition's leader must be looked up again. */
const STALE_LEADER_CODES: ReadonlySet<number> = new Set([
  ErrorCode.NOT_LEADER_OR_FOLLOWER,
  ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
  ErrorCode.LEADER_NOT_AVAILABLE,
  ErrorCode.FENCED_LEADER_EPOCH,
  ErrorCode.UNKNOWN_LEADER_EPOCH,
  ErrorCode.UNKNOWN_TOPIC_ID,
  ErrorCode.INCONSISTENT_TOPIC_ID,
  ErrorCode.KAFKA_STORAGE_ERROR,
]);

/** Error codes after which the coordinator must be looked up again. */
const STALE_COORDINATOR_CODES: ReadonlySet<number> = new Set([
  ErrorCode.NOT_COORDINATOR,
  ErrorCode.COORDINATOR_NOT_AVAILABLE,
]);

/** True when `errorCode` says the client's idea of a partition leader is out of date. */
export function isStaleMetadataError(errorCode: number): boolean {
  return STALE_LEADER_CODES.has(errorCode);
}

/** True when `errorCode` says the coordinator moved or is not there yet. */
export function isStaleCoordinatorError(errorCode: number): boolean {
  return STALE_COORDINATOR_CODES.has(errorCode);
}

export interface RefreshOptions {
  /** Topics to describe; null for every topic; default the topics the clients of this cluster use. */
  readonly topics?: readonly string[] | null;
  readonly allowAutoTopicCreation?: boolean;
  readonly signal?: AbortSignal | undefined;
}

/**
 * Connections to a Kafka cluster shared by the admin client, producer and consumer: one negotiated
 * NodeConnection per broker (opened on first use, reopened after it closes), bootstrap through any of
 * `bootstrapServers`, a ClusterView refreshed when it is older than `metadataMaxAgeMs` or after a call
 * reported a stale leader (`invalidate`), and cached group/transaction coordinators.
 */
export class Cluster {
  private view = ClusterView.empty;
  private isStale = true;
  private readonly connections = new Map<number, Promise<NodeConnection>>();
  /** Topics the producer and consumer need; refreshes cover them all. */
  private readonly interest = new Set<string>();
  private refreshing: Promise<ClusterView> | undefined;
  private readonly coordinators = new Map<string, BrokerNode>();
  private isClosed = false;

  constructor(readonly options: ResolvedClientOptions) {}

  /** The latest metadata, possibly stale. */
  get current(): ClusterView {
    return this.view;
  }

  /** Adds topics that every later refresh describes (a producer's or consumer's topics). */
  addInterest(topics: Iterable<string>): void {
    for (const topic of topics) this.interest.add(topic);
  }

  /** Marks the metadata (or one topic's) as stale so that the next `metadata` call refreshes. */
  invalidate(topic?: string): void {
    this.isStale = true;
    if (topic !== undefined) this.view = this.view.forget(topic);
  }

  /**
   * The current view when it is fresh enough for `topic` (what `metadata([topic])` would answer without
   * a request), else undefined; synchronous, for per-record paths such as the producer's append, which
   * pass the clock reading they already hold as `nowMs`.
   */
  freshView(topic: string, nowMs = this.options.now()): ClusterView | undefined {
    return this.isFresh(nowMs) && this.view.topics.has(topic) ? this.view : undefined;
  }

  /** Current metadata covering `topics`, refreshed first when stale, too old, or missing one of them. */
  async metadata(topics: readonly string[] = [], signal?: AbortSignal): Promise<ClusterView> {
    this.addInterest(topics);
    const missing = topics.some((topic) => !this.view.topics.has(topic) && !this.view.topicErrors.has(topic));
    if (!missing && this.isFresh()) return this.view;
    return this.refresh({ signal });
  }

  /**
   * Sends Metadata to the least loaded broker and merges the answer. Concurrent refreshes of the
   * default topic set share one request. Retries transport failures with backoff.
   */
  refresh(options: RefreshOptions = {}): Promise<ClusterView> {
    if (options.topics === undefined && options.allowAutoTopicCreation !== true) {
      this.refreshing ??= this.fetchMetadata(null, false, options.signal, true).finally(() => {
        this.refreshing = undefined;
      });
      return this.refreshing;
    }
    return this.fetchMetadata(
      options.topics ?? null,
      options.allowAutoTopicCreation ?? false,
      options.signal,
      false,
    );
  }

  /** Whether the view is neither marked stale nor older than metadataMaxAgeMs. */
  private isFresh(nowMs = this.options.now()): boolean {
    return !this.isStale && nowMs - this.view.updatedAtMs < this.options.metadataMaxAgeMs;
  }

  private async fetchMetadata(
    requested: readonly string[] | null,
    allowAutoTopicCreation: boolean,
    signal: AbortSignal | undefined,
    isDefaultSet: boolean,
  ): Promise<ClusterView> {
    const topics = isDefaultSet ? [...this.interest] : requested;
    return withRetries(
      async () => {
        const connection = await this.anyConnection(signal);
        const version = connection.version(ApiKey.Metadata, { max: 12 });
        const names = topics === null ? (version === 0 ? [] : null) : topics;
        const response = await connection.request(
          ApiKey.Metadata,
          version,
          {
            topics: names === null ? null : names.map((name) => ({ topicId: ZERO_UUID, name })),
            allowAutoTopicCreation: version >= 4 ? allowAutoTopicCreation : true,
            includeClusterAuthorizedOperations: false,
            includeTopicAuthorizedOperations: false,
          },
          signal === undefined ? {} : { signal },
        );
        this.view = this.view.merge(response, this.options.now(), topics === null);
        if (isDefaultSet) this.isStale = false;
        return this.view;
      },
      this.options.retryPolicy,
      { signal },
    );
  }

  /** A connection to broker `nodeId`, refreshing metadata once if the broker is unknown. */
  async connectionTo(nodeId: number, signal?: AbortSignal): Promise<NodeConnection> {
    let broker = this.view.brokers.get(nodeId);
    if (broker === undefined) broker = (await this.refresh({ signal })).brokers.get(nodeId);
    if (broker === undefined)
      throw new KafkaError('BROKER_NOT_AVAILABLE', `broker ${nodeId} is not in the metadata`);
    return this.connectionToNode(broker, signal);
  }

  /** A connection to `broker`, opened and negotiated on first use and reopened once closed. */
  async connectionToNode(broker: BrokerNode | (BrokerAddress & { nodeId: number }), signal?: AbortSignal) {
    if (this.isClosed) throw new ClientClosedError('the client is closed');
    throwIfAborted(signal);
    const existing = this.connections.get(broker.nodeId);
    if (existing !== undefined) {
      const connection = await existing.catch(() => undefined);
      if (connection?.isOpen === true && connection.host === broker.host && connection.port === broker.port) {
        return connection;
      }
      if (this.connections.get(broker.nodeId) === existing) this.connections.delete(broker.nodeId);
      if (connection?.isOpen === true) void connection.close();
    }
    const opening = NodeConnection.open(
      this.options.transport,
      broker.nodeId,
      {
        host: broker.host,
        port: broker.port,
        clientId: this.options.clientId,
        connectTimeoutMs: this.options.connectTimeoutMs,
        requestTimeoutMs: this.options.requestTimeoutMs,
        maxInFlightRequests: this.options.maxInFlightRequestsPerConnection,
        ...(signal === undefined ? {} : { signal }),
      },
      signal === undefined ? {} : { signal },
    );
    this.connections.set(broker.nodeId, opening);
    try {
      const connection = await opening;
      void connection.closed.then(() => {
        if (this.connections.get(broker.nodeId) === opening) this.connections.delete(broker.nodeId);
      });
      if (this.isClosed) {
        await connection.close();
        throw new ClientClosedError('the client is closed');
      }
      return connection;
    } catch (error: unknown) {
      if (this.connections.get(broker.nodeId) === opening) this.connections.delete(broker.nodeId);
      throw error;
    }
  }

  /**
   * The open connection with the fewest outstanding requests (Kafka's "least loaded node"), else a new
   * one to a known broker, else to a bootstrap server. Throws NoBrokerAvailableError when none answers.
   */
  async anyConnection(signal?: AbortSignal): Promise<NodeConnection> {
    let best: NodeConnection | undefined;
    for (const pending of this.connections.values()) {
      const connection = await pending.catch(() => undefined);
      if (connection?.isOpen !== true) continue;
      if (best === undefined || connection.outstandingRequests < best.outstandingRequests) best = connection;
    }
    if (best !== undefined) return best;
    const candidates: Array<BrokerAddress & { nodeId: number }> = [
      ...this.view.brokers.values(),
      // Bootstrap connections use negative ids: the broker behind an address is not known yet.
      ...this.options.bootstrapServers.map((address, index) => ({ ...address, nodeId: -1 - index })),
    ];
    let lastError: unknown;
    for (const candidate of candidates) {
      try {
        return await this.connectionToNode(candidate, signal);
      } catch (error: unknown) {
        if (signal?.aborted === true || error instanceof ClientClosedError) throw error;
        lastError = error;
      }
    }
    throw new NoBrokerAvailableError(
      `no broker reachable (tried ${candidates.map((c) => `${c.host}:${c.port}`).join(', ')})`,
      { cause: lastError },
    );
  }

  /** A connection to the current leader of a partition; throws LEADER_NOT_AVAILABLE / UNKNOWN_TOPIC_OR_PARTITION. */
  async leaderConnection(topic: string, partition: number, signal?: AbortSignal): Promise<NodeConnection> {
    return this.connectionToNode(await this.leaderOf(topic, partition, signal), signal);
  }

  /** The leader broker of a partition from fresh-enough metadata. */
  async leaderOf(topic: string, partition: number, signal?: AbortSignal): Promise<BrokerNode> {
    const view = await this.metadata([topic], signal);
    const topicError = view.topicErrors.get(topic);
    if (topicError !== undefined) {
      throw kafkaErrorFromCode(topicError.errorCode) ?? new KafkaError('UNKNOWN_TOPIC_OR_PARTITION');
    }
    const metadata = view.partition(topic, partition);
    if (metadata === undefined) {
      throw new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `topic ${topic} has no partition ${partition}`);
    }
    const leader = view.leaderOf(topic, partition);
    if (leader === undefined) {
      this.invalidate(topic);
      throw new KafkaError('LEADER_NOT_AVAILABLE', `partition ${topic}-${partition} has no leader right now`);
    }
    return leader;
  }

  /**
   * The coordinator of a group (`CoordinatorType.group`) or transactional id, found with FindCoordinator
   * and cached until `forgetCoordinator`. Retries COORDINATOR_NOT_AVAILABLE and transport failures.
   */
  async coordinator(type: CoordinatorType, key: string, signal?: AbortSignal): Promise<NodeConnection> {
    const cacheKey = `${type}:${key}`;
    const cached = this.coordinators.get(cacheKey);
    if (cached !== undefined) return this.connectionToNode(cached, signal);
    const node = await withRetries(
      async () => {
        const connection = await this.anyConnection(signal);
        const version = connection.version(ApiKey.FindCoordinator, { max: 6 });
        const response = await connection.request(
          ApiKey.FindCoordinator,
          version,
          {
            key: version <= 3 ? key : '',
            keyType: type,
            coordinatorKeys: version >= 4 ? [key] : [],
          },
          signal === undefined ? {} : { signal },
        );
        const answer = version >= 4 ? response.coordinators[0] : response;
        if (answer === undefined)
          throw new KafkaError('COORDINATOR_NOT_AVAILABLE', 'empty FindCoordinator answer');
        const error = kafkaErrorFromCode(answer.errorCode, answer.errorMessage);
        if (error !== undefined) throw error;
        return { nodeId: answer.nodeId, host: answer.host, port: answer.port, rack: null };
      },
      this.options.retryPolicy,
      { signal },
    );
    this.coordinators.set(cacheKey, node);
    return this.connectionToNode(node, signal);
  }

  forgetCoordinator(type: CoordinatorType, key: string): void {
    this.coordinators.delete(`${type}:${key}`);
  }

  /** Closes every connection; later calls reject with ClientClosedError. */
  async close(): Promise<void> {
    this.isClosed = true;
    const pending = [...this.connections.values()];
    this.connections.clear();
    await Promise.all(
      pending.map(async (opening) => {
        const connection = await opening.catch(() => undefined);
        await connection?.close();
      }),
    );
  }
}
