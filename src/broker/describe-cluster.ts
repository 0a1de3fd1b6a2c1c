import { ApiKey, ErrorCode } from '../protocol/index.js';
import type { ApiHandler } from './api-handler.js';
import {
  AUTHORIZED_OPERATIONS_NOT_REQUESTED,
  CLUSTER_AUTHORIZED_OPERATIONS,
} from './authorized-operations.js';
import { brokersOf } from './metadata.js';
import { supportedVersions } from './supported-apis.js';

/** DescribeCluster's endpoint types (KIP-919). */
const EndpointType = { brokers: 1, controllers: 2 } as const;

/**
 * DescribeCluster: the cluster id, the controller id and the unfenced brokers by their endpoint on
 * the request's listener, as Metadata lists them. The single node is its own controller, so
 * controllerId is this node. A v1 request for another endpoint type than brokers (KIP-919's
 * controllers, served by controller listeners only) gets UNSUPPORTED_ENDPOINT_TYPE, as a Kafka
 * broker answers. The v2 `includeFencedBrokers` flag is not in the specs this build is generated from.
 */
export const describeClusterHandler: ApiHandler<typeof ApiKey.DescribeCluster> = {
  apiKey: ApiKey.DescribeCluster,
  versions: supportedVersions(ApiKey.DescribeCluster),
  async handle(context, body, request) {
    if (request.apiVersion >= 1 && body.endpointType !== EndpointType.brokers) {
      return {
        ...this.errorResponse(body, ErrorCode.UNSUPPORTED_ENDPOINT_TYPE, request.apiVersion),
        errorMessage: `The request was sent to an endpoint of type BROKER, but it asked for endpoint type ${body.endpointType}.`,
      };
    }
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      endpointType: EndpointType.brokers,
      clusterId: context.clusterId,
      controllerId: context.nodeId,
      brokers: brokersOf(context.metadata(), request.connection.listenerName).map((broker) => ({
        brokerId: broker.nodeId,
        host: broker.host,
        port: broker.port,
        rack: broker.rack,
      })),
      clusterAuthorizedOperations: body.includeClusterAuthorizedOperations
        ? CLUSTER_AUTHORIZED_OPERATIONS
        : AUTHORIZED_OPERATIONS_NOT_REQUESTED,
    };
  },
  errorResponse(_body, errorCode) {
    return {
      throttleTimeMs: 0,
      errorCode,
      errorMessage: null,
      endpointType: EndpointType.brokers,
      clusterId: '',
      controllerId: -1,
      brokers: [],
      clusterAuthorizedOperations: AUTHORIZED_OPERATIONS_NOT_REQUESTED,
    };
  },
};
