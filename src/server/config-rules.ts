import type { ConfigKeyFacts, ConfigProblemReport, ConfigRules } from '../controller/index.js';
import {
  CLUSTER_DEFAULT_RESOURCE_NAME,
  type ConfigResource,
  ConfigResourceType,
  type MetadataImage,
} from '../metadata/index.js';
import { ErrorCode } from '../protocol/index.js';
import {
  InvalidConfigError,
  resolveLogConfig,
  TOPIC_CONFIGS,
  type ConfigDefinition as TopicConfigDefinition,
} from '../storage/index.js';
import { BROKER_CONFIG_DEFINITIONS, isBrokerConfigName } from './broker-config-definitions.js';
import {
  type DynamicBrokerLayers,
  dynamicBrokerLayers,
  effectiveBrokerProperties,
} from './dynamic-broker-config.js';

const TOPIC_CONFIG_BY_NAME: ReadonlyMap<string, TopicConfigDefinition> = new Map(
  (TOPIC_CONFIGS as readonly TopicConfigDefinition[]).map((definition) => [definition.name, definition]),
);

export function topicConfigDefinition(name: string): TopicConfigDefinition | undefined {
  return TOPIC_CONFIG_BY_NAME.get(name);
}

const invalid = (message: string): ConfigProblemReport => ({ errorCode: ErrorCode.INVALID_CONFIG, message });

/** resolveLogConfig's refusal as INVALID_CONFIG, or null; anything else is a bug and is rethrown. */
function logConfigProblem(
  overrides: Readonly<Record<string, string>>,
  brokerProperties: Readonly<Record<string, string>>,
): ConfigProblemReport | null {
  try {
    resolveLogConfig(overrides, brokerProperties);
    return null;
  } catch (error: unknown) {
    if (error instanceof InvalidConfigError) return invalid(error.message);
    throw error;
  }
}

function brokerProblem(
  image: MetadataImage,
  resource: ConfigResource,
  configs: ReadonlyMap<string, string>,
  changed: readonly string[],
  staticProperties: Readonly<Record<string, string>>,
  nodeId: number,
): ConfigProblemReport | null {
  const set = changed.filter((name) => configs.has(name));
  const readOnly = set.filter(
    (name) => !isBrokerConfigName(name) || BROKER_CONFIG_DEFINITIONS[name].dynamic === 'read-only',
  );
  if (readOnly.length > 0)
    return invalid(`Cannot update these configs dynamically: [${readOnly.join(', ')}]`);
  if (resource.name === CLUSTER_DEFAULT_RESOURCE_NAME) {
    const perBroker = set.filter(
      (name) => isBrokerConfigName(name) && BROKER_CONFIG_DEFINITIONS[name].dynamic === 'per-broker',
    );
    if (perBroker.length > 0) {
      return invalid(
        `Cannot update these configs at default cluster level, broker id must be specified: [${perBroker.join(', ')}]`,
      );
    }
  }
  for (const name of set) {
    const value = configs.get(name)!;
    const parsed = isBrokerConfigName(name) ? BROKER_CONFIG_DEFINITIONS[name].parse(value) : undefined;
    if (parsed !== undefined && !parsed.ok) {
      return invalid(`Invalid value ${value} for configuration ${name}: ${parsed.problem}`);
    }
  }
  // The new broker values must still make a valid config for a topic that overrides nothing.
  const layers = dynamicBrokerLayers(image, nodeId);
  const next: DynamicBrokerLayers =
    resource.name === CLUSTER_DEFAULT_RESOURCE_NAME
      ? { ...layers, clusterDefault: configs }
      : { ...layers, perBroker: configs };
  return logConfigProblem({}, effectiveBrokerProperties(staticProperties, next));
}

/**
 * The controller's view of the config tables: topic keys from storage's TOPIC_CONFIGS, broker keys
 * from BROKER_CONFIG_DEFINITIONS. A topic's new configs must resolve with the broker properties in
 * force; a broker change may only set keys Kafka and Pyralog update dynamically (at the cluster
 * default only `cluster-wide` ones), with values of the key's type and range. Every refusal is
 * INVALID_CONFIG naming the key and the reason.
 */
export function createConfigRules(
  staticProperties: Readonly<Record<string, string>>,
  nodeId: number,
): ConfigRules {
  return {
    keyFacts(resource, name): ConfigKeyFacts | undefined {
      if (resource.type === ConfigResourceType.TOPIC) {
        const definition = TOPIC_CONFIG_BY_NAME.get(name);
        if (definition === undefined) return undefined;
        const isList = definition.type === 'list';
        const { defaultValue } = definition;
        return {
          isList,
          defaultText: Array.isArray(defaultValue) ? defaultValue.join(',') : String(defaultValue),
        };
      }
      if (!isBrokerConfigName(name)) return undefined;
      const definition = BROKER_CONFIG_DEFINITIONS[name];
      return { isList: definition.type === 'LIST', defaultText: definition.defaultText };
    },
    problem(image, resource, configs, changed) {
      if (resource.type === ConfigResourceType.TOPIC) {
        const properties = effectiveBrokerProperties(staticProperties, dynamicBrokerLayers(image, nodeId));
        return logConfigProblem(Object.fromEntries(configs), properties);
      }
      return brokerProblem(image, resource, configs, changed, staticProperties, nodeId);
    },
  };
}
