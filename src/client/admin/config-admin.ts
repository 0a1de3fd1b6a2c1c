// Admin operations on configs: DescribeConfigs and IncrementalAlterConfigs for topics, brokers and groups.
import { ApiKey, type KafkaError } from '../../protocol/index.js';
import type { Cluster } from '../cluster.js';
import type { NodeConnection } from '../node-connection.js';
import { withRetries } from '../retry.js';
import { type AdminCallOptions, errorOf, groupBy, requestOptions } from './admin-call.js';

/** Kafka's ConfigResource.Type codes. */
export const ConfigResourceType = {
  topic: 2,
  broker: 4,
  brokerLogger: 8,
  clientMetrics: 16,
  group: 32,
} as const;
export type ConfigResourceTypeName = keyof typeof ConfigResourceType;

/** Kafka's ConfigEntry.ConfigSource names by wire code. */
const CONFIG_SOURCES = [
  'UNKNOWN',
  'DYNAMIC_TOPIC_CONFIG',
  'DYNAMIC_BROKER_CONFIG',
  'DYNAMIC_DEFAULT_BROKER_CONFIG',
  'STATIC_BROKER_CONFIG',
  'DEFAULT_CONFIG',
  'DYNAMIC_BROKER_LOGGER_CONFIG',
  'CLIENT_METRICS_CONFIG',
  'GROUP_CONFIG',
] as const;
export type ConfigSourceName = (typeof CONFIG_SOURCES)[number];

/** Kafka's ConfigEntry.ConfigType names by wire code. */
const CONFIG_TYPES = [
  'UNKNOWN',
  'BOOLEAN',
  'STRING',
  'INT',
  'SHORT',
  'LONG',
  'DOUBLE',
  'LIST',
  'CLASS',
  'PASSWORD',
] as const;
export type ConfigTypeName = (typeof CONFIG_TYPES)[number];

export interface ConfigResource {
  readonly type: ConfigResourceTypeName;
  /** Topic name, broker id as a string ('' for the cluster-wide broker default), or group id. */
  readonly name: string;
}

export interface ConfigSynonym {
  readonly name: string;
  readonly value: string | null;
  readonly source: ConfigSourceName;
}

export interface ConfigEntry {
  readonly name: string;
  /** Null for sensitive values and unset ones. */
  readonly value: string | null;
  readonly source: ConfigSourceName;
  readonly isDefault: boolean;
  readonly isReadOnly: boolean;
  readonly isSensitive: boolean;
  readonly synonyms: readonly ConfigSynonym[];
  readonly type: ConfigTypeName;
  readonly documentation: string | null;
}

export interface DescribeConfigsResult {
  readonly resource: ConfigResource;
  readonly entries: readonly ConfigEntry[];
  readonly error: KafkaError | null;
}

function sourceName(code: number): ConfigSourceName {
  return CONFIG_SOURCES[code] ?? 'UNKNOWN';
}

/**
 * Where a resource's config requests go: a specific broker's resource to that broker (only it knows its
 * static settings), everything else to any broker.
 */
function routeOf(resource: ConfigResource): number | 'any' {
  if ((resource.type === 'broker' || resource.type === 'brokerLogger') && /^\d+$/.test(resource.name)) {
    return Number(resource.name);
  }
  return 'any';
}

async function connectionFor(
  cluster: Cluster,
  route: number | 'any',
  signal?: AbortSignal,
): Promise<NodeConnection> {
  return route === 'any' ? cluster.anyConnection(signal) : cluster.connectionTo(route, signal);
}

/** Runs `work` for each route's resources and returns the results in the order of `resources`. */
async function perRoute<T extends ConfigResource, R>(
  cluster: Cluster,
  resources: readonly T[],
  options: AdminCallOptions,
  work: (connection: NodeConnection, resources: T[]) => Promise<Map<string, R>>,
): Promise<Map<string, R>> {
  const merged = new Map<string, R>();
  await Promise.all(
    [...groupBy(resources, routeOf)].map(async ([route, group]) => {
      const results = await withRetries(
        async () => work(await connectionFor(cluster, route, options.signal), group),
        cluster.options.retryPolicy,
        { signal: options.signal },
      );
      for (const [key, value] of results) merged.set(key, value);
    }),
  );
  return merged;
}

function keyOf(type: number, name: string): string {
  return `${type}:${name}`;
}

/** DescribeConfigs; `keys` limits the answer to those config names. Results follow `resources`' order. */
export async function describeConfigs(
  cluster: Cluster,
  resources: readonly (ConfigResource & { keys?: readonly string[] })[],
  options: AdminCallOptions & { includeSynonyms?: boolean; includeDocumentation?: boolean } = {},
): Promise<DescribeConfigsResult[]> {
  const answers = await perRoute(cluster, resources, options, async (connection, group) => {
    const version = connection.version(ApiKey.DescribeConfigs, { max: 4 });
    const response = await connection.request(
      ApiKey.DescribeConfigs,
      version,
      {
        resources: group.map((resource) => ({
          resourceType: ConfigResourceType[resource.type],
          resourceName: resource.name,
          configurationKeys: resource.keys === undefined ? null : [...resource.keys],
        })),
        includeSynonyms: version >= 1 && (options.includeSynonyms ?? false),
        includeDocumentation: version >= 3 && (options.includeDocumentation ?? false),
      },
      requestOptions(options),
    );
    return new Map(
      response.results.map((result) => [keyOf(result.resourceType, result.resourceName), result]),
    );
  });
  return resources.map((resource): DescribeConfigsResult => {
    const result = answers.get(keyOf(ConfigResourceType[resource.type], resource.name));
    if (result === undefined) {
      return { resource, entries: [], error: errorOf(-1, `no answer for ${resource.type} ${resource.name}`) };
    }
    return {
      resource: { type: resource.type, name: resource.name },
      error: errorOf(result.errorCode, result.errorMessage),
      entries: result.configs.map((entry) => {
        // DescribeConfigs v0 has isDefault instead of a source.
        const source = entry.configSource === -1 ? (entry.isDefault ? 5 : 0) : entry.configSource;
        return {
          name: entry.name,
          value: entry.value,
          source: sourceName(source),
          isDefault: source === 5,
          isReadOnly: entry.readOnly,
          isSensitive: entry.isSensitive,
          synonyms: entry.synonyms.map((s) => ({
            name: s.name,
            value: s.value,
            source: sourceName(s.source),
          })),
          type: CONFIG_TYPES[entry.configType] ?? 'UNKNOWN',
          documentation: entry.documentation === '' ? null : entry.documentation,
        };
      }),
    };
  });
}

/** IncrementalAlterConfigs operations (Kafka's AlterConfigOp.OpType). */
export const AlterConfigOp = { set: 0, delete: 1, append: 2, subtract: 3 } as const;
export type AlterConfigOpName = keyof typeof AlterConfigOp;

export interface ConfigAlteration {
  readonly name: string;
  readonly op: AlterConfigOpName;
  /** Required for set/append/subtract; ignored for delete. */
  readonly value?: string;
}

export interface AlterConfigsResult {
  readonly resource: ConfigResource;
  readonly error: KafkaError | null;
}

/** IncrementalAlterConfigs (KIP-339); per-resource errors (INVALID_CONFIG, ...) are values. */
export async function incrementalAlterConfigs(
  cluster: Cluster,
  alterations: readonly (ConfigResource & { configs: readonly ConfigAlteration[] })[],
  options: AdminCallOptions & { validateOnly?: boolean } = {},
): Promise<AlterConfigsResult[]> {
  const answers = await perRoute(cluster, alterations, options, async (connection, group) => {
    const version = connection.version(ApiKey.IncrementalAlterConfigs, { max: 1 });
    const response = await connection.request(
      ApiKey.IncrementalAlterConfigs,
      version,
      {
        resources: group.map((resource) => ({
          resourceType: ConfigResourceType[resource.type],
          resourceName: resource.name,
          configs: resource.configs.map((config) => ({
            name: config.name,
            configOperation: AlterConfigOp[config.op],
            value: config.op === 'delete' ? null : (config.value ?? null),
          })),
        })),
        validateOnly: options.validateOnly ?? false,
      },
      requestOptions(options),
    );
    return new Map(
      response.responses.map((result) => [keyOf(result.resourceType, result.resourceName), result]),
    );
  });
  return alterations.map((resource) => {
    const result = answers.get(keyOf(ConfigResourceType[resource.type], resource.name));
    return {
      resource: { type: resource.type, name: resource.name },
      error:
        result === undefined
          ? errorOf(-1, `no answer for ${resource.type} ${resource.name}`)
          : errorOf(result.errorCode, result.errorMessage),
    };
  });
}
