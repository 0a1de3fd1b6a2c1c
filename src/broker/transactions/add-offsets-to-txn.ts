import { CONSUMER_OFFSETS_TOPIC } from '../../coordinator/index.js';
import { ApiKey, ErrorCode } from '../../protocol/index.js';
import type { ApiHandler } from '../api-handler.js';
import { supportedVersions } from '../supported-apis.js';
import { fencedForVersion, unlessTxnClosed } from './txn-request.js';

/**
 * AddOffsetsToTxn: the __consumer_offsets partition of the group joins the transaction (as
 * AddPartitionsToTxn would add it), so the transaction's end writes a marker there too and the offsets
 * sent with TxnOffsetCommit become visible (commit) or are dropped (abort). INVALID_GROUP_ID for an
 * empty group id; PRODUCER_FENCED is INVALID_PRODUCER_EPOCH before v2.
 */
export const addOffsetsToTxnHandler: ApiHandler<typeof ApiKey.AddOffsetsToTxn> = {
  apiKey: ApiKey.AddOffsetsToTxn,
  versions: supportedVersions(ApiKey.AddOffsetsToTxn),
  async handle(context, body, request) {
    if (body.groupId === '') return { throttleTimeMs: 0, errorCode: ErrorCode.INVALID_GROUP_ID };
    const partition = { topic: CONSUMER_OFFSETS_TOPIC, partition: context.groups.partitionFor(body.groupId) };
    const answer = context.transactions.addPartitions(
      body.transactionalId,
      body.producerId,
      body.producerEpoch,
      [partition],
      0,
    );
    const outcome = await unlessTxnClosed(answer, (errorCode) => ({
      errorCode,
      producerId: -1n,
      producerEpoch: -1,
    }));
    const errorCode = fencedForVersion(outcome.errorCode, request.apiVersion, 2);
    return {
      throttleTimeMs: 0,
      errorCode:
        errorCode === ErrorCode.TRANSACTION_ABORTABLE && request.apiVersion < 4
          ? ErrorCode.INVALID_TXN_STATE
          : errorCode,
    };
  },
  errorResponse: (_body, errorCode) => ({ throttleTimeMs: 0, errorCode }),
};
