import {
  ApiKey,
  type CreateTopicsRequestCreatableTopic,
  type CreateTopicsResponseCreatableTopicResult,
  ErrorCode,
  ZERO_UUID,
} from '../protocol/index.js';
import type { ApiHandler } from './api-handler.js';
import type { BrokerContext, TopicCreation, TopicToCreate } from './broker-context.js';
import { supportedVersions } from './supported-apis.js';
import { isInternalTopic } from './topic-name.js';

function result(
  name: string,
  errorCode: number,
  errorMessage: string | null,
  created?: TopicCreation,
): CreateTopicsResponseCreatableTopicResult {
  return {
    name,
    topicId: created?.topicId ?? ZERO_UUID,
    errorCode,
    errorMessage,
    topicConfigErrorCode: 0,
    numPartitions: created?.numPartitions ?? -1,
    replicationFactor: created?.replicationFactor ?? -1,
    configs: null,
  };
}

/** The request's topic with Kafka's defaults for -1 (v4+) applied; null configs are dropped. */
function toCreate(context: BrokerContext, topic: CreateTopicsRequestCreatableTopic): TopicToCreate {
  const configs: Record<string, string> = {};
  for (const config of topic.configs) if (config.value !== null) configs[config.name] = config.value;
  return {
    name: topic.name,
    numPartitions: topic.numPartitions === -1 ? context.config.numPartitions : topic.numPartitions,
    replicationFactor:
      topic.replicationFactor === -1 ? context.config.defaultReplicationFactor : topic.replicationFactor,
    assignments: new Map(topic.assignments.map((a) => [a.partitionIndex, a.brokerIds])),
    configs,
  };
}

/**
 * CreateTopics: each topic is validated and created by the controller (name rules, partitions,
 * replication factor, configs against the topic config table), or only validated with
 * `validateOnly`. A name given twice in one request gets INVALID_REQUEST for every copy, as Kafka.
 * The internal topics (__consumer_offsets, __transaction_state) get INVALID_REQUEST: their
 * coordinators create them with their own partition counts and configs.
 */
export const createTopicsHandler: ApiHandler<typeof ApiKey.CreateTopics> = {
  apiKey: ApiKey.CreateTopics,
  versions: supportedVersions(ApiKey.CreateTopics),
  async handle(context, body) {
    const counts = new Map<string, number>();
    for (const topic of body.topics) counts.set(topic.name, (counts.get(topic.name) ?? 0) + 1);
    const unique = body.topics.filter(
      (topic) => counts.get(topic.name) === 1 && !isInternalTopic(topic.name),
    );
    const created = await context.controller.createTopics(
      unique.map((topic) => toCreate(context, topic)),
      { validateOnly: body.validateOnly },
    );
    const byName = new Map(created.map((creation) => [creation.name, creation]));
    return {
      throttleTimeMs: 0,
      topics: body.topics.map((topic) => {
        if (isInternalTopic(topic.name)) {
          return result(
            topic.name,
            ErrorCode.INVALID_REQUEST,
            `creation of internal topic ${topic.name} is prohibited`,
          );
        }
        const creation = byName.get(topic.name);
        if (counts.get(topic.name) !== 1 || creation === undefined) {
          return result(topic.name, ErrorCode.INVALID_REQUEST, `topic ${topic.name} appears more than once`);
        }
        return result(topic.name, creation.errorCode, creation.errorMessage, creation);
      }),
    };
  },
  errorResponse(body, errorCode) {
    return { throttleTimeMs: 0, topics: body.topics.map((topic) => result(topic.name, errorCode, null)) };
  },
};
