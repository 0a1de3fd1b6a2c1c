import { type AlterConfigsResourceResponse, ApiKey, ErrorCode } from '../protocol/index.js';
import type { ApiHandler } from './api-handler.js';
import { ConfigOperation, type ConfigResourceAlteration } from './config-admin.js';
import { alterEachResource } from './config-resources.js';
import { supportedVersions } from './supported-apis.js';

function response(
  resource: { resourceType: number; resourceName: string },
  errorCode: number,
  errorMessage: string | null,
): AlterConfigsResourceResponse {
  return {
    errorCode,
    errorMessage,
    resourceType: resource.resourceType,
    resourceName: resource.resourceName,
  };
}

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
    const results = await alterEachResource(context, alterations, body.validateOnly);
    return {
      throttleTimeMs: 0,
      responses: body.resources.map((resource, index) => {
        const result = results[index] ?? { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: null };
        return response(resource, result.errorCode, result.errorMessage);
      }),
    };
  },
  errorResponse(body, errorCode) {
    return {
      throttleTimeMs: 0,
      responses: body.resources.map((resource) => response(resource, errorCode, null)),
    };
  },
};
