import {
  ApiKey,
  type ApiVersionsResponse,
  apiSpec,
  apis,
  ErrorCode,
  kafkaErrorFromCode,
  type VersionRange,
} from '../protocol/index.js';
import type { KafkaConnection, RequestOptions } from './kafka-connection.js';

/** The versions a broker and this build both speak. */
export interface NegotiatedVersions {
  /** The ApiVersions version that succeeded. */
  readonly apiVersionsVersion: number;
  readonly response: ApiVersionsResponse;
  /** The highest version of `apiKey` both sides support, or undefined when there is none. */
  versionFor(apiKey: ApiKey): number | undefined;
}

/** Highest version of each API this build encodes, skipping versions Kafka marks unstable. */
export function localVersionRange(apiKey: ApiKey): VersionRange {
  const { min, max } = apis[apiKey].validVersions;
  return { min, max: apis[apiKey].latestVersionUnstable ? Math.max(min, max - 1) : max };
}

/**
 * Sends ApiVersions at the highest stable version this build has; when the broker answers
 * UNSUPPORTED_VERSION (with its own ApiVersions range, encoded at v0), retries once at the highest
 * version both have. Throws KafkaError for any other error code, and what `request` throws.
 */
export async function negotiateApiVersions(
  connection: Pick<KafkaConnection, 'request'>,
  client: { clientSoftwareName: string; clientSoftwareVersion: string },
  options: RequestOptions = {},
): Promise<NegotiatedVersions> {
  let version = localVersionRange(ApiKey.ApiVersions).max;
  let response = await connection.request(ApiKey.ApiVersions, version, client, options);
  if (response.errorCode === ErrorCode.UNSUPPORTED_VERSION) {
    const theirs = response.apiKeys.find((entry) => entry.apiKey === ApiKey.ApiVersions);
    const fallback = theirs === undefined ? 0 : Math.min(theirs.maxVersion, version);
    if (fallback < version) {
      version = fallback;
      response = await connection.request(ApiKey.ApiVersions, version, client, options);
    }
  }
  const error = kafkaErrorFromCode(response.errorCode);
  if (error !== undefined) throw error;
  const brokerRanges = new Map(response.apiKeys.map((entry) => [entry.apiKey, entry]));
  return {
    apiVersionsVersion: version,
    response,
    versionFor(apiKey) {
      const theirs = brokerRanges.get(apiKey);
      if (theirs === undefined || apiSpec(apiKey) === undefined) return undefined;
      const ours = localVersionRange(apiKey);
      const max = Math.min(ours.max, theirs.maxVersion);
      return max >= Math.max(ours.min, theirs.minVersion) ? max : undefined;
    },
  };
}
