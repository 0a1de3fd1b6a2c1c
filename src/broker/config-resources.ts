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
