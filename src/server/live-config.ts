import { ConfigResourceType, type MetadataImage } from '../metadata/index.js';
import { type PartitionLog, resolveLogConfig } from '../storage/index.js';
import {
  brokerConfigsChanged,
  dynamicBrokerLayers,
  effectiveBrokerProperties,
} from './dynamic-broker-config.js';
import { topicOverrides } from './topic-overrides.js';

/**
 * The topics whose log config may differ between two images: every topic when a dynamic broker
 * config of this node changed (cluster defaults reach every topic that does not override them),
 * else the topics whose own configs changed.
 */
export function topicsToReconfigure(previous: MetadataImage, next: MetadataImage, nodeId: number): string[] {
  if (previous.configs === next.configs) return [];
  if (brokerConfigsChanged(previous, next, nodeId)) return [...next.topicsByName.keys()];
  const changed: string[] = [];
  for (const [key, entry] of next.configs) {
    if (entry.resource.type === ConfigResourceType.TOPIC && previous.configs.get(key) !== entry) {
      changed.push(entry.resource.name);
    }
  }
  for (const [key, entry] of previous.configs) {
    if (entry.resource.type === ConfigResourceType.TOPIC && !next.configs.has(key))
      changed.push(entry.resource.name);
  }
  return changed.filter((topic) => next.topicsByName.has(topic));
}

/**
 * Applies config changes to the open logs without a restart (Kafka's DynamicLogConfig and topic
 * config change handler): each log of a changed topic gets its config re-resolved from the topic's
 * overrides and the broker properties in force. Storage reads its config at each decision (roll,
 * retention, flush, produce checks), so the change takes effect from the next one. A config that
 * no longer resolves (it was validated when committed, so only a bug) is reported and left.
 */
export function reconfigureLogs(
  previous: MetadataImage,
  next: MetadataImage,
  nodeId: number,
  staticProperties: Readonly<Record<string, string>>,
  logOf: (topic: string, partition: number) => PartitionLog | undefined,
  warn: (message: string) => void,
): void {
  const topics = topicsToReconfigure(previous, next, nodeId);
  if (topics.length === 0) return;
  reconfigureTopics(next, topics, nodeId, staticProperties, logOf, warn);
}

/**
 * Re-resolves every topic's log config: the static broker properties changed (server.properties
 * re-read on SIGHUP), which reach every topic that neither overrides them nor has a dynamic
 * broker config above them.
 */
export function reconfigureAllLogs(
  image: MetadataImage,
  nodeId: number,
  staticProperties: Readonly<Record<string, string>>,
  logOf: (topic: string, partition: number) => PartitionLog | undefined,
  warn: (message: string) => void,
): void {
  reconfigureTopics(image, [...image.topicsByName.keys()], nodeId, staticProperties, logOf, warn);
}

function reconfigureTopics(
  next: MetadataImage,
  topics: readonly string[],
  nodeId: number,
  staticProperties: Readonly<Record<string, string>>,
  logOf: (topic: string, partition: number) => PartitionLog | undefined,
  warn: (message: string) => void,
): void {
  const properties = effectiveBrokerProperties(staticProperties, dynamicBrokerLayers(next, nodeId));
  for (const topic of topics) {
    let config: ReturnType<typeof resolveLogConfig>;
    try {
      config = resolveLogConfig(topicOverrides(next, topic), properties);
    } catch (error: unknown) {
      warn(`${topic}: its configs do not resolve (${String(error)}); its logs keep their config`);
      continue;
    }
    for (const partition of next.topicsByName.get(topic)?.partitions.keys() ?? []) {
      logOf(topic, partition)?.updateConfig(config);
    }
  }
}
