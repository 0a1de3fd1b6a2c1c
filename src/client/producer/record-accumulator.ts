// Per-partition queues of ProducerBatches with linger/batch-size readiness and a bounded memory budget.

import { RecordBatchBuilder, type RecordHeader } from '../../protocol/index.js';
import { BufferExhaustedError, OperationAbortedError } from '../client-errors.js';
import type { EncodeBufferPool } from './encode-buffer-pool.js';
import { BATCH_OVERHEAD_BYTES, type DeliveryListener, ProducerBatch } from './producer-batch.js';

/**
 * The first buffer of a batch when no full-size one is free: batch.size up to this, so that a batch
 * that stays small (one of many partitions) does not hold a large batch.size; it grows as records come.
 */
const FIRST_BUFFER_MAX_BYTES = 64 * 1024;

export interface AccumulatorConfig {
  /** `batch.size`: a batch is full past this many bytes. */
  readonly batchSize: number;
  /** `linger.ms`: a batch waits this long for more records unless full. */
  readonly lingerMs: number;
  /** `buffer.memory`: bytes of records not yet acknowledged. */
  readonly bufferMemory: number;
  /** `max.block.ms`: how long an append waits for buffer space. */
  readonly maxBlockMs: number;
  /** Batches of one partition in flight at once. */
  readonly maxInFlightPerPartition: number;
}

export class PartitionQueue {
  readonly batches: ProducerBatch[] = [];
  inFlight = 0;
  /** Next idempotent sequence number. */
  nextSequence = 0;
  /** A batch failed and waits to be resent: later batches wait until nothing of the partition is in flight. */
  isRetrying = false;
  /** Batches drained so far: each batch's drainOrder. */
  drained = 0;
  /** Bytes the last drained batch reached: the first buffer of the next one (a busy partition's batches fill up). */
  lastBatchBytes = 0;

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}
}

interface MemoryWaiter {
  readonly bytes: number;
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
}

/**
 * Holds records between `append` and their drain into a Produce request. Pure bookkeeping with an injected
 * clock, except for memory waits: `reserve` waits (FIFO) for released bytes and fails with
 * BufferExhaustedError after maxBlockMs.
 */
export class RecordAccumulator {
  private readonly queues = new Map<string, PartitionQueue>();
  private usedBytes = 0;
  private readonly waiters: MemoryWaiter[] = [];
  private flushes = 0;
  private lastQueue: PartitionQueue | undefined;

  constructor(
    private readonly config: AccumulatorConfig,
    private readonly now: () => number,
    /** Where batches get the buffers their records are written into. */
    private readonly buffers: EncodeBufferPool,
  ) {}

  get bufferedBytes(): number {
    return this.usedBytes;
  }

  /** Takes `bytes` of the buffer budget if it is free now and nobody waits for it; false otherwise. */
  tryReserve(bytes: number): boolean {
    if (this.waiters.length > 0 || this.usedBytes + bytes > this.config.bufferMemory) return false;
    this.usedBytes += bytes;
    return true;
  }

  /** Takes `bytes` of the buffer budget, waiting while it is used up. */
  reserve(bytes: number, signal?: AbortSignal): Promise<void> {
    if (bytes > this.config.bufferMemory) {
      return Promise.reject(
        new BufferExhaustedError(
          `a record of ${bytes} bytes is larger than bufferMemory (${this.config.bufferMemory})`,
        ),
      );
    }
    if (this.tryReserve(bytes)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const finish = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const index = this.waiters.indexOf(waiter);
        if (index >= 0) this.waiters.splice(index, 1);
      };
      const waiter: MemoryWaiter = {
        bytes,
        resolve: () => {
          finish();
          resolve();
        },
        reject: (error) => {
          finish();
          reject(error);
          this.wakeWaiters();
        },
      };
      const onAbort = (): void =>
        waiter.reject(new OperationAbortedError('send aborted', { cause: signal?.reason }));
      const timer = setTimeout(
        () =>
          waiter.reject(
            new BufferExhaustedError(
              `no buffer space for ${bytes} bytes within maxBlockMs (${this.config.maxBlockMs})`,
            ),
          ),
        this.config.maxBlockMs,
      );
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  release(bytes: number): void {
    this.usedBytes -= bytes;
    this.wakeWaiters();
  }

  private wakeWaiters(): void {
    for (let first = this.waiters[0]; first !== undefined; first = this.waiters[0]) {
      if (this.usedBytes + first.bytes > this.config.bufferMemory) return;
      this.usedBytes += first.bytes;
      first.resolve();
    }
  }

  queue(topic: string, partition: number): PartitionQueue {
    // Consecutive appends mostly go to one partition: skip building the map key for them.
    const last = this.lastQueue;
    if (last !== undefined && last.partition === partition && last.topic === topic) return last;
    const key = `${partition}:${topic}`;
    let queue = this.queues.get(key);
    if (queue === undefined) {
      queue = new PartitionQueue(topic, partition);
      this.queues.set(key, queue);
    }
    this.lastQueue = queue;
    return queue;
  }

  /** True when a record of `bytes` would have to open a new batch on the partition (KIP-480's trigger). */
  wouldOpenBatch(topic: string, partition: number, bytes: number): boolean {
    const last = this.queue(topic, partition).batches.at(-1);
    return last === undefined || !last.hasRoomFor(bytes, this.config.batchSize);
  }

  /**
   * Adds a record (its bytes already reserved) to the partition's open batch, opening one when needed.
   * Returns true when it opened a batch behind another one of the partition (which is then ready).
   */
  append(
    topic: string,
    partition: number,
    key: Buffer | null,
    value: Buffer | null,
    headers: readonly RecordHeader[],
    timestampMs: number,
    sizeBytes: number,
    listener: DeliveryListener,
  ): boolean {
    const queue = this.queue(topic, partition);
    const batch = queue.batches.at(-1);
    if (batch?.hasRoomFor(sizeBytes, this.config.batchSize)) {
      batch.add(key, value, headers, timestampMs, sizeBytes, listener);
      return false;
    }
    const opened = new ProducerBatch(topic, partition, this.now(), this.newBuilder(queue, sizeBytes));
    opened.add(key, value, headers, timestampMs, sizeBytes, listener);
    queue.batches.push(opened);
    return batch !== undefined;
  }

  /**
   * The builder of a new batch of `queue`: its first buffer holds the first record and batch.size up to
   * FIRST_BUFFER_MAX_BYTES, or as much as the partition's last batch reached (no growing, and no copying,
   * for a partition whose batches fill up).
   */
  private newBuilder(queue: PartitionQueue, firstRecordBytes: number): RecordBatchBuilder {
    const expected = Math.max(queue.lastBatchBytes, Math.min(this.config.batchSize, FIRST_BUFFER_MAX_BYTES));
    return new RecordBatchBuilder({
      initialBytes: Math.max(BATCH_OVERHEAD_BYTES + firstRecordBytes, expected),
      allocate: (bytes) => this.buffers.take(bytes),
      release: (buffer) => this.buffers.give(buffer),
    });
  }

  /** Makes every batch ready now until `endFlush` (flush() and close()). */
  beginFlush(): void {
    this.flushes += 1;
  }

  endFlush(): void {
    this.flushes -= 1;
  }

  /**
   * Partitions whose first batch may be sent now (see isSendable), and the earliest time another one
   * becomes ready.
   */
  ready(nowMs: number): { queues: PartitionQueue[]; nextReadyMs: number } {
    const queues: PartitionQueue[] = [];
    let nextReadyMs = Number.POSITIVE_INFINITY;
    for (const queue of this.queues.values()) {
      if (!this.hasSendSlot(queue)) continue;
      const readyAtMs = this.readyAtMs(queue);
      if (readyAtMs <= nowMs) queues.push(queue);
      else nextReadyMs = Math.min(nextReadyMs, readyAtMs);
    }
    return { queues, nextReadyMs };
  }

  /**
   * True when the partition's first batch may be drained now: it is full, lingered long enough, is a
   * retry whose backoff passed, a flush runs or appends wait for memory; and the partition has an
   * in-flight slot (none while a retry of it is in flight, so that retries keep their order).
   */
  isSendable(queue: PartitionQueue, nowMs: number): boolean {
    return this.hasSendSlot(queue) && this.readyAtMs(queue) <= nowMs;
  }

  private hasSendSlot(queue: PartitionQueue): boolean {
    if (queue.batches.length === 0) return false;
    if (queue.inFlight >= this.config.maxInFlightPerPartition) return false;
    return !(queue.isRetrying && queue.inFlight > 0);
  }

  /** When the partition's first batch becomes ready (Infinity when it has none). */
  private readyAtMs(queue: PartitionQueue): number {
    const first = queue.batches[0];
    if (first === undefined) return Number.POSITIVE_INFINITY;
    if (first.isClosed) return first.retryAtMs;
    const urgent = this.flushes > 0 || this.waiters.length > 0;
    return urgent || queue.batches.length > 1 || first.sizeBytes >= this.config.batchSize
      ? 0
      : first.createdAtMs + this.config.lingerMs;
  }

  /** Takes the partition's first batch for sending; it is closed to appends from now on. */
  drain(queue: PartitionQueue): ProducerBatch | undefined {
    const batch = queue.batches.shift();
    if (batch === undefined) return undefined;
    if (!batch.isClosed) {
      batch.isClosed = true;
      batch.drainOrder = queue.drained++;
      queue.lastBatchBytes = Math.min(batch.sizeBytes, this.config.batchSize);
    }
    queue.inFlight += 1;
    return batch;
  }

  /** The send of `batch` ended (answered or failed): it no longer counts as in flight. */
  sent(batch: ProducerBatch): void {
    this.queue(batch.topic, batch.partition).inFlight -= 1;
  }

  /** Puts a batch back for a retry, before every batch drained after it, so that order is kept. */
  requeue(batch: ProducerBatch, retryAtMs: number): void {
    const queue = this.queue(batch.topic, batch.partition);
    batch.retryAtMs = retryAtMs;
    queue.isRetrying = true;
    let index = 0;
    while (index < queue.batches.length) {
      const other = queue.batches[index]!;
      if (!other.isClosed || other.drainOrder > batch.drainOrder) break;
      index += 1;
    }
    queue.batches.splice(index, 0, batch);
  }

  /** Called when a partition's batch succeeded: retries are over once none of its batches waits as a retry. */
  maybeEndRetry(topic: string, partition: number): void {
    const queue = this.queue(topic, partition);
    if (queue.isRetrying && !queue.batches.some((batch) => batch.isClosed)) queue.isRetrying = false;
  }

  /** Every batch not yet drained, plus nothing in flight (the sender tracks those). */
  pendingBatches(): ProducerBatch[] {
    return [...this.queues.values()].flatMap((queue) => queue.batches);
  }

  /** Fails every queued batch and memory waiter with `error` (close without flush). */
  abortAll(error: Error): void {
    for (const queue of this.queues.values()) {
      for (const batch of queue.batches.splice(0)) {
        this.release(batch.recordBytes);
        batch.fail(error);
      }
    }
    for (const waiter of [...this.waiters]) waiter.reject(error);
  }
}
