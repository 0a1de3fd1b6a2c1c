import { ApiKey, type ApiVersionsRequest, type ApiVersionsResponse, ErrorCode } from '../protocol/index.js';
import type { ApiHandler } from './api-handler.js';
import { SUPPORTED_APIS, supportedVersions } from './supported-apis.js';

function apiKeys(): ApiVersionsResponse['apiKeys'] {
  return [...SUPPORTED_APIS].map(([apiKey, range]) => ({
    apiKey,
    minVersion: range.min,
    maxVersion: range.max,
  }));
}

function response(errorCode: number, keys: ApiVersionsResponse['apiKeys']): ApiVersionsResponse {
  return {
    errorCode,
    apiKeys: keys,
    throttleTimeMs: 0,
    supportedFeatures: [],
    finalizedFeaturesEpoch: -1n,
    finalizedFeatures: [],
    zkMigrationReady: false,
  };
}

/**
 * The answer to an ApiVersions request of a version above ours (KIP-511): a v0 body with
 * UNSUPPORTED_VERSION listing only ApiVersions' own range, so the client retries with a version we
 * serve. Encoded at version 0, whatever version was asked.
 */
export function unsupportedApiVersionsResponse(): ApiVersionsResponse {
  const range = supportedVersions(ApiKey.ApiVersions);
  return response(ErrorCode.UNSUPPORTED_VERSION, [
    { apiKey: ApiKey.ApiVersions, minVersion: range.min, maxVersion: range.max },
  ]);
}

/** ApiVersions: every API and version range in SUPPORTED_APIS; v3+ records the client software. */
export const apiVersionsHandler: ApiHandler<typeof ApiKey.ApiVersions> = {
  apiKey: ApiKey.ApiVersions,
  versions: supportedVersions(ApiKey.ApiVersions),
  async handle(_context, body: ApiVersionsRequest, request) {
    if (request.apiVersion >= 3) {
      request.connection.clientSoftwareName = body.clientSoftwareName;
      request.connection.clientSoftwareVersion = body.clientSoftwareVersion;
    }
    return response(ErrorCode.NONE, apiKeys());
  },
  errorResponse(_body, errorCode) {
    return response(errorCode, apiKeys());
  },
};
