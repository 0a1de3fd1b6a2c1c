// One batch of records for one partition, from the first append until the broker's answer settles every record.
import {
  type CompressionCodec,
  EncodeError,
  type KafkaRecord,
  NO_PARTITION_LEADER_EPOCH,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  NO_SEQUENCE,
  type RecordBatch,
  type RecordHeader,
  TimestampType,
} from '../../protocol/index.js';

/** Where a record landed. */
export interface RecordMetadata {
  readonly topic: string;
  readonly partition: number;
  /** -1n for acks=0, where the broker does not answer. */
  readonly offset: bigint;
  /** The record's timestamp, or the broker's append time on LogAppendTime topics. */
  readonly timestamp: bigint;
}

/**
 * Who waits for records of a batch. A batch holds runs of consecutive records with one listener each:
 * a `send` is a run of one record, a `sendBatch` call one run per batch it reached, so that a bulk
 * send costs no object per record.
 */
export interface DeliveryListener {
  /**
   * Records [start, end) of `batch` were appended at `baseOffset + index` (`baseOffset` -1n for acks=0);
   * `logAppendTimeMs` is the broker's append time on LogAppendTime topics, else -1n.
   */
  delivered(
    batch: ProducerBatch,
    start: number,
    end: number,
    baseOffset: bigint,
    logAppendTimeMs: bigint,
  ): void;
  /** The records of this listener in the batch failed; may be called once per run. */
  failed(error: Error): void;
}

/** The 61-byte v2 batch header plus the 12-byte log overhead, as Kafka's size estimate counts them. */
export const BATCH_OVERHEAD_BYTES = 61;

/** Upper bound of a record's encoded size: varints at their widest plus its bytes. */
export function estimateRecordBytes(
  key: Buffer | null,
  value: Buffer | null,
  headers: readonly RecordHeader[],
): number {
  let size = 21 + (key?.length ?? 0) + (value?.length ?? 0);
  for (let i = 0; i < headers.length; i += 1) {
    const header = headers[i]!;
    size += 10 + Buffer.byteLength(header.key) + (header.value?.length ?? 0);
  }
  return size;
}

/** What the encoder needs besides the records: compression and, with idempotence, the producer's identity. */
export interface BatchEncoding {
  readonly compression: CompressionCodec;
  readonly producerId?: bigint;
  readonly producerEpoch?: number;
}

/**
 * Records of one partition sent together, each kept as the KafkaRecord it is encoded from (deltas fixed
 * at append: the offset delta is its position, the timestamp delta from the first record's), so that a
 * record costs one object from append to the wire. It is open for appends until drained; after that its
 * bytes and its sequence number stay fixed, so that a retry is byte-identical (what idempotence needs).
 */
export class ProducerBatch {
  private readonly records: KafkaRecord[] = [];
  private baseTimestampMs = 0;
  private maxTimestampMs = 0;
  /** Runs of records with one listener: listeners[i] waits for records [runEnds[i - 1] ?? 0, runEnds[i]). */
  private readonly listeners: DeliveryListener[] = [];
  private readonly runEnds: number[] = [];
  sizeBytes = BATCH_OVERHEAD_BYTES;
  /** Sends so far (0 before the first). */
  attempts = 0;
  baseSequence: number = NO_SEQUENCE;
  /** Position among its partition's batches, fixed at the first drain (retries go back in this order). */
  drainOrder = -1;
  /** Set when drained for the first time: no more appends. */
  isClosed = false;
  /** The encoded batch, kept for retries. */
  encoded: Buffer | undefined;
  /** The pooled buffer `encoded` lives in, if any (see EncodeBufferPool). */
  pooledBuffer: Buffer | undefined;
  /** Not sent again before this time (retry backoff). */
  retryAtMs = 0;
  readonly done: Promise<void>;
  private settle!: () => void;
  private isSettled = false;

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly createdAtMs: number,
  ) {
    this.done = new Promise((resolve) => {
      this.settle = resolve;
    });
  }

  get recordCount(): number {
    return this.records.length;
  }

  /** Bytes of the buffer budget its records hold. */
  get recordBytes(): number {
    return this.sizeBytes - BATCH_OVERHEAD_BYTES;
  }

  get settled(): boolean {
    return this.isSettled;
  }

  /** True when an open batch can take `bytes` more without passing `batchSize` (an empty batch takes any record). */
  hasRoomFor(bytes: number, batchSize: number): boolean {
    return !this.isClosed && (this.records.length === 0 || this.sizeBytes + bytes <= batchSize);
  }

  /** Appends a record whose delivery `listener` waits for; consecutive records of one listener share a run. */
  add(
    key: Buffer | null,
    value: Buffer | null,
    headers: readonly RecordHeader[],
    timestampMs: number,
    sizeBytes: number,
    listener: DeliveryListener,
  ): void {
    const offsetDelta = this.records.length;
    if (offsetDelta === 0) {
      this.baseTimestampMs = timestampMs;
      this.maxTimestampMs = timestampMs;
    } else if (timestampMs > this.maxTimestampMs) this.maxTimestampMs = timestampMs;
    this.records.push({
      attributes: 0,
      timestampDelta: timestampMs - this.baseTimestampMs,
      offsetDelta,
      key,
      value,
      headers,
    });
    this.sizeBytes += sizeBytes;
    const last = this.listeners.length - 1;
    if (last >= 0 && this.listeners[last] === listener) this.runEnds[last] = this.records.length;
    else {
      this.listeners.push(listener);
      this.runEnds.push(this.records.length);
    }
  }

  /**
   * The batch as Kafka's producer builds it: offset deltas 0..n-1, baseTimestamp the first record's,
   * maxTimestamp the largest. Throws EncodeError for an empty batch. The records are shared, not copied.
   */
  toRecordBatch(encoding: BatchEncoding): RecordBatch {
    const count = this.records.length;
    if (count === 0) throw new EncodeError('a record batch needs at least one record');
    return {
      baseOffset: 0n,
      partitionLeaderEpoch: NO_PARTITION_LEADER_EPOCH,
      compression: encoding.compression,
      timestampType: TimestampType.createTime,
      isTransactional: false,
      isControl: false,
      hasDeleteHorizonMs: false,
      lastOffsetDelta: count - 1,
      baseTimestamp: BigInt(this.baseTimestampMs),
      maxTimestamp: BigInt(this.maxTimestampMs),
      producerId: encoding.producerId ?? NO_PRODUCER_ID,
      producerEpoch: encoding.producerEpoch ?? NO_PRODUCER_EPOCH,
      baseSequence: this.baseSequence,
      records: this.records,
    };
  }

  /** Settles every run: offsets from `baseOffset` (-1n stays -1n), LogAppendTime when the broker gives one. */
  complete(baseOffset: bigint, logAppendTimeMs: bigint): void {
    if (this.isSettled) return;
    this.isSettled = true;
    let start = 0;
    for (let i = 0; i < this.listeners.length; i += 1) {
      const end = this.runEnds[i]!;
      this.listeners[i]!.delivered(this, start, end, baseOffset, logAppendTimeMs);
      start = end;
    }
    this.settle();
  }

  fail(error: Error): void {
    if (this.isSettled) return;
    this.isSettled = true;
    for (const listener of this.listeners) listener.failed(error);
    this.settle();
  }
}
