import { ApiKey, ErrorCode, type InitProducerIdResponse } from '../protocol/index.js';
import type { ApiHandler } from './api-handler.js';
import { supportedVersions } from './supported-apis.js';
import { fencedForVersion, unlessTxnClosed } from './transactions/txn-request.js';

function errorBody(errorCode: number): InitProducerIdResponse {
  return { throttleTimeMs: 0, errorCode, producerId: -1n, producerEpoch: -1 };
}

/**
 * InitProducerId. Without a transactional id (idempotent producers): a producer id no one had before,
 * at epoch 0 (a v3+ request's current id and epoch do not matter then, as in Kafka);
 * COORDINATOR_LOAD_IN_PROGRESS (retriable, as Kafka's RPCProducerIdManager) while no producer id block
 * can be allocated. With one: the transaction coordinator's answer (epoch bump that fences older
 * producers, KIP-360 recovery from the v3+ producer id and epoch, CONCURRENT_TRANSACTIONS while it
 * aborts an open transaction first). INVALID_REQUEST for an empty transactional id or for only one of
 * producer id and epoch set; PRODUCER_FENCED is INVALID_PRODUCER_EPOCH before v4.
 */
export const initProducerIdHandler: ApiHandler<typeof ApiKey.InitProducerId> = {
  apiKey: ApiKey.InitProducerId,
  versions: supportedVersions(ApiKey.InitProducerId),
  async handle(context, body, request) {
    if (body.transactionalId === null) {
      try {
        const producerId = await context.producerIds.generateProducerId();
        return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId, producerEpoch: 0 };
      } catch (error: unknown) {
        context.logger.error({ error: String(error) }, 'no producer id could be allocated');
        return errorBody(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
      }
    }
    if (body.transactionalId === '') return errorBody(ErrorCode.INVALID_REQUEST);
    const hasId = body.producerId !== -1n;
    const hasEpoch = body.producerEpoch !== -1;
    if (hasId !== hasEpoch) return errorBody(ErrorCode.INVALID_REQUEST);
    const answer = context.transactions.initProducerId({
      transactionalId: body.transactionalId,
      transactionTimeoutMs: body.transactionTimeoutMs,
      expected: hasId ? { producerId: body.producerId, producerEpoch: body.producerEpoch } : null,
    });
    const outcome = await unlessTxnClosed(answer, (errorCode) => ({
      errorCode,
      producerId: -1n,
      producerEpoch: -1,
    }));
    if (outcome.errorCode !== ErrorCode.NONE) {
      return errorBody(fencedForVersion(outcome.errorCode, request.apiVersion, 4));
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
