// Admin description of the cluster: DescribeCluster (KIP-700), or Metadata on brokers without it.
import { ApiKey, kafkaErrorFromCode } from '../../protocol/index.js';
import type { Cluster } from '../cluster.js';
import type { BrokerNode } from '../cluster-view.js';
import { type AdminCallOptions, callAnyBroker, requestOptions } from './admin-call.js';

export interface ClusterDescription {
  readonly clusterId: string | null;
  /** -1 when the broker does not say. */
  readonly controllerId: number;
  /** Sorted by node id. */
  readonly brokers: readonly BrokerNode[];
}

/** DescribeCluster where the broker has it (Kafka 2.8+), otherwise the brokers of a Metadata answer. */
export function describeCluster(
  cluster: Cluster,
  options: AdminCallOptions = {},
): Promise<ClusterDescription> {
  return callAnyBroker(cluster, options, async (connection) => {
    const version = connection.maybeVersion(ApiKey.DescribeCluster, { max: 1 });
    if (version === undefined) {
      const view = await cluster.refresh({ topics: [], signal: options.signal });
      return {
        clusterId: view.clusterId,
        controllerId: view.controllerId,
        brokers: [...view.brokers.values()].sort((a, b) => a.nodeId - b.nodeId),
      };
    }
    const response = await connection.request(
      ApiKey.DescribeCluster,
      version,
      { includeClusterAuthorizedOperations: false, endpointType: 1 },
      requestOptions(options),
    );
    const error = kafkaErrorFromCode(response.errorCode, response.errorMessage);
    if (error !== undefined) throw error;
    return {
      clusterId: response.clusterId,
      controllerId: response.controllerId,
      brokers: response.brokers
        .map((b) => ({ nodeId: b.brokerId, host: b.host, port: b.port, rack: b.rack }))
        .sort((a, b) => a.nodeId - b.nodeId),
    };
  });
}
