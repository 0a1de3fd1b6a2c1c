/** Naming rules: spec names to TypeScript properties, types, functions and file names. */

/** `TopicData` → `topicData`; `isKRaftController` stays. Kafka's own generator does the same. */
export function camelCase(name: string): string {
  return name.charAt(0).toLowerCase() + name.slice(1);
}

/** `ProduceRequest` → `produce-request`, `KRaftVersionRecord` → `k-raft-version-record`. */
export function kebabCase(name: string): string {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1-$2')
    .toLowerCase();
}

/**
 * Nested structs get the message name in front (`ProduceRequest` + `TopicProduceData`), unless the
 * spec already did (`MetadataRequestTopic`), so every name is unique across generated modules and
 * index.ts can re-export them all.
 */
export function structTypeName(messageName: string, specName: string): string {
  return specName.startsWith(messageName) ? specName : messageName + specName;
}

/** A single-quoted TypeScript string literal. */
export function quote(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
}
