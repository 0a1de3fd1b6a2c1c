import { ErrorCode } from '../protocol/index.js';

/** Kafka's RecordBatch.NO_PRODUCER_EPOCH / NO_SEQUENCE: a batch or entry without them. */
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;
/** Batches remembered per producer: a producer has at most 5 requests in flight (Kafka's NUM_BATCHES_TO_RETAIN). */
export const PRODUCER_BATCHES_RETAINED = 5;

const INT32_MAX = 2 ** 31 - 1;

/** One appended batch of a producer, as duplicate detection needs it. */
export interface ProducerBatchMetadata {
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly firstOffset: bigint;
  readonly lastOffset: bigint;
  /** The batch's max timestamp (CreateTime or LogAppendTime, as stored). */
  readonly timestampMs: bigint;
}

/** What a partition knows of one producer (Kafka's ProducerStateEntry). */
export interface ProducerStateEntry {
  readonly producerId: bigint;
  readonly producerEpoch: number;
  /** Oldest first; at most PRODUCER_BATCHES_RETAINED, all of `producerEpoch`. */
  readonly batches: readonly ProducerBatchMetadata[];
  /** Timestamp of the producer's last batch: what `producer.id.expiration.ms` counts from. */
  readonly lastTimestampMs: bigint;
  readonly coordinatorEpoch: number;
  /** First offset of the producer's ongoing transaction in this partition, or -1 when none is open. */
  readonly currentTxnFirstOffset: bigint;
}

/** A commit or abort marker's content (Kafka's EndTransactionMarker plus the control type). */
export interface EndTxnMarkerInfo {
  readonly isCommit: boolean;
  readonly coordinatorEpoch: number;
}

/**
 * A transaction a marker ended (Kafka's CompletedTxn): the producer's first transactional offset
 * and the marker's offset, with the last stable offset as it was when the marker was appended
 * (the first offset of the earliest other ongoing transaction, else the marker's offset + 1):
 * what an aborted transaction's `.txnindex` entry records.
 */
export interface CompletedTxn {
  readonly producerId: bigint;
  readonly firstOffset: bigint;
  readonly lastOffset: bigint;
  readonly isAborted: boolean;
  readonly lastStableOffset: bigint;
}

/** The header fields of a batch that producer state reads. */
export interface ProducerBatch {
  readonly producerId: bigint;
  readonly producerEpoch: number;
  readonly baseSequence: number;
  readonly lastOffsetDelta: number;
  readonly maxTimestamp: bigint;
  readonly isTransactional: boolean;
  readonly isControl: boolean;
  /** A control batch's commit or abort marker; undefined for data and other control batches. */
  readonly endTxnMarker?: EndTxnMarkerInfo | undefined;
}

/** The verdict on a client batch before it is appended. */
export type ProducerCheck =
  | { readonly kind: 'append' }
  /** Already appended: answer with the original offsets and append nothing. */
  | { readonly kind: 'duplicate'; readonly batch: ProducerBatchMetadata }
  | { readonly kind: 'refused'; readonly errorCode: number; readonly message: string };

const APPEND: ProducerCheck = { kind: 'append' };

/** Kafka's DefaultRecordBatch.incrementSequence: sequences wrap from Int32 max to 0. */
export function incrementSequence(sequence: number, increment: number): number {
  return sequence > INT32_MAX - increment ? increment - (INT32_MAX - sequence) - 1 : sequence + increment;
}

/** Kafka's DefaultRecordBatch.decrementSequence. */
export function decrementSequence(sequence: number, decrement: number): number {
  return sequence < decrement ? INT32_MAX - (decrement - sequence) + 1 : sequence - decrement;
}

function isInSequence(lastSeq: number, nextSeq: number): boolean {
  return nextSeq === lastSeq + 1 || (nextSeq === 0 && lastSeq === INT32_MAX);
}

function refused(errorCode: number, message: string): ProducerCheck {
  return { kind: 'refused', errorCode, message };
}

function compareBigints(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * One partition's producer state (Kafka's ProducerStateManager without its files): per producer id
 * its epoch, last 5 batches and ongoing transaction, plus the transactions that bound the last
 * stable offset. `check` is the leader's validation of a client batch (Kafka 4's
 * ProducerAppendInfo rules), `checkEndTxnMarker` a coordinator's marker's; `record` applies an
 * appended batch (leader, replica or replay alike). Pure: no clock, no I/O; the owner runs them in
 * its append order.
 */
export class ProducerStateTable {
  private readonly entries = new Map<bigint, ProducerStateEntry>();
  /**
   * Producer id → first offset of its ongoing transaction. Offsets are assigned in increasing order,
   * so insertion order is first-offset order and the first entry bounds the last stable offset.
   */
  private readonly ongoingTxns = new Map<bigint, bigint>();
  /** Transactions whose marker is at or above the high watermark, in marker order (Kafka's unreplicatedTxns). */
  private unreplicatedTxns: CompletedTxn[] = [];

  constructor(entries: Iterable<ProducerStateEntry> = [], unreplicatedTxns: readonly CompletedTxn[] = []) {
    for (const entry of entries) this.entries.set(entry.producerId, entry);
    const ongoing = [...this.entries.values()].filter((entry) => entry.currentTxnFirstOffset >= 0n);
    ongoing.sort((a, b) => compareBigints(a.currentTxnFirstOffset, b.currentTxnFirstOffset));
    for (const entry of ongoing) this.ongoingTxns.set(entry.producerId, entry.currentTxnFirstOffset);
    this.unreplicatedTxns = [...unreplicatedTxns];
  }

  get size(): number {
    return this.entries.size;
  }

  get(producerId: bigint): ProducerStateEntry | undefined {
    return this.entries.get(producerId);
  }

  /** Every entry, in producer id order (snapshots, DescribeProducers). */
  all(): ProducerStateEntry[] {
    return [...this.entries.values()].sort((a, b) =>
      a.producerId < b.producerId ? -1 : a.producerId > b.producerId ? 1 : 0,
    );
  }

  /**
   * Validates a client batch against the state, in Kafka's order: a batch equal (epoch, first and
   * last sequence) to one of the last 5 is a duplicate; an epoch below the producer's is
   * INVALID_PRODUCER_EPOCH; a new epoch must start at sequence 0 and the same epoch must continue
   * at last sequence + 1, else OUT_OF_ORDER_SEQUENCE_NUMBER. A producer without state (new, expired,
   * or whose data retention removed) is accepted at any sequence, as Kafka 4 does (KIP-360): it no
   * longer answers UNKNOWN_PRODUCER_ID to Produce. Batches without a producer id always pass.
   */
  check(batch: ProducerBatch): ProducerCheck {
    if (batch.producerId < 0n) {
      if (!batch.isTransactional) return APPEND;
      return refused(ErrorCode.INVALID_RECORD, 'a transactional batch without a producer id');
    }
    const verdict = this.checkSequence(batch);
    if (verdict.kind !== 'append') return verdict;
    // Kafka's ProducerAppendInfo: once a transaction is open here, only transactional writes may follow.
    const entry = this.entries.get(batch.producerId);
    if (!batch.isTransactional && entry !== undefined && entry.currentTxnFirstOffset >= 0n) {
      return refused(
        ErrorCode.INVALID_TXN_STATE,
        `expected a transactional write from producer ${batch.producerId}: its transaction from offset ${entry.currentTxnFirstOffset} is open`,
      );
    }
    return APPEND;
  }

  private checkSequence(batch: ProducerBatch): ProducerCheck {
    if (batch.baseSequence < 0) {
      return refused(
        ErrorCode.INVALID_RECORD,
        `invalid sequence ${batch.baseSequence} in a batch of producer ${batch.producerId}`,
      );
    }
    const entry = this.entries.get(batch.producerId);
    if (entry === undefined) return APPEND;
    const lastSeq = incrementSequence(batch.baseSequence, batch.lastOffsetDelta);
    if (batch.producerEpoch === entry.producerEpoch) {
      const duplicate = entry.batches.find(
        (known) => known.firstSeq === batch.baseSequence && known.lastSeq === lastSeq,
      );
      if (duplicate !== undefined) return { kind: 'duplicate', batch: duplicate };
    }
    if (batch.producerEpoch < entry.producerEpoch) {
      return refused(
        ErrorCode.INVALID_PRODUCER_EPOCH,
        `epoch ${batch.producerEpoch} of producer ${batch.producerId} is below its current epoch ${entry.producerEpoch}`,
      );
    }
    if (batch.producerEpoch > entry.producerEpoch) {
      if (batch.baseSequence !== 0 && entry.producerEpoch !== NO_PRODUCER_EPOCH) {
        return refused(
          ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
          `new epoch ${batch.producerEpoch} of producer ${batch.producerId} starts at sequence ${batch.baseSequence}, not 0`,
        );
      }
      return APPEND;
    }
    const currentLastSeq = entry.batches.at(-1)?.lastSeq ?? NO_SEQUENCE;
    if (entry.producerEpoch !== NO_PRODUCER_EPOCH && !isInSequence(currentLastSeq, batch.baseSequence)) {
      return refused(
        ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER,
        `out of order sequence for producer ${batch.producerId}: ${batch.baseSequence} (incoming), ${currentLastSeq} (current end)`,
      );
    }
    return APPEND;
  }

  /**
   * Kafka's appendEndTxnMarker checks for a coordinator's marker: an epoch below the producer's is
   * INVALID_PRODUCER_EPOCH (a zombie coordinator request), a coordinator epoch below the one of the
   * producer's last marker TRANSACTION_COORDINATOR_FENCED. A producer without state passes.
   */
  checkEndTxnMarker(producerId: bigint, producerEpoch: number, coordinatorEpoch: number): ProducerCheck {
    const entry = this.entries.get(producerId);
    if (entry === undefined) return APPEND;
    if (producerEpoch < entry.producerEpoch) {
      return refused(
        ErrorCode.INVALID_PRODUCER_EPOCH,
        `marker epoch ${producerEpoch} of producer ${producerId} is below its current epoch ${entry.producerEpoch}`,
      );
    }
    if (coordinatorEpoch < entry.coordinatorEpoch) {
      return refused(
        ErrorCode.TRANSACTION_COORDINATOR_FENCED,
        `coordinator epoch ${coordinatorEpoch} of the marker for producer ${producerId} is below ${entry.coordinatorEpoch}`,
      );
    }
    return APPEND;
  }

  /** True when the producer has a transaction open in this partition (KIP-890 verification skips it). */
  hasOngoingTxn(producerId: bigint): boolean {
    return this.ongoingTxns.has(producerId);
  }

  /**
   * Kafka's firstUnstableOffset: the first offset of the earliest ongoing transaction, or of a
   * completed one whose marker is not yet below the high watermark; undefined when neither exists.
   * The last stable offset is the smaller of it and the high watermark.
   */
  firstUnstableOffset(): bigint | undefined {
    let first: bigint | undefined = this.ongoingTxns.values().next().value;
    for (const txn of this.unreplicatedTxns) {
      if (first === undefined || txn.firstOffset < first) first = txn.firstOffset;
    }
    return first;
  }

  /** The high watermark reached `highWatermark`: completed transactions whose marker is below it are stable. */
  onHighWatermarkUpdated(highWatermark: bigint): void {
    if (this.unreplicatedTxns.length === 0) return;
    this.unreplicatedTxns = this.unreplicatedTxns.filter((txn) => txn.lastOffset >= highWatermark);
  }

  /**
   * Applies an appended batch at [firstOffset, lastOffset]: a newer epoch replaces the producer's
   * batches, the same epoch adds one (keeping the last 5); a transactional batch opens the
   * producer's transaction when none is. A control batch only moves the epoch, and a commit or abort
   * marker ends the producer's transaction: returned as a CompletedTxn (undefined when the producer
   * had none open). Batches without a producer id, or at or below the producer's last batch (a
   * replay over a snapshot), change nothing.
   */
  record(batch: ProducerBatch, firstOffset: bigint, lastOffset: bigint): CompletedTxn | undefined {
    if (batch.producerId < 0n) return undefined;
    const entry = this.entries.get(batch.producerId);
    // Replaying a log tail over a snapshot may meet a batch the snapshot already holds.
    const last = entry?.batches.at(-1);
    if (last !== undefined && last.lastOffset >= firstOffset) return undefined;
    const isNewEpoch = entry === undefined || batch.producerEpoch !== entry.producerEpoch;
    const kept = isNewEpoch ? [] : entry.batches;
    if (batch.isControl) return this.recordControl(batch, entry, kept, firstOffset);
    const txnFirstOffset = entry?.currentTxnFirstOffset ?? -1n;
    const currentTxnFirstOffset = txnFirstOffset < 0n && batch.isTransactional ? firstOffset : txnFirstOffset;
    if (currentTxnFirstOffset !== txnFirstOffset)
      this.ongoingTxns.set(batch.producerId, currentTxnFirstOffset);
    const added: ProducerBatchMetadata = {
      firstSeq: batch.baseSequence,
      lastSeq: incrementSequence(batch.baseSequence, batch.lastOffsetDelta),
      firstOffset,
      lastOffset,
      timestampMs: batch.maxTimestamp,
    };
    this.entries.set(batch.producerId, {
      producerId: batch.producerId,
      producerEpoch: batch.producerEpoch,
      batches: [...kept, added].slice(-PRODUCER_BATCHES_RETAINED),
      lastTimestampMs: batch.maxTimestamp,
      coordinatorEpoch: entry?.coordinatorEpoch ?? -1,
      currentTxnFirstOffset,
    });
    return undefined;
  }

  private recordControl(
    batch: ProducerBatch,
    entry: ProducerStateEntry | undefined,
    kept: readonly ProducerBatchMetadata[],
    offset: bigint,
  ): CompletedTxn | undefined {
    const marker = batch.endTxnMarker;
    const txnFirstOffset = entry?.currentTxnFirstOffset ?? -1n;
    this.entries.set(batch.producerId, {
      producerId: batch.producerId,
      producerEpoch: batch.producerEpoch,
      batches: kept,
      lastTimestampMs: batch.maxTimestamp,
      coordinatorEpoch: marker?.coordinatorEpoch ?? entry?.coordinatorEpoch ?? -1,
      currentTxnFirstOffset: marker === undefined ? txnFirstOffset : -1n,
    });
    // As Kafka, a marker of a producer with no transaction open here completes nothing: it moves
    // neither the last stable offset nor the `.txnindex`.
    if (marker === undefined || txnFirstOffset < 0n) return undefined;
    this.ongoingTxns.delete(batch.producerId);
    let lastStableOffset = offset + 1n;
    for (const [producerId, firstOffset] of this.ongoingTxns) {
      if (producerId === batch.producerId) continue;
      lastStableOffset = firstOffset;
      break;
    }
    const completed: CompletedTxn = {
      producerId: batch.producerId,
      firstOffset: txnFirstOffset,
      lastOffset: offset,
      isAborted: !marker.isCommit,
      lastStableOffset,
    };
    this.unreplicatedTxns.push(completed);
    return completed;
  }

  private remove(producerId: bigint): void {
    this.entries.delete(producerId);
    this.ongoingTxns.delete(producerId);
  }

  /**
   * Kafka's truncateHead: forgets producers whose last batch lies below the new log start
   * (retention, DeleteRecords). Returns how many producers went.
   */
  removeBefore(logStartOffset: bigint): number {
    let removed = 0;
    for (const [producerId, entry] of this.entries) {
      const last = entry.batches.at(-1);
      if (last === undefined || last.lastOffset < logStartOffset) {
        this.remove(producerId);
        removed += 1;
      }
    }
    this.unreplicatedTxns = this.unreplicatedTxns.filter((txn) => txn.lastOffset >= logStartOffset);
    return removed;
  }

  /**
   * `producer.id.expiration.ms`: forgets producers whose last batch timestamp is at least
   * `expirationMs` old and that have no open transaction. Returns how many went.
   */
  removeExpired(nowMs: number, expirationMs: number): number {
    let removed = 0;
    const now = BigInt(nowMs);
    const expiration = BigInt(expirationMs);
    for (const [producerId, entry] of this.entries) {
      if (entry.currentTxnFirstOffset < 0n && now - entry.lastTimestampMs >= expiration) {
        this.remove(producerId);
        removed += 1;
      }
    }
    return removed;
  }

  /**
   * The entries as they were below `offset`: batches at or after it dropped, and a producer whose
   * every known batch is at or after it left out (its older state is not known any more; leaving it
   * out accepts its next batch at any sequence, which is safe, where a wrong entry would answer a
   * retried batch lost in a crash as a duplicate). A transaction opened at or after `offset` is
   * not open there, and one whose marker is at or after it still is (such a marker is above the
   * high watermark, so its transaction is still in the unreplicated list). What a snapshot at
   * `offset` may hold.
   */
  entriesBelow(offset: bigint): ProducerStateEntry[] {
    const openAtOffset = new Map<bigint, bigint>();
    for (const txn of this.unreplicatedTxns) {
      if (txn.firstOffset < offset && txn.lastOffset >= offset)
        openAtOffset.set(txn.producerId, txn.firstOffset);
    }
    const entries: ProducerStateEntry[] = [];
    for (const entry of this.all()) {
      const batches = entry.batches.filter((batch) => batch.lastOffset < offset);
      const currentTxnFirstOffset =
        openAtOffset.get(entry.producerId) ??
        (entry.currentTxnFirstOffset < offset ? entry.currentTxnFirstOffset : -1n);
      if (batches.length === entry.batches.length) entries.push({ ...entry, currentTxnFirstOffset });
      else if (batches.length > 0) {
        entries.push({
          ...entry,
          batches,
          lastTimestampMs: batches.at(-1)!.timestampMs,
          currentTxnFirstOffset,
        });
      }
    }
    return entries;
  }

  /**
   * The state as it was below `offset` (follower truncation): see entriesBelow; completed
   * transactions whose marker is cut go too. Unlike Kafka, which reloads from an older snapshot, a
   * transaction whose marker was cut is not reopened.
   */
  truncatedTo(offset: bigint): ProducerStateTable {
    return new ProducerStateTable(
      this.entriesBelow(offset),
      this.unreplicatedTxns.filter((txn) => txn.lastOffset < offset),
    );
  }

  clear(): void {
    this.entries.clear();
    this.ongoingTxns.clear();
    this.unreplicatedTxns = [];
  }
}
