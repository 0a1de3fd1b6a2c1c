import { ApiKey, type DeleteRecordsPartitionResult, ErrorCode } from '../protocol/index.js';
import type { ApiHandler } from './api-handler.js';
import { supportedVersions } from './supported-apis.js';
import { isInternalTopic } from './topic-name.js';

function partitionResult(
  partitionIndex: number,
  errorCode: number,
  lowWatermark = -1n,
): DeleteRecordsPartitionResult {
  return { partitionIndex, lowWatermark, errorCode };
}

/**
 * DeleteRecords: moves each partition's log start offset up to the requested offset (-1: the high
 * watermark), deleting the segments wholly below it; `lowWatermark` answers the log start offset
 * after it. The new log start offset is checkpointed before the answer, so it survives a restart,
 * and ListOffsets earliest and fetches below it see it at once. A single node waits for no follower,
 * so `timeoutMs` is not needed. Errors per partition: UNKNOWN_TOPIC_OR_PARTITION,
 * OFFSET_OUT_OF_RANGE (above the high watermark, or negative other than -1), and
 * INVALID_TOPIC_EXCEPTION for internal topics, as Kafka's replica manager refuses them.
 */
export const deleteRecordsHandler: ApiHandler<typeof ApiKey.DeleteRecords> = {
  apiKey: ApiKey.DeleteRecords,
  versions: supportedVersions(ApiKey.DeleteRecords),
  async handle(context, body) {
    const topics = [];
    for (const topic of body.topics) {
      const partitions: DeleteRecordsPartitionResult[] = [];
      for (const requested of topic.partitions) {
        const index = requested.partitionIndex;
        if (isInternalTopic(topic.name)) {
          partitions.push(partitionResult(index, ErrorCode.INVALID_TOPIC_EXCEPTION));
          continue;
        }
        const partition = context.replicas.getPartition(topic.name, index);
        if (partition === undefined || partition.isRemoved) {
          partitions.push(partitionResult(index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
          continue;
        }
        const deleted = await context.replicas.deleteRecords(partition, requested.offset);
        partitions.push(
          partitionResult(
            index,
            deleted.errorCode,
            deleted.errorCode === ErrorCode.NONE ? deleted.lowWatermark : -1n,
          ),
        );
      }
      topics.push({ name: topic.name, partitions });
    }
    return { throttleTimeMs: 0, topics };
  },
  errorResponse(body, errorCode) {
    return {
      throttleTimeMs: 0,
      topics: body.topics.map((topic) => ({
        name: topic.name,
        partitions: topic.partitions.map((p) => partitionResult(p.partitionIndex, errorCode)),
      })),
    };
  },
};
