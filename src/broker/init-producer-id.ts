import { ApiKey, ErrorCode, type InitProducerIdResponse } from '../protocol/index.js';
import type { ApiHandler } from './api-handler.js';
import { supportedVersions } from './supported-apis.js';

function errorBody(errorCode: number): InitProducerIdResponse {
  return { throttleTimeMs: 0, errorCode, producerId: -1n, producerEpoch: -1 };
}

/**
 * InitProducerId for idempotent producers (no transactional id): a producer id no one had before,
 * at epoch 0, as Kafka answers it (a v3+ request's current id and epoch do not matter without a
 * transactional id). Errors: INVALID_REQUEST for an empty transactional id (as Kafka) and for any
 * transactional id, since this broker has no transaction coordinator yet (issue 6; logged once per
 * request so the operator sees why); COORDINATOR_LOAD_IN_PROGRESS (retriable, as Kafka's
 * RPCProducerIdManager) while no producer id block can be allocated.
 */
export const initProducerIdHandler: ApiHandler<typeof ApiKey.InitProducerId> = {
  apiKey: ApiKey.InitProducerId,
  versions: supportedVersions(ApiKey.InitProducerId),
  async handle(context, body) {
    if (body.transactionalId !== null) {
      if (body.transactionalId !== '') {
        context.logger.warn(
          { transactionalId: body.transactionalId },
          'InitProducerId with a transactional.id refused: transactions are not supported yet',
        );
      }
      return errorBody(ErrorCode.INVALID_REQUEST);
    }
    try {
      const producerId = await context.producerIds.generateProducerId();
      return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId, producerEpoch: 0 };
    } catch (error: unknown) {
      context.logger.error({ error: String(error) }, 'no producer id could be allocated');
      return errorBody(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    }
  },
  errorResponse: (_body, errorCode) => errorBody(errorCode),
};
