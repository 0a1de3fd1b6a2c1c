// What the group handlers share: the client as the coordinator records it, and answers when the coordinator stopped.
import { type ClientInfo, GroupCoordinatorClosedError } from '../../coordinator/index.js';
import type { NetworkRequest } from '../../network/index.js';
import { ErrorCode } from '../../protocol/index.js';

/** Client id from the header and host as Kafka shows it in DescribeGroups (`/address`). */
export function clientInfo(request: NetworkRequest): ClientInfo {
  return { clientId: request.header.clientId ?? '', clientHost: `/${request.connection.remoteAddress}` };
}

/**
 * The coordinator's answer, or `errorResponse(COORDINATOR_NOT_AVAILABLE)` when it stopped before
 * answering (shutdown): the client then finds the coordinator again instead of waiting.
 */
export function unlessClosed<R>(answer: Promise<R>, errorResponse: (errorCode: number) => R): Promise<R> {
  // One derived promise (an async function with await cost a promise and extra microtask turns per request).
  return answer.catch((error: unknown) => {
    if (error instanceof GroupCoordinatorClosedError)
      return errorResponse(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    throw error;
  });
}
