// The Kafka producer: partitions records, batches them per partition and hands them to the Sender.
import {
  CompressionCodec,
  type CompressionCodecName,
  KafkaError,
  kafkaErrorFromCode,
  type RecordHeader,
} from '../../protocol/index.js';
import { ClientClosedError, InvalidArgumentError } from '../client-errors.js';
import { type ClientOptions, resolveClientOptions } from '../client-options.js';
import { Cluster } from '../cluster.js';
import type { ClusterView, TopicMetadata } from '../cluster-view.js';
import { sleep, throwIfAborted } from '../retry.js';
import { BulkDelivery, type OffsetRange, RecordDelivery } from './delivery.js';
import { EncodeBufferPool } from './encode-buffer-pool.js';
import { DefaultPartitioner, type TopicPartitioning } from './partitioner.js';
import {
  BATCH_OVERHEAD_BYTES,
  type DeliveryListener,
  estimateRecordBytes,
  type RecordMetadata,
} from './producer-batch.js';
import { ProducerIdentity } from './producer-identity.js';
import { RecordAccumulator } from './record-accumulator.js';
import { Sender } from './sender.js';

export interface ProducerOptions extends ClientOptions {
  /** `acks`: 'all'/-1 (default), 1 or 0. */
  readonly acks?: 'all' | -1 | 0 | 1;
  /** `linger.ms` (Kafka 4.0's default 5). */
  readonly lingerMs?: number;
  /** `batch.size` in bytes (16384). */
  readonly batchSize?: number;
  /** `compression.type` (none). */
  readonly compression?: CompressionCodecName;
  /** `compression.<codec>.level`. */
  readonly compressionLevel?: number;
  /** `enable.idempotence`: default true with acks=all, as Kafka 3.0+; requires acks=all. */
  readonly idempotent?: boolean;
  /** `max.in.flight.requests.per.connection` (5; at most 5 with idempotence). */
  readonly maxInFlightRequestsPerConnection?: number;
  /** `retries` (default unlimited within deliveryTimeoutMs). */
  readonly retries?: number;
  /** `delivery.timeout.ms` (120000). */
  readonly deliveryTimeoutMs?: number;
  /** `buffer.memory` in bytes (32 MiB). */
  readonly bufferMemory?: number;
  /** `max.block.ms`: how long send waits for metadata or buffer space (60000). */
  readonly maxBlockMs?: number;
  /** `max.request.size` (1048576). */
  readonly maxRequestSize?: number;
  /** Whether Metadata may auto-create a topic the producer writes to (`allow.auto.create.topics`, true). */
  readonly allowAutoTopicCreation?: boolean;
  /** Random source of the sticky partitioner, [0, 1). */
  readonly random?: () => number;
}

export type HeaderValue = Buffer | string | null;

export interface ProducerRecord {
  readonly topic: string;
  /** Explicit partition; otherwise the default partitioner picks one. */
  readonly partition?: number;
  readonly key?: Buffer | string | null;
  readonly value: Buffer | string | null;
  readonly headers?: Readonly<Record<string, HeaderValue>> | readonly RecordHeader[];
  /** Milliseconds since the epoch; default now. */
  readonly timestamp?: bigint | number;
}

export interface SendOptions {
  /** Cancels waiting for metadata or buffer space (a record already buffered is still sent). */
  readonly signal?: AbortSignal;
}

function toBuffer(value: Buffer | string | null | undefined): Buffer | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'string' ? Buffer.from(value) : value;
}

/** Resolves on the event loop's next check phase, after pending I/O callbacks and setImmediate work. */
const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const NO_HEADERS: readonly RecordHeader[] = Object.freeze([]);

function toHeaders(headers: ProducerRecord['headers']): readonly RecordHeader[] {
  if (headers === undefined) return NO_HEADERS;
  if (Array.isArray(headers)) return headers as RecordHeader[];
  return Object.entries(headers as Record<string, HeaderValue>).map(([key, value]) => ({
    key,
    value: toBuffer(value),
  }));
}

/** A record timestamp as milliseconds; InvalidArgumentError unless it is a safe integer. */
function timestampMsOf(timestamp: bigint | number): number {
  const ms = Number(timestamp);
  if (!Number.isSafeInteger(ms))
    throw new InvalidArgumentError(`timestamp ${timestamp} is not a safe integer of milliseconds`);
  return ms;
}

function partitioningOf(metadata: TopicMetadata): TopicPartitioning {
  return {
    partitionCount: metadata.partitions.length,
    availablePartitions: metadata.partitions.filter((p) => p.leaderId >= 0).map((p) => p.partition),
  };
}

/**
 * Kafka's producer. `send` resolves when the broker acknowledged the record (per `acks`); `append`
 * resolves as soon as the record is buffered and hands back its delivery promise, so that a fast
 * writer feels the `bufferMemory` bound as back-pressure instead of growing memory. Errors: KafkaError
 * (e.g. MESSAGE_TOO_LARGE, UNKNOWN_TOPIC_OR_PARTITION after maxBlockMs, NOT_ENOUGH_REPLICAS after
 * retries), BufferExhaustedError, OperationAbortedError, ClientClosedError.
 */
export class Producer {
  readonly cluster: Cluster;
  private readonly accumulator: RecordAccumulator;
  private readonly sender: Sender;
  private readonly partitioner: DefaultPartitioner;
  private readonly maxBlockMs: number;
  private readonly maxRequestSize: number;
  private readonly batchSize: number;
  private readonly allowAutoTopicCreation: boolean;
  /** Each topic's partitioning, derived once per metadata view (append runs per record). */
  private readonly partitionings = new Map<string, { view: ClusterView; partitioning: TopicPartitioning }>();
  /** The last timestamp handed out, as a number and a bigint: most records of a burst share a millisecond. */
  private lastNowMs = Number.NaN;
  private lastNow = 0n;
  private isClosed = false;

  constructor(options: ProducerOptions) {
    const acks = options.acks === 'all' || options.acks === undefined ? -1 : options.acks;
    if (acks !== -1 && acks !== 0 && acks !== 1)
      throw new InvalidArgumentError(`acks must be all, -1, 0 or 1`);
    const idempotent = options.idempotent ?? acks === -1;
    if (idempotent && acks !== -1) throw new InvalidArgumentError('idempotence requires acks=all');
    const maxInFlight = options.maxInFlightRequestsPerConnection ?? 5;
    if (idempotent && maxInFlight > 5) {
      throw new InvalidArgumentError('idempotence allows at most 5 in-flight requests per connection');
    }
    const compression = options.compression ?? 'none';
    if (!Object.hasOwn(CompressionCodec, compression))
      throw new InvalidArgumentError(`unknown compression ${compression}`);
    const resolved = resolveClientOptions({
      ...options,
      retries: options.retries ?? Number.MAX_SAFE_INTEGER,
      maxInFlightRequestsPerConnection: Math.max(maxInFlight, 100),
    });
    this.cluster = new Cluster(resolved);
    this.maxBlockMs = options.maxBlockMs ?? 60_000;
    this.maxRequestSize = options.maxRequestSize ?? 1_048_576;
    this.batchSize = Math.max(1, options.batchSize ?? 16_384);
    this.allowAutoTopicCreation = options.allowAutoTopicCreation ?? true;
    this.partitioner = new DefaultPartitioner(options.random);
    const bufferMemory = options.bufferMemory ?? 32 * 1024 * 1024;
    // Free batch buffers hold at most bufferMemory bytes, beside the records the budget counts.
    const buffers = new EncodeBufferPool(
      Math.max(1, Math.floor(bufferMemory / this.batchSize)),
      this.batchSize,
    );
    this.accumulator = new RecordAccumulator(
      {
        batchSize: this.batchSize,
        lingerMs: options.lingerMs ?? 5,
        bufferMemory,
        maxBlockMs: this.maxBlockMs,
        maxInFlightPerPartition: maxInFlight,
      },
      resolved.now,
      buffers,
    );
    this.sender = new Sender(
      this.cluster,
      this.accumulator,
      {
        acks,
        compression: CompressionCodec[compression],
        compressionLevel: options.compressionLevel,
        requestTimeoutMs: resolved.requestTimeoutMs,
        deliveryTimeoutMs: options.deliveryTimeoutMs ?? 120_000,
        retryPolicy: resolved.retryPolicy,
        maxInFlightPerConnection: maxInFlight,
        maxRequestSize: this.maxRequestSize,
      },
      idempotent ? new ProducerIdentity(this.cluster, 60_000) : undefined,
      resolved.now,
      buffers,
    );
  }

  /** Sends one record and resolves with where it landed once acknowledged. */
  async send(record: ProducerRecord, options: SendOptions = {}): Promise<RecordMetadata> {
    const { delivery } = await this.append(record, options);
    return delivery;
  }

  /** Sends records (each partitioned on its own) and resolves when all are acknowledged, in order. */
  async sendAll(records: readonly ProducerRecord[], options: SendOptions = {}): Promise<RecordMetadata[]> {
    const deliveries: Promise<RecordMetadata>[] = [];
    for (const record of records) deliveries.push((await this.append(record, options)).delivery);
    return Promise.all(deliveries);
  }

  /**
   * Buffers a record: waits for the topic's metadata and for buffer space (up to maxBlockMs), then
   * resolves with the promise of its delivery. The delivery promise must be awaited or caught.
   */
  async append(
    record: ProducerRecord,
    options: SendOptions = {},
  ): Promise<{ delivery: Promise<RecordMetadata> }> {
    this.checkOpen(options.signal);
    const nowMs = this.cluster.options.now();
    const timestamp = record.timestamp === undefined ? this.timestampOf(nowMs) : BigInt(record.timestamp);
    let listener!: RecordDelivery;
    const delivery = new Promise<RecordMetadata>((resolve, reject) => {
      listener = new RecordDelivery(timestamp, resolve, reject);
    });
    // The fast path (metadata known, buffer space free) awaits nothing: an append costs no extra
    // turns of the microtask queue.
    const buffered = this.bufferRecord(record, timestampMsOf(timestamp), nowMs, listener, options.signal);
    const isBehindFullBatch = typeof buffered === 'boolean' ? buffered : await buffered;
    this.sender.wakeup();
    // A loop of appends that never waits runs as one chain of microtasks, during which the sender
    // (a macrotask), socket writes and answers cannot run until bufferMemory is used up: a batch would
    // then wait for the whole buffer to fill before going out. Once a batch is full, the append that
    // opens the next one lets the event loop turn (once per batch, not per record).
    if (isBehindFullBatch) await yieldToEventLoop();
    return { delivery };
  }

  /**
   * Sends many records (each partitioned on its own, as by `send`) and resolves once all are
   * acknowledged, with one offset range per run of consecutive offsets they got (sorted by topic,
   * partition and offset). Costs no promise or object per record: the way to produce in bulk.
   * Rejects with the first failure among them; records of other batches may have been written.
   */
  async sendBatch(records: readonly ProducerRecord[], options: SendOptions = {}): Promise<OffsetRange[]> {
    const { delivery } = await this.appendBatch(records, options);
    return delivery;
  }

  /**
   * Buffers records as `append` does, one after the other in order, and resolves once all are
   * buffered with the promise of their delivery (see sendBatch), which must be awaited or caught. When
   * buffering stops part-way (BufferExhaustedError, abort, close, a record too large), it rejects and
   * the records buffered before are still sent (flush() waits for them).
   */
  async appendBatch(
    records: readonly ProducerRecord[],
    options: SendOptions = {},
  ): Promise<{ delivery: Promise<OffsetRange[]> }> {
    this.checkOpen(options.signal);
    const bulk = new BulkDelivery();
    try {
      for (let next = 0; next < records.length; ) {
        const step = this.bufferUntilWait(records, next, bulk, options.signal);
        next = step.next;
        this.sender.wakeup();
        let isBehindFullBatch = step.isBehindFullBatch;
        if (step.pending !== undefined) {
          isBehindFullBatch = await step.pending;
          bulk.added();
          next += 1;
          this.sender.wakeup();
        }
        if (isBehindFullBatch) await yieldToEventLoop();
      }
    } catch (error: unknown) {
      bulk.seal();
      bulk.promise.catch(() => undefined);
      throw error;
    }
    bulk.seal();
    return { delivery: bulk.promise };
  }

  /**
   * Buffers records from `from` on for `bulk` while that needs no waiting, in one synchronous loop (the
   * per-record path of appendBatch: no await, no promise, one clock reading). Stops after a record that
   * opened a batch behind a full one, or at a record that must wait (its promise is `pending`; it counts
   * as buffered once that resolves).
   */
  private bufferUntilWait(
    records: readonly ProducerRecord[],
    from: number,
    bulk: BulkDelivery,
    signal: AbortSignal | undefined,
  ): { next: number; pending: Promise<boolean> | undefined; isBehindFullBatch: boolean } {
    const nowMs = this.cluster.options.now();
    // Nothing changes the metadata during this loop: a topic's partitioning is looked up once per run
    // of records to it.
    let topic: string | undefined;
    let partitioning: TopicPartitioning | undefined;
    for (let i = from; i < records.length; i += 1) {
      const record = records[i]!;
      const timestampMs = record.timestamp === undefined ? nowMs : timestampMsOf(record.timestamp);
      if (record.topic !== topic) {
        topic = record.topic;
        partitioning = this.cachedPartitioning(topic, nowMs);
      }
      const buffered = this.bufferRecord(record, timestampMs, nowMs, bulk, signal, partitioning);
      if (typeof buffered !== 'boolean') return { next: i, pending: buffered, isBehindFullBatch: false };
      bulk.added();
      if (buffered) return { next: i + 1, pending: undefined, isBehindFullBatch: true };
    }
    return { next: records.length, pending: undefined, isBehindFullBatch: false };
  }

  private checkOpen(signal: AbortSignal | undefined): void {
    if (this.isClosed) throw new ClientClosedError('the producer is closed');
    throwIfAborted(signal);
  }

  /**
   * Puts one record into its partition's open batch for `listener`: synchronous when the topic's
   * metadata is fresh and buffer space is free, else a promise that waits for them (up to maxBlockMs).
   * The result says whether the record opened a batch behind a full one.
   */
  private bufferRecord(
    record: ProducerRecord,
    timestampMs: number,
    nowMs: number,
    listener: DeliveryListener,
    signal: AbortSignal | undefined,
    partitioning = this.cachedPartitioning(record.topic, nowMs),
  ): boolean | Promise<boolean> {
    const key = toBuffer(record.key);
    const value = toBuffer(record.value);
    const headers = toHeaders(record.headers);
    const sizeBytes = estimateRecordBytes(key, value, headers);
    if (sizeBytes + BATCH_OVERHEAD_BYTES > this.maxRequestSize) {
      throw new KafkaError('MESSAGE_TOO_LARGE', `a record of ${sizeBytes} bytes exceeds maxRequestSize`);
    }
    if (partitioning === undefined) {
      return this.partitioning(record.topic, signal).then((fetched) =>
        this.place(record, key, value, headers, sizeBytes, timestampMs, fetched, listener, signal),
      );
    }
    return this.place(record, key, value, headers, sizeBytes, timestampMs, partitioning, listener, signal);
  }

  /**
   * The rest of bufferRecord once the topic's partitioning is known: picks the partition once, then
   * appends at once when buffer space is free, else waits for it.
   */
  private place(
    record: ProducerRecord,
    key: Buffer | null,
    value: Buffer | null,
    headers: readonly RecordHeader[],
    sizeBytes: number,
    timestampMs: number,
    partitioning: TopicPartitioning,
    listener: DeliveryListener,
    signal: AbortSignal | undefined,
  ): boolean | Promise<boolean> {
    const partition = this.choosePartition(record, key, sizeBytes, partitioning);
    if (!this.accumulator.tryReserve(sizeBytes)) {
      return this.reserveAndAppend(
        record,
        key,
        value,
        headers,
        sizeBytes,
        timestampMs,
        partitioning,
        partition,
        listener,
        signal,
      );
    }
    return this.accumulator.append(
      record.topic,
      partition,
      key,
      value,
      headers,
      timestampMs,
      sizeBytes,
      listener,
    );
  }

  /** The slow part of place: waits for buffer space, then appends (to `partition` unless it is sticky). */
  private async reserveAndAppend(
    record: ProducerRecord,
    key: Buffer | null,
    value: Buffer | null,
    headers: readonly RecordHeader[],
    sizeBytes: number,
    timestampMs: number,
    partitioning: TopicPartitioning,
    chosen: number,
    listener: DeliveryListener,
    signal: AbortSignal | undefined,
  ): Promise<boolean> {
    await this.accumulator.reserve(sizeBytes, signal);
    if (this.isClosed) {
      this.accumulator.release(sizeBytes);
      throw new ClientClosedError('the producer is closed');
    }
    // The sticky partition may have moved on while this record waited.
    const partition =
      record.partition === undefined && key === null
        ? this.choosePartition(record, key, sizeBytes, partitioning)
        : chosen;
    return this.accumulator.append(
      record.topic,
      partition,
      key,
      value,
      headers,
      timestampMs,
      sizeBytes,
      listener,
    );
  }

  /** The record's partition: explicit (checked), by key (murmur2), or sticky with KIP-480's switch. */
  private choosePartition(
    record: ProducerRecord,
    key: Buffer | null,
    sizeBytes: number,
    partitioning: TopicPartitioning,
  ): number {
    if (record.partition !== undefined) {
      if (
        !Number.isInteger(record.partition) ||
        record.partition < 0 ||
        record.partition >= partitioning.partitionCount
      ) {
        throw new KafkaError(
          'UNKNOWN_TOPIC_OR_PARTITION',
          `topic ${record.topic} has ${partitioning.partitionCount} partitions, not ${record.partition}`,
        );
      }
      return record.partition;
    }
    const partition = this.partitioner.partition(record.topic, key, partitioning);
    // KIP-480: a keyless record that would open a new batch on the sticky partition moves the sticky
    // partition instead, so that each batch fills before the next partition gets records.
    if (key === null && this.accumulator.wouldOpenBatch(record.topic, partition, sizeBytes)) {
      this.partitioner.onNewBatch(record.topic, partition, partitioning);
      return this.partitioner.partition(record.topic, key, partitioning);
    }
    return partition;
  }

  /** `nowMs` as a bigint timestamp, converted once per millisecond. */
  private timestampOf(nowMs: number): bigint {
    if (nowMs !== this.lastNowMs) {
      this.lastNowMs = nowMs;
      this.lastNow = BigInt(nowMs);
    }
    return this.lastNow;
  }

  /** The topic's partitioning when the cluster's metadata is fresh for it, without waiting. */
  private cachedPartitioning(topic: string, nowMs: number): TopicPartitioning | undefined {
    const view = this.cluster.freshView(topic, nowMs);
    if (view === undefined) return undefined;
    const cached = this.partitionings.get(topic);
    if (cached?.view === view) return cached.partitioning;
    const metadata = view.topics.get(topic);
    if (metadata === undefined || metadata.partitions.length === 0) return undefined;
    const partitioning = partitioningOf(metadata);
    this.partitionings.set(topic, { view, partitioning });
    return partitioning;
  }

  /** Partition count and available partitions, waiting up to maxBlockMs for the topic to appear. */
  private async partitioning(topic: string, signal?: AbortSignal): Promise<TopicPartitioning> {
    const deadline = this.cluster.options.now() + this.maxBlockMs;
    for (let attempt = 0; ; attempt++) {
      const view = await this.cluster.metadata([topic], signal);
      const metadata = view.topics.get(topic);
      if (metadata !== undefined && metadata.partitions.length > 0) return partitioningOf(metadata);
      const errorCode = view.topicErrors.get(topic)?.errorCode;
      const error =
        (errorCode === undefined ? undefined : kafkaErrorFromCode(errorCode)) ??
        new KafkaError('UNKNOWN_TOPIC_OR_PARTITION', `topic ${topic} not present in metadata`);
      if (!error.retriable && errorCode !== undefined && errorCode !== 3) throw error;
      if (this.cluster.options.now() >= deadline) {
        throw new KafkaError(
          error.code,
          `topic ${topic} not present in metadata after ${this.maxBlockMs} ms`,
        );
      }
      await this.cluster.refresh({
        topics: [topic],
        allowAutoTopicCreation: this.allowAutoTopicCreation,
        ...(signal === undefined ? {} : { signal }),
      });
      if (!this.cluster.current.topics.has(topic)) {
        await sleep(Math.min(1000, 50 * 2 ** Math.min(attempt, 5)), signal);
      }
    }
  }

  /** Sends every buffered record now and resolves when all records appended before the call are settled. */
  async flush(): Promise<void> {
    const pending = [...this.accumulator.pendingBatches(), ...this.sender.inFlightBatches()];
    if (pending.length === 0) return;
    this.accumulator.beginFlush();
    this.sender.wakeup();
    try {
      await Promise.all(pending.map((batch) => batch.done));
    } finally {
      this.accumulator.endFlush();
    }
  }

  /**
   * Flushes (unless `timeoutMs` is 0: then buffered records fail with ClientClosedError) and closes the
   * connections. New sends reject from the start of close.
   */
  async close(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    const timeoutMs = options.timeoutMs ?? Number.POSITIVE_INFINITY;
    if (timeoutMs > 0) {
      const flushed = this.flush();
      if (timeoutMs === Number.POSITIVE_INFINITY) await flushed;
      else {
        let timer: NodeJS.Timeout | undefined;
        await Promise.race([
          flushed,
          new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs))),
        ]);
        clearTimeout(timer);
      }
    }
    this.sender.stop();
    this.accumulator.abortAll(new ClientClosedError('the producer closed before the record was sent'));
    await this.cluster.close();
  }
}
