import { ApiKey } from '../../protocol/index.js';
import type { ApiHandler } from '../api-handler.js';
import { supportedVersions } from '../supported-apis.js';

/** ListGroups: every group of this coordinator, filtered by state (v4+, KIP-518) and type (v5+, KIP-848). */
export const listGroupsHandler: ApiHandler<typeof ApiKey.ListGroups> = {
  apiKey: ApiKey.ListGroups,
  versions: supportedVersions(ApiKey.ListGroups),
  async handle(context, body) {
    return context.groups.listGroups(body);
  },
  errorResponse: (_body, errorCode) => ({ throttleTimeMs: 0, errorCode, groups: [] }),
};
