import { ErrorCode } from '../protocol/index.js';
import type { BrokerContext } from './broker-context.js';
import type { ConfigAlterationResult, ConfigResourceAlteration } from './config-admin.js';

function resourceKey(resource: { resourceType: number; resourceName: string }): string {
  return `${resource.resourceType}:${resource.resourceName}`;
}

/**
 * Sends the alterations to the controller and returns one result per resource, in request order.
 * A resource named twice in one request gets INVALID_REQUEST for every copy and is not altered, as
 * in Kafka (which cannot tell which copy was meant).
 */
export async function alterEachResource(
  context: BrokerContext,
  alterations: readonly ConfigResourceAlteration[],
  validateOnly: boolean,
): Promise<ConfigAlterationResult[]> {
  const counts = new Map<string, number>();
  for (const alteration of alterations) {
    counts.set(resourceKey(alteration), (counts.get(resourceKey(alteration)) ?? 0) + 1);
  }
  const unique = alterations.filter((alteration) => counts.get(resourceKey(alteration)) === 1);
  const results = await context.configs.alterConfigs(unique, { validateOnly });
  const byKey = new Map(unique.map((alteration, index) => [resourceKey(alteration), results[index]]));
  return alterations.map(
    (alteration) =>
      byKey.get(resourceKey(alteration)) ?? {
        errorCode: ErrorCode.INVALID_REQUEST,
        errorMessage: `resource ${alteration.resourceName} (type ${alteration.resourceType}) appears more than once`,
      },
  );
}

/** One resource's answer, the same shape in AlterConfigs and IncrementalAlterConfigs responses. */
export interface ResourceAnswer {
  errorCode: number;
  errorMessage: string | null;
  resourceType: number;
  resourceName: string;
}

export function resourceAnswer(
  resource: { resourceType: number; resourceName: string },
  errorCode: number,
  errorMessage: string | null,
): ResourceAnswer {
  return {
    errorCode,
    errorMessage,
    resourceType: resource.resourceType,
    resourceName: resource.resourceName,
  };
}

/** A resource as AlterConfigs and IncrementalAlterConfigs requests carry it. */
interface RequestedResource<C> {
  resourceType: number;
  resourceName: string;
  configs: readonly C[];
}

/**
 * Turns the request's resources into alterations (`operationOf` gives each config's operation),
 * alters each (see alterEachResource) and answers each, in request order.
 */
export async function alterAndAnswer<C extends { name: string; value: string | null }>(
  context: BrokerContext,
  resources: readonly RequestedResource<C>[],
  mode: ConfigResourceAlteration['mode'],
  operationOf: (config: C) => number,
  validateOnly: boolean,
): Promise<ResourceAnswer[]> {
  const alterations: ConfigResourceAlteration[] = resources.map((resource) => ({
    resourceType: resource.resourceType,
    resourceName: resource.resourceName,
    mode,
    alterations: resource.configs.map((config) => ({
      name: config.name,
      operation: operationOf(config),
      value: config.value,
    })),
  }));
  const results = await alterEachResource(context, alterations, validateOnly);
  return alterations.map((resource, index) => {
    const result = results[index] ?? { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: null };
    return resourceAnswer(resource, result.errorCode, result.errorMessage);
  });
}
