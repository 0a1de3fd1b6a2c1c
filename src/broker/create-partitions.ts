import { ApiKey, type CreatePartitionsTopicResult, ErrorCode } from '../protocol/index.js';
import type { ApiHandler } from './api-handler.js';
import type { PartitionsToCreate } from './broker-context.js';
import { supportedVersions } from './supported-apis.js';

function result(name: string, errorCode: number, errorMessage: string | null): CreatePartitionsTopicResult {
  return { name, errorCode, errorMessage };
}

/**
 * CreatePartitions: the controller validates each topic's new partition count and assignments and
 * commits a PartitionRecord per new partition; the answer comes once they are published, so their
 * logs exist and a Metadata request sees them. `validateOnly` checks without committing. A topic
 * named more than once gets INVALID_REQUEST for every copy, as Kafka's controller answers.
 * Errors: UNKNOWN_TOPIC_OR_PARTITION, INVALID_PARTITIONS, INVALID_REPLICA_ASSIGNMENT, INVALID_REQUEST.
 */
export const createPartitionsHandler: ApiHandler<typeof ApiKey.CreatePartitions> = {
  apiKey: ApiKey.CreatePartitions,
  versions: supportedVersions(ApiKey.CreatePartitions),
  async handle(context, body) {
    const counts = new Map<string, number>();
    for (const topic of body.topics) counts.set(topic.name, (counts.get(topic.name) ?? 0) + 1);
    const requested: PartitionsToCreate[] = body.topics
      .filter((topic) => counts.get(topic.name) === 1)
      .map((topic) => ({
        name: topic.name,
        count: topic.count,
        assignments: topic.assignments === null ? null : topic.assignments.map((a) => a.brokerIds),
      }));
    const created = await context.controller.createPartitions(requested, { validateOnly: body.validateOnly });
    const byName = new Map(created.map((creation) => [creation.name, creation]));
    return {
      throttleTimeMs: 0,
      results: body.topics.map((topic) => {
        const creation = byName.get(topic.name);
        if (counts.get(topic.name) !== 1 || creation === undefined) {
          return result(topic.name, ErrorCode.INVALID_REQUEST, 'Duplicate topic name.');
        }
        return result(topic.name, creation.errorCode, creation.errorMessage);
      }),
    };
  },
  errorResponse(body, errorCode) {
    return { throttleTimeMs: 0, results: body.topics.map((topic) => result(topic.name, errorCode, null)) };
  },
};
