import { ApiKey, type OffsetFetchRequest, type OffsetFetchResponse } from '../../protocol/index.js';
import type { ApiHandler } from '../api-handler.js';
import { supportedVersions } from '../supported-apis.js';

function fetchError(body: OffsetFetchRequest, errorCode: number, version: number): OffsetFetchResponse {
  if (version >= 8) {
    return {
      throttleTimeMs: 0,
      topics: [],
      errorCode: 0,
      groups: body.groups.map((g) => ({ groupId: g.groupId, topics: [], errorCode })),
    };
  }
  const partition = (partitionIndex: number) => ({
    partitionIndex,
    committedOffset: -1n,
    committedLeaderEpoch: -1,
    metadata: '',
    errorCode,
  });
  return {
    throttleTimeMs: 0,
    // Before v2 there is no top-level error: each asked partition carries it.
    topics: (body.topics ?? []).map((t) => ({ name: t.name, partitions: t.partitionIndexes.map(partition) })),
    errorCode,
    groups: [],
  };
}

/**
 * OffsetFetch: the committed offsets of a group (v0-7) or of several groups (v8+, KIP-709), all
 * partitions when topics is null (v2+). With require_stable (v7+, KIP-447) a partition with a pending
 * transactional offset answers UNSTABLE_OFFSET_COMMIT. Unknown partitions answer offset -1.
 */
export const offsetFetchHandler: ApiHandler<typeof ApiKey.OffsetFetch> = {
  apiKey: ApiKey.OffsetFetch,
  versions: supportedVersions(ApiKey.OffsetFetch),
  async handle(context, body, request) {
    return context.groups.offsetFetch(body, request.apiVersion);
  },
  errorResponse: fetchError,
};
