// KIP-890 part 1 in process: a partition leader asks this node's transaction coordinator whether a
// transactional batch's partition was added to the producer's ongoing transaction.
import type { TxnRuntime } from '../../coordinator/index.js';
import { ErrorCode } from '../../protocol/index.js';

/**
 * The coordinator's verification answer as Produce reports it (Kafka's AddPartitionsToTxnManager):
 * PRODUCER_FENCED → INVALID_PRODUCER_EPOCH; a partition not in the transaction (TRANSACTION_ABORTABLE)
 * or an unknown producer id → INVALID_TXN_STATE; a coordinator that cannot answer now (ending
 * transaction, not available) → NOT_ENOUGH_REPLICAS, which every producer retries.
 */
export function produceErrorForVerification(errorCode: number): number {
  switch (errorCode) {
    case ErrorCode.NONE:
      return ErrorCode.NONE;
    case ErrorCode.PRODUCER_FENCED:
      return ErrorCode.INVALID_PRODUCER_EPOCH;
    case ErrorCode.TRANSACTION_ABORTABLE:
    case ErrorCode.INVALID_PRODUCER_ID_MAPPING:
    case ErrorCode.INVALID_REQUEST:
      return ErrorCode.INVALID_TXN_STATE;
    default:
      return ErrorCode.NOT_ENOUGH_REPLICAS;
  }
}

/** The TransactionVerifier port of the produce path, answered by `transactions` (no wire round trip on a single node). */
export function coordinatorVerifier(transactions: TxnRuntime): {
  verifyTransaction(
    transactionalId: string,
    producerId: bigint,
    producerEpoch: number,
    topic: string,
    partition: number,
  ): Promise<number>;
} {
  return {
    verifyTransaction(transactionalId, producerId, producerEpoch, topic, partition) {
      const [code] = transactions.verifyPartitions(transactionalId, producerId, producerEpoch, [
        { topic, partition },
      ]);
      return Promise.resolve(produceErrorForVerification(code ?? ErrorCode.UNKNOWN_SERVER_ERROR));
    },
  };
}
