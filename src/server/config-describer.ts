import type {
  ConfigDescription,
  ConfigResourceRef,
  DescribedConfig,
  DescribedConfigSynonym,
} from '../broker/index.js';
import { checkConfigResource } from '../controller/index.js';
import {
  CLUSTER_DEFAULT_RESOURCE_NAME,
  ConfigResourceType,
  configResourceKey,
  type MetadataImage,
} from '../metadata/index.js';
import { ErrorCode } from '../protocol/index.js';
import {
  type LogConfig,
  NEVER,
  resolveLogConfig,
  TOPIC_CONFIGS,
  type ConfigDefinition as TopicConfigDefinition,
} from '../storage/index.js';
import { type BrokerConfig, type ConfigSynonym, configSynonyms } from './broker-config.js';
import {
  BROKER_CONFIG_DEFINITIONS,
  type BrokerConfigName,
  isBrokerConfigName,
} from './broker-config-definitions.js';
import { ConfigType, type ConfigTypeName } from './config-definition.js';
import { ConfigSource } from './config-source.js';
import {
  type DynamicBrokerLayers,
  dynamicBrokerLayers,
  effectiveBrokerProperties,
} from './dynamic-broker-config.js';

/** What describing needs besides the image: the node and its static configuration. */
export interface ConfigDescriberContext {
  readonly nodeId: number;
  readonly config: BrokerConfig;
  /** brokerProperties(config): the static properties topic defaults come from. */
  readonly staticProperties: Readonly<Record<string, string>>;
}

/** Kafka prints Long.MAX_VALUE ("never"); storage holds it as NEVER. */
const LONG_MAX_TEXT = '9223372036854775807';

const TOPIC_TYPES: Readonly<Record<TopicConfigDefinition['type'], ConfigTypeName>> = {
  int: 'INT',
  long: 'LONG',
  double: 'DOUBLE',
  boolean: 'BOOLEAN',
  string: 'STRING',
  list: 'LIST',
};

function wanted(keys: readonly string[] | null): (name: string) => boolean {
  if (keys === null) return () => true;
  const set = new Set(keys);
  return (name) => set.has(name);
}

function synonymsOut(synonyms: readonly ConfigSynonym[], isSensitive: boolean): DescribedConfigSynonym[] {
  return synonyms.map((s) => ({
    name: s.name,
    value: isSensitive ? null : s.value,
    source: ConfigSource[s.source],
  }));
}

function topicValueText(definition: TopicConfigDefinition, value: LogConfig[keyof LogConfig]): string {
  if (Array.isArray(value)) return value.join(',');
  if (definition.type === 'long' && value === NEVER) return LONG_MAX_TEXT;
  return String(value);
}

/**
 * A topic's configs as Kafka describes them: every topic config with its value in force, source
 * DYNAMIC_TOPIC_CONFIG when the topic overrides it, else the source of its broker synonym
 * (dynamic per-broker, dynamic cluster default, static, default). Unlike Kafka, which drops broker
 * synonyms above the key itself, retention.ms lists log.retention.minutes and .hours, since its
 * value may come from them.
 */
function describeTopic(
  image: MetadataImage,
  topic: string,
  keys: readonly string[] | null,
  context: ConfigDescriberContext,
): DescribedConfig[] {
  const overrides = image.configs.get(
    configResourceKey({ type: ConfigResourceType.TOPIC, name: topic }),
  )?.configs;
  const layers = dynamicBrokerLayers(image, context.nodeId);
  const resolved = resolveLogConfig(
    Object.fromEntries(overrides ?? []),
    effectiveBrokerProperties(context.staticProperties, layers),
  ) as Readonly<Record<string, LogConfig[keyof LogConfig]>>;
  const isWanted = wanted(keys);
  return (TOPIC_CONFIGS as readonly TopicConfigDefinition[])
    .filter((definition) => isWanted(definition.name))
    .map((definition) => {
      const value = topicValueText(definition, resolved[definition.key]!);
      const synonyms: ConfigSynonym[] = isBrokerConfigName(definition.brokerSynonym)
        ? configSynonyms(context.config, definition.brokerSynonym, layers)
        : [];
      const topicSynonyms = synonymsOut(synonyms, false);
      if (overrides?.has(definition.name) === true) {
        topicSynonyms.unshift({ name: definition.name, value, source: ConfigSource.DYNAMIC_TOPIC_CONFIG });
      }
      return {
        name: definition.name,
        value,
        readOnly: false,
        configSource: topicSynonyms[0]?.source ?? ConfigSource.DEFAULT_CONFIG,
        isSensitive: false,
        synonyms: topicSynonyms,
        configType: ConfigType[TOPIC_TYPES[definition.type]],
        documentation: definition.doc,
      };
    });
}

function brokerEntry(
  name: BrokerConfigName,
  value: string | null,
  synonyms: readonly ConfigSynonym[],
): DescribedConfig {
  const definition = BROKER_CONFIG_DEFINITIONS[name];
  const isSensitive = definition.type === 'PASSWORD';
  const out = synonymsOut(synonyms, isSensitive);
  return {
    name,
    value: isSensitive ? null : value,
    readOnly: definition.dynamic === 'read-only',
    configSource: out[0]?.source ?? ConfigSource.DEFAULT_CONFIG,
    isSensitive,
    synonyms: out,
    configType: ConfigType[definition.type],
    documentation: definition.doc,
  };
}

/**
 * A broker's configs: every broker config with its value in force (per-broker dynamic > cluster
 * default dynamic > static > default) and its synonyms. The cluster default resource (empty name)
 * lists only the keys set at that level, with their DYNAMIC_DEFAULT_BROKER_CONFIG synonyms, as Kafka.
 */
function describeBroker(
  layers: DynamicBrokerLayers,
  isClusterDefault: boolean,
  keys: readonly string[] | null,
  context: ConfigDescriberContext,
): DescribedConfig[] {
  const isWanted = wanted(keys);
  const names = (Object.keys(BROKER_CONFIG_DEFINITIONS) as BrokerConfigName[]).filter(isWanted);
  if (isClusterDefault) {
    return names.flatMap((name) => {
      const value = layers.clusterDefault.get(name);
      if (value === undefined) return [];
      const synonyms = configSynonyms(context.config, name, layers).filter(
        (synonym) => synonym.source === 'DYNAMIC_DEFAULT_BROKER_CONFIG',
      );
      return [brokerEntry(name, value, synonyms)];
    });
  }
  return names.map((name) => {
    const value =
      layers.perBroker.get(name) ??
      layers.clusterDefault.get(name) ??
      context.config.entries.get(name)?.rawValue ??
      null;
    return brokerEntry(name, value, configSynonyms(context.config, name, layers));
  });
}

/**
 * DescribeConfigs for one resource: every config of a topic or broker, or only `keys` (unknown
 * keys are left out, as Kafka does). Errors: INVALID_TOPIC_EXCEPTION, UNKNOWN_TOPIC_OR_PARTITION,
 * INVALID_REQUEST for a broker id that is not this node's or an unsupported resource type.
 */
export function describeConfigResource(
  image: MetadataImage,
  ref: ConfigResourceRef,
  keys: readonly string[] | null,
  context: ConfigDescriberContext,
): ConfigDescription {
  const resource = checkConfigResource(ref, image, [context.nodeId]);
  if ('ok' in resource) return { ...resource.result, configs: [] };
  const configs =
    resource.type === ConfigResourceType.TOPIC
      ? describeTopic(image, resource.name, keys, context)
      : describeBroker(
          dynamicBrokerLayers(image, context.nodeId),
          resource.name === CLUSTER_DEFAULT_RESOURCE_NAME,
          keys,
          context,
        );
  return { errorCode: ErrorCode.NONE, errorMessage: null, configs };
}
