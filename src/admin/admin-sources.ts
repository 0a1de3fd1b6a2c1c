import type { BrokerStats } from '../broker/index.js';
import type { GroupRuntime } from '../coordinator/index.js';
import type { MetadataImage } from '../metadata/index.js';
import type { NetworkMetrics } from '../network/index.js';
import type { ReplicaManager } from '../replication/index.js';

/**
 * What the admin listener reads from a running broker. The server hands it over once the metadata
 * is loaded (before that, /metrics and /v1/* answer 503); everything is read at request time, so
 * nothing here is copied on the broker's hot paths.
 */
export interface AdminSources {
  readonly nodeId: number;
  readonly clusterId: string;
  /** The newest published metadata image. */
  readonly metadata: () => MetadataImage;
  readonly replicas: ReplicaManager;
  readonly stats: BrokerStats;
  /** The Kafka listeners' connection counters (absent until the listeners are bound). */
  readonly network: () => NetworkMetrics | undefined;
  readonly groups: GroupRuntime;
}
