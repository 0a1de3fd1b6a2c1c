// The transaction coordinator core: every transactional id of this node, the writes, markers and replies its
// transitions ask for, and the timers (transaction timeouts, transactional id expiry). Pure and synchronous.
import { ErrorCode } from '../../protocol/index.js';
import type { EncodedRecord } from '../internal-topic-log.js';
import { encodeTxnRecord, type TxnLogEntry, txnTombstone } from './txn-log-records.js';
import {
  hasPendingTransaction,
  NO_PRODUCER_EPOCH,
  NO_PRODUCER_ID,
  newTxnMetadata,
  supportsEpochBump,
  type TxnMetadata,
  type TxnPartition,
} from './txn-metadata.js';
import { transactionPartition } from './txn-partition.js';
import {
  addPartitionsTransit,
  completeTransit,
  type EndTxnInput,
  type ExpectedProducer,
  endTxnTransit,
  fenceTransit,
  initProducerIdTransit,
  isExpired,
  isTimedOut,
  type Transit,
  verifyPartitions,
} from './txn-transitions.js';

export interface TxnCoordinatorConfig {
  /** transactional.id.expiration.ms */
  readonly transactionalIdExpirationMs: number;
  /** transaction.max.timeout.ms */
  readonly transactionMaxTimeoutMs: number;
  /** transaction.state.log.num.partitions */
  readonly numPartitions: number;
  /** Wait before a failed marker or completion write is tried again. */
  readonly retryBackoffMs: number;
  /** Upper bound on transactional ids held; a new id beyond it gets COORDINATOR_NOT_AVAILABLE. */
  readonly maxTransactionalIds: number;
  /**
   * How long a request that would get CONCURRENT_TRANSACTIONS only because its transactional id is busy
   * (typically: the next transaction's AddPartitionsToTxn while the previous one's markers are written)
   * is held and then run again, instead of answered at once. Clients back off 100 ms (librdkafka's
   * retry.backoff.ms) on that error; markers take a few fsyncs. 0 answers at once, as Kafka does.
   */
  readonly busyHoldMs: number;
}

export const DEFAULT_TXN_COORDINATOR_CONFIG: TxnCoordinatorConfig = Object.freeze({
  transactionalIdExpirationMs: 604_800_000,
  transactionMaxTimeoutMs: 900_000,
  numPartitions: 50,
  retryBackoffMs: 100,
  maxTransactionalIds: 1_000_000,
  busyHoldMs: 2_000,
});

/** A record to append to `partition` of __transaction_state; confirm with `writeCompleted`. */
export interface TxnWrite {
  readonly writeId: number;
  readonly partition: number;
  readonly record: EncodedRecord;
  /**
   * False for a CompleteCommit/CompleteAbort: confirm it once written, without an fsync of its own
   * (see #completeNow); the next record of the partition, which is waited for, makes it durable.
   */
  readonly durable: boolean;
}

/** Markers to write (WriteTxnMarkers' content); confirm with `markersCompleted`. */
export interface TxnMarkerJob {
  readonly jobId: number;
  readonly transactionalId: string;
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly coordinatorEpoch: number;
  readonly committed: boolean;
  readonly partitions: readonly TxnPartition[];
}

/** The answer to a held request (InitProducerId, AddPartitionsToTxn, AddOffsetsToTxn, EndTxn). */
export interface TxnReply {
  readonly requestId: number;
  readonly errorCode: number;
  readonly producerId: bigint;
  readonly producerEpoch: number;
}

/** Work for the driver, in this order: start the writes, start the marker jobs, send the replies. */
export interface TxnCoordinatorReady {
  readonly writes: readonly TxnWrite[];
  readonly markers: readonly TxnMarkerJob[];
  readonly replies: readonly TxnReply[];
}

/** The result of one marker of a job. */
export interface MarkerResult {
  readonly topic: string;
  readonly partition: number;
  readonly errorCode: number;
}

type WritePurpose = 'init' | 'add' | 'end' | 'fence' | 'expire';

/** What a transactional id waits for; while present, other requests on it get CONCURRENT_TRANSACTIONS. */
type Pending =
  | {
      readonly phase: 'write';
      readonly writeId: number;
      readonly purpose: WritePurpose;
      /** null for the expiry tombstone */
      readonly next: TxnMetadata | null;
      readonly requestId: number | null;
    }
  | {
      readonly phase: 'markers';
      readonly complete: TxnMetadata;
      readonly remaining: readonly TxnPartition[];
      readonly jobId: number | null;
      readonly retryAtMs: number | null;
    }
  | { readonly phase: 'completeRetry'; readonly complete: TxnMetadata; readonly retryAtMs: number };

interface HeldCall {
  readonly requestId: number;
  readonly deadlineMs: number;
  readonly rerun: (nowMs: number) => typeof NEEDS_PRODUCER_ID | undefined;
}

/** Requests held per busy transactional id at most; more get CONCURRENT_TRANSACTIONS at once. */
const MAX_HELD_PER_ID = 16;

/** Kafka's mapping of a failed __transaction_state append to what the client can act on. */
export function mapTxnWriteError(errorCode: number): number {
  switch (errorCode) {
    case ErrorCode.UNKNOWN_TOPIC_OR_PARTITION:
    case ErrorCode.NOT_ENOUGH_REPLICAS:
    case ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND:
    case ErrorCode.REQUEST_TIMED_OUT:
    case ErrorCode.COORDINATOR_NOT_AVAILABLE:
      return ErrorCode.COORDINATOR_NOT_AVAILABLE;
    case ErrorCode.NOT_LEADER_OR_FOLLOWER:
    case ErrorCode.KAFKA_STORAGE_ERROR:
      return ErrorCode.NOT_COORDINATOR;
    default:
      return ErrorCode.UNKNOWN_SERVER_ERROR;
  }
}

/**
 * Marker errors after which a partition needs no marker from us: the topic is gone, or the partition
 * has seen a newer epoch or coordinator (a later transaction end already closed ours).
 */
function isMarkerSettled(errorCode: number): boolean {
  return (
    errorCode === ErrorCode.NONE ||
    errorCode === ErrorCode.UNKNOWN_TOPIC_OR_PARTITION ||
    errorCode === ErrorCode.INVALID_PRODUCER_EPOCH ||
    errorCode === ErrorCode.TRANSACTION_COORDINATOR_FENCED
  );
}

export interface InitProducerIdInput {
  readonly transactionalId: string;
  readonly transactionTimeoutMs: number;
  /** KIP-360: the id and epoch the producer had (v3+), or null. */
  readonly expected: ExpectedProducer | null;
}

/** Returned by a call that needs a producer id no one had: call again with one. Nothing was changed. */
export const NEEDS_PRODUCER_ID = 'needsProducerId';

/**
 * Owns every transactional id of this node. Single-threaded by contract: the driver calls one method at
 * a time, then drains `ready()`. A transition takes effect only once its record is durable
 * (`writeCompleted`); a transactional id with a write or markers in flight answers CONCURRENT_TRANSACTIONS
 * (retriable) to anything that would change it. Never throws for a Kafka error.
 */
export class TransactionCoordinator {
  readonly #txns = new Map<string, TxnMetadata>();
  readonly #pending = new Map<string, Pending>();
  readonly #writeOwners = new Map<number, string>();
  readonly #jobOwners = new Map<number, string>();
  readonly #failedEpochFence = new Set<string>();
  /** Requests held while their id is busy (see busyHoldMs), run again in arrival order once it is free. */
  readonly #held = new Map<string, HeldCall[]>();
  /** Writes of a completion already applied (optimistically), by write id → transactional id. */
  readonly #completions = new Map<number, string>();
  #writes: TxnWrite[] = [];
  #markers: TxnMarkerJob[] = [];
  #replies: TxnReply[] = [];
  #nextId = 1;

  constructor(
    readonly config: TxnCoordinatorConfig,
    /** The epoch of this node's leadership of a __transaction_state partition (markers carry it). */
    private readonly coordinatorEpochOf: (partition: number) => number = () => 0,
  ) {}

  /**
   * Replays __transaction_state in log order (a tombstone removes its id). Transactions found in
   * PrepareCommit or PrepareAbort get their markers written again, as after a coordinator failover.
   */
  load(entries: Iterable<TxnLogEntry>, nowMs: number): void {
    for (const entry of entries) {
      if (entry.metadata === null) this.#txns.delete(entry.transactionalId);
      else this.#txns.set(entry.transactionalId, entry.metadata);
    }
    for (const m of this.#txns.values()) {
      if (m.state === 'PrepareCommit' || m.state === 'PrepareAbort') this.#startMarkers(m, nowMs);
    }
  }

  /** The durable metadata of an id (tests, DescribeTransactions). */
  get(transactionalId: string): TxnMetadata | undefined {
    return this.#txns.get(transactionalId);
  }

  /** Every durable metadata, in id order. */
  all(): TxnMetadata[] {
    return [...this.#txns.values()].sort((a, b) => (a.transactionalId < b.transactionalId ? -1 : 1));
  }

  /** The partitions still waiting for a marker while a transaction ends; the transaction's partitions otherwise. */
  openPartitions(transactionalId: string): readonly TxnPartition[] {
    const pending = this.#pending.get(transactionalId);
    if (pending?.phase === 'markers') return pending.remaining;
    if (pending?.phase === 'completeRetry') return [];
    return this.#txns.get(transactionalId)?.partitions ?? [];
  }

  isBusy(transactionalId: string): boolean {
    return this.#pending.has(transactionalId);
  }

  partitionFor(transactionalId: string): number {
    return transactionPartition(transactionalId, this.config.numPartitions);
  }

  /** InitProducerId with a transactional id (null ids never reach the coordinator). */
  initProducerId(
    input: InitProducerIdInput,
    freshProducerId: bigint | null,
    requestId: number,
    nowMs: number,
  ): typeof NEEDS_PRODUCER_ID | undefined {
    const { transactionalId, transactionTimeoutMs } = input;
    if (transactionalId === '') return this.#reply(requestId, ErrorCode.INVALID_REQUEST);
    if (transactionTimeoutMs <= 0 || transactionTimeoutMs > this.config.transactionMaxTimeoutMs) {
      return this.#reply(requestId, ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    }
    let m = this.#txns.get(transactionalId);
    if (m === undefined) {
      if (freshProducerId === null) return NEEDS_PRODUCER_ID;
      if (this.#txns.size >= this.config.maxTransactionalIds) {
        return this.#reply(requestId, ErrorCode.COORDINATOR_NOT_AVAILABLE);
      }
      // Kept even if its first write fails, as Kafka does: epoch -1 means "just created" to KIP-360 checks.
      m = newTxnMetadata(transactionalId, freshProducerId, transactionTimeoutMs, nowMs);
      freshProducerId = null;
      this.#txns.set(transactionalId, m);
    }
    const t = initProducerIdTransit(m, transactionTimeoutMs, input.expected, freshProducerId, nowMs);
    return this.#run(m, t, 'init', requestId, nowMs, (later) =>
      this.initProducerId(input, null, requestId, later),
    );
  }

  /** AddPartitionsToTxn (v0-3, and v4+ entries without verifyOnly) and AddOffsetsToTxn. */
  addPartitions(
    transactionalId: string,
    producerId: bigint,
    producerEpoch: number,
    partitions: readonly TxnPartition[],
    clientTransactionVersion: number,
    requestId: number,
    nowMs: number,
  ): void {
    if (transactionalId === '') return void this.#reply(requestId, ErrorCode.INVALID_REQUEST);
    const m = this.#txns.get(transactionalId);
    if (m === undefined) return void this.#reply(requestId, ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    const t = addPartitionsTransit(m, producerId, producerEpoch, partitions, clientTransactionVersion, nowMs);
    this.#run(m, t, 'add', requestId, nowMs, (later) => {
      this.addPartitions(
        transactionalId,
        producerId,
        producerEpoch,
        partitions,
        clientTransactionVersion,
        requestId,
        later,
      );
      return undefined;
    });
  }

  /** KIP-890 verification: one error code per partition, in order (no write, no state change). */
  verifyPartitions(
    transactionalId: string,
    producerId: bigint,
    producerEpoch: number,
    partitions: readonly TxnPartition[],
  ): number[] {
    if (transactionalId === '') return partitions.map(() => ErrorCode.INVALID_REQUEST);
    return verifyPartitions(this.#txns.get(transactionalId), producerId, producerEpoch, partitions);
  }

  /** EndTxn. Answers once the PrepareCommit/PrepareAbort record is durable; markers follow. */
  endTxn(
    transactionalId: string,
    input: EndTxnInput,
    freshProducerId: bigint | null,
    requestId: number,
    nowMs: number,
  ): typeof NEEDS_PRODUCER_ID | undefined {
    if (transactionalId === '') return this.#reply(requestId, ErrorCode.INVALID_REQUEST);
    const m = this.#txns.get(transactionalId);
    if (m === undefined) return this.#reply(requestId, ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    const t = endTxnTransit(m, input, freshProducerId, nowMs);
    if (
      t.kind === 'answer' &&
      t.errorCode === ErrorCode.NONE &&
      input.v2 &&
      !this.#pending.has(transactionalId)
    ) {
      // A V2 retry after the end: the client learns the producer id and epoch it must use now.
      this.#replies.push({
        requestId,
        errorCode: ErrorCode.NONE,
        producerId: m.producerId,
        producerEpoch: m.producerEpoch,
      });
      return undefined;
    }
    return this.#run(m, t, 'end', requestId, nowMs, (later) =>
      this.endTxn(transactionalId, input, null, requestId, later),
    );
  }

  /** Aborts timed-out transactions, retries failed markers and completions, expires idle ids. */
  tick(nowMs: number): void {
    for (const [transactionalId, queue] of [...this.#held]) {
      const expired = queue.filter((call) => call.deadlineMs <= nowMs);
      if (expired.length === 0) continue;
      const rest = queue.filter((call) => call.deadlineMs > nowMs);
      if (rest.length === 0) this.#held.delete(transactionalId);
      else this.#held.set(transactionalId, rest);
      for (const call of expired) this.#reply(call.requestId, ErrorCode.CONCURRENT_TRANSACTIONS);
    }
    for (const [transactionalId, pending] of [...this.#pending]) {
      if (pending.phase === 'markers' && pending.retryAtMs !== null && pending.retryAtMs <= nowMs) {
        this.#emitMarkers(transactionalId, pending);
      } else if (pending.phase === 'completeRetry' && pending.retryAtMs <= nowMs) {
        this.#pending.delete(transactionalId);
        this.#completeNow(transactionalId, pending.complete);
      }
    }
    for (const m of [...this.#txns.values()]) {
      if (this.#pending.has(m.transactionalId)) continue;
      if (isTimedOut(m, nowMs)) this.#fence(m, null, nowMs);
      else if (isExpired(m, this.config.transactionalIdExpirationMs, nowMs)) {
        this.#write(m.transactionalId, 'expire', null, null);
      }
    }
    this.#runHeld(nowMs);
  }

  /** When `tick` next has work, or null. */
  nextDeadlineMs(): number | null {
    let next: number | null = null;
    const consider = (deadline: number) => {
      if (next === null || deadline < next) next = deadline;
    };
    for (const pending of this.#pending.values()) {
      if (pending.phase !== 'write' && pending.retryAtMs !== null) consider(pending.retryAtMs);
    }
    for (const queue of this.#held.values()) for (const call of queue) consider(call.deadlineMs);
    for (const m of this.#txns.values()) {
      if (this.#pending.has(m.transactionalId)) continue;
      if (m.state === 'Ongoing') consider(m.txnStartTimestampMs + m.txnTimeoutMs);
      else if (!hasPendingTransaction(m)) {
        consider(m.txnLastUpdateTimestampMs + this.config.transactionalIdExpirationMs);
      }
    }
    return next;
  }

  /** Drains the work produced since the last call. */
  ready(): TxnCoordinatorReady {
    const work = { writes: this.#writes, markers: this.#markers, replies: this.#replies };
    this.#writes = [];
    this.#markers = [];
    this.#replies = [];
    return work;
  }

  /** The driver's answer for a write: NONE once durable, else the append's error code. */
  writeCompleted(writeId: number, errorCode: number, nowMs: number): void {
    this.#writeCompleted(writeId, errorCode, nowMs);
    this.#runHeld(nowMs);
  }

  #writeCompleted(writeId: number, errorCode: number, nowMs: number): void {
    const completed = this.#completions.get(writeId);
    if (completed !== undefined) {
      this.#completions.delete(writeId);
      // The completion was applied when its write started; until a record of the current state is
      // durable, the id waits (a newer write in flight, if any, persists a newer state itself).
      const current = this.#txns.get(completed);
      if (errorCode !== ErrorCode.NONE && current !== undefined && !this.#pending.has(completed)) {
        this.#pending.set(completed, {
          phase: 'completeRetry',
          complete: current,
          retryAtMs: nowMs + this.config.retryBackoffMs,
        });
      }
      return;
    }
    const transactionalId = this.#writeOwners.get(writeId);
    if (transactionalId === undefined) return;
    this.#writeOwners.delete(writeId);
    const pending = this.#pending.get(transactionalId);
    if (pending?.phase !== 'write' || pending.writeId !== writeId) return;
    this.#pending.delete(transactionalId);
    const ok = errorCode === ErrorCode.NONE;
    const { purpose, next, requestId } = pending;
    if (purpose === 'expire') {
      if (ok) this.#txns.delete(transactionalId);
      return;
    }
    if (!ok) {
      if (purpose === 'fence') this.#failedEpochFence.add(transactionalId);
      if (requestId !== null) this.#reply(requestId, mapTxnWriteError(errorCode));
      return;
    }
    this.#txns.set(transactionalId, next!);
    if (purpose === 'init' || purpose === 'add') {
      const m = next!;
      if (requestId !== null) {
        const answerIds = purpose === 'init';
        this.#replies.push({
          requestId,
          errorCode: ErrorCode.NONE,
          producerId: answerIds ? m.producerId : NO_PRODUCER_ID,
          producerEpoch: answerIds ? m.producerEpoch : NO_PRODUCER_EPOCH,
        });
      }
      return;
    }
    // 'end' or 'fence': PrepareCommit/PrepareAbort is durable, so the outcome is decided; write the markers.
    this.#failedEpochFence.delete(transactionalId);
    const complete = this.#startMarkers(next!, nowMs);
    if (requestId === null) return;
    if (purpose === 'fence') this.#reply(requestId, ErrorCode.CONCURRENT_TRANSACTIONS);
    else if (supportsEpochBump(next!.clientTransactionVersion)) {
      this.#replies.push({
        requestId,
        errorCode: ErrorCode.NONE,
        producerId: complete.producerId,
        producerEpoch: complete.producerEpoch,
      });
    } else this.#reply(requestId, ErrorCode.NONE);
  }

  /** The driver's answer for a marker job: settled partitions are done, the others are tried again later. */
  markersCompleted(jobId: number, results: readonly MarkerResult[], nowMs: number): void {
    const transactionalId = this.#jobOwners.get(jobId);
    if (transactionalId === undefined) return;
    this.#jobOwners.delete(jobId);
    const pending = this.#pending.get(transactionalId);
    if (pending?.phase !== 'markers' || pending.jobId !== jobId) return;
    const unsettled = new Set(
      results.filter((r) => !isMarkerSettled(r.errorCode)).map((r) => `${r.topic}\u0000${r.partition}`),
    );
    const answered = new Set(results.map((r) => `${r.topic}\u0000${r.partition}`));
    const remaining = pending.remaining.filter((p) => {
      const key = `${p.topic}\u0000${p.partition}`;
      return unsettled.has(key) || !answered.has(key);
    });
    if (remaining.length === 0) {
      this.#pending.delete(transactionalId);
      this.#completeNow(transactionalId, pending.complete);
      this.#runHeld(nowMs);
      return;
    }
    this.#pending.set(transactionalId, {
      ...pending,
      remaining,
      jobId: null,
      retryAtMs: nowMs + this.config.retryBackoffMs,
    });
  }

  /**
   * Every marker is durable: CompleteCommit/CompleteAbort takes effect now and its record is written.
   * It need not be durable before the id serves its next request: a later record of the id goes to the
   * same __transaction_state partition after it, so whatever survives a crash includes it; and if it is
   * lost, the reload finds PrepareCommit/PrepareAbort and writes the (idempotent) markers again. So it
   * asks for no fsync of its own: with one, the next transaction's AddPartitionsToTxn, arriving while
   * that fsync runs, waited for it and then for its own (two sequential fsyncs per transaction).
   */
  #completeNow(transactionalId: string, complete: TxnMetadata): void {
    this.#txns.set(transactionalId, complete);
    const writeId = this.#nextId++;
    this.#completions.set(writeId, transactionalId);
    this.#writes.push({
      writeId,
      partition: this.partitionFor(transactionalId),
      record: encodeTxnRecord(complete),
      durable: false,
    });
  }

  #run(
    m: TxnMetadata,
    t: Transit,
    purpose: 'init' | 'add' | 'end',
    requestId: number,
    nowMs: number,
    rerun: HeldCall['rerun'],
  ): typeof NEEDS_PRODUCER_ID | undefined {
    const busy = this.#pending.has(m.transactionalId);
    const concurrent =
      (t.kind === 'answer' && t.errorCode === ErrorCode.CONCURRENT_TRANSACTIONS) ||
      (busy && t.kind !== 'answer');
    if (concurrent && busy && this.#hold(m.transactionalId, requestId, nowMs, rerun)) return undefined;
    if (t.kind === 'answer' && t.errorCode !== ErrorCode.NONE) return this.#reply(requestId, t.errorCode);
    if (busy) return this.#reply(requestId, ErrorCode.CONCURRENT_TRANSACTIONS);
    switch (t.kind) {
      case 'answer':
        return this.#reply(requestId, ErrorCode.NONE);
      case 'needsProducerId':
        return NEEDS_PRODUCER_ID;
      case 'fence':
        this.#fence(m, requestId, nowMs);
        return undefined;
      case 'write':
        this.#write(m.transactionalId, purpose, t.next, requestId);
        return undefined;
    }
  }

  /** Holds a request while its id is busy; false when the hold is off or full (answer at once). */
  #hold(transactionalId: string, requestId: number, nowMs: number, rerun: HeldCall['rerun']): boolean {
    if (this.config.busyHoldMs <= 0) return false;
    const queue = this.#held.get(transactionalId) ?? [];
    if (queue.length >= MAX_HELD_PER_ID) return false;
    queue.push({ requestId, deadlineMs: nowMs + this.config.busyHoldMs, rerun });
    this.#held.set(transactionalId, queue);
    return true;
  }

  /** Runs the held requests of ids that are no longer busy, in arrival order (a rerun may hold again). */
  #runHeld(nowMs: number): void {
    for (const [transactionalId, queue] of [...this.#held]) {
      if (this.#pending.has(transactionalId)) continue;
      this.#held.delete(transactionalId);
      for (const call of queue) {
        if (this.#pending.has(transactionalId)) {
          const rest = this.#held.get(transactionalId) ?? [];
          rest.push(call);
          this.#held.set(transactionalId, rest);
          continue;
        }
        if (call.rerun(nowMs) === NEEDS_PRODUCER_ID)
          this.#reply(call.requestId, ErrorCode.CONCURRENT_TRANSACTIONS);
      }
    }
  }

  #fence(m: TxnMetadata, requestId: number | null, nowMs: number): void {
    const next = fenceTransit(m, this.#failedEpochFence.has(m.transactionalId), nowMs);
    this.#write(m.transactionalId, 'fence', next, requestId);
  }

  #write(
    transactionalId: string,
    purpose: WritePurpose,
    next: TxnMetadata | null,
    requestId: number | null,
  ): void {
    const writeId = this.#nextId++;
    const record = next === null ? txnTombstone(transactionalId) : encodeTxnRecord(next);
    this.#pending.set(transactionalId, { phase: 'write', writeId, purpose, next, requestId });
    this.#writeOwners.set(writeId, transactionalId);
    this.#writes.push({ writeId, partition: this.partitionFor(transactionalId), record, durable: true });
  }

  /** Starts the markers of a durable PrepareCommit/PrepareAbort; returns the metadata it will complete to. */
  #startMarkers(prepared: TxnMetadata, nowMs: number): TxnMetadata {
    const complete = completeTransit(prepared, nowMs);
    if (prepared.partitions.length === 0) {
      this.#completeNow(prepared.transactionalId, complete);
      return complete;
    }
    const pending: Pending = {
      phase: 'markers',
      complete,
      remaining: prepared.partitions,
      jobId: null,
      retryAtMs: null,
    };
    this.#emitMarkers(prepared.transactionalId, pending);
    return complete;
  }

  #emitMarkers(transactionalId: string, pending: Pending & { phase: 'markers' }): void {
    const prepared = this.#txns.get(transactionalId)!;
    const jobId = this.#nextId++;
    this.#jobOwners.set(jobId, transactionalId);
    this.#pending.set(transactionalId, { ...pending, jobId, retryAtMs: null });
    this.#markers.push({
      jobId,
      transactionalId,
      producerId: prepared.producerId,
      producerEpoch: prepared.producerEpoch,
      coordinatorEpoch: this.coordinatorEpochOf(this.partitionFor(transactionalId)),
      committed: prepared.state === 'PrepareCommit',
      partitions: pending.remaining,
    });
  }

  #reply(requestId: number, errorCode: number): undefined {
    this.#replies.push({
      requestId,
      errorCode,
      producerId: NO_PRODUCER_ID,
      producerEpoch: NO_PRODUCER_EPOCH,
    });
    return undefined;
  }
}
