import { CONSUMER_OFFSETS_TOPIC, GroupCoordinatorClosedError } from '../../coordinator/index.js';
import {
  ApiKey,
  ErrorCode,
  type TxnOffsetCommitRequest,
  type TxnOffsetCommitResponse,
} from '../../protocol/index.js';
import type { ApiHandler } from '../api-handler.js';
import { supportedVersions } from '../supported-apis.js';

function answerAll(body: TxnOffsetCommitRequest, errorCode: number): TxnOffsetCommitResponse {
  return {
    throttleTimeMs: 0,
    topics: body.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })),
    })),
  };
}

/** Verification errors as a TxnOffsetCommit of this version knows them (Kafka's AddPartitionsToTxnManager mapping). */
function verificationError(errorCode: number, version: number): number {
  if (errorCode === ErrorCode.PRODUCER_FENCED) return ErrorCode.INVALID_PRODUCER_EPOCH;
  if (errorCode === ErrorCode.TRANSACTION_ABORTABLE && version < 4) return ErrorCode.INVALID_TXN_STATE;
  return errorCode;
}

/**
 * TxnOffsetCommit: offsets a transaction commits for a consumer group. The group's __consumer_offsets
 * partition must be in the producer's transaction (AddOffsetsToTxn; checked with the transaction
 * coordinator as Kafka's KIP-890 verification does: INVALID_TXN_STATE / TRANSACTION_ABORTABLE when it is
 * not, INVALID_PRODUCER_EPOCH for a fenced producer). The group coordinator checks member and generation
 * (v3+), appends the offsets as a transactional batch, and answers once it is durable; the offsets become
 * the group's committed offsets when the transaction commits, and are dropped when it aborts.
 */
export const txnOffsetCommitHandler: ApiHandler<typeof ApiKey.TxnOffsetCommit> = {
  apiKey: ApiKey.TxnOffsetCommit,
  versions: supportedVersions(ApiKey.TxnOffsetCommit),
  async handle(context, body, request) {
    const version = request.apiVersion;
    if (body.groupId === '') return answerAll(body, ErrorCode.INVALID_GROUP_ID);
    const offsetsPartition = {
      topic: CONSUMER_OFFSETS_TOPIC,
      partition: context.groups.partitionFor(body.groupId),
    };
    const [verified] = context.transactions.verifyPartitions(
      body.transactionalId,
      body.producerId,
      body.producerEpoch,
      [offsetsPartition],
    );
    if (verified !== undefined && verified !== ErrorCode.NONE) {
      return answerAll(body, verificationError(verified, version));
    }
    const image = context.metadata();
    const unknown = body.topics.some((t) =>
      t.partitions.some((p) => !(image.topicsByName.get(t.name)?.partitions.has(p.partitionIndex) ?? false)),
    );
    if (unknown) {
      return {
        throttleTimeMs: 0,
        topics: body.topics.map((t) => ({
          name: t.name,
          partitions: t.partitions.map((p) => ({
            partitionIndex: p.partitionIndex,
            errorCode:
              (image.topicsByName.get(t.name)?.partitions.has(p.partitionIndex) ?? false)
                ? ErrorCode.OPERATION_NOT_ATTEMPTED
                : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
          })),
        })),
      };
    }
    try {
      return await context.groups.txnOffsetCommit(body, version);
    } catch (error: unknown) {
      if (error instanceof GroupCoordinatorClosedError)
        return answerAll(body, ErrorCode.COORDINATOR_NOT_AVAILABLE);
      throw error;
    }
  },
  errorResponse: answerAll,
};
