import { ApiKey } from '../protocol/index.js';
import type { ApiHandler } from './api-handler.js';
import { ConfigOperation, type ConfigResourceAlteration } from './config-admin.js';
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
    const alterations: ConfigResourceAlteration[] = body.resources.map((resource) => ({
      resourceType: resource.resourceType,
      resourceName: resource.resourceName,
      mode: 'replace',
      alterations: resource.configs.map((config) => ({
        name: config.name,
        operation: ConfigOperation.SET,
        value: config.value,
      })),
    }));
    return { throttleTimeMs: 0, responses: await alterAndAnswer(context, alterations, body.validateOnly) };
  },
  errorResponse(body, errorCode) {
    return {
      throttleTimeMs: 0,
      responses: body.resources.map((resource) => resourceAnswer(resource, errorCode, null)),
    };
  },
};
