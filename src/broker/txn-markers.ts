/*
 * writeTransactionMarkers: the partition side of ending a transaction (Kafka's WriteTxnMarkers,
 * API key 27), callable in process by the transaction coordinator without going through the wire:
 *
 *   const results = await writeTransactionMarkers(
 *     { replicas: context.replicas, nowMs: context.nowMs },
 *     [{ producerId, producerEpoch, coordinatorEpoch, transactionResult: true, // true = COMMIT
 *        topics: [{ name: 'orders', partitionIndexes: [0, 1] }] }],
 *   );
 *   // results: WriteTxnMarkersResponse['markers'], one error code per partition, in request order.
 *
 * Each partition gets one control batch (COMMIT or ABORT, the coordinator epoch in its value)
 * appended as leader; the promise resolves once every marker is durable and below the high
 * watermark (acks=all, as Kafka appends markers), so the coordinator may complete the transaction
 * when every code is NONE. Per-partition errors: UNKNOWN_TOPIC_OR_PARTITION, NOT_LEADER_OR_FOLLOWER
 * (log closing), KAFKA_STORAGE_ERROR, INVALID_PRODUCER_EPOCH (the marker's producer epoch is below
 * the one this partition has seen: a zombie coordinator request, never retried by Kafka's
 * coordinator), TRANSACTION_COORDINATOR_FENCED (an older coordinator epoch).
 */
import {
  ErrorCode,
  KafkaError,
  PyralogError,
  type WriteTxnMarkersRequestWritableTxnMarker,
  type WriteTxnMarkersResponseWritableTxnMarkerPartitionResult,
  type WriteTxnMarkersResponseWritableTxnMarkerResult,
} from '../protocol/index.js';
import type { ReplicaManager } from '../replication/index.js';

const CONSUMER_OFFSETS_TOPIC = '__consumer_offsets';

/** What writeTransactionMarkers needs: the hosted partitions and the wall clock (the markers' timestamps). */
export interface TxnMarkerDeps {
  readonly replicas: ReplicaManager;
  readonly nowMs: () => number;
  /**
   * Called once a marker is durable on `__consumer_offsets` partitions (Kafka's
   * onTransactionCompleted): the group coordinator applies (commit) or drops (abort) the offsets
   * the transaction committed with TxnOffsetCommit. A rejection answers those partitions
   * UNKNOWN_SERVER_ERROR.
   */
  readonly onConsumerOffsetsMarker?: (completion: ConsumerOffsetsTxnCompletion) => Promise<void>;
}

/** A transaction ended on some `__consumer_offsets` partitions. */
export interface ConsumerOffsetsTxnCompletion {
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly isCommit: boolean;
  readonly partitions: readonly number[];
}

type PartitionResult = WriteTxnMarkersResponseWritableTxnMarkerPartitionResult;

interface PendingMarker {
  readonly result: PartitionResult;
  readonly acknowledged: Promise<void>;
}

/** See the file comment. Never rejects: every failure is a partition's error code. */
export async function writeTransactionMarkers(
  deps: TxnMarkerDeps,
  markers: readonly WriteTxnMarkersRequestWritableTxnMarker[],
): Promise<WriteTxnMarkersResponseWritableTxnMarkerResult[]> {
  const pending: Promise<void>[] = [];
  // Every marker is appended before the first await, so markers for one partition keep their order.
  const results = markers.map((marker) => {
    const completions: { topic: string; partitions: PendingMarker[] }[] = [];
    const result: WriteTxnMarkersResponseWritableTxnMarkerResult = {
      producerId: marker.producerId,
      topics: marker.topics.map((topic) => {
        const partitions = topic.partitionIndexes.map((index) =>
          appendMarker(deps, marker, topic.name, index),
        );
        completions.push({ topic: topic.name, partitions: partitions.filter(isPending) });
        return { name: topic.name, partitions: partitions.map((p) => (isPending(p) ? p.result : p)) };
      }),
    };
    pending.push(awaitMarker(deps, marker, completions));
    return result;
  });
  await Promise.all(pending);
  return results;
}

function isPending(outcome: PartitionResult | PendingMarker): outcome is PendingMarker {
  return 'acknowledged' in outcome;
}

function appendMarker(
  deps: TxnMarkerDeps,
  marker: WriteTxnMarkersRequestWritableTxnMarker,
  topic: string,
  partitionIndex: number,
): PartitionResult | PendingMarker {
  const partition = deps.replicas.getPartition(topic, partitionIndex);
  if (partition === undefined || partition.isRemoved)
    return { partitionIndex, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION };
  try {
    const appended = partition.appendEndTxnMarker({
      producerId: marker.producerId,
      producerEpoch: marker.producerEpoch,
      coordinatorEpoch: marker.coordinatorEpoch,
      isCommit: marker.transactionResult,
      timestampMs: BigInt(deps.nowMs()),
    });
    if ('errorCode' in appended) return { partitionIndex, errorCode: appended.errorCode };
    return { result: { partitionIndex, errorCode: ErrorCode.NONE }, acknowledged: appended.acknowledged };
  } catch (error: unknown) {
    return { partitionIndex, errorCode: errorCodeOf(error) };
  }
}

function errorCodeOf(error: unknown): number {
  // The partition went away or lost its leadership while the marker waited (Partition.waitFor).
  if (error instanceof KafkaError) return error.errorCode;
  if (error instanceof PyralogError && error.code === 'LOG_CLOSED') return ErrorCode.NOT_LEADER_OR_FOLLOWER;
  if (error instanceof PyralogError && error.code === 'LOG_FAILED') return ErrorCode.KAFKA_STORAGE_ERROR;
  return ErrorCode.UNKNOWN_SERVER_ERROR;
}

/** Waits for a marker's partitions to acknowledge, then lets the group coordinator complete its offsets. */
async function awaitMarker(
  deps: TxnMarkerDeps,
  marker: WriteTxnMarkersRequestWritableTxnMarker,
  topics: readonly { topic: string; partitions: readonly PendingMarker[] }[],
): Promise<void> {
  const all = topics.flatMap((topic) => topic.partitions);
  await Promise.all(
    all.map(async (pending) => {
      try {
        await pending.acknowledged;
      } catch (error: unknown) {
        pending.result.errorCode = errorCodeOf(error);
      }
    }),
  );
  const offsets = topics
    .filter((topic) => topic.topic === CONSUMER_OFFSETS_TOPIC)
    .flatMap((topic) => topic.partitions)
    .filter((pending) => pending.result.errorCode === ErrorCode.NONE);
  if (deps.onConsumerOffsetsMarker === undefined || offsets.length === 0) return;
  try {
    await deps.onConsumerOffsetsMarker({
      producerId: marker.producerId,
      producerEpoch: marker.producerEpoch,
      isCommit: marker.transactionResult,
      partitions: offsets.map((pending) => pending.result.partitionIndex),
    });
  } catch {
    for (const pending of offsets) pending.result.errorCode = ErrorCode.UNKNOWN_SERVER_ERROR;
  }
}
