import { ApiKey } from '../protocol/index.js';
import type { ApiHandler } from './api-handler.js';
import { ConfigOperation } from './config-admin.js';
import { alterAndAnswer, resourceAnswer } from './config-resources.js';
import { supportedVersions } from './supported-apis.js';

/**
 * AlterConfigs (the legacy, non-incremental API): each resource's given configs replace its whole
 * set of dynamic configs; a key left out returns to its default, as in Kafka. Validated and
 * committed per resource by the controller; `validateOnly` changes nothing.
 */
export const alterConfigsHandler: ApiHandler<typeof ApiKey.AlterConfigs> = {
  apiKey: ApiKey.AlterConfigs,
  versions: supportedVersions(ApiKey.AlterConfigs),
  async handle(context, body) {
    const responses = await alterAndAnswer(
      context,
      body.resources,
      'replace',
      () => ConfigOperation.SET,
      body.validateOnly,
    );
    return { throttleTimeMs: 0, responses };
  },
  errorResponse(body, errorCode) {
    return {
      throttleTimeMs: 0,
      responses: body.resources.map((resource) => resourceAnswer(resource, errorCode, null)),
    };
  },
};
