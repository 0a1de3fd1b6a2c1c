// One batch of records for one partition, from the first append until the broker's answer settles every record.
import {
  CompressionCodec,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  NO_SEQUENCE,
  type RecordBatchBuilder,
  type RecordHeader,
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
  readonly compressionLevel?: number;
  readonly producerId?: bigint;
  readonly producerEpoch?: number;
}

/**
 * Records of one partition sent together, written into its RecordBatchBuilder's buffer as they are
 * appended (Kafka's v2 format, offset deltas 0..n-1, timestamp deltas from the first record's), so that
 * a record costs its bytes and no object from append to the wire. It is open for appends until drained;
 * its first encode fixes its bytes and sequence number, so that a retry is byte-identical (what
 * idempotence needs).
 */
export class ProducerBatch {
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
  /**
   * The builder's buffer while something may still read it (see EncodeBufferPool): set by an
   * uncompressed encode (the encoded batch is a view of it), given back once the broker answered.
   */
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
    private readonly builder: RecordBatchBuilder,
  ) {
    this.done = new Promise((resolve) => {
      this.settle = resolve;
    });
  }

  get recordCount(): number {
    return this.builder.recordCount;
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
    return !this.isClosed && (this.builder.recordCount === 0 || this.sizeBytes + bytes <= batchSize);
  }

  /**
   * Appends a record whose delivery `listener` waits for; consecutive records of one listener share a
   * run. Throws EncodeError (from the builder, nothing appended) for a timestamp that is not a safe integer.
   */
  add(
    key: Buffer | null,
    value: Buffer | null,
    headers: readonly RecordHeader[],
    timestampMs: number,
    sizeBytes: number,
    listener: DeliveryListener,
  ): void {
    this.builder.append(timestampMs, key, value, headers);
    this.sizeBytes += sizeBytes;
    const count = this.builder.recordCount;
    const last = this.listeners.length - 1;
    if (last >= 0 && this.listeners[last] === listener) this.runEnds[last] = count;
    else {
      this.listeners.push(listener);
      this.runEnds.push(count);
    }
  }

  /**
   * The batch's bytes, encoded once (later calls give the same bytes): uncompressed, the header and CRC
   * written in place into the builder's buffer (then `pooledBuffer`); compressed, a new buffer, and
   * `release` takes the builder's buffer back at once. Rejects with EncodeError for an empty batch or
   * a header field out of range, CompressionError from the codec.
   */
  async encode(encoding: BatchEncoding, release: (buffer: Buffer) => void): Promise<Buffer> {
    if (this.encoded !== undefined) return this.encoded;
    const header = {
      compression: encoding.compression,
      producerId: encoding.producerId ?? NO_PRODUCER_ID,
      producerEpoch: encoding.producerEpoch ?? NO_PRODUCER_EPOCH,
      baseSequence: this.baseSequence,
    };
    if (encoding.compression === CompressionCodec.none) {
      this.encoded = this.builder.build(header);
      this.pooledBuffer = this.builder.backingBuffer;
      return this.encoded;
    }
    const level = encoding.compressionLevel;
    this.encoded = await this.builder.buildCompressed(header, level === undefined ? {} : { level });
    release(this.builder.backingBuffer);
    return this.encoded;
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
