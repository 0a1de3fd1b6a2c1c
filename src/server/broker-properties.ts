import type { BrokerConfig } from './broker-config.js';

/**
 * The broker properties that supply topic config defaults (`log.segment.bytes`, `message.max.bytes`,
 * …), as strings for the storage layer's resolver: every key set by a file, env or flag (unset keys
 * take the topic table's defaults, which are Kafka's), unknown keys passed through, and
 * `pyralog.flush.mode` translated to the storage policy (`kafka` → `page-cache`).
 */
export function brokerProperties(config: BrokerConfig): Record<string, string> {
  const properties: Record<string, string> = {};
  for (const entry of config.entries.values()) {
    if (entry.origin !== 'default' && entry.rawValue !== null) properties[entry.name] = entry.rawValue;
  }
  for (const setting of config.unknown) properties[setting.key] = setting.value;
  properties['pyralog.log.flush.policy'] =
    config.values['pyralog.flush.mode'] === 'kafka' ? 'page-cache' : 'durable';
  return properties;
}
