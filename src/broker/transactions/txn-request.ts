// What the transaction handlers share: answers when the coordinator stopped, and error codes as each version knows them.
import { TxnCoordinatorClosedError } from '../../coordinator/index.js';
import { ErrorCode } from '../../protocol/index.js';

/**
 * The coordinator's answer, or `errorResponse(COORDINATOR_NOT_AVAILABLE)` when it stopped before
 * answering (shutdown): the client then finds the coordinator again instead of waiting.
 */
export async function unlessTxnClosed<R>(
  answer: Promise<R>,
  errorResponse: (errorCode: number) => R,
): Promise<R> {
  try {
    return await answer;
  } catch (error: unknown) {
    if (error instanceof TxnCoordinatorClosedError) return errorResponse(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    throw error;
  }
}

/**
 * PRODUCER_FENCED exists from InitProducerId v4, AddPartitionsToTxn/AddOffsetsToTxn/EndTxn v2 on;
 * older versions get INVALID_PRODUCER_EPOCH, which their clients treat as fatal the same way (Kafka
 * does this downgrade in each response).
 */
export function fencedForVersion(errorCode: number, version: number, producerFencedSince: number): number {
  return errorCode === ErrorCode.PRODUCER_FENCED && version < producerFencedSince
    ? ErrorCode.INVALID_PRODUCER_EPOCH
    : errorCode;
}
