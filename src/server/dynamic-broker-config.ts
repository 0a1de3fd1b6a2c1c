import {
  CLUSTER_DEFAULT_RESOURCE_NAME,
  ConfigResourceType,
  configResourceKey,
  type MetadataImage,
} from '../metadata/index.js';

/** The dynamic broker configs of one node, as the metadata log holds them (ConfigRecords). */
export interface DynamicBrokerLayers {
  /** BROKER `<nodeId>`: DYNAMIC_BROKER_CONFIG, the highest precedence. */
  readonly perBroker: ReadonlyMap<string, string>;
  /** BROKER `""`: DYNAMIC_DEFAULT_BROKER_CONFIG, below per-broker, above static. */
  readonly clusterDefault: ReadonlyMap<string, string>;
}

const NONE: ReadonlyMap<string, string> = new Map();

export function dynamicBrokerLayers(image: MetadataImage, nodeId: number): DynamicBrokerLayers {
  const layer = (name: string) =>
    image.configs.get(configResourceKey({ type: ConfigResourceType.BROKER, name }))?.configs ?? NONE;
  return { perBroker: layer(String(nodeId)), clusterDefault: layer(CLUSTER_DEFAULT_RESOURCE_NAME) };
}

/**
 * The broker properties in force (Kafka's precedence: per-broker dynamic > cluster-default dynamic
 * > static), as the storage layer's topic config resolver takes them.
 */
export function effectiveBrokerProperties(
  staticProperties: Readonly<Record<string, string>>,
  layers: DynamicBrokerLayers,
): Record<string, string> {
  return {
    ...staticProperties,
    ...Object.fromEntries(layers.clusterDefault),
    ...Object.fromEntries(layers.perBroker),
  };
}

/** True when the two images differ in a broker-level dynamic config of this node. */
export function brokerConfigsChanged(previous: MetadataImage, next: MetadataImage, nodeId: number): boolean {
  const before = dynamicBrokerLayers(previous, nodeId);
  const after = dynamicBrokerLayers(next, nodeId);
  return before.perBroker !== after.perBroker || before.clusterDefault !== after.clusterDefault;
}
