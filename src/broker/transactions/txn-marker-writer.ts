// The transaction coordinator's marker port over this node's partitions: WriteTxnMarkers, in process.
import type { MarkerResult, TxnMarkerJob, TxnMarkerWriter } from '../../coordinator/index.js';
import type { ReplicaManager } from '../../replication/index.js';
import { type ConsumerOffsetsTxnCompletion, writeTransactionMarkers } from '../txn-markers.js';

/**
 * Writes a job's markers with writeTransactionMarkers (one control batch per partition, durable before
 * it resolves) and hands back one result per partition. `onConsumerOffsetsMarker` lets the group
 * coordinator apply or drop the transaction's offsets once its __consumer_offsets marker is durable.
 */
export function partitionMarkerWriter(
  replicas: ReplicaManager,
  nowMs: () => number,
  onConsumerOffsetsMarker?: (completion: ConsumerOffsetsTxnCompletion) => Promise<void>,
): TxnMarkerWriter {
  const deps =
    onConsumerOffsetsMarker === undefined
      ? { replicas, nowMs }
      : { replicas, nowMs, onConsumerOffsetsMarker };
  return {
    async writeMarkers(job: TxnMarkerJob): Promise<MarkerResult[]> {
      const topics = new Map<string, number[]>();
      for (const p of job.partitions) topics.set(p.topic, [...(topics.get(p.topic) ?? []), p.partition]);
      const [answer] = await writeTransactionMarkers(deps, [
        {
          producerId: job.producerId,
          producerEpoch: job.producerEpoch,
          coordinatorEpoch: job.coordinatorEpoch,
          transactionResult: job.committed,
          topics: [...topics].map(([name, partitionIndexes]) => ({ name, partitionIndexes })),
        },
      ]);
      return (answer?.topics ?? []).flatMap((t) =>
        t.partitions.map((p) => ({ topic: t.name, partition: p.partitionIndex, errorCode: p.errorCode })),
      );
    },
  };
}
