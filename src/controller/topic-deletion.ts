import type { TopicDeletion, TopicReference } from '../broker/index.js';
import { isInternalTopic } from '../broker/index.js';
import type { MetadataImage, MetadataRecord } from '../metadata/index.js';
import { ErrorCode, MetadataRecordType, ZERO_UUID } from '../protocol/index.js';
import { CLUSTER_METADATA_TOPIC } from './topic-creation.js';

/** The outcome of validating one deletion: the topic's RemoveTopicRecord, or the error that refuses it. */
export interface DeletionPlan {
  readonly deletion: TopicDeletion;
  readonly record: MetadataRecord | null;
}

function refused(reference: TopicReference, errorCode: number, errorMessage: string): DeletionPlan {
  return {
    record: null,
    deletion: {
      name: 'name' in reference ? reference.name : null,
      topicId: 'topicId' in reference ? reference.topicId : ZERO_UUID,
      errorCode,
      errorMessage,
    },
  };
}

/**
 * Validates one deletion against the image and the topics already removed by the same request (as
 * Kafka's ReplicationControlManager.deleteTopics): UNKNOWN_TOPIC_OR_PARTITION for an unknown name,
 * UNKNOWN_TOPIC_ID for an unknown id, INVALID_TOPIC_EXCEPTION for the internal topics (the metadata
 * log, offsets, transaction state: deleting them would break the broker, and Kafka's tools refuse
 * it too). A topic named twice (by name and by id) is removed once; the second answer is
 * UNKNOWN_TOPIC_*, as a second request would get. Pure.
 */
export function planTopicDeletion(
  reference: TopicReference,
  image: MetadataImage,
  removed: ReadonlySet<string>,
): DeletionPlan {
  const topic =
    'name' in reference ? image.topicsByName.get(reference.name) : image.topicsById.get(reference.topicId);
  if ('name' in reference && (reference.name === CLUSTER_METADATA_TOPIC || isInternalTopic(reference.name))) {
    return refused(
      reference,
      ErrorCode.INVALID_TOPIC_EXCEPTION,
      `${reference.name} is internal and cannot be deleted`,
    );
  }
  if (topic === undefined || removed.has(topic.id)) {
    return 'name' in reference
      ? refused(reference, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `Topic ${reference.name} does not exist.`)
      : refused(reference, ErrorCode.UNKNOWN_TOPIC_ID, `Topic id ${reference.topicId} does not exist.`);
  }
  if (isInternalTopic(topic.name)) {
    return refused(
      reference,
      ErrorCode.INVALID_TOPIC_EXCEPTION,
      `${topic.name} is internal and cannot be deleted`,
    );
  }
  return {
    record: { type: MetadataRecordType.RemoveTopicRecord, version: 0, data: { topicId: topic.id } },
    deletion: { name: topic.name, topicId: topic.id, errorCode: ErrorCode.NONE, errorMessage: null },
  };
}
