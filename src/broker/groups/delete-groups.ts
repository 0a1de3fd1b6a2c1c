import { ApiKey, type DeleteGroupsRequest, type DeleteGroupsResponse } from '../../protocol/index.js';
import type { ApiHandler } from '../api-handler.js';
import { supportedVersions } from '../supported-apis.js';
import { unlessClosed } from './group-request.js';

function deleteError(body: DeleteGroupsRequest, errorCode: number): DeleteGroupsResponse {
  return { throttleTimeMs: 0, results: body.groupsNames.map((groupId) => ({ groupId, errorCode })) };
}

/**
 * DeleteGroups: removes empty groups and their offsets (tombstones, answered once durable).
 * Errors per group: GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP, INVALID_GROUP_ID.
 */
export const deleteGroupsHandler: ApiHandler<typeof ApiKey.DeleteGroups> = {
  apiKey: ApiKey.DeleteGroups,
  versions: supportedVersions(ApiKey.DeleteGroups),
  handle(context, body, request) {
    return unlessClosed(context.groups.deleteGroups(body, request.apiVersion), (code) =>
      deleteError(body, code),
    );
  },
  errorResponse: deleteError,
};
