import { ApiKey } from '../../protocol/index.js';
import type { ApiHandler } from '../api-handler.js';
import { supportedVersions } from '../supported-apis.js';

/**
 * Heartbeat (classic protocol): keeps the member's session; REBALANCE_IN_PROGRESS tells it to rejoin.
 * Errors: UNKNOWN_MEMBER_ID, ILLEGAL_GENERATION, FENCED_INSTANCE_ID.
 */
export const heartbeatHandler: ApiHandler<typeof ApiKey.Heartbeat> = {
  apiKey: ApiKey.Heartbeat,
  versions: supportedVersions(ApiKey.Heartbeat),
  async handle(context, body) {
    return context.groups.heartbeat(body);
  },
  errorResponse: (_body, errorCode) => ({ throttleTimeMs: 0, errorCode }),
};
