// src/server owns the broker configuration (server.properties, PYRALOG_* environment, flags) and, later,
// the start/stop order that wires the concrete parts together (startBroker). It is the one place that may know every layer.

export {
  type BrokerConfig,
  type ConfigSynonym,
  configSynonyms,
  type ResolvedConfigEntry,
  resolveBrokerConfig,
} from './broker-config.js';
export {
  BROKER_CONFIG_DEFINITIONS,
  BROKER_CONFIG_SYNONYMS,
  type BrokerConfigName,
  type BrokerConfigValues,
  isBrokerConfigName,
} from './broker-config-definitions.js';
export { BrokerConfigError, type ConfigProblem } from './broker-config-error.js';
export type { ResolvedListeners } from './broker-config-listeners.js';
export { brokerProperties } from './broker-properties.js';
export {
  ComponentLoggers,
  isLogLevel,
  LOG_COMPONENTS,
  LOG_LEVELS,
  type LogComponent,
  type LogLevel,
} from './component-loggers.js';
export { createConfigAdmin } from './config-admin.js';
export {
  type ConfigDefinition,
  ConfigType,
  type ConfigTypeName,
  type DynamicUpdateMode,
} from './config-definition.js';
export { type ConfigDescriberContext, describeConfigResource } from './config-describer.js';
export { createConfigRules } from './config-rules.js';
export {
  CONFIG_ENV_PREFIX,
  type ConfigFlags,
  configKeyOfEnv,
  envNameOfConfig,
  NAMED_CONFIG_FLAGS,
  type NamedConfigFlag,
  settingsFromEnv,
  settingsFromFlags,
  settingsFromProperties,
} from './config-settings.js';
export {
  type ConfigOrigin,
  type ConfigSetting,
  ConfigSource,
  type ConfigSourceName,
  ORIGIN_PRECEDENCE,
} from './config-source.js';
export {
  brokerConfigsChanged,
  type DynamicBrokerLayers,
  dynamicBrokerLayers,
  effectiveBrokerProperties,
} from './dynamic-broker-config.js';
export { reconfigureAllLogs, reconfigureLogs, topicsToReconfigure } from './live-config.js';
export { type BrokerConfigSources, loadBrokerConfig } from './load-broker-config.js';
export { prettyDestination, prettyLogLine } from './pretty-log.js';
export { PropertiesSyntaxError, type PropertyEntry, parseProperties } from './properties-parser.js';
export { type RunningBroker, type StartBrokerOptions, startBroker } from './start-broker.js';
export type { StaticConfigChange, StaticConfigReload } from './static-config-reload.js';
