// One batch of records for one partition, from the first append until the broker's answer settles every record.
import { NO_SEQUENCE, type RecordHeader, type RecordInput } from '../../protocol/index.js';

/** Where a record landed. */
export interface RecordMetadata {
  readonly topic: string;
  readonly partition: number;
  /** -1n for acks=0, where the broker does not answer. */
  readonly offset: bigint;
  /** The record's timestamp, or the broker's append time on LogAppendTime topics. */
  readonly timestamp: bigint;
}

export interface PendingRecord {
  readonly input: RecordInput & { readonly timestamp: bigint };
  readonly sizeBytes: number;
  readonly resolve: (metadata: RecordMetadata) => void;
  readonly reject: (error: Error) => void;
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
  for (const header of headers) size += 10 + Buffer.byteLength(header.key) + (header.value?.length ?? 0);
  return size;
}

/**
 * Records of one partition sent together. It is open for appends until drained; after that its bytes
 * and its sequence number stay fixed, so that a retry is byte-identical (what idempotence needs).
 */
export class ProducerBatch {
  readonly records: PendingRecord[] = [];
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

  add(record: PendingRecord): void {
    this.records.push(record);
    this.sizeBytes += record.sizeBytes;
  }

  /** Resolves every record: offsets from `baseOffset` (-1n stays -1n), LogAppendTime when the broker gives one. */
  complete(baseOffset: bigint, logAppendTimeMs: bigint): void {
    if (this.isSettled) return;
    this.isSettled = true;
    this.records.forEach((record, index) => {
      record.resolve({
        topic: this.topic,
        partition: this.partition,
        offset: baseOffset < 0n ? -1n : baseOffset + BigInt(index),
        timestamp: logAppendTimeMs >= 0n ? logAppendTimeMs : record.input.timestamp,
      });
    });
    this.settle();
  }

  fail(error: Error): void {
    if (this.isSettled) return;
    this.isSettled = true;
    for (const record of this.records) record.reject(error);
    this.settle();
  }
}
