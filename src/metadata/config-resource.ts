/**
 * Kafka's ConfigResource types, as ConfigRecord.resourceType and DescribeConfigs carry them. The
 * cluster-wide broker default is the BROKER resource with the empty name (Kafka's convention).
 */
export const ConfigResourceType = {
  UNKNOWN: 0,
  TOPIC: 2,
  BROKER: 4,
  BROKER_LOGGER: 8,
  CLIENT_METRICS: 16,
  GROUP: 32,
} as const;
export type ConfigResourceType = (typeof ConfigResourceType)[keyof typeof ConfigResourceType];

/** The resource name of the cluster-wide default broker configuration. */
export const CLUSTER_DEFAULT_RESOURCE_NAME = '';

/** Resource types a ConfigRecord may name (BROKER_LOGGER levels are not kept in the metadata log). */
const RECORDED_TYPES: ReadonlySet<number> = new Set([
  ConfigResourceType.TOPIC,
  ConfigResourceType.BROKER,
  ConfigResourceType.CLIENT_METRICS,
  ConfigResourceType.GROUP,
]);

export function isRecordedConfigResourceType(type: number): type is ConfigResourceType {
  return RECORDED_TYPES.has(type);
}

/** One configurable resource: a topic by name, a broker by id (as a string), or the cluster default. */
export interface ConfigResource {
  readonly type: ConfigResourceType;
  readonly name: string;
}

/** The key of a resource in MetadataImage.configs: type and name, unambiguous for any name. */
export function configResourceKey(resource: ConfigResource): string {
  return `${resource.type}:${resource.name}`;
}
