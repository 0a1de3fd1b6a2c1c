import {
  ApiKey,
  ErrorCode,
  type ListOffsetsPartitionResponse,
  type ListOffsetsRequest,
  type ListOffsetsResponse,
} from '../protocol/index.js';
import type { ApiHandler } from './api-handler.js';
import type { BrokerContext } from './broker-context.js';
import { supportedVersions } from './supported-apis.js';

/** KIP-405's earliest-local-timestamp (-4): with no tiered storage, the log start. */
const EARLIEST_LOCAL_TIMESTAMP = -4n;
const EARLIEST_TIMESTAMP = -2n;

function partitionResponse(partitionIndex: number, errorCode: number): ListOffsetsPartitionResponse {
  return { partitionIndex, errorCode, oldStyleOffsets: [], timestamp: -1n, offset: -1n, leaderEpoch: -1 };
}

async function lookUp(
  context: BrokerContext,
  topic: string,
  partitionIndex: number,
  timestamp: bigint,
  version: number,
): Promise<ListOffsetsPartitionResponse> {
  const partition = context.replicas.getPartition(topic, partitionIndex);
  if (partition === undefined) return partitionResponse(partitionIndex, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  const target = timestamp === EARLIEST_LOCAL_TIMESTAMP ? EARLIEST_TIMESTAMP : timestamp;
  const found = await partition.offsetForTimestamp(target);
  const response = partitionResponse(partitionIndex, ErrorCode.NONE);
  if (found === undefined) return response;
  response.offset = found.offset;
  response.timestamp = found.timestamp;
  if (version >= 4) response.leaderEpoch = found.leaderEpoch;
  return response;
}

function errorBody(body: ListOffsetsRequest, errorCode: number): ListOffsetsResponse {
  return {
    throttleTimeMs: 0,
    topics: body.topics.map((topic) => ({
      name: topic.name,
      partitions: topic.partitions.map((p) => partitionResponse(p.partitionIndex, errorCode)),
    })),
  };
}

/**
 * ListOffsets: earliest (-2, and -4 without tiered storage), latest (-1: the high watermark, which
 * is also the last stable offset with no transactions), max timestamp (-3) and the first offset
 * whose timestamp is at or after a time. No match answers offset -1 and timestamp -1 without error.
 * Errors: UNKNOWN_TOPIC_OR_PARTITION.
 */
export const listOffsetsHandler: ApiHandler<typeof ApiKey.ListOffsets> = {
  apiKey: ApiKey.ListOffsets,
  versions: supportedVersions(ApiKey.ListOffsets),
  async handle(context, body, request) {
    const topics = await Promise.all(
      body.topics.map(async (topic) => ({
        name: topic.name,
        partitions: await Promise.all(
          topic.partitions.map((p) =>
            lookUp(context, topic.name, p.partitionIndex, p.timestamp, request.apiVersion),
          ),
        ),
      })),
    );
    return { throttleTimeMs: 0, topics };
  },
  errorResponse: errorBody,
};
