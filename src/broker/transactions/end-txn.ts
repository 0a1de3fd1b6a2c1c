import { ApiKey, type EndTxnResponse, ErrorCode } from '../../protocol/index.js';
import type { ApiHandler } from '../api-handler.js';
import { supportedVersions } from '../supported-apis.js';
import { fencedForVersion, unlessTxnClosed } from './txn-request.js';

function errorBody(errorCode: number): EndTxnResponse {
  return { throttleTimeMs: 0, errorCode, producerId: -1n, producerEpoch: -1 };
}

/**
 * EndTxn: answered once the PrepareCommit/PrepareAbort record is durable (the outcome is decided); the
 * markers are written after. v5+ is Transactions V2 (KIP-890 part 2): the epoch goes up at every end
 * and the answer carries the producer id and epoch the producer must use next. Errors:
 * INVALID_PRODUCER_ID_MAPPING, PRODUCER_FENCED (INVALID_PRODUCER_EPOCH before v2), INVALID_TXN_STATE,
 * CONCURRENT_TRANSACTIONS while a previous end is still writing markers.
 */
export const endTxnHandler: ApiHandler<typeof ApiKey.EndTxn> = {
  apiKey: ApiKey.EndTxn,
  versions: supportedVersions(ApiKey.EndTxn),
  async handle(context, body, request) {
    const v2 = request.apiVersion >= 5;
    const answer = context.transactions.endTxn(body.transactionalId, {
      producerId: body.producerId,
      producerEpoch: body.producerEpoch,
      committed: body.committed,
      v2,
    });
    const outcome = await unlessTxnClosed(answer, (errorCode) => ({
      errorCode,
      producerId: -1n,
      producerEpoch: -1,
    }));
    if (outcome.errorCode !== ErrorCode.NONE) {
      const errorCode = fencedForVersion(outcome.errorCode, request.apiVersion, 2);
      return errorBody(
        errorCode === ErrorCode.TRANSACTION_ABORTABLE && request.apiVersion < 4
          ? ErrorCode.INVALID_TXN_STATE
          : errorCode,
      );
    }
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      producerId: outcome.producerId,
      producerEpoch: outcome.producerEpoch,
    };
  },
  errorResponse: (_body, errorCode) => errorBody(errorCode),
};
