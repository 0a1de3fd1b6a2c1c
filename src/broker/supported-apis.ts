import { ApiKey, type VersionRange } from '../protocol/index.js';

/**
 * The APIs this broker serves and their versions: ApiVersions advertises exactly this table, and
 * each handler takes its range from it. Lower bounds follow Kafka 4.0 (KIP-896), which dropped the
 * versions that need the legacy v0/v1 message format (Produce 0-2, Fetch 0-3, ListOffsets 0) or
 * that no maintained client sends (CreateTopics 0-1): serving them needs down-conversion, which
 * is not built. Upper bounds are the newest stable versions of the specs.
 */
export const SUPPORTED_APIS: ReadonlyMap<ApiKey, VersionRange> = new Map<ApiKey, VersionRange>([
  [ApiKey.Produce, { min: 3, max: 11 }],
  [ApiKey.Fetch, { min: 4, max: 17 }],
  [ApiKey.ListOffsets, { min: 1, max: 10 }],
  [ApiKey.Metadata, { min: 0, max: 12 }],
  [ApiKey.ApiVersions, { min: 0, max: 4 }],
  [ApiKey.CreateTopics, { min: 2, max: 7 }],
  // DeleteTopics 0 is served although Kafka 4.0 dropped it: it differs from v1 only by the missing
  // throttle time, and by-name deletion needs nothing more.
  [ApiKey.DeleteTopics, { min: 0, max: 6 }],
  [ApiKey.DeleteRecords, { min: 0, max: 2 }],
  [ApiKey.CreatePartitions, { min: 0, max: 3 }],
]);

export function supportedVersions(apiKey: ApiKey): VersionRange {
  const range = SUPPORTED_APIS.get(apiKey);
  if (range === undefined) throw new Error(`API ${apiKey} has no entry in SUPPORTED_APIS`);
  return range;
}
