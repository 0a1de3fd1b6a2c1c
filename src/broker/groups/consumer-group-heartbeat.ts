import { ApiKey } from '../../protocol/index.js';
import type { ApiHandler } from '../api-handler.js';
import { supportedVersions } from '../supported-apis.js';
import { clientInfo } from './group-request.js';

/**
 * ConsumerGroupHeartbeat (KIP-848): join (epoch 0), heartbeat, leave (-1, static -2); the server-side
 * assignor computes the target and the member reconciles towards it (revocations first).
 */
export const consumerGroupHeartbeatHandler: ApiHandler<typeof ApiKey.ConsumerGroupHeartbeat> = {
  apiKey: ApiKey.ConsumerGroupHeartbeat,
  versions: supportedVersions(ApiKey.ConsumerGroupHeartbeat),
  async handle(context, body, request) {
    return context.groups.consumerGroupHeartbeat(body, clientInfo(request));
  },
  errorResponse: (_body, errorCode) => ({
    throttleTimeMs: 0,
    errorCode,
    errorMessage: null,
    memberId: null,
    memberEpoch: -1,
    heartbeatIntervalMs: 0,
    assignment: null,
  }),
};
