// The producer's I/O loop: drains ready batches into one Produce request per leader and settles them from the answers.
import {
  ApiKey,
  type CompressionCodec,
  ErrorCode,
  KafkaError,
  kafkaErrorFromCode,
  type ProduceResponse,
} from '../../protocol/index.js';
import { type Cluster, isStaleMetadataError } from '../cluster.js';
import type { NodeConnection } from '../node-connection.js';
import { backoffMs, isRetriable, type RetryPolicy } from '../retry.js';
import type { EncodeBufferPool } from './encode-buffer-pool.js';
import type { BatchEncoding, ProducerBatch } from './producer-batch.js';
import { nextSequence, type ProducerIdentity } from './producer-identity.js';
import type { PartitionQueue, RecordAccumulator } from './record-accumulator.js';

export interface SenderConfig {
  /** -1 (all in-sync replicas), 0 (no answer) or 1 (leader). */
  readonly acks: -1 | 0 | 1;
  readonly compression: CompressionCodec;
  readonly compressionLevel: number | undefined;
  readonly requestTimeoutMs: number;
  /** `delivery.timeout.ms`: a record fails once this long has passed since its batch opened. */
  readonly deliveryTimeoutMs: number;
  readonly retryPolicy: RetryPolicy;
  /** `max.in.flight.requests.per.connection`. */
  readonly maxInFlightPerConnection: number;
  /** `max.request.size`: the records of one Produce request stay below this. */
  readonly maxRequestSize: number;
}

/**
 * Runs whenever something changes (an append, an answer, a timer for the next linger deadline or retry
 * backoff): never a polling loop. Batches of one partition go out in order; a failed batch is retried
 * before any later one of its partition (in-order retries), which with idempotence keeps sequence
 * numbers contiguous.
 */
export class Sender {
  private readonly inFlightByNode = new Map<number, number>();
  private readonly inFlight = new Set<ProducerBatch>();
  private readonly encoding: BatchEncoding;
  private isScheduled = false;
  private timer: NodeJS.Timeout | undefined;
  private timerDueMs = Number.POSITIVE_INFINITY;
  private refreshing = false;
  private isStopped = false;

  constructor(
    private readonly cluster: Cluster,
    private readonly accumulator: RecordAccumulator,
    private readonly config: SenderConfig,
    private readonly identity: ProducerIdentity | undefined,
    private readonly now: () => number,
    /** Where batch buffers go back once the broker has read them. */
    private readonly buffers: EncodeBufferPool,
  ) {
    this.encoding = {
      compression: config.compression,
      ...(config.compressionLevel === undefined ? {} : { compressionLevel: config.compressionLevel }),
    };
  }

  /** Batches drained and not yet settled. */
  inFlightBatches(): ProducerBatch[] {
    return [...this.inFlight];
  }

  /** Schedules a run on the next turn of the event loop (coalescing many appends into one run). */
  wakeup(): void {
    if (this.isScheduled || this.isStopped) return;
    this.isScheduled = true;
    setImmediate(() => {
      this.isScheduled = false;
      this.run();
    });
  }

  stop(): void {
    this.isStopped = true;
    clearTimeout(this.timer);
  }

  private armTimer(dueMs: number): void {
    if (dueMs === Number.POSITIVE_INFINITY || dueMs >= this.timerDueMs) return;
    clearTimeout(this.timer);
    this.timerDueMs = dueMs;
    this.timer = setTimeout(
      () => {
        this.timerDueMs = Number.POSITIVE_INFINITY;
        this.run();
      },
      Math.max(0, dueMs - this.now()),
    );
  }

  private run(): void {
    if (this.isStopped) return;
    if (this.identity !== undefined && !this.identity.isReady) {
      this.identity.ensure().then(
        () => this.wakeup(),
        (error: unknown) => this.failAll(error instanceof Error ? error : new Error(String(error))),
      );
      return;
    }
    const nowMs = this.now();
    const { queues, nextReadyMs } = this.accumulator.ready(nowMs);
    this.armTimer(nextReadyMs);
    const view = this.cluster.current;
    const byNode = new Map<number, PartitionQueue[]>();
    let needsMetadata = false;
    for (const queue of queues) {
      const leader = view.leaderOf(queue.topic, queue.partition);
      if (leader === undefined) {
        needsMetadata = true;
        continue;
      }
      byNode.set(leader.nodeId, [...(byNode.get(leader.nodeId) ?? []), queue]);
    }
    if (needsMetadata) this.refreshMetadata();
    for (const [nodeId, nodeQueues] of byNode) this.sendToNode(nodeId, nodeQueues, nowMs);
  }

  private refreshMetadata(): void {
    if (this.refreshing) return;
    this.refreshing = true;
    this.cluster
      .refresh()
      .catch(() => undefined)
      .finally(() => {
        this.refreshing = false;
        // A leaderless partition is retried after the backoff, not in a tight loop.
        this.armTimer(this.now() + this.config.retryPolicy.retryBackoffMs);
      });
  }

  /**
   * Sends requests to the node while it has in-flight slots and partitions have sendable batches: each
   * request takes at most one batch per partition (as Kafka's) and stays below maxRequestSize; the next
   * request starts at the partition where the last one stopped, so that every partition gets its turn.
   * A partition with several ready batches gets one request per batch, up to its in-flight limit, so
   * that one busy partition keeps the connection's pipeline full.
   */
  private sendToNode(nodeId: number, queues: PartitionQueue[], nowMs: number): void {
    let start = 0;
    while ((this.inFlightByNode.get(nodeId) ?? 0) < this.config.maxInFlightPerConnection) {
      const batches: ProducerBatch[] = [];
      let bytes = 0;
      let next = start;
      for (let n = 0; n < queues.length; n += 1) {
        const position = (start + n) % queues.length;
        const queue = queues[position]!;
        next = (position + 1) % queues.length;
        if (!this.accumulator.isSendable(queue, nowMs)) continue;
        if (batches.length > 0 && bytes + queue.batches[0]!.sizeBytes > this.config.maxRequestSize) {
          next = position;
          break;
        }
        const batch = this.accumulator.drain(queue)!;
        if (batch.attempts === 0 && this.identity !== undefined) {
          batch.baseSequence = queue.nextSequence;
          queue.nextSequence = nextSequence(queue.nextSequence, batch.recordCount);
        }
        batches.push(batch);
        bytes += batch.sizeBytes;
      }
      if (batches.length === 0) return;
      start = next;
      for (const batch of batches) {
        batch.attempts += 1;
        this.inFlight.add(batch);
      }
      this.inFlightByNode.set(nodeId, (this.inFlightByNode.get(nodeId) ?? 0) + 1);
      void this.produce(nodeId, batches, nowMs).finally(() => {
        this.inFlightByNode.set(nodeId, (this.inFlightByNode.get(nodeId) ?? 1) - 1);
        this.wakeup();
      });
    }
  }

  private encode(batch: ProducerBatch): Promise<Buffer> {
    const encoding =
      this.identity === undefined
        ? this.encoding
        : {
            ...this.encoding,
            producerId: this.identity.producerId,
            producerEpoch: this.identity.producerEpoch,
          };
    return batch.encode(encoding, (buffer) => this.buffers.give(buffer));
  }

  private async produce(nodeId: number, batches: ProducerBatch[], nowMs: number): Promise<void> {
    let connection: NodeConnection;
    let response: ProduceResponse | undefined;
    try {
      connection = await this.cluster.connectionTo(nodeId);
      const encoded = await Promise.all(batches.map((batch) => this.encode(batch)));
      const version = connection.version(ApiKey.Produce, { min: 3, max: 11 });
      const topics = new Map<string, { index: number; records: Buffer }[]>();
      batches.forEach((batch, i) => {
        const list = topics.get(batch.topic) ?? [];
        list.push({ index: batch.partition, records: encoded[i]! });
        topics.set(batch.topic, list);
      });
      const body = {
        transactionalId: null,
        acks: this.config.acks,
        timeoutMs: this.config.requestTimeoutMs,
        topicData: [...topics].map(([name, partitionData]) => ({ name, partitionData })),
      };
      if (this.config.acks === 0) {
        await connection.send(ApiKey.Produce, version, body);
      } else {
        response = await connection.request(ApiKey.Produce, version, body);
      }
    } catch (error: unknown) {
      const failure = error instanceof Error ? error : new Error(String(error));
      for (const batch of batches) this.retryOrFail(batch, failure, nowMs);
      if (isRetriable(error)) this.cluster.invalidate();
      return;
    }
    if (response === undefined) {
      for (const batch of batches) this.finish(batch, () => batch.complete(-1n, -1n));
      return;
    }
    this.handleResponse(batches, response, nowMs);
  }

  private handleResponse(batches: ProducerBatch[], response: ProduceResponse, nowMs: number): void {
    const answers = new Map<string, ProduceResponse['responses'][number]['partitionResponses'][number]>();
    for (const topic of response.responses) {
      for (const partition of topic.partitionResponses)
        answers.set(`${partition.index}:${topic.name}`, partition);
    }
    for (const batch of batches) {
      const answer = answers.get(`${batch.partition}:${batch.topic}`);
      if (answer === undefined) {
        this.retryOrFail(batch, new KafkaError('UNKNOWN_SERVER_ERROR', 'no answer for the partition'), nowMs);
        continue;
      }
      // DUPLICATE_SEQUENCE_NUMBER: the broker already has this batch from an earlier attempt.
      if (answer.errorCode === ErrorCode.NONE || answer.errorCode === ErrorCode.DUPLICATE_SEQUENCE_NUMBER) {
        this.finish(batch, () => batch.complete(answer.baseOffset, answer.logAppendTimeMs));
        this.accumulator.maybeEndRetry(batch.topic, batch.partition);
        continue;
      }
      const detail = answer.errorMessage ?? answer.recordErrors[0]?.batchIndexErrorMessage ?? null;
      const error = kafkaErrorFromCode(answer.errorCode, detail)!;
      if (isStaleMetadataError(answer.errorCode)) this.cluster.invalidate(batch.topic);
      this.retryOrFail(batch, error, nowMs);
    }
  }

  /** Retries a retriable failure within `retries` and `deliveryTimeoutMs`, else fails the batch's records. */
  private retryOrFail(batch: ProducerBatch, error: Error, nowMs: number): void {
    const queue = this.accumulator.queue(batch.topic, batch.partition);
    // With idempotence, a batch after a failed one answers OUT_OF_ORDER_SEQUENCE_NUMBER: it is resent
    // in order once the earlier one went through.
    const isOutOfOrderAfterRetry =
      error instanceof KafkaError &&
      error.errorCode === ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER &&
      this.identity !== undefined &&
      queue.isRetrying;
    const canRetry =
      !this.isStopped &&
      (isRetriable(error) || isOutOfOrderAfterRetry) &&
      batch.attempts <= this.config.retryPolicy.retries &&
      nowMs - batch.createdAtMs < this.config.deliveryTimeoutMs;
    this.inFlight.delete(batch);
    this.accumulator.sent(batch);
    if (canRetry) {
      this.accumulator.requeue(batch, this.now() + backoffMs(batch.attempts - 1, this.config.retryPolicy));
      this.armTimer(batch.retryAtMs);
      return;
    }
    this.accumulator.release(batch.recordBytes);
    batch.fail(error);
    this.accumulator.maybeEndRetry(batch.topic, batch.partition);
  }

  private finish(batch: ProducerBatch, settle: () => void): void {
    this.inFlight.delete(batch);
    this.accumulator.sent(batch);
    this.accumulator.release(batch.recordBytes);
    settle();
    // The broker answered the one request that carried the batch, so it has read every byte of it: the
    // buffer can take the next batch. After several attempts an earlier request may still sit unwritten
    // on another connection, and with acks=0 nothing says the bytes left, so those buffers are not reused.
    if (batch.pooledBuffer !== undefined && batch.attempts === 1 && this.config.acks !== 0) {
      this.buffers.give(batch.pooledBuffer);
    }
    batch.pooledBuffer = undefined;
    batch.encoded = undefined;
  }

  private failAll(error: Error): void {
    this.accumulator.abortAll(error);
  }
}
