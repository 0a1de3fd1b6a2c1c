import {
  ApiKey,
  type DeleteTopicsRequest,
  type DeleteTopicsResponseDeletableTopicResult,
  ErrorCode,
  type Uuid,
  ZERO_UUID,
} from '../protocol/index.js';
import type { ApiHandler } from './api-handler.js';
import type { TopicDeletion, TopicReference } from './broker-context.js';
import { supportedVersions } from './supported-apis.js';

function result(
  name: string | null,
  topicId: Uuid,
  errorCode: number,
  errorMessage: string | null,
): DeleteTopicsResponseDeletableTopicResult {
  return { name, topicId, errorCode, errorMessage };
}

/** v0-5 name topics in `topicNames`; v6 in `topics`, by name when it is set, else by id. */
function referencesOf(body: DeleteTopicsRequest, version: number): (TopicReference | null)[] {
  if (version < 6) return body.topicNames.map((name) => ({ name }));
  return body.topics.map((topic) => {
    if (topic.name !== null) return { name: topic.name };
    return topic.topicId === ZERO_UUID ? null : { topicId: topic.topicId };
  });
}

function keyOf(reference: TopicReference): string {
  return 'name' in reference ? `name:${reference.name}` : `id:${reference.topicId}`;
}

function answerOf(deletion: TopicDeletion): DeleteTopicsResponseDeletableTopicResult {
  return result(deletion.name, deletion.topicId, deletion.errorCode, deletion.errorMessage);
}

/**
 * DeleteTopics (KIP-516 ids from v6): the controller removes each topic with a RemoveTopicRecord;
 * the answer comes once the image without it is published, so its partitions are no longer served,
 * held fetches on them have answered and their logs are renamed away. As Kafka's controller:
 * TOPIC_DELETION_DISABLED when `delete.topic.enable` is false; INVALID_REQUEST for a v6 entry with
 * neither name nor id, and (once) for a name or id given more than once; UNKNOWN_TOPIC_OR_PARTITION
 * / UNKNOWN_TOPIC_ID for unknown topics; internal topics are refused (INVALID_TOPIC_EXCEPTION).
 */
export const deleteTopicsHandler: ApiHandler<typeof ApiKey.DeleteTopics> = {
  apiKey: ApiKey.DeleteTopics,
  versions: supportedVersions(ApiKey.DeleteTopics),
  async handle(context, body, request) {
    const version = request.apiVersion;
    const references = referencesOf(body, version);
    if (!context.config.deleteTopicEnable) {
      return this.errorResponse(body, ErrorCode.TOPIC_DELETION_DISABLED, version);
    }
    const counts = new Map<string, number>();
    const byKey = new Map<string, TopicReference>();
    for (const reference of references) {
      if (reference === null) continue;
      counts.set(keyOf(reference), (counts.get(keyOf(reference)) ?? 0) + 1);
      byKey.set(keyOf(reference), reference);
    }
    const unique = [...byKey].filter(([key]) => counts.get(key) === 1).map(([, reference]) => reference);
    const deletions = await context.controller.deleteTopics(unique);
    const responses: DeleteTopicsResponseDeletableTopicResult[] = deletions.map(answerOf);
    for (const reference of references) {
      if (reference !== null) continue;
      responses.push(
        result(null, ZERO_UUID, ErrorCode.INVALID_REQUEST, 'Neither topic name nor id were specified.'),
      );
    }
    for (const [key, reference] of byKey) {
      if (counts.get(key) === 1) continue;
      responses.push(
        'name' in reference
          ? result(reference.name, ZERO_UUID, ErrorCode.INVALID_REQUEST, 'Duplicate topic name.')
          : result(null, reference.topicId, ErrorCode.INVALID_REQUEST, 'Duplicate topic id.'),
      );
    }
    return { throttleTimeMs: 0, responses };
  },
  errorResponse(body, errorCode, version) {
    const responses =
      version < 6
        ? body.topicNames.map((name) => result(name, ZERO_UUID, errorCode, null))
        : body.topics.map((topic) => result(topic.name, topic.topicId, errorCode, null));
    return { throttleTimeMs: 0, responses };
  },
};
