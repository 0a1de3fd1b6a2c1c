// Admin operations on topics: create, delete, list, describe, add partitions.
import { ApiKey, type KafkaError, type Uuid, ZERO_UUID } from '../../protocol/index.js';
import { InvalidArgumentError } from '../client-errors.js';
import type { Cluster } from '../cluster.js';
import {
  type AdminCallOptions,
  callController,
  errorOf,
  requestOptions,
  throwIfNotController,
} from './admin-call.js';

export interface NewTopic {
  readonly name: string;
  /** -1 (default) lets the broker use `num.partitions`. */
  readonly numPartitions?: number;
  /** -1 (default) lets the broker use `default.replication.factor`. */
  readonly replicationFactor?: number;
  /** Explicit replica placement: partition index → broker ids (then leave the two counts unset). */
  readonly assignments?: ReadonlyMap<number, readonly number[]>;
  /** Topic configs, e.g. `{ 'cleanup.policy': 'compact' }`. */
  readonly configs?: Readonly<Record<string, string>>;
}

export interface CreateTopicResult {
  readonly name: string;
  readonly topicId: Uuid;
  readonly numPartitions: number;
  readonly replicationFactor: number;
  /** Null on success; e.g. TOPIC_ALREADY_EXISTS, INVALID_PARTITIONS, INVALID_CONFIG. */
  readonly error: KafkaError | null;
}

export interface CreateTopicsOptions extends AdminCallOptions {
  /** Check the request without creating anything. */
  readonly validateOnly?: boolean;
  /** How long the controller may take (CreateTopics timeoutMs, default 60000). */
  readonly operationTimeoutMs?: number;
}

/** CreateTopics on the controller; per-topic errors are values in the results, in the request's order. */
export async function createTopics(
  cluster: Cluster,
  topics: readonly NewTopic[],
  options: CreateTopicsOptions = {},
): Promise<CreateTopicResult[]> {
  if (topics.length === 0) return [];
  const results = await callController(cluster, options, async (connection) => {
    const version = connection.version(ApiKey.CreateTopics, { max: 7 });
    const response = await connection.request(
      ApiKey.CreateTopics,
      version,
      {
        topics: topics.map((topic) => ({
          name: topic.name,
          numPartitions: topic.numPartitions ?? -1,
          replicationFactor: topic.replicationFactor ?? -1,
          assignments: [...(topic.assignments ?? new Map<number, readonly number[]>())].map(
            ([partitionIndex, brokerIds]) => ({ partitionIndex, brokerIds: [...brokerIds] }),
          ),
          configs: Object.entries(topic.configs ?? {}).map(([name, value]) => ({ name, value })),
        })),
        timeoutMs: options.operationTimeoutMs ?? 60_000,
        validateOnly: options.validateOnly ?? false,
      },
      requestOptions(options),
    );
    throwIfNotController(response.topics.map((topic) => topic.errorCode));
    return response.topics;
  });
  cluster.invalidate();
  const byName = new Map(results.map((result) => [result.name, result]));
  return topics.map((topic): CreateTopicResult => {
    const result = byName.get(topic.name);
    return {
      name: topic.name,
      topicId: result?.topicId ?? ZERO_UUID,
      numPartitions: result?.numPartitions ?? -1,
      replicationFactor: result?.replicationFactor ?? -1,
      error:
        result === undefined
          ? errorOf(-1, `the broker did not answer for topic ${topic.name}`)
          : errorOf(result.errorCode, result.errorMessage),
    };
  });
}

export interface DeleteTopicResult {
  readonly name: string;
  readonly error: KafkaError | null;
}

/** DeleteTopics by name on the controller; per-topic errors (UNKNOWN_TOPIC_OR_PARTITION, ...) are values. */
export async function deleteTopics(
  cluster: Cluster,
  names: readonly string[],
  options: AdminCallOptions & { operationTimeoutMs?: number } = {},
): Promise<DeleteTopicResult[]> {
  if (names.length === 0) return [];
  const responses = await callController(cluster, options, async (connection) => {
    const version = connection.version(ApiKey.DeleteTopics, { max: 6 });
    const response = await connection.request(
      ApiKey.DeleteTopics,
      version,
      {
        topics: version >= 6 ? names.map((name) => ({ name, topicId: ZERO_UUID })) : [],
        topicNames: version < 6 ? [...names] : [],
        timeoutMs: options.operationTimeoutMs ?? 60_000,
      },
      requestOptions(options),
    );
    throwIfNotController(response.responses.map((r) => r.errorCode));
    return response.responses;
  });
  for (const name of names) cluster.invalidate(name);
  const byName = new Map(responses.map((r) => [r.name, r]));
  return names.map((name) => {
    const result = byName.get(name);
    return {
      name,
      error:
        result === undefined
          ? errorOf(-1, `the broker did not answer for topic ${name}`)
          : errorOf(result.errorCode, result.errorMessage),
    };
  });
}

export interface TopicListing {
  readonly name: string;
  readonly topicId: Uuid;
  readonly isInternal: boolean;
}

/** Every topic (Metadata for all topics), sorted by name; internal ones only with `includeInternal`. */
export async function listTopics(
  cluster: Cluster,
  options: AdminCallOptions & { includeInternal?: boolean } = {},
): Promise<TopicListing[]> {
  const view = await cluster.refresh({ topics: null, signal: options.signal });
  return [...view.topics.values()]
    .filter((topic) => options.includeInternal === true || !topic.isInternal)
    .map((topic) => ({ name: topic.name, topicId: topic.topicId, isInternal: topic.isInternal }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

export interface PartitionDescription {
  readonly partition: number;
  /** -1 when leaderless. */
  readonly leader: number;
  readonly leaderEpoch: number;
  readonly replicas: readonly number[];
  readonly isr: readonly number[];
  readonly offlineReplicas: readonly number[];
}

export interface TopicDescription {
  readonly name: string;
  readonly topicId: Uuid;
  readonly isInternal: boolean;
  readonly partitions: readonly PartitionDescription[];
  /** Null when described; e.g. UNKNOWN_TOPIC_OR_PARTITION. */
  readonly error: KafkaError | null;
}

/** Metadata for `names` (never auto-creating them), in the order asked. */
export async function describeTopics(
  cluster: Cluster,
  names: readonly string[],
  options: AdminCallOptions = {},
): Promise<TopicDescription[]> {
  if (names.length === 0) return [];
  const view = await cluster.refresh({
    topics: names,
    allowAutoTopicCreation: false,
    signal: options.signal,
  });
  return names.map((name): TopicDescription => {
    const topic = view.topics.get(name);
    if (topic === undefined) {
      return {
        name,
        topicId: ZERO_UUID,
        isInternal: false,
        partitions: [],
        error: errorOf(view.topicErrors.get(name)?.errorCode ?? 3),
      };
    }
    return {
      name,
      topicId: topic.topicId,
      isInternal: topic.isInternal,
      partitions: topic.partitions.map((p) => ({
        partition: p.partition,
        leader: p.leaderId,
        leaderEpoch: p.leaderEpoch,
        replicas: p.replicas,
        isr: p.isr,
        offlineReplicas: p.offlineReplicas,
      })),
      error: null,
    };
  });
}

export interface NewPartitions {
  readonly topic: string;
  /** The new total partition count (must exceed the current one). */
  readonly count: number;
  /** Broker ids of each added partition, in order; omitted to let the controller place them. */
  readonly assignments?: readonly (readonly number[])[];
}

/** CreatePartitions on the controller; per-topic errors (INVALID_PARTITIONS, ...) are values. */
export async function createPartitions(
  cluster: Cluster,
  requests: readonly NewPartitions[],
  options: AdminCallOptions & { validateOnly?: boolean; operationTimeoutMs?: number } = {},
): Promise<DeleteTopicResult[]> {
  if (requests.length === 0) return [];
  for (const request of requests) {
    if (!Number.isInteger(request.count) || request.count < 1) {
      throw new InvalidArgumentError(`partition count of ${request.topic} must be a positive integer`);
    }
  }
  const results = await callController(cluster, options, async (connection) => {
    const version = connection.version(ApiKey.CreatePartitions, { max: 3 });
    const response = await connection.request(
      ApiKey.CreatePartitions,
      version,
      {
        topics: requests.map((request) => ({
          name: request.topic,
          count: request.count,
          assignments:
            request.assignments === undefined
              ? null
              : request.assignments.map((brokerIds) => ({ brokerIds: [...brokerIds] })),
        })),
        timeoutMs: options.operationTimeoutMs ?? 60_000,
        validateOnly: options.validateOnly ?? false,
      },
      requestOptions(options),
    );
    throwIfNotController(response.results.map((r) => r.errorCode));
    return response.results;
  });
  for (const request of requests) cluster.invalidate(request.topic);
  const byName = new Map(results.map((r) => [r.name, r]));
  return requests.map(({ topic }) => {
    const result = byName.get(topic);
    return {
      name: topic,
      error:
        result === undefined
          ? errorOf(-1, `the broker did not answer for topic ${topic}`)
          : errorOf(result.errorCode, result.errorMessage),
    };
  });
}
