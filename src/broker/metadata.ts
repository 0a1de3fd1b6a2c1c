import type { MetadataImage, TopicImage } from '../metadata/index.js';
import type { NetworkRequest } from '../network/index.js';
import {
  ApiKey,
  ErrorCode,
  type MetadataRequest,
  type MetadataResponse,
  type MetadataResponseTopic,
  ZERO_UUID,
} from '../protocol/index.js';
import type { ApiHandler } from './api-handler.js';
import type { BrokerContext } from './broker-context.js';
import { supportedVersions } from './supported-apis.js';
import { isInternalTopic, topicNameProblem } from './topic-name.js';

/** Kafka's "authorized operations not requested" marker. */
const NO_AUTHORIZED_OPERATIONS = -2147483648;

function topicOf(topic: TopicImage): MetadataResponseTopic {
  return {
    errorCode: ErrorCode.NONE,
    name: topic.name,
    topicId: topic.id,
    isInternal: isInternalTopic(topic.name),
    partitions: [...topic.partitions]
      .sort(([a], [b]) => a - b)
      .map(([partitionIndex, partition]) => ({
        errorCode: ErrorCode.NONE,
        partitionIndex,
        leaderId: partition.leader,
        leaderEpoch: partition.leaderEpoch,
        replicaNodes: [...partition.replicas],
        isrNodes: [...partition.isr],
        offlineReplicas: [],
      })),
    topicAuthorizedOperations: NO_AUTHORIZED_OPERATIONS,
  };
}

function topicError(name: string | null, topicId: string, errorCode: number): MetadataResponseTopic {
  return {
    errorCode,
    name,
    topicId,
    isInternal: false,
    partitions: [],
    topicAuthorizedOperations: NO_AUTHORIZED_OPERATIONS,
  };
}

/** The brokers, each by its endpoint on the listener the request came in on (as Kafka answers). */
export function brokersOf(image: MetadataImage, listenerName: string): MetadataResponse['brokers'] {
  const brokers: MetadataResponse['brokers'] = [];
  for (const broker of image.brokers.values()) {
    if (broker.fenced) continue;
    const endpoint = broker.listeners.find((listener) => listener.name === listenerName);
    if (endpoint === undefined) continue;
    brokers.push({ nodeId: broker.id, host: endpoint.host, port: endpoint.port, rack: broker.rack });
  }
  return brokers;
}

/**
 * Auto-creates the unknown, legal names (num.partitions, default.replication.factor); never the
 * internal topics, which their coordinators create with their own partition counts and configs.
 */
async function autoCreate(context: BrokerContext, names: readonly string[]): Promise<Map<string, number>> {
  const created = await context.controller.createTopics(
    names.map((name) => ({
      name,
      numPartitions: context.config.numPartitions,
      replicationFactor: context.config.defaultReplicationFactor,
      assignments: new Map(),
      configs: {},
    })),
    { validateOnly: false },
  );
  return new Map(created.map((result) => [result.name, result.errorCode]));
}

async function answerTopics(
  context: BrokerContext,
  body: MetadataRequest,
  request: NetworkRequest,
): Promise<MetadataResponseTopic[]> {
  const image = context.metadata();
  const requested = body.topics;
  if (requested === null || (request.apiVersion === 0 && requested.length === 0)) {
    return [...image.topicsByName.values()].map(topicOf);
  }
  // Before v4 a request could not refuse auto-creation; Kafka then creates when the broker allows.
  const mayCreate =
    context.config.autoCreateTopicsEnable && (request.apiVersion < 4 || body.allowAutoTopicCreation);
  const missing = requested
    .map((topic) => topic.name)
    .filter((name): name is string => name !== null && !image.topicsByName.has(name))
    .filter((name) => topicNameProblem(name) === null && !isInternalTopic(name));
  const creationErrors = mayCreate && missing.length > 0 ? await autoCreate(context, missing) : new Map();
  const after = context.metadata();
  return requested.map((topic) => {
    if (topic.name === null) {
      const byId = after.topicsById.get(topic.topicId);
      return byId === undefined ? topicError(null, topic.topicId, ErrorCode.UNKNOWN_TOPIC_ID) : topicOf(byId);
    }
    const found = after.topicsByName.get(topic.name);
    if (found !== undefined) return topicOf(found);
    if (topicNameProblem(topic.name) !== null) {
      return topicError(topic.name, ZERO_UUID, ErrorCode.INVALID_TOPIC_EXCEPTION);
    }
    const errorCode: number = creationErrors.get(topic.name) ?? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    return topicError(
      topic.name,
      ZERO_UUID,
      errorCode === ErrorCode.NONE ? ErrorCode.LEADER_NOT_AVAILABLE : errorCode,
    );
  });
}

function response(
  context: BrokerContext,
  listenerName: string,
  topics: MetadataResponseTopic[],
): MetadataResponse {
  return {
    throttleTimeMs: 0,
    brokers: brokersOf(context.metadata(), listenerName),
    clusterId: context.clusterId,
    controllerId: context.nodeId,
    topics,
    clusterAuthorizedOperations: NO_AUTHORIZED_OPERATIONS,
  };
}

/**
 * Metadata: live brokers on the request's listener, topics with ids and partitions. Unknown topics
 * are auto-created when `auto.create.topics.enable` and the request (v4+) allow; the created topic
 * is answered in full at once, since creation completes before the answer. Illegal names get
 * INVALID_TOPIC_EXCEPTION, unknown ids UNKNOWN_TOPIC_ID, other unknown names UNKNOWN_TOPIC_OR_PARTITION.
 */
export const metadataHandler: ApiHandler<typeof ApiKey.Metadata> = {
  apiKey: ApiKey.Metadata,
  versions: supportedVersions(ApiKey.Metadata),
  async handle(context, body, request) {
    const topics = await answerTopics(context, body, request);
    return response(context, request.connection.listenerName, topics);
  },
  errorResponse(body, errorCode) {
    return {
      throttleTimeMs: 0,
      brokers: [],
      clusterId: null,
      controllerId: -1,
      topics: (body.topics ?? []).map((topic) => topicError(topic.name, topic.topicId, errorCode)),
      clusterAuthorizedOperations: NO_AUTHORIZED_OPERATIONS,
    };
  },
};
