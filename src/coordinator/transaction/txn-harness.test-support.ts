// A deterministic driver for TransactionCoordinator tests: virtual time, an in-memory __transaction_state,
// and writes and markers that a test completes (or fails) when it chooses.
import { ErrorCode } from '../../protocol/index.js';
import { VirtualClock } from '../../testing/index.js';
import type { EncodedRecord } from '../internal-topic-log.js';
import {
  DEFAULT_TXN_COORDINATOR_CONFIG,
  type MarkerResult,
  NEEDS_PRODUCER_ID,
  TransactionCoordinator,
  type TxnCoordinatorConfig,
  type TxnMarkerJob,
  type TxnReply,
  type TxnWrite,
} from './transaction-coordinator.js';
import { decodeTxnRecord } from './txn-log-records.js';
import type { TxnPartition } from './txn-metadata.js';
import type { ExpectedProducer } from './txn-transitions.js';

export const TEST_CONFIG: TxnCoordinatorConfig = {
  ...DEFAULT_TXN_COORDINATOR_CONFIG,
  numPartitions: 3,
  transactionalIdExpirationMs: 3_600_000,
  retryBackoffMs: 100,
};

export class TxnHarness {
  readonly clock: VirtualClock;
  /** The durable log: every record whose write a test confirmed, in append order. */
  readonly log: EncodedRecord[];
  coordinator: TransactionCoordinator;
  readonly replies = new Map<number, TxnReply>();
  writes: TxnWrite[] = [];
  markers: TxnMarkerJob[] = [];
  #nextRequestId = 1;
  #nextProducerId: bigint;

  constructor(
    readonly config: TxnCoordinatorConfig = TEST_CONFIG,
    state?: { clock: VirtualClock; log: EncodedRecord[]; nextProducerId: bigint },
  ) {
    this.clock = state?.clock ?? new VirtualClock(1_000);
    this.log = state?.log ?? [];
    this.#nextProducerId = state?.nextProducerId ?? 1_000n;
    this.coordinator = new TransactionCoordinator(config);
    this.coordinator.load(
      this.log.map((r) => decodeTxnRecord(r.key, r.value)),
      this.clock.nowMs(),
    );
    this.#drain();
  }

  /** A new coordinator replaying the same durable log (the in-flight writes and markers are lost). */
  restart(): TxnHarness {
    return new TxnHarness(this.config, {
      clock: this.clock,
      log: this.log,
      nextProducerId: this.#nextProducerId,
    });
  }

  get now(): number {
    return this.clock.nowMs();
  }

  initProducerId(
    transactionalId: string,
    options: { timeoutMs?: number; expected?: ExpectedProducer | null } = {},
  ): number {
    const requestId = this.#nextRequestId++;
    const input = {
      transactionalId,
      transactionTimeoutMs: options.timeoutMs ?? 60_000,
      expected: options.expected ?? null,
    };
    if (this.coordinator.initProducerId(input, null, requestId, this.now) === NEEDS_PRODUCER_ID) {
      this.coordinator.initProducerId(input, this.#nextProducerId++, requestId, this.now);
    }
    this.#drain();
    return requestId;
  }

  addPartitions(
    transactionalId: string,
    producer: { producerId: bigint; producerEpoch: number },
    partitions: readonly TxnPartition[],
    clientTransactionVersion = 0,
  ): number {
    const requestId = this.#nextRequestId++;
    this.coordinator.addPartitions(
      transactionalId,
      producer.producerId,
      producer.producerEpoch,
      partitions,
      clientTransactionVersion,
      requestId,
      this.now,
    );
    this.#drain();
    return requestId;
  }

  endTxn(
    transactionalId: string,
    producer: { producerId: bigint; producerEpoch: number },
    committed: boolean,
    v2 = false,
  ): number {
    const requestId = this.#nextRequestId++;
    const input = { ...producer, committed, v2 };
    if (this.coordinator.endTxn(transactionalId, input, null, requestId, this.now) === NEEDS_PRODUCER_ID) {
      this.coordinator.endTxn(transactionalId, input, this.#nextProducerId++, requestId, this.now);
    }
    this.#drain();
    return requestId;
  }

  /** Confirms (or fails) every write in flight, in order; durable ones join the log. Repeats for writes they cause. */
  completeWrites(errorCode: number = ErrorCode.NONE): void {
    while (this.writes.length > 0) {
      const writes = this.writes;
      this.writes = [];
      for (const w of writes) {
        if (errorCode === ErrorCode.NONE) this.log.push(w.record);
        this.coordinator.writeCompleted(w.writeId, errorCode, this.now);
      }
      this.#drain();
      if (errorCode !== ErrorCode.NONE) return;
    }
  }

  /** Answers every marker job in flight: `errorFor` decides each partition's code (NONE by default). */
  completeMarkers(errorFor: (p: TxnPartition) => number = () => ErrorCode.NONE): TxnMarkerJob[] {
    const jobs = this.markers;
    this.markers = [];
    for (const job of jobs) {
      const results: MarkerResult[] = job.partitions.map((p) => ({ ...p, errorCode: errorFor(p) }));
      this.coordinator.markersCompleted(job.jobId, results, this.now);
    }
    this.#drain();
    return jobs;
  }

  /** Writes and markers until nothing is in flight. */
  settle(): void {
    for (let i = 0; i < 10 && (this.writes.length > 0 || this.markers.length > 0); i++) {
      this.completeWrites();
      this.completeMarkers();
    }
  }

  advance(ms: number): void {
    this.clock.advanceBy(ms);
    this.coordinator.tick(this.now);
    this.#drain();
  }

  reply(requestId: number): TxnReply {
    const reply = this.replies.get(requestId);
    if (reply === undefined) throw new Error(`request ${requestId} has no reply yet`);
    return reply;
  }

  /** Init and settle: the producer id and epoch granted. */
  producer(transactionalId: string, timeoutMs = 60_000): { producerId: bigint; producerEpoch: number } {
    const requestId = this.initProducerId(transactionalId, { timeoutMs });
    this.settle();
    const reply = this.reply(requestId);
    if (reply.errorCode !== ErrorCode.NONE) throw new Error(`InitProducerId failed with ${reply.errorCode}`);
    return { producerId: reply.producerId, producerEpoch: reply.producerEpoch };
  }

  #drain(): void {
    const work = this.coordinator.ready();
    this.writes.push(...work.writes);
    this.markers.push(...work.markers);
    for (const reply of work.replies) this.replies.set(reply.requestId, reply);
  }
}
