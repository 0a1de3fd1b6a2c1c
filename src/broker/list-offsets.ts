import {
  ApiKey,
  ErrorCode,
  type ListOffsetsPartition,
  type ListOffsetsPartitionResponse,
  type ListOffsetsRequest,
  type ListOffsetsResponse,
} from '../protocol/index.js';
import type { IsolationLevel } from '../replication/index.js';
import type { ApiHandler } from './api-handler.js';
import type { BrokerContext } from './broker-context.js';
import { supportedVersions } from './supported-apis.js';

/** ListOffsets' special timestamps (-1 is latest) and the first version that may send each. */
const EARLIEST_TIMESTAMP = -2n;
const READ_COMMITTED = 1;
const MAX_TIMESTAMP = -3n;
/** KIP-405: the local log start; with no tiered storage, the log start. */
const EARLIEST_LOCAL_TIMESTAMP = -4n;
/** KIP-1005: the last offset copied to tiered storage; with none, Kafka answers no offset. */
const LATEST_TIERED_TIMESTAMP = -5n;
const SPECIAL_TIMESTAMP_VERSIONS: ReadonlyMap<bigint, number> = new Map([
  [MAX_TIMESTAMP, 7],
  [EARLIEST_LOCAL_TIMESTAMP, 8],
  [LATEST_TIERED_TIMESTAMP, 9],
]);

function partitionResponse(partitionIndex: number, errorCode: number): ListOffsetsPartitionResponse {
  return { partitionIndex, errorCode, oldStyleOffsets: [], timestamp: -1n, offset: -1n, leaderEpoch: -1 };
}

/** A special timestamp below the version that introduced it (v0 knows only -1 and -2). */
function isTooNewFor(timestamp: bigint, version: number): boolean {
  if (timestamp >= EARLIEST_TIMESTAMP) return false;
  const since = SPECIAL_TIMESTAMP_VERSIONS.get(timestamp);
  return since === undefined ? version === 0 : version < since;
}

async function lookUp(
  context: BrokerContext,
  topic: string,
  p: ListOffsetsPartition,
  version: number,
  isolationLevel: IsolationLevel,
): Promise<ListOffsetsPartitionResponse> {
  const partition = context.replicas.getPartition(topic, p.partitionIndex);
  if (partition === undefined)
    return partitionResponse(p.partitionIndex, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  if (isTooNewFor(p.timestamp, version))
    return partitionResponse(p.partitionIndex, ErrorCode.UNSUPPORTED_VERSION);
  const response = partitionResponse(p.partitionIndex, ErrorCode.NONE);
  if (p.timestamp === LATEST_TIERED_TIMESTAMP) return response;
  const target = p.timestamp === EARLIEST_LOCAL_TIMESTAMP ? EARLIEST_TIMESTAMP : p.timestamp;
  const found = await partition.offsetForTimestamp(target, isolationLevel);
  if (found === undefined) return response;
  if (version === 0) {
    // The v0 array form: Kafka 3.9+ answers it from the same lookup (one offset, when asked for any).
    response.oldStyleOffsets = p.maxNumOffsets > 0 ? [found.offset] : [];
    return response;
  }
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
 * ListOffsets: earliest (-2), latest (-1: the high watermark, or the last stable offset for
 * isolation_level read_committed, v2+), max timestamp (-3, v7+), earliest local (-4, v8+: the log start, as there
 * is no tiered storage), latest tiered (-5, v9+: no offset, as Kafka answers without tiered
 * storage) and the first offset whose timestamp is at or after a time. No match answers offset -1
 * and timestamp -1 without error. v0 answers in `oldStyleOffsets` (the one offset found, or none).
 * Errors: UNKNOWN_TOPIC_OR_PARTITION; UNSUPPORTED_VERSION for a special timestamp older than its
 * version.
 */
export const listOffsetsHandler: ApiHandler<typeof ApiKey.ListOffsets> = {
  apiKey: ApiKey.ListOffsets,
  versions: supportedVersions(ApiKey.ListOffsets),
  async handle(context, body, request) {
    // isolation_level exists from v2; v0-1 read uncommitted.
    const isolationLevel: IsolationLevel =
      body.isolationLevel === READ_COMMITTED ? 'readCommitted' : 'readUncommitted';
    const topics = await Promise.all(
      body.topics.map(async (topic) => ({
        name: topic.name,
        partitions: await Promise.all(
          topic.partitions.map((p) => lookUp(context, topic.name, p, request.apiVersion, isolationLevel)),
        ),
      })),
    );
    return { throttleTimeMs: 0, topics };
  },
  errorResponse: errorBody,
};
