// Drives the pure transaction coordinator with real time, the durable __transaction_state log, the
// producer id generator and the marker writer: held replies, writes, marker jobs, timers.
import { ErrorCode, PyralogError } from '../../protocol/index.js';
import type { GroupClock } from '../group/group-runtime.js';
import type { CoordinatorLog } from '../internal-topic-log.js';
import {
  type InitProducerIdInput,
  type MarkerResult,
  NEEDS_PRODUCER_ID,
  type TransactionCoordinator,
  type TxnMarkerJob,
  type TxnReply,
} from './transaction-coordinator.js';
import type { TxnMetadata, TxnPartition } from './txn-metadata.js';
import type { EndTxnInput } from './txn-transitions.js';

/** Writes transaction markers (control batches) to partitions: the in-process WriteTxnMarkers. */
export interface TxnMarkerWriter {
  /**
   * Appends a COMMIT or ABORT marker for the job's producer to each partition and resolves with one
   * error code per partition once they are durable. Never rejects.
   */
  writeMarkers(job: TxnMarkerJob): Promise<MarkerResult[]>;
}

/** Producer ids no one had before (the broker's ProducerIdManager). */
export interface TxnProducerIds {
  generateProducerId(): Promise<bigint>;
}

export interface TxnRuntimeOptions {
  readonly coordinator: TransactionCoordinator;
  readonly log: CoordinatorLog;
  readonly markers: TxnMarkerWriter;
  readonly producerIds: TxnProducerIds;
  readonly clock: GroupClock;
  /** Called when a write, marker job or timer step fails unexpectedly; the runtime keeps serving. */
  readonly onError: (error: unknown, what: string) => void;
}

/** The answer to InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn or EndTxn. */
export interface TxnOutcome {
  readonly errorCode: number;
  readonly producerId: bigint;
  readonly producerEpoch: number;
}

/** The coordinator stopped (broker shutdown) before it answered: handlers answer COORDINATOR_NOT_AVAILABLE. */
export class TxnCoordinatorClosedError extends PyralogError {
  readonly code = 'TXN_COORDINATOR_CLOSED';
}

/** Node's setTimeout cannot wait longer than this. */
const MAX_TIMER_DELAY_MS = 2_147_483_647;

interface Held {
  readonly resolve: (outcome: TxnOutcome) => void;
  readonly reject: (error: TxnCoordinatorClosedError) => void;
}

/**
 * The transaction coordinator of this node as the broker's handlers call it. Every call runs one step of
 * the pure coordinator synchronously (calls never interleave), then starts the writes and marker jobs it
 * asked for and releases the replies. Writes to one __transaction_state partition are appended in the
 * order the coordinator produced them. One timer wakes the coordinator at its next deadline.
 */
export class TxnRuntime {
  readonly #held = new Map<number, Held>();
  #nextRequestId = 1;
  #timerAtMs: number | null = null;
  #cancelTimer: (() => void) | null = null;
  #closed = false;

  constructor(private readonly options: TxnRuntimeOptions) {
    this.#drain();
  }

  get coordinator(): TransactionCoordinator {
    return this.options.coordinator;
  }

  /** The __transaction_state partition of `transactionalId`. */
  partitionFor(transactionalId: string): number {
    return this.coordinator.partitionFor(transactionalId);
  }

  /** FindCoordinator's check: NONE once __transaction_state exists (created now if needed). */
  ensureLog(): Promise<number> {
    return this.options.log.ensureTopic();
  }

  async initProducerId(input: InitProducerIdInput): Promise<TxnOutcome> {
    const first = this.#hold((requestId, nowMs) =>
      this.coordinator.initProducerId(input, null, requestId, nowMs),
    );
    if (first !== NEEDS_PRODUCER_ID) return first;
    const fresh = await this.#freshProducerId();
    if (fresh === null) return outcome(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    const second = this.#hold((requestId, nowMs) =>
      this.coordinator.initProducerId(input, fresh, requestId, nowMs),
    );
    // The state cannot need a second fresh id; if it ever did, the client retries.
    return second === NEEDS_PRODUCER_ID ? outcome(ErrorCode.CONCURRENT_TRANSACTIONS) : second;
  }

  addPartitions(
    transactionalId: string,
    producerId: bigint,
    producerEpoch: number,
    partitions: readonly TxnPartition[],
    clientTransactionVersion: number,
  ): Promise<TxnOutcome> {
    const held = this.#hold((requestId, nowMs) =>
      this.coordinator.addPartitions(
        transactionalId,
        producerId,
        producerEpoch,
        partitions,
        clientTransactionVersion,
        requestId,
        nowMs,
      ),
    );
    return held === NEEDS_PRODUCER_ID ? Promise.resolve(outcome(ErrorCode.UNKNOWN_SERVER_ERROR)) : held;
  }

  /** KIP-890 verification: one error code per partition (no write). */
  verifyPartitions(
    transactionalId: string,
    producerId: bigint,
    producerEpoch: number,
    partitions: readonly TxnPartition[],
  ): number[] {
    if (this.#closed) return partitions.map(() => ErrorCode.COORDINATOR_NOT_AVAILABLE);
    return this.coordinator.verifyPartitions(transactionalId, producerId, producerEpoch, partitions);
  }

  async endTxn(transactionalId: string, input: EndTxnInput): Promise<TxnOutcome> {
    const first = this.#hold((requestId, nowMs) =>
      this.coordinator.endTxn(transactionalId, input, null, requestId, nowMs),
    );
    if (first !== NEEDS_PRODUCER_ID) return first;
    const fresh = await this.#freshProducerId();
    if (fresh === null) return outcome(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    const second = this.#hold((requestId, nowMs) =>
      this.coordinator.endTxn(transactionalId, input, fresh, requestId, nowMs),
    );
    return second === NEEDS_PRODUCER_ID ? outcome(ErrorCode.CONCURRENT_TRANSACTIONS) : second;
  }

  /** The durable metadata of `transactionalId`, with the partitions still waiting for markers. */
  describe(
    transactionalId: string,
  ): { metadata: TxnMetadata; partitions: readonly TxnPartition[] } | undefined {
    const metadata = this.coordinator.get(transactionalId);
    if (metadata === undefined) return undefined;
    return { metadata, partitions: this.coordinator.openPartitions(transactionalId) };
  }

  list(): TxnMetadata[] {
    return this.coordinator.all();
  }

  nowMs(): number {
    return this.options.clock.nowMs();
  }

  get isClosed(): boolean {
    return this.#closed;
  }

  /** Requests waiting for a write. */
  get heldCount(): number {
    return this.#held.size;
  }

  /** Stops the timer and rejects every held request with TxnCoordinatorClosedError. */
  close(): void {
    this.#closed = true;
    this.#cancelTimer?.();
    this.#cancelTimer = null;
    const held = [...this.#held.values()];
    this.#held.clear();
    for (const h of held) h.reject(new TxnCoordinatorClosedError('the transaction coordinator stopped'));
  }

  async #freshProducerId(): Promise<bigint | null> {
    try {
      return await this.options.producerIds.generateProducerId();
    } catch (error: unknown) {
      this.options.onError(error, 'producer id allocation');
      return null;
    }
  }

  /**
   * Runs one coordinator call for a new request id; resolves when the coordinator releases its reply.
   * NEEDS_PRODUCER_ID comes back synchronously when the call changed nothing and wants a fresh id.
   */
  #hold(call: (requestId: number, nowMs: number) => unknown): Promise<TxnOutcome> | typeof NEEDS_PRODUCER_ID {
    if (this.#closed)
      return Promise.reject(new TxnCoordinatorClosedError('the transaction coordinator stopped'));
    const requestId = this.#nextRequestId++;
    const answered = new Promise<TxnOutcome>((resolve, reject) => {
      this.#held.set(requestId, { resolve, reject });
    });
    const result = call(requestId, this.options.clock.nowMs());
    if (result === NEEDS_PRODUCER_ID) {
      this.#held.delete(requestId);
      this.#drain();
      return NEEDS_PRODUCER_ID;
    }
    this.#drain();
    return answered;
  }

  #drain(): void {
    const work = this.coordinator.ready();
    for (const write of work.writes) {
      const options = write.durable ? undefined : { durable: false };
      void this.options.log.append(write.partition, [write.record], options).then(
        (code) => this.#step(() => this.coordinator.writeCompleted(write.writeId, code, this.nowMs())),
        (error: unknown) => {
          this.options.onError(error, '__transaction_state append');
          this.#step(() =>
            this.coordinator.writeCompleted(write.writeId, ErrorCode.KAFKA_STORAGE_ERROR, this.nowMs()),
          );
        },
      );
    }
    for (const job of work.markers) {
      void this.options.markers.writeMarkers(job).then(
        (results) => this.#step(() => this.coordinator.markersCompleted(job.jobId, results, this.nowMs())),
        (error: unknown) => {
          this.options.onError(error, 'transaction markers');
          const failed = job.partitions.map((p) => ({ ...p, errorCode: ErrorCode.KAFKA_STORAGE_ERROR }));
          this.#step(() => this.coordinator.markersCompleted(job.jobId, failed, this.nowMs()));
        },
      );
    }
    for (const reply of work.replies) this.#release(reply);
    this.#schedule();
  }

  #step(call: () => void): void {
    if (this.#closed) return;
    try {
      call();
    } catch (error: unknown) {
      this.options.onError(error, 'transaction coordinator step');
    }
    this.#drain();
  }

  #release(reply: TxnReply): void {
    const held = this.#held.get(reply.requestId);
    if (held === undefined) return;
    this.#held.delete(reply.requestId);
    held.resolve({
      errorCode: reply.errorCode,
      producerId: reply.producerId,
      producerEpoch: reply.producerEpoch,
    });
  }

  #schedule(): void {
    if (this.#closed) return;
    const next = this.coordinator.nextDeadlineMs();
    if (next === this.#timerAtMs) return;
    this.#cancelTimer?.();
    this.#cancelTimer = null;
    this.#timerAtMs = next;
    if (next === null) return;
    const delayMs = Math.min(Math.max(1, next - this.options.clock.nowMs()), MAX_TIMER_DELAY_MS);
    this.#cancelTimer = this.options.clock.schedule(delayMs, () => {
      this.#cancelTimer = null;
      this.#timerAtMs = null;
      this.#step(() => this.coordinator.tick(this.options.clock.nowMs()));
    });
  }
}

function outcome(errorCode: number): TxnOutcome {
  return { errorCode, producerId: -1n, producerEpoch: -1 };
}
