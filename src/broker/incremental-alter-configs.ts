import { ApiKey } from '../protocol/index.js';
import type { ApiHandler } from './api-handler.js';
import { alterAndAnswer, resourceAnswer } from './config-resources.js';
import { supportedVersions } from './supported-apis.js';

/**
 * IncrementalAlterConfigs (KIP-339): SET, DELETE, APPEND and SUBTRACT (the last two for list
 * configs) applied to each resource's current dynamic configs. Validated and committed per
 * resource by the controller; `validateOnly` changes nothing.
 */
export const incrementalAlterConfigsHandler: ApiHandler<typeof ApiKey.IncrementalAlterConfigs> = {
  apiKey: ApiKey.IncrementalAlterConfigs,
  versions: supportedVersions(ApiKey.IncrementalAlterConfigs),
  async handle(context, body) {
    const responses = await alterAndAnswer(
      context,
      body.resources,
      'incremental',
      (config) => config.configOperation,
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
