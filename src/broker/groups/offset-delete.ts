import { ApiKey, type OffsetDeleteResponse } from '../../protocol/index.js';
import type { ApiHandler } from '../api-handler.js';
import { supportedVersions } from '../supported-apis.js';
import { unlessClosed } from './group-request.js';

function deleteError(errorCode: number): OffsetDeleteResponse {
  return { errorCode, throttleTimeMs: 0, topics: [] };
}

/**
 * OffsetDelete (KIP-496): tombstones a group's offsets for partitions of topics no member subscribes
 * to; answered once the tombstones are durable. Errors: GROUP_ID_NOT_FOUND, NON_EMPTY_GROUP,
 * GROUP_SUBSCRIBED_TO_TOPIC (per partition).
 */
export const offsetDeleteHandler: ApiHandler<typeof ApiKey.OffsetDelete> = {
  apiKey: ApiKey.OffsetDelete,
  versions: supportedVersions(ApiKey.OffsetDelete),
  handle(context, body, request) {
    return unlessClosed(context.groups.offsetDelete(body, request.apiVersion), deleteError);
  },
  errorResponse: (_body, errorCode) => deleteError(errorCode),
};
