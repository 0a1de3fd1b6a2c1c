import { type RecordBatchView, viewRecordBatches } from '../protocol/index.js';
import { readBatches } from './log-reader.js';
import type { ProducerSnapshotStore } from './producer-snapshot-store.js';
import { type ProducerBatch, ProducerStateTable } from './producer-state.js';
import type { LogSegment } from './segment.js';

/** Bytes read per step while replaying the log tail into the producer state. */
const REPLAY_READ_BYTES = 1024 * 1024;

/** The producer-state fields of a stored batch. */
export function producerBatchOf(view: RecordBatchView): ProducerBatch {
  return {
    producerId: view.producerId,
    producerEpoch: view.producerEpoch,
    baseSequence: view.baseSequence,
    lastOffsetDelta: view.lastOffsetDelta,
    maxTimestamp: view.maxTimestamp,
    isTransactional: view.isTransactional,
    isControl: view.isControl,
  };
}

/** Applies every batch in [fromOffset, toOffset) of `segments` to `table`. */
export async function replayIntoProducerState(
  table: ProducerStateTable,
  segments: readonly LogSegment[],
  fromOffset: bigint,
  toOffset: bigint,
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
      table.record(producerBatchOf(view), view.baseOffset, view.lastOffset);
      offset = view.nextOffset;
    }
  }
}

/**
 * Rebuilds a partition's producer state as Kafka does on load and after truncation: snapshots past
 * the log end are removed, the newest readable snapshot at or below it is loaded (corrupt ones are
 * logged and removed), the log from that snapshot (or from the log start) to the end is replayed,
 * and producers wholly below the log start are forgotten.
 */
export async function loadProducerState(params: {
  readonly store: ProducerSnapshotStore;
  readonly segments: readonly LogSegment[];
  readonly logStartOffset: bigint;
  readonly logEndOffset: bigint;
}): Promise<ProducerStateTable> {
  const { store, logStartOffset, logEndOffset } = params;
  await store.deleteAbove(logEndOffset);
  const snapshot = await store.loadLatest(logEndOffset);
  const table = new ProducerStateTable(snapshot?.entries ?? []);
  const from = snapshot !== undefined && snapshot.offset > logStartOffset ? snapshot.offset : logStartOffset;
  await replayIntoProducerState(table, params.segments, from, logEndOffset);
  table.removeBefore(logStartOffset);
  return table;
}
