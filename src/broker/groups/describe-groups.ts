import { ApiKey, type DescribeGroupsRequest, type DescribeGroupsResponse } from '../../protocol/index.js';
import type { ApiHandler } from '../api-handler.js';
import { supportedVersions } from '../supported-apis.js';

function describeError(body: DescribeGroupsRequest, errorCode: number): DescribeGroupsResponse {
  return {
    throttleTimeMs: 0,
    groups: body.groups.map((groupId) => ({
      errorCode,
      groupId,
      groupState: '',
      protocolType: '',
      protocolData: '',
      members: [],
      authorizedOperations: -2147483648,
    })),
  };
}

/**
 * DescribeGroups: state, protocol and members of classic groups; member metadata and assignments
 * only while Stable, as Kafka shows them. An unknown group is Dead (v6+ would say GROUP_ID_NOT_FOUND).
 */
export const describeGroupsHandler: ApiHandler<typeof ApiKey.DescribeGroups> = {
  apiKey: ApiKey.DescribeGroups,
  versions: supportedVersions(ApiKey.DescribeGroups),
  async handle(context, body, request) {
    return context.groups.describeGroups(body, request.apiVersion);
  },
  errorResponse: describeError,
};
