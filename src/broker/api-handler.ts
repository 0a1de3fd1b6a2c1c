import type { NetworkRequest } from '../network/index.js';
import type { ApiKey, RequestBodies, ResponseBodies, VersionRange } from '../protocol/index.js';
import type { BrokerContext } from './broker-context.js';

/**
 * One API's handler: the versions it serves, the work (decoded body in, response body out; null
 * for no response), and the response that answers every part of a request with one error code
 * (UNSUPPORTED_VERSION for a version outside `versions`, UNKNOWN_SERVER_ERROR after a failure).
 */
export interface ApiHandler<K extends ApiKey> {
  readonly apiKey: K;
  readonly versions: VersionRange;
  handle(
    context: BrokerContext,
    body: RequestBodies[K],
    request: NetworkRequest,
  ): Promise<ResponseBodies[K] | null>;
  errorResponse(body: RequestBodies[K], errorCode: number, version: number): ResponseBodies[K];
}
