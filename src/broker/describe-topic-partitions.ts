import type { MetadataImage, TopicImage } from '../metadata/index.js';
import {
  ApiKey,
  type DescribeTopicPartitionsRequest,
  type DescribeTopicPartitionsResponse,
  type DescribeTopicPartitionsResponseCursor,
  type DescribeTopicPartitionsResponsePartition,
  type DescribeTopicPartitionsResponseTopic,
  ErrorCode,
  ZERO_UUID,
} from '../protocol/index.js';
import type { ApiHandler } from './api-handler.js';
import { AUTHORIZED_OPERATIONS_NOT_REQUESTED, TOPIC_AUTHORIZED_OPERATIONS } from './authorized-operations.js';
import { supportedVersions } from './supported-apis.js';
import { isInternalTopic, topicNameProblem } from './topic-name.js';

/**
 * Kafka's `max.request.partition.size.limit` default: the most partitions one response carries,
 * whatever the request's responsePartitionLimit says.
 */
export const MAX_RESPONSE_PARTITIONS = 2000;

function topicError(name: string, errorCode: number): DescribeTopicPartitionsResponseTopic {
  return {
    errorCode,
    name,
    topicId: ZERO_UUID,
    isInternal: false,
    partitions: [],
    topicAuthorizedOperations: AUTHORIZED_OPERATIONS_NOT_REQUESTED,
  };
}

function partitionsOf(
  topic: TopicImage,
  from: number,
  limit: number,
): DescribeTopicPartitionsResponsePartition[] {
  return [...topic.partitions]
    .filter(([index]) => index >= from)
    .sort(([a], [b]) => a - b)
    .slice(0, limit)
    .map(([partitionIndex, partition]) => ({
      errorCode: ErrorCode.NONE,
      partitionIndex,
      leaderId: partition.leader,
      leaderEpoch: partition.leaderEpoch,
      replicaNodes: [...partition.replicas],
      isrNodes: [...partition.isr],
      eligibleLeaderReplicas:
        partition.eligibleLeaderReplicas === null ? null : [...partition.eligibleLeaderReplicas],
      lastKnownElr: partition.lastKnownElr === null ? null : [...partition.lastKnownElr],
      offlineReplicas: [],
    }));
}

/** The topic names to describe, sorted as Kafka pages through them: the request's, or every topic. */
function namesOf(body: DescribeTopicPartitionsRequest, image: MetadataImage): string[] {
  const names = body.topics.length === 0 ? [...image.topicsByName.keys()] : body.topics.map((t) => t.name);
  return [...new Set(names)].sort();
}

/**
 * Pages through `names` from the cursor, at most `limit` partitions in all. A topic cut by the limit
 * ends the page with a cursor at its next partition; a page that ends exactly at a topic's end
 * points the cursor at the next topic's partition 0. Unknown and illegal names are answered with
 * their error and take no room.
 */
function page(
  names: readonly string[],
  image: MetadataImage,
  cursor: DescribeTopicPartitionsRequest['cursor'],
  limit: number,
): DescribeTopicPartitionsResponse {
  const topics: DescribeTopicPartitionsResponseTopic[] = [];
  let remaining = limit;
  let nextCursor: DescribeTopicPartitionsResponseCursor | null = null;
  for (const name of names) {
    if (cursor !== null && name < cursor.topicName) continue;
    const topic = image.topicsByName.get(name);
    if (topic === undefined) {
      const invalid = topicNameProblem(name) !== null;
      topics.push(
        topicError(name, invalid ? ErrorCode.INVALID_TOPIC_EXCEPTION : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION),
      );
      continue;
    }
    if (remaining === 0) {
      nextCursor = { topicName: name, partitionIndex: 0 };
      break;
    }
    const from = cursor !== null && name === cursor.topicName ? Math.max(0, cursor.partitionIndex) : 0;
    const partitions = partitionsOf(topic, from, remaining);
    remaining -= partitions.length;
    topics.push({
      errorCode: ErrorCode.NONE,
      name,
      topicId: topic.id,
      isInternal: isInternalTopic(name),
      partitions,
      topicAuthorizedOperations: TOPIC_AUTHORIZED_OPERATIONS,
    });
    const last = partitions.at(-1)?.partitionIndex ?? from - 1;
    const hasMore = [...topic.partitions.keys()].some((index) => index > last);
    if (remaining === 0 && hasMore) {
      nextCursor = { topicName: name, partitionIndex: last + 1 };
      break;
    }
  }
  return { throttleTimeMs: 0, topics, nextCursor };
}

/**
 * DescribeTopicPartitions (KIP-966): the requested topics, or every topic for an empty list, in
 * name order with their partitions (leader, epoch, replicas, ISR, ELR), at most
 * responsePartitionLimit (capped at MAX_RESPONSE_PARTITIONS) partitions per response, continued
 * from `cursor` with the `nextCursor` of the previous page. A cursor naming a topic outside the
 * requested list is INVALID_REQUEST for every topic, as Kafka refuses it. No authorizer runs, so
 * each topic answers every operation a topic supports as authorized.
 */
export const describeTopicPartitionsHandler: ApiHandler<typeof ApiKey.DescribeTopicPartitions> = {
  apiKey: ApiKey.DescribeTopicPartitions,
  versions: supportedVersions(ApiKey.DescribeTopicPartitions),
  async handle(context, body, request) {
    const image = context.metadata();
    const names = namesOf(body, image);
    const cursor = body.cursor;
    if (cursor !== null && body.topics.length > 0 && !names.includes(cursor.topicName)) {
      return this.errorResponse(body, ErrorCode.INVALID_REQUEST, request.apiVersion);
    }
    const asked = body.responsePartitionLimit;
    const limit = asked > 0 ? Math.min(asked, MAX_RESPONSE_PARTITIONS) : MAX_RESPONSE_PARTITIONS;
    return page(names, image, cursor, limit);
  },
  errorResponse(body, errorCode) {
    return {
      throttleTimeMs: 0,
      topics: body.topics.map((t) => topicError(t.name, errorCode)),
      nextCursor: null,
    };
  },
};
