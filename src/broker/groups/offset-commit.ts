import { ApiKey, type OffsetCommitRequest, type OffsetCommitResponse } from '../../protocol/index.js';
import type { ApiHandler } from '../api-handler.js';
import { supportedVersions } from '../supported-apis.js';
import { unlessClosed } from './group-request.js';

function commitError(body: OffsetCommitRequest, errorCode: number): OffsetCommitResponse {
  return {
    throttleTimeMs: 0,
    topics: body.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })),
    })),
  };
}

/**
 * OffsetCommit: answered once the offsets are durable in __consumer_offsets, so a committed offset
 * survives a crash. Generation -1 commits for a group without members (simple consumers); members
 * are checked by generation (classic). Errors per partition: ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID,
 * REBALANCE_IN_PROGRESS, FENCED_INSTANCE_ID, OFFSET_METADATA_TOO_LARGE, INVALID_GROUP_ID,
 * COORDINATOR_NOT_AVAILABLE / NOT_COORDINATOR when the append fails.
 */
export const offsetCommitHandler: ApiHandler<typeof ApiKey.OffsetCommit> = {
  apiKey: ApiKey.OffsetCommit,
  versions: supportedVersions(ApiKey.OffsetCommit),
  handle(context, body, request) {
    const answer = context.groups.offsetCommit(body, request.apiVersion);
    return unlessClosed(answer, (code) => commitError(body, code));
  },
  errorResponse: commitError,
};
