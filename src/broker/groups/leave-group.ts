import { ApiKey, type LeaveGroupResponse } from '../../protocol/index.js';
import type { ApiHandler } from '../api-handler.js';
import { supportedVersions } from '../supported-apis.js';
import { unlessClosed } from './group-request.js';

function leaveError(errorCode: number): LeaveGroupResponse {
  return { throttleTimeMs: 0, errorCode, members: [] };
}

/**
 * LeaveGroup (classic protocol): v0-2 one member by id, v3+ a batch of members by id or
 * group.instance.id (KIP-345), each with its own error; the group rebalances without them.
 */
export const leaveGroupHandler: ApiHandler<typeof ApiKey.LeaveGroup> = {
  apiKey: ApiKey.LeaveGroup,
  versions: supportedVersions(ApiKey.LeaveGroup),
  handle(context, body, request) {
    return unlessClosed(context.groups.leaveGroup(body, request.apiVersion), leaveError);
  },
  errorResponse: (_body, errorCode) => leaveError(errorCode),
};
