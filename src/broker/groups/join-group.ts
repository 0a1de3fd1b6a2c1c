import { ApiKey, type JoinGroupResponse } from '../../protocol/index.js';
import type { ApiHandler } from '../api-handler.js';
import { supportedVersions } from '../supported-apis.js';
import { clientInfo, unlessClosed } from './group-request.js';

function joinError(memberId: string, errorCode: number): JoinGroupResponse {
  return {
    throttleTimeMs: 0,
    errorCode,
    generationId: -1,
    protocolType: null,
    protocolName: null,
    leader: '',
    skipAssignment: false,
    memberId,
    members: [],
  };
}

/**
 * JoinGroup (classic protocol): the response is held until the rebalance completes (every member
 * rejoined, or the rebalance timeout), as in Kafka. Errors come from the coordinator: MEMBER_ID_REQUIRED
 * (v4+, KIP-394), UNKNOWN_MEMBER_ID, INVALID_SESSION_TIMEOUT, INCONSISTENT_GROUP_PROTOCOL,
 * FENCED_INSTANCE_ID (KIP-345), GROUP_MAX_SIZE_REACHED, INVALID_GROUP_ID, COORDINATOR_NOT_AVAILABLE.
 */
export const joinGroupHandler: ApiHandler<typeof ApiKey.JoinGroup> = {
  apiKey: ApiKey.JoinGroup,
  versions: supportedVersions(ApiKey.JoinGroup),
  async handle(context, body, request) {
    const answer = context.groups.joinGroup(body, request.apiVersion, clientInfo(request));
    const response = await unlessClosed(answer, (code) => joinError(body.memberId, code));
    // protocolName is nullable from v7; before, Kafka sends an empty string when no protocol is chosen.
    return request.apiVersion < 7 && response.protocolName === null
      ? { ...response, protocolName: '' }
      : response;
  },
  errorResponse: (body, errorCode, version) => ({
    ...joinError(body.memberId, errorCode),
    protocolName: version < 7 ? '' : null,
  }),
};
