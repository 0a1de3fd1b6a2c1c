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
  /** First offset of the producer's open transaction, or -1 (transactions come with the coordinator). */
  readonly currentTxnFirstOffset: bigint;
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

/**
 * One partition's producer state (Kafka's ProducerStateManager without its files): per producer id
 * its epoch and last 5 batches. `check` is the leader's validation of a client batch (Kafka 4's
 * ProducerAppendInfo rules); `record` applies an appended batch (leader, replica or replay alike).
 * Pure: no clock, no I/O; the owner runs both in its append order.
 */
export class ProducerStateTable {
  private readonly entries = new Map<bigint, ProducerStateEntry>();

  constructor(entries: Iterable<ProducerStateEntry> = []) {
    for (const entry of entries) this.entries.set(entry.producerId, entry);
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
    if (batch.producerId < 0n) return APPEND;
    if (batch.isTransactional) {
      return refused(
        ErrorCode.INVALID_TXN_STATE,
        'transactional produce is refused: this broker has no transaction coordinator yet',
      );
    }
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
   * Applies an appended batch at [firstOffset, lastOffset]: a newer epoch replaces the producer's
   * batches, the same epoch adds one (keeping the last 5). A control batch (transaction marker) only
   * moves the epoch. Batches without a producer id, or at or below the producer's last batch
   * (a replay over a snapshot), change nothing.
   */
  record(batch: ProducerBatch, firstOffset: bigint, lastOffset: bigint): void {
    if (batch.producerId < 0n) return;
    const entry = this.entries.get(batch.producerId);
    // Replaying a log tail over a snapshot may meet a batch the snapshot already holds.
    const last = entry?.batches.at(-1);
    if (last !== undefined && last.lastOffset >= firstOffset) return;
    const isNewEpoch = entry === undefined || batch.producerEpoch !== entry.producerEpoch;
    const kept = isNewEpoch ? [] : entry.batches;
    if (batch.isControl) {
      this.entries.set(batch.producerId, {
        producerId: batch.producerId,
        producerEpoch: batch.producerEpoch,
        batches: kept,
        lastTimestampMs: batch.maxTimestamp,
        coordinatorEpoch: entry?.coordinatorEpoch ?? -1,
        currentTxnFirstOffset: -1n,
      });
      return;
    }
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
      currentTxnFirstOffset: entry?.currentTxnFirstOffset ?? -1n,
    });
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
        this.entries.delete(producerId);
        removed += 1;
      }
    }
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
        this.entries.delete(producerId);
        removed += 1;
      }
    }
    return removed;
  }

  /**
   * The entries as they were below `offset`: batches at or after it dropped, and a producer whose
   * every known batch is at or after it left out (its older state is not known any more; leaving it
   * out accepts its next batch at any sequence, which is safe, where a wrong entry would answer a
   * retried batch lost in a crash as a duplicate). What a snapshot at `offset` may hold.
   */
  entriesBelow(offset: bigint): ProducerStateEntry[] {
    const entries: ProducerStateEntry[] = [];
    for (const entry of this.all()) {
      const batches = entry.batches.filter((batch) => batch.lastOffset < offset);
      if (batches.length === entry.batches.length) entries.push(entry);
      else if (batches.length > 0) {
        entries.push({ ...entry, batches, lastTimestampMs: batches.at(-1)!.timestampMs });
      }
    }
    return entries;
  }

  clear(): void {
    this.entries.clear();
  }
}
