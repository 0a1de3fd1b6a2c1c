import {
  ApiKey,
  type DescribeConfigsResourceResult,
  type DescribeConfigsResult,
  ErrorCode,
} from '../protocol/index.js';
import type { ApiHandler } from './api-handler.js';
import type { DescribedConfig } from './config-admin.js';
import { supportedVersions } from './supported-apis.js';

/** Kafka's ConfigSource.DEFAULT_CONFIG: v0 answers "is default" instead of a source. */
const DEFAULT_CONFIG_SOURCE = 5;

function toResult(
  config: DescribedConfig,
  options: { includeSynonyms: boolean; includeDocumentation: boolean; version: number },
): DescribeConfigsResourceResult {
  return {
    name: config.name,
    value: config.value,
    readOnly: config.readOnly,
    isDefault: options.version === 0 && config.configSource === DEFAULT_CONFIG_SOURCE,
    configSource: config.configSource,
    isSensitive: config.isSensitive,
    synonyms: options.includeSynonyms ? config.synonyms.map((synonym) => ({ ...synonym })) : [],
    configType: config.configType,
    documentation: options.includeDocumentation ? config.documentation : null,
  };
}

function errorResult(
  resource: { resourceType: number; resourceName: string },
  errorCode: number,
  errorMessage: string | null,
): DescribeConfigsResult {
  return {
    errorCode,
    errorMessage,
    resourceType: resource.resourceType,
    resourceName: resource.resourceName,
    configs: [],
  };
}

/**
 * DescribeConfigs: for each resource (TOPIC, BROKER by id, BROKER "" for the cluster-wide dynamic
 * defaults), every config or the requested keys, with value, source, read-only flag, synonyms
 * (v1+, when asked) and type and documentation (v3+, documentation when asked). Errors are per
 * resource (UNKNOWN_TOPIC_OR_PARTITION, INVALID_REQUEST for a wrong broker id or resource type).
 */
export const describeConfigsHandler: ApiHandler<typeof ApiKey.DescribeConfigs> = {
  apiKey: ApiKey.DescribeConfigs,
  versions: supportedVersions(ApiKey.DescribeConfigs),
  async handle(context, body, request) {
    const options = {
      includeSynonyms: body.includeSynonyms,
      includeDocumentation: body.includeDocumentation,
      version: request.apiVersion,
    };
    return {
      throttleTimeMs: 0,
      results: body.resources.map((resource) => {
        const described = context.configs.describeConfigs(resource, resource.configurationKeys);
        if (described.errorCode !== ErrorCode.NONE) {
          return errorResult(resource, described.errorCode, described.errorMessage);
        }
        return {
          errorCode: ErrorCode.NONE,
          errorMessage: null,
          resourceType: resource.resourceType,
          resourceName: resource.resourceName,
          configs: described.configs.map((config) => toResult(config, options)),
        };
      }),
    };
  },
  errorResponse(body, errorCode) {
    return {
      throttleTimeMs: 0,
      results: body.resources.map((resource) => errorResult(resource, errorCode, null)),
    };
  },
};
