import {
  ApiKey,
  type DescribeProducersResponse,
  type DescribeProducersResponsePartitionResponse,
  ErrorCode,
} from '../../protocol/index.js';
import type { ApiHandler } from '../api-handler.js';
import type { BrokerContext } from '../broker-context.js';
import { supportedVersions } from '../supported-apis.js';

function partitionAnswer(
  context: BrokerContext,
  topic: string,
  index: number,
): DescribeProducersResponsePartitionResponse {
  const partition = context.replicas.getPartition(topic, index);
  if (partition === undefined || partition.isRemoved) {
    const known = context.metadata().topicsByName.get(topic)?.partitions.has(index) ?? false;
    return {
      partitionIndex: index,
      errorCode: known ? ErrorCode.NOT_LEADER_OR_FOLLOWER : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      errorMessage: null,
      activeProducers: [],
    };
  }
  return {
    partitionIndex: index,
    errorCode: ErrorCode.NONE,
    errorMessage: null,
    activeProducers: partition.producerStates().map((entry) => ({
      producerId: entry.producerId,
      producerEpoch: entry.producerEpoch,
      lastSequence: entry.batches.at(-1)?.lastSeq ?? -1,
      lastTimestamp: entry.lastTimestampMs,
      coordinatorEpoch: entry.coordinatorEpoch,
      currentTxnStartOffset: entry.currentTxnFirstOffset,
    })),
  };
}

/**
 * DescribeProducers (KIP-664): the producer state of each asked partition this node leads: per
 * producer id its epoch, last sequence, last timestamp, coordinator epoch and the first offset of its
 * open transaction (-1 when none). UNKNOWN_TOPIC_OR_PARTITION for partitions that do not exist.
 */
export const describeProducersHandler: ApiHandler<typeof ApiKey.DescribeProducers> = {
  apiKey: ApiKey.DescribeProducers,
  versions: supportedVersions(ApiKey.DescribeProducers),
  async handle(context, body) {
    return {
      throttleTimeMs: 0,
      topics: body.topics.map((t) => ({
        name: t.name,
        partitions: t.partitionIndexes.map((index) => partitionAnswer(context, t.name, index)),
      })),
    };
  },
  errorResponse(body, errorCode): DescribeProducersResponse {
    return {
      throttleTimeMs: 0,
      topics: body.topics.map((t) => ({
        name: t.name,
        partitions: t.partitionIndexes.map((partitionIndex) => ({
          partitionIndex,
          errorCode,
          errorMessage: null,
          activeProducers: [],
        })),
      })),
    };
  },
};
