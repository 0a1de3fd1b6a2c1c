import { ApiKey, type SyncGroupResponse } from '../../protocol/index.js';
import type { ApiHandler } from '../api-handler.js';
import { supportedVersions } from '../supported-apis.js';
import { unlessClosed } from './group-request.js';

function syncError(errorCode: number): SyncGroupResponse {
  return {
    throttleTimeMs: 0,
    errorCode,
    protocolType: null,
    protocolName: null,
    assignment: Buffer.alloc(0),
  };
}

/**
 * SyncGroup (classic protocol): a follower's response is held until the leader's assignment is durable
 * in __consumer_offsets; then every member gets its own. Errors: UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION,
 * REBALANCE_IN_PROGRESS, FENCED_INSTANCE_ID, INCONSISTENT_GROUP_PROTOCOL, COORDINATOR_NOT_AVAILABLE.
 */
export const syncGroupHandler: ApiHandler<typeof ApiKey.SyncGroup> = {
  apiKey: ApiKey.SyncGroup,
  versions: supportedVersions(ApiKey.SyncGroup),
  handle(context, body, request) {
    return unlessClosed(context.groups.syncGroup(body, request.apiVersion), syncError);
  },
  errorResponse: (_body, errorCode) => syncError(errorCode),
};
