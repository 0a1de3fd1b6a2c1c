import { ConfigResourceType, configResourceKey, type MetadataImage } from '../metadata/index.js';

/** A topic's config overrides as the image records them (ConfigRecords on the topic resource). */
export function topicOverrides(image: MetadataImage, topic: string): Record<string, string> {
  const resource = image.configs.get(configResourceKey({ type: ConfigResourceType.TOPIC, name: topic }));
  return resource === undefined ? {} : Object.fromEntries(resource.configs);
}
