import { ApiKey, type ConsumerGroupHeartbeatResponse } from '../../protocol/index.js';
import type { ApiHandler } from '../api-handler.js';
import { supportedVersions } from '../supported-apis.js';
import { clientInfo, unlessClosed } from './group-request.js';

function heartbeatError(errorCode: number): ConsumerGroupHeartbeatResponse {
  return {
    throttleTimeMs: 0,
    errorCode,
    errorMessage: null,
    memberId: null,
    memberEpoch: -1,
    heartbeatIntervalMs: 0,
    assignment: null,
  };
}

/**
 * ConsumerGroupHeartbeat (KIP-848): join (epoch 0), heartbeat, leave (-1, static -2); the server-side
 * assignor computes the target and the member reconciles towards it (revocations first). Answered once
 * the group's records are durable in __consumer_offsets.
 */
export const consumerGroupHeartbeatHandler: ApiHandler<typeof ApiKey.ConsumerGroupHeartbeat> = {
  apiKey: ApiKey.ConsumerGroupHeartbeat,
  versions: supportedVersions(ApiKey.ConsumerGroupHeartbeat),
  async handle(context, body, request) {
    return unlessClosed(context.groups.consumerGroupHeartbeat(body, clientInfo(request)), heartbeatError);
  },
  errorResponse: (_body, errorCode) => heartbeatError(errorCode),
};
