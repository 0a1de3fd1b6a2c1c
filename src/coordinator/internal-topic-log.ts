// A coordinator's compacted internal topic (__consumer_offsets, __transaction_state): created on first need, appended durably, replayed at start.
import {
  createRecordBatch,
  decodeRecordBatches,
  ErrorCode,
  encodeRecordBatchSync,
  viewRecordBatches,
} from '../protocol/index.js';
import type { ReplicaManager } from '../replication/index.js';

/** Bytes read per step while replaying a partition at start-up. */
const REPLAY_READ_BYTES = 1024 * 1024;

/** The bytes of one record of an internal topic; a null value is a tombstone. */
export interface EncodedRecord {
  readonly key: Buffer;
  readonly value: Buffer | null;
}

/** Creates the topic (compacted, with the coordinator's partition count) and resolves with the error code; NONE if it exists. */
export type CreateInternalTopic = () => Promise<number>;

/** The durable side of a coordinator: one append per partition, answered with a Kafka error code. */
export interface CoordinatorLog {
  /** NONE once the topic exists (created on the first call), else why it cannot be created. */
  ensureTopic(): Promise<number>;
  /**
   * Appends `records` as one batch to partition `partition`, in call order per partition, and resolves
   * with NONE once they are durable, else the append's error code. Never rejects.
   */
  append(partition: number, records: readonly EncodedRecord[]): Promise<number>;
}

/**
 * Appends records to the partitions of `topic` this node leads. The first append (or `ensureTopic`, which
 * FindCoordinator calls) creates the topic; appends use acks=all, so a write is confirmed only once
 * the batch is durable (fsynced under the default flush policy), as a coordinator requires.
 */
export class InternalTopicLog implements CoordinatorLog {
  #creating: Promise<number> | null = null;

  constructor(
    readonly topic: string,
    private readonly replicas: ReplicaManager,
    private readonly createTopic: CreateInternalTopic,
    private readonly nowMs: () => number,
  ) {}

  /** NONE once partition 0 exists (creating the topic on the first call), else the creation's error. */
  ensureTopic(): Promise<number> {
    if (this.replicas.getPartition(this.topic, 0) !== undefined) return Promise.resolve(ErrorCode.NONE);
    this.#creating ??= this.createTopic().then((errorCode) => {
      const exists = errorCode === ErrorCode.NONE || errorCode === ErrorCode.TOPIC_ALREADY_EXISTS;
      if (!exists) this.#creating = null;
      return exists ? ErrorCode.NONE : errorCode;
    });
    return this.#creating;
  }

  append(partition: number, records: readonly EncodedRecord[]): Promise<number> {
    const target = this.replicas.getPartition(this.topic, partition);
    // Before the topic exists, appends wait for the one creation in call order (then-callbacks run FIFO).
    if (target === undefined)
      return this.ensureTopic().then((code) => this.#appendNow(partition, records, code));
    return this.#appendNow(partition, records, ErrorCode.NONE);
  }

  async #appendNow(partition: number, records: readonly EncodedRecord[], creation: number): Promise<number> {
    if (creation !== ErrorCode.NONE) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const target = this.replicas.getPartition(this.topic, partition);
    if (target === undefined) return ErrorCode.NOT_LEADER_OR_FOLLOWER;
    const batch = encodeRecordBatchSync(
      createRecordBatch({
        records: records.map((r) => ({ key: r.key, value: r.value })),
        timestamp: BigInt(this.nowMs()),
      }),
    );
    try {
      const append = target.appendAsLeader(viewRecordBatches(batch), -1);
      // Our batches carry no producer id, so the producer-state check never refuses them; if it ever does, say why.
      if (!('acknowledged' in append)) return append.errorCode;
      await append.acknowledged;
      return ErrorCode.NONE;
    } catch {
      return ErrorCode.KAFKA_STORAGE_ERROR;
    }
  }

  /** Every record of every partition this node holds, partition by partition in offset order (start-up replay). */
  async readAll(numPartitions: number): Promise<EncodedRecord[]> {
    const all: EncodedRecord[] = [];
    for (let index = 0; index < numPartitions; index++) {
      const partition = this.replicas.getPartition(this.topic, index);
      if (partition === undefined) continue;
      let offset = partition.logStartOffset;
      while (offset < partition.highWatermark) {
        const read = await partition.read(offset, REPLAY_READ_BYTES, true);
        if (read.kind !== 'records' || read.records.length === 0) break;
        const { batches } = await decodeRecordBatches(read.records);
        if (batches.length === 0) break;
        for (const batch of batches) {
          offset = batch.baseOffset + BigInt(batch.lastOffsetDelta) + 1n;
          if (batch.isControl) continue;
          for (const record of batch.records) {
            if (record.key !== null) all.push({ key: record.key, value: record.value });
          }
        }
      }
    }
    return all;
  }
}
