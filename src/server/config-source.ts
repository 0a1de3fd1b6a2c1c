/**
 * Kafka's DescribeConfigs config sources (DescribeConfigsResponse ConfigSource), by name and code.
 * A broker's own settings from server.properties, the environment or flags are all
 * STATIC_BROKER_CONFIG to Kafka clients; ConfigOrigin tells them apart for Pyralog's own logs.
 */
export const ConfigSource = {
  UNKNOWN: 0,
  DYNAMIC_TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
  DYNAMIC_BROKER_LOGGER_CONFIG: 6,
  CLIENT_METRICS_CONFIG: 7,
  GROUP_CONFIG: 8,
} as const;
export type ConfigSourceName = keyof typeof ConfigSource;

/** Where a static setting came from, lowest precedence first. */
export type ConfigOrigin = 'default' | 'file' | 'env' | 'flag';

/** Later origins override earlier ones. */
export const ORIGIN_PRECEDENCE: readonly ConfigOrigin[] = ['default', 'file', 'env', 'flag'];

export function sourceOfOrigin(origin: ConfigOrigin): ConfigSourceName {
  return origin === 'default' ? 'DEFAULT_CONFIG' : 'STATIC_BROKER_CONFIG';
}

/** A raw setting from one origin: `where` names the file line, variable or flag, for error messages. */
export interface ConfigSetting {
  readonly key: string;
  readonly value: string;
  readonly origin: Exclude<ConfigOrigin, 'default'>;
  readonly where: string;
}
