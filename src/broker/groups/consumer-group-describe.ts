import { ApiKey } from '../../protocol/index.js';
import type { ApiHandler } from '../api-handler.js';
import { supportedVersions } from '../supported-apis.js';

/** ConsumerGroupDescribe (KIP-848): epochs, assignor, members with their current and target assignments. */
export const consumerGroupDescribeHandler: ApiHandler<typeof ApiKey.ConsumerGroupDescribe> = {
  apiKey: ApiKey.ConsumerGroupDescribe,
  versions: supportedVersions(ApiKey.ConsumerGroupDescribe),
  async handle(context, body) {
    return context.groups.consumerGroupDescribe(body.groupIds);
  },
  errorResponse: (body, errorCode) => ({
    throttleTimeMs: 0,
    groups: body.groupIds.map((groupId) => ({
      errorCode,
      errorMessage: null,
      groupId,
      groupState: '',
      groupEpoch: -1,
      assignmentEpoch: -1,
      assignorName: '',
      members: [],
      authorizedOperations: -2147483648,
    })),
  }),
};
