// Which __transaction_state partition holds a transactional id: Kafka's Utils.abs(transactionalId.hashCode) % partitions.
import { groupPartition } from '../group/group-partition.js';

export const TRANSACTION_STATE_TOPIC = '__transaction_state';

/** The same function as for groups (Java's String.hashCode, sign bit masked), so tools reading the topic agree with Kafka. */
export function transactionPartition(transactionalId: string, numPartitions: number): number {
  return groupPartition(transactionalId, numPartitions);
}
