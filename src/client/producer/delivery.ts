// The two ways of waiting for records: one promise per record (send/append) or one per call (sendBatch).
import type { DeliveryListener, ProducerBatch, RecordMetadata } from './producer-batch.js';

/** One record's delivery promise (`send`, `append`, `sendAll`). */
export class RecordDelivery implements DeliveryListener {
  constructor(
    private readonly timestamp: bigint,
    private readonly resolve: (metadata: RecordMetadata) => void,
    private readonly reject: (error: Error) => void,
  ) {}

  delivered(
    batch: ProducerBatch,
    start: number,
    _end: number,
    baseOffset: bigint,
    logAppendTimeMs: bigint,
  ): void {
    this.resolve({
      topic: batch.topic,
      partition: batch.partition,
      offset: baseOffset < 0n ? -1n : baseOffset + BigInt(start),
      timestamp: logAppendTimeMs >= 0n ? logAppendTimeMs : this.timestamp,
    });
  }

  failed(error: Error): void {
    this.reject(error);
  }
}

/**
 * Where consecutive records of one `sendBatch` call landed: `recordCount` records of `topic`/`partition`
 * at offsets `baseOffset` .. `baseOffset + recordCount - 1` (`baseOffset` -1n with acks=0).
 */
export interface OffsetRange {
  readonly topic: string;
  readonly partition: number;
  readonly baseOffset: bigint;
  readonly recordCount: number;
  /** The broker's append time on LogAppendTime topics, else -1n (the records keep their own timestamps). */
  readonly logAppendTimeMs: bigint;
}

/**
 * The delivery of every record of one `sendBatch` call: it resolves once all of them are acknowledged,
 * with their offset ranges sorted by topic, partition and offset, and rejects with the first error of
 * any of them (the others may still have been written, as with any failed send).
 */
export class BulkDelivery implements DeliveryListener {
  readonly promise: Promise<OffsetRange[]>;
  private readonly ranges: OffsetRange[] = [];
  private resolve!: (ranges: OffsetRange[]) => void;
  private reject!: (error: Error) => void;
  private appended = 0;
  private delivered_ = 0;
  private isSealed = false;
  private isSettled = false;

  constructor() {
    this.promise = new Promise<OffsetRange[]>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
  }

  /** Counts a record handed to a batch under this listener. */
  added(): void {
    this.appended += 1;
  }

  /** Every record of the call is buffered: the promise resolves once they are all delivered. */
  seal(): void {
    this.isSealed = true;
    this.maybeResolve();
  }

  delivered(
    batch: ProducerBatch,
    start: number,
    end: number,
    baseOffset: bigint,
    logAppendTimeMs: bigint,
  ): void {
    this.ranges.push({
      topic: batch.topic,
      partition: batch.partition,
      baseOffset: baseOffset < 0n ? -1n : baseOffset + BigInt(start),
      recordCount: end - start,
      logAppendTimeMs,
    });
    this.delivered_ += end - start;
    this.maybeResolve();
  }

  failed(error: Error): void {
    if (this.isSettled) return;
    this.isSettled = true;
    this.reject(error);
  }

  private maybeResolve(): void {
    if (this.isSettled || !this.isSealed || this.delivered_ < this.appended) return;
    this.isSettled = true;
    this.resolve(this.ranges.sort(byPosition));
  }
}

/** Orders ranges by topic, partition and offset. */
function byPosition(a: OffsetRange, b: OffsetRange): number {
  if (a.topic !== b.topic) return a.topic < b.topic ? -1 : 1;
  if (a.partition !== b.partition) return a.partition - b.partition;
  return a.baseOffset < b.baseOffset ? -1 : a.baseOffset > b.baseOffset ? 1 : 0;
}
