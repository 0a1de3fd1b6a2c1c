import type { ConfigRecord } from '../protocol/index.js';
import {
  type ConfigResource,
  ConfigResourceType,
  configResourceKey,
  isRecordedConfigResourceType,
} from './config-resource.js';
import { MetadataReplayError } from './metadata-errors.js';
import type { ConfigResourceImage } from './metadata-image.js';

/**
 * The config half of a MetadataDelta. A ConfigRecord with a null value deletes the key; a resource
 * left without keys disappears from the image. Only changed resources are copied.
 */
export class ConfigsDelta {
  private readonly changed = new Map<string, { resource: ConfigResource; configs: Map<string, string> }>();

  constructor(private readonly base: ReadonlyMap<string, ConfigResourceImage>) {}

  replay(record: ConfigRecord): void {
    if (!isRecordedConfigResourceType(record.resourceType)) {
      throw new MetadataReplayError(
        `ConfigRecord ${record.name}: resource type ${record.resourceType} cannot hold configs in the metadata log`,
      );
    }
    if (record.name === '') throw new MetadataReplayError('ConfigRecord with an empty config name');
    const working = this.working({ type: record.resourceType, name: record.resourceName });
    if (record.value === null) working.delete(record.name);
    else working.set(record.name, record.value);
  }

  /** Drops every config of a removed topic, as Kafka does on RemoveTopicRecord. */
  removeTopic(topicName: string): void {
    this.working({ type: ConfigResourceType.TOPIC, name: topicName }).clear();
  }

  /** The config map of the new image; the base map itself when nothing changed. */
  apply(): ReadonlyMap<string, ConfigResourceImage> {
    if (this.changed.size === 0) return this.base;
    const configs = new Map(this.base);
    for (const [key, { resource, configs: values }] of this.changed) {
      if (values.size === 0) configs.delete(key);
      else configs.set(key, Object.freeze({ resource, configs: new Map(values) }));
    }
    return configs;
  }

  private working(resource: ConfigResource): Map<string, string> {
    const key = configResourceKey(resource);
    let entry = this.changed.get(key);
    if (entry === undefined) {
      entry = { resource: Object.freeze({ ...resource }), configs: new Map(this.base.get(key)?.configs) };
      this.changed.set(key, entry);
    }
    return entry.configs;
  }
}
