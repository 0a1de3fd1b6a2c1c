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

/** The message name without Request/Response: `LeaderAndIsrRequest` → `LeaderAndIsr`. */
export function messageBaseName(messageName: string): string {
  return messageName.replace(/(Request|Response)$/, '');
}

/**
 * A nested struct keeps its spec name when that already starts with the message's base name
 * (`LeaderAndIsrPartitionState` in LeaderAndIsrRequest), else gets the message name in front
 * (`ProduceRequest` + `TopicProduceData`), so names read well and stay unique across modules;
 * loadSpecs prefixes a kept name too when two messages would both keep it.
 */
export function structTypeName(messageName: string, specName: string): string {
  return specName.startsWith(messageBaseName(messageName))
    ? specName
    : prefixedStructTypeName(messageName, specName);
}

export function prefixedStructTypeName(messageName: string, specName: string): string {
  return specName.startsWith(messageName) ? specName : messageName + specName;
}

/** A deterministic order for identifiers (case-insensitive first), independent of the locale. */
export function compareNames(a: string, b: string): number {
  const left = a.toLowerCase();
  const right = b.toLowerCase();
  if (left !== right) return left < right ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A single-quoted TypeScript string literal. */
export function quote(text: string): string {
  return `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
}
