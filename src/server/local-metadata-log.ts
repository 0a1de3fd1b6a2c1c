import {
  decodeMetadataRecord,
  encodeMetadataRecord,
  type MetadataBatch,
  type MetadataImage,
  type MetadataLoader,
  type MetadataLogSource,
  type MetadataRecord,
  type MetadataSnapshot,
} from '../metadata/index.js';
import { createRecordBatch, decodeRecordBatches, encodeRecordBatchSync } from '../protocol/index.js';
import type { PartitionLog } from '../storage/index.js';

/** Bytes read per step when replaying the metadata log at start-up. */
const REPLAY_READ_BYTES = 1024 * 1024;
/** The single node's metadata leader epoch: no elections without a quorum. */
const LOCAL_EPOCH = 0;

/**
 * The single node's metadata log: `__cluster_metadata-0`, a partition log whose record values are
 * framed KRaft metadata records, one record batch per commit. `commit` appends with an fsync and
 * then applies the batch through the loader (so publishers run before it resolves); `replay`
 * applies what is on disk at start-up. Snapshots are not written yet: a restart replays the log.
 */
export class LocalMetadataLog implements MetadataLogSource {
  constructor(
    private readonly log: PartitionLog,
    private readonly loader: MetadataLoader,
    private readonly nowMs: () => number,
  ) {}

  async readLatestSnapshot(): Promise<MetadataSnapshot | null> {
    return null;
  }

  async *readBatches(afterOffset: bigint): AsyncIterable<MetadataBatch> {
    let offset = afterOffset + 1n < this.log.logStartOffset ? this.log.logStartOffset : afterOffset + 1n;
    while (offset < this.log.logEndOffset) {
      const read = await this.log.read(offset, { maxBytes: REPLAY_READ_BYTES, minOneBatch: true });
      if (read.kind !== 'records' || read.records.length === 0) return;
      const { batches } = await decodeRecordBatches(read.records);
      if (batches.length === 0) return;
      for (const batch of batches) {
        offset = batch.baseOffset + BigInt(batch.lastOffsetDelta) + 1n;
        if (batch.isControl) continue;
        const records = batch.records.flatMap((record) =>
          record.value === null ? [] : [decodeMetadataRecord(record.value)],
        );
        yield { baseOffset: batch.baseOffset, epoch: batch.partitionLeaderEpoch, records };
      }
    }
  }

  /** Applies every committed batch on disk; resolves with the resulting image. */
  replay(): Promise<MetadataImage> {
    return this.loader.catchUp(this);
  }

  /** Appends `records` as one batch, waits for its fsync, then applies it (publishers included). */
  async commit(records: readonly MetadataRecord[]): Promise<MetadataImage> {
    const timestamp = BigInt(this.nowMs());
    const batch = encodeRecordBatchSync(
      createRecordBatch({
        records: records.map((record) => ({ value: encodeMetadataRecord(record) })),
        partitionLeaderEpoch: LOCAL_EPOCH,
        timestamp,
      }),
    );
    const appended = this.log.appendAsLeader(batch, { leaderEpoch: LOCAL_EPOCH, sync: true });
    await appended.durable;
    this.log.setHighWatermark(appended.lastOffset + 1n);
    return this.loader.applyBatch({ baseOffset: appended.firstOffset, epoch: LOCAL_EPOCH, records });
  }

  get logEndOffset(): bigint {
    return this.log.logEndOffset;
  }
}
