import type { ConfigAlterationResult, ConfigResourceAlteration, ConfigResourceRef } from '../broker/index.js';
import { ConfigOperation, topicNameProblem } from '../broker/index.js';
import {
  CLUSTER_DEFAULT_RESOURCE_NAME,
  type ConfigResource,
  ConfigResourceType,
  configResourceKey,
  type MetadataImage,
  type MetadataRecord,
} from '../metadata/index.js';
import { ErrorCode, MetadataRecordType } from '../protocol/index.js';

/** What the controller must know of a config key, from the topic or broker config table. */
export interface ConfigKeyFacts {
  /** A LIST config: APPEND and SUBTRACT are allowed. */
  readonly isList: boolean;
  /** The default as Kafka prints it (APPEND/SUBTRACT start from it when the key is unset). */
  readonly defaultText: string | null;
}

export interface ConfigProblemReport {
  readonly errorCode: number;
  readonly message: string;
}

/** The config tables as the controller sees them (server builds them from storage's and its own). */
export interface ConfigRules {
  /** The facts of `name` for this kind of resource, or undefined when the name is unknown. */
  keyFacts(resource: ConfigResource, name: string): ConfigKeyFacts | undefined;
  /**
   * Why the resource cannot have `configs` as its dynamic configs, `changed` being the keys whose
   * value the request changes (read-only keys, values of the wrong type or range); null when it can.
   */
  problem(
    image: MetadataImage,
    resource: ConfigResource,
    configs: ReadonlyMap<string, string>,
    changed: readonly string[],
  ): ConfigProblemReport | null;
}

export type ConfigPlan =
  | { readonly ok: true; readonly records: MetadataRecord[] }
  | { readonly ok: false; readonly result: ConfigAlterationResult };

const refuse = (errorCode: number, errorMessage: string): { ok: false; result: ConfigAlterationResult } => ({
  ok: false,
  result: { errorCode, errorMessage },
});

/**
 * The resource a config request names (a broker id normalised), or why it cannot be described or
 * altered, with Kafka's error codes and messages: a bad or unknown topic, a broker id that is not
 * an integer or not this cluster's, BROKER_LOGGER (not built), or another resource type.
 */
export function checkConfigResource(
  ref: ConfigResourceRef,
  image: MetadataImage,
  brokerIds: readonly number[],
): ConfigResource | { readonly ok: false; readonly result: ConfigAlterationResult } {
  const name = ref.resourceName;
  switch (ref.resourceType) {
    case ConfigResourceType.TOPIC: {
      if (name === '') return refuse(ErrorCode.INVALID_REQUEST, 'Default topic resources are not allowed.');
      const problem = topicNameProblem(name);
      if (problem !== null) return refuse(ErrorCode.INVALID_TOPIC_EXCEPTION, problem);
      if (!image.topicsByName.has(name)) {
        return refuse(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${name}' does not exist.`);
      }
      return { type: ConfigResourceType.TOPIC, name };
    }
    case ConfigResourceType.BROKER: {
      if (name === CLUSTER_DEFAULT_RESOURCE_NAME) return { type: ConfigResourceType.BROKER, name };
      if (!/^\d+$/.test(name)) {
        return refuse(ErrorCode.INVALID_REQUEST, `Broker id must be an integer, but it is: ${name}`);
      }
      if (!brokerIds.includes(Number(name))) {
        return refuse(
          ErrorCode.INVALID_REQUEST,
          `Unexpected broker id, expected ${brokerIds.join(' or ')} or empty string, but received ${name}`,
        );
      }
      return { type: ConfigResourceType.BROKER, name: String(Number(name)) };
    }
    case ConfigResourceType.BROKER_LOGGER:
      return refuse(
        ErrorCode.INVALID_REQUEST,
        'BROKER_LOGGER resources are not supported by Pyralog: its log levels are not configurable through the Kafka protocol',
      );
    default:
      return refuse(
        ErrorCode.INVALID_REQUEST,
        `Config requests are only supported for topics and brokers, but resource type is ${ref.resourceType}`,
      );
  }
}

function splitList(text: string): string[] {
  return text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

/** The resource's configs after the request's operations, or the refusal of the first bad one. */
function nextConfigs(
  alteration: ConfigResourceAlteration,
  resource: ConfigResource,
  current: ReadonlyMap<string, string>,
  rules: ConfigRules,
): Map<string, string> | ConfigPlan {
  const seen = new Set<string>();
  for (const { name } of alteration.alterations) {
    if (seen.has(name))
      return refuse(ErrorCode.INVALID_REQUEST, `Error due to duplicate config keys: ${name}`);
    seen.add(name);
  }
  const kind = resource.type === ConfigResourceType.TOPIC ? 'topic' : 'broker';
  const configs = new Map(alteration.mode === 'incremental' ? current : []);
  for (const { name, operation, value } of alteration.alterations) {
    if (operation === ConfigOperation.DELETE) {
      configs.delete(name);
      continue;
    }
    if (operation < ConfigOperation.SET || operation > ConfigOperation.SUBTRACT) {
      return refuse(ErrorCode.INVALID_REQUEST, `Unknown config operation ${operation} for ${name}`);
    }
    if (value === null) return refuse(ErrorCode.INVALID_REQUEST, `Null value not supported for : ${name}`);
    const facts = rules.keyFacts(resource, name);
    if (facts === undefined) return refuse(ErrorCode.INVALID_CONFIG, `Unknown ${kind} config name: ${name}`);
    if (operation === ConfigOperation.SET) {
      configs.set(name, value);
      continue;
    }
    const verb = operation === ConfigOperation.APPEND ? 'APPEND' : 'SUBTRACT';
    if (!facts.isList) {
      return refuse(ErrorCode.INVALID_CONFIG, `Can't ${verb} to key ${name} because its type is not LIST.`);
    }
    const items = splitList(configs.get(name) ?? facts.defaultText ?? '');
    const given = splitList(value);
    const next =
      operation === ConfigOperation.APPEND
        ? [...items, ...given.filter((item) => !items.includes(item))]
        : items.filter((item) => !given.includes(item));
    configs.set(name, next.join(','));
  }
  return configs;
}

/**
 * Validates one resource's alteration against the image and the config tables and returns the
 * ConfigRecords that make it (a null value deletes a key; keys whose value does not change get
 * none), or the error refusing it. Pure.
 */
export function planConfigAlteration(
  alteration: ConfigResourceAlteration,
  image: MetadataImage,
  brokerIds: readonly number[],
  rules: ConfigRules,
): ConfigPlan {
  const resource = checkConfigResource(alteration, image, brokerIds);
  if ('ok' in resource) return resource;
  const current = image.configs.get(configResourceKey(resource))?.configs ?? new Map<string, string>();
  const configs = nextConfigs(alteration, resource, current, rules);
  if (!(configs instanceof Map)) return configs;
  const changed = [...new Set([...current.keys(), ...configs.keys()])].filter(
    (name) => current.get(name) !== configs.get(name),
  );
  const problem = rules.problem(image, resource, configs, changed);
  if (problem !== null) return refuse(problem.errorCode, problem.message);
  return {
    ok: true,
    records: changed.map((name) => ({
      type: MetadataRecordType.ConfigRecord,
      version: 0,
      data: {
        resourceType: resource.type,
        resourceName: resource.name,
        name,
        value: configs.get(name) ?? null,
      },
    })),
  };
}
