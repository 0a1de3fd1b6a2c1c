import {
  ApiKey,
  ErrorCode,
  type IncrementalAlterConfigsResponseAlterConfigsResourceResponse,
} from '../protocol/index.js';
import type { ApiHandler } from './api-handler.js';
import type { ConfigResourceAlteration } from './config-admin.js';
import { alterEachResource } from './config-resources.js';
import { supportedVersions } from './supported-apis.js';

function response(
  resource: { resourceType: number; resourceName: string },
  errorCode: number,
  errorMessage: string | null,
): IncrementalAlterConfigsResponseAlterConfigsResourceResponse {
  return {
    errorCode,
    errorMessage,
    resourceType: resource.resourceType,
    resourceName: resource.resourceName,
  };
}

/**
 * IncrementalAlterConfigs (KIP-339): SET, DELETE, APPEND and SUBTRACT (the last two for list
 * configs) applied to each resource's current dynamic configs. Validated and committed per
 * resource by the controller; `validateOnly` changes nothing.
 */
export const incrementalAlterConfigsHandler: ApiHandler<typeof ApiKey.IncrementalAlterConfigs> = {
  apiKey: ApiKey.IncrementalAlterConfigs,
  versions: supportedVersions(ApiKey.IncrementalAlterConfigs),
  async handle(context, body) {
    const alterations: ConfigResourceAlteration[] = body.resources.map((resource) => ({
      resourceType: resource.resourceType,
      resourceName: resource.resourceName,
      mode: 'incremental',
      alterations: resource.configs.map((config) => ({
        name: config.name,
        operation: config.configOperation,
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
