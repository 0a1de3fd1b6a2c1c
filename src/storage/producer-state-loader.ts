import {
  ControlRecordType,
  CorruptRecordError,
  decodeControlRecordKey,
  decodeEndTxnMarker,
  decodeRecordBatchSync,
  type RecordBatchView,
  viewRecordBatches,
} from '../protocol/index.js';
import { floorSegment, readBatches } from './log-reader.js';
import type { ProducerSnapshotStore } from './producer-snapshot-store.js';
import {
  type CompletedTxn,
  type EndTxnMarkerInfo,
  type ProducerBatch,
  ProducerStateTable,
} from './producer-state.js';
import type { LogSegment } from './segment.js';
import type { StorageLogger } from './storage-logger.js';

/** Bytes read per step while replaying the log tail into the producer state. */
const REPLAY_READ_BYTES = 1024 * 1024;

/**
 * The commit or abort marker a control batch holds (its first record: Kafka writes one per batch),
 * or undefined for a data batch, another control type, or a control record that does not parse
 * (which, as in Kafka's replay, ends no transaction).
 */
export function endTxnMarkerOf(view: RecordBatchView): EndTxnMarkerInfo | undefined {
  if (!view.isControl || view.recordsCount === 0) return undefined;
  try {
    const record = decodeRecordBatchSync(view, { verifyCrc: false }).records[0];
    if (record === undefined) return undefined;
    const { type } = decodeControlRecordKey(record.key);
    if (type !== ControlRecordType.commit && type !== ControlRecordType.abort) return undefined;
    const { coordinatorEpoch } = decodeEndTxnMarker(record.value);
    return { isCommit: type === ControlRecordType.commit, coordinatorEpoch };
  } catch (error: unknown) {
    if (error instanceof CorruptRecordError) return undefined;
    throw error;
  }
}

/** The producer-state fields of a stored batch (a control batch's marker decoded). */
export function producerBatchOf(view: RecordBatchView): ProducerBatch {
  return {
    producerId: view.producerId,
    producerEpoch: view.producerEpoch,
    baseSequence: view.baseSequence,
    lastOffsetDelta: view.lastOffsetDelta,
    maxTimestamp: view.maxTimestamp,
    isTransactional: view.isTransactional,
    isControl: view.isControl,
    endTxnMarker: endTxnMarkerOf(view),
  };
}

/** Applies every batch in [fromOffset, toOffset) of `segments` to `table`; `onCompleted` sees each transaction a marker ends. */
export async function replayIntoProducerState(
  table: ProducerStateTable,
  segments: readonly LogSegment[],
  fromOffset: bigint,
  toOffset: bigint,
  onCompleted: (txn: CompletedTxn) => Promise<void> = async () => {},
): Promise<void> {
  let offset = fromOffset;
  while (offset < toOffset) {
    const records = await readBatches(segments, offset, {
      maxBytes: REPLAY_READ_BYTES,
      minOneBatch: true,
      maxOffset: toOffset,
    });
    if (records.length === 0) return;
    for (const view of viewRecordBatches(records, { verifyCrc: false })) {
      const completed = table.record(producerBatchOf(view), view.baseOffset, view.lastOffset);
      if (completed !== undefined) await onCompleted(completed);
      offset = view.nextOffset;
    }
  }
}

/**
 * Rebuilds a partition's producer state as Kafka does on load and after truncation: snapshots past
 * the log end are removed, the newest readable snapshot at or below it is loaded (corrupt ones are
 * logged and removed), the log from that snapshot (or from the log start) to the end is replayed,
 * and producers wholly below the log start are forgotten.
 *
 * With `txnIndexRebuildFrom` (recovered segments, or a `.txnindex` that did not parse), the
 * `.txnindex` of every segment from that offset on is emptied and rebuilt by the same replay, which
 * then starts at a snapshot at or below that offset, as Kafka's segment recovery rebuilds the
 * producer state up to the segment first: each aborted transaction goes to the segment of its marker.
 */
export async function loadProducerState(params: {
  readonly store: ProducerSnapshotStore;
  readonly segments: readonly LogSegment[];
  readonly logStartOffset: bigint;
  readonly logEndOffset: bigint;
  readonly txnIndexRebuildFrom?: bigint | undefined;
  readonly logger?: StorageLogger;
}): Promise<ProducerStateTable> {
  const { store, segments, logStartOffset, logEndOffset, txnIndexRebuildFrom } = params;
  await store.deleteAbove(logEndOffset);
  const rebuildFrom =
    txnIndexRebuildFrom !== undefined && txnIndexRebuildFrom < logEndOffset ? txnIndexRebuildFrom : undefined;
  if (txnIndexRebuildFrom !== undefined) {
    for (const segment of segments)
      if (segment.baseOffset >= txnIndexRebuildFrom) await segment.txnIndex.reset();
  }
  const snapshot = await store.loadLatest(rebuildFrom ?? logEndOffset);
  const table = new ProducerStateTable(snapshot?.entries ?? []);
  const from = snapshot !== undefined && snapshot.offset > logStartOffset ? snapshot.offset : logStartOffset;
  let rebuilt = 0;
  await replayIntoProducerState(table, segments, from, logEndOffset, async (txn) => {
    if (rebuildFrom === undefined || !txn.isAborted || txn.lastOffset < rebuildFrom) return;
    await segments[floorSegment(segments, txn.lastOffset)]!.txnIndex.append(txn);
    rebuilt += 1;
  });
  if (rebuildFrom !== undefined) {
    params.logger?.info(
      { fromOffset: rebuildFrom.toString(), abortedTxns: rebuilt },
      `rebuilt the transaction indexes from offset ${rebuildFrom}`,
    );
  }
  table.onHighWatermarkUpdated(logEndOffset);
  table.removeBefore(logStartOffset);
  return table;
}
