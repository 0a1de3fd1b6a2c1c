// A coordinator's compacted internal topic (__consumer_offsets, __transaction_state): created on first need, appended durably, replayed at start.
import {
  createRecordBatch,
  decodeRecordBatches,
  ErrorCode,
  encodeRecordBatchSync,
  viewRecordBatches,
} from '../protocol/index.js';
import type { ReplicaManager } from '../replication/index.js';

type Producer = { readonly producerId: bigint; readonly producerEpoch: number };

/** A control record's type (0 ABORT, 1 COMMIT), or null for a key that is not a transaction marker's. */
function controlType(key: Buffer | null): number | null {
  if (key === null || key.length < 4) return null;
  const type = key.readInt16BE(2);
  return type === 0 || type === 1 ? type : null;
}

/**
 * The producer fields of a coordinator's transactional batch. Kafka appends these with the coordinator
 * origin, which skips the sequence check; appending as leader here, the batch continues the producer's
 * sequence in this partition (0 in a new epoch), so the check passes and a retry is never taken for a
 * duplicate of an earlier commit.
 */
function transactionalFields(
  states: readonly { producerId: bigint; producerEpoch: number; batches: readonly { lastSeq: number }[] }[],
  producer: Producer,
): { producerId: bigint; producerEpoch: number; baseSequence: number; isTransactional: true } {
  const entry = states.find((s) => s.producerId === producer.producerId);
  const lastSeq = entry?.producerEpoch === producer.producerEpoch ? entry.batches.at(-1)?.lastSeq : undefined;
  const baseSequence = lastSeq === undefined ? 0 : (lastSeq + 1) % 2_147_483_648;
  return { ...producer, baseSequence, isTransactional: true };
}

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
   * with NONE once they are durable, else the append's error code. Never rejects. With
   * `{ durable: false }` it resolves once the batch is written and asks for no fsync of its own: the
   * batch becomes durable with the partition's next fsync (whatever is appended after it and waited
   * for covers it), for a record whose loss in a crash is harmless until then.
   */
  append(
    partition: number,
    records: readonly EncodedRecord[],
    options?: { readonly durable?: boolean },
  ): Promise<number>;
  /**
   * As `append`, as one transactional batch of the producer (TxnOffsetCommit's offsets): the records
   * count only once the transaction's COMMIT marker follows them in the partition.
   */
  appendTransactional(
    partition: number,
    records: readonly EncodedRecord[],
    producer: { readonly producerId: bigint; readonly producerEpoch: number },
  ): Promise<number>;
}

/** A replayed entry: a record (with the producer of a transactional batch), or a transaction marker. */
export type ReplayedEntry =
  | {
      readonly kind: 'record';
      readonly partition: number;
      readonly key: Buffer;
      readonly value: Buffer | null;
      readonly producerId: bigint | null;
    }
  | {
      readonly kind: 'marker';
      readonly partition: number;
      readonly producerId: bigint;
      readonly committed: boolean;
    };

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

  append(
    partition: number,
    records: readonly EncodedRecord[],
    options: { readonly durable?: boolean } = {},
  ): Promise<number> {
    return this.#append(partition, records, null, options.durable ?? true);
  }

  appendTransactional(
    partition: number,
    records: readonly EncodedRecord[],
    producer: { readonly producerId: bigint; readonly producerEpoch: number },
  ): Promise<number> {
    return this.#append(partition, records, producer, true);
  }

  #append(
    partition: number,
    records: readonly EncodedRecord[],
    producer: Producer | null,
    durable: boolean,
  ): Promise<number> {
    const target = this.replicas.getPartition(this.topic, partition);
    // Before the topic exists, appends wait for the one creation in call order (then-callbacks run FIFO).
    if (target === undefined) {
      return this.ensureTopic().then((code) => this.#appendNow(partition, records, producer, durable, code));
    }
    return this.#appendNow(partition, records, producer, durable, ErrorCode.NONE);
  }

  async #appendNow(
    partition: number,
    records: readonly EncodedRecord[],
    producer: Producer | null,
    durable: boolean,
    creation: number,
  ): Promise<number> {
    if (creation !== ErrorCode.NONE) return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    const target = this.replicas.getPartition(this.topic, partition);
    if (target === undefined) return ErrorCode.NOT_LEADER_OR_FOLLOWER;
    const batch = encodeRecordBatchSync(
      createRecordBatch({
        records: records.map((r) => ({ key: r.key, value: r.value })),
        timestamp: BigInt(this.nowMs()),
        ...(producer === null ? {} : transactionalFields(target.producerStates(), producer)),
      }),
    );
    try {
      const views = viewRecordBatches(batch);
      const append = durable
        ? target.appendAsLeader(views, -1)
        : target.appendAsLeader(views, 1, { requestSync: false });
      // A refusal: a transactional batch of a fenced producer epoch (INVALID_PRODUCER_EPOCH), or a log problem.
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
    for (const entry of await this.replay(numPartitions)) {
      if (entry.kind === 'record' && entry.producerId === null)
        all.push({ key: entry.key, value: entry.value });
    }
    return all;
  }

  /**
   * Every record and transaction marker of every partition this node holds, partition by partition in
   * offset order (start-up replay of a coordinator that writes transactional batches).
   */
  async replay(numPartitions: number): Promise<ReplayedEntry[]> {
    const all: ReplayedEntry[] = [];
    for (let index = 0; index < numPartitions; index++) {
      for (const entry of await this.replayPartition(index)) all.push(entry);
    }
    return all;
  }

  /** Every record and transaction marker of one partition this node holds, in offset order (none if it holds none). */
  async replayPartition(index: number): Promise<ReplayedEntry[]> {
    const all: ReplayedEntry[] = [];
    const partition = this.replicas.getPartition(this.topic, index);
    if (partition === undefined) return all;
    let offset = partition.logStartOffset;
    while (offset < partition.highWatermark) {
      const read = await partition.read(offset, REPLAY_READ_BYTES, true);
      if (read.kind !== 'records' || read.records.length === 0) break;
      const { batches } = await decodeRecordBatches(read.records);
      if (batches.length === 0) break;
      for (const batch of batches) {
        offset = batch.baseOffset + BigInt(batch.lastOffsetDelta) + 1n;
        if (batch.isControl) {
          const type = controlType(batch.records[0]?.key ?? null);
          if (type !== null)
            all.push({
              kind: 'marker',
              partition: index,
              producerId: batch.producerId,
              committed: type === 1,
            });
          continue;
        }
        const producerId = batch.isTransactional ? batch.producerId : null;
        for (const record of batch.records) {
          if (record.key !== null)
            all.push({
              kind: 'record',
              partition: index,
              key: record.key,
              value: record.value,
              producerId,
            });
        }
      }
    }
    return all;
  }
}
