// Coalesces the group coordinator's __consumer_offsets writes per partition within one event-loop turn.
import { ErrorCode } from '../../protocol/index.js';
import type { CoordinatorLog, EncodedRecord } from '../internal-topic-log.js';

/** Bounds of one coalesced __consumer_offsets batch: well under the topic's 1 MiB max.message.bytes. */
export const MAX_BATCH_RECORDS = 1_000;
export const MAX_BATCH_BYTES = 512 * 1024;

/** One record of a write and the __consumer_offsets partition it goes to. */
export interface PartitionedRecord {
  readonly partition: number;
  readonly record: EncodedRecord;
}

/** A write waiting for the batches that hold its records. */
interface Waiter {
  /** Batches of this write not yet appended. */
  remaining: number;
  /** The first error among its batches, NONE while all went well. */
  errorCode: number;
  readonly done: (errorCode: number, token: number) => void;
  readonly token: number;
}

interface Batch {
  readonly partition: number;
  readonly records: EncodedRecord[];
  bytes: number;
  readonly waiters: Waiter[];
  isFlushed: boolean;
}

export interface GroupWriteBatcherOptions {
  readonly log: Pick<CoordinatorLog, 'append'>;
  /** Runs after the `done` callbacks of one appended batch (the runtime drains the coordinator there). */
  readonly afterBatch: () => void;
  /** An append rejected (the port says it never does): the batch's writes get KAFKA_STORAGE_ERROR. */
  readonly onError: (error: unknown, what: string) => void;
}

/**
 * Joins every write of one event-loop turn to the batch collecting for its partition; the batch is
 * appended once I/O of this turn is done (setImmediate), or at once when it reaches its bound. Kafka's
 * coordinator runtime batches its writes the same way: pipelined commits cost one append and one fsync
 * per batch instead of one each. Per batch, not per write, there is one promise and one `afterBatch`:
 * a write only gets its `done` call. The records a write has for one partition stay in one batch (one
 * atomic append); order per partition is the order of the calls.
 */
export class GroupWriteBatcher {
  readonly #collecting = new Map<number, Batch>();

  constructor(private readonly options: GroupWriteBatcherOptions) {}

  /**
   * Queues `records`; `done` is called once with `token`, with NONE when every record is durable, else
   * the first error code of a failed append (a write with no records is done at once). A caller with
   * many writes passes one `done` for all and tells them apart by `token` (no closure per write).
   */
  write(
    records: readonly PartitionedRecord[],
    done: (errorCode: number, token: number) => void,
    token = 0,
  ): void {
    if (records.length === 0) {
      done(ErrorCode.NONE, token);
      return;
    }
    const waiter: Waiter = { remaining: 0, errorCode: ErrorCode.NONE, done, token };
    for (const { partition, record } of records) {
      const batch = this.#batchFor(partition);
      batch.records.push(record);
      batch.bytes += record.key.length + (record.value?.length ?? 0);
      if (batch.waiters.at(-1) !== waiter) {
        batch.waiters.push(waiter);
        waiter.remaining += 1;
      }
    }
    // Every batch this write touched ends with its waiter; one at its bound is appended now.
    for (const { partition } of records) {
      const batch = this.#collecting.get(partition);
      if (
        batch !== undefined &&
        (batch.records.length >= MAX_BATCH_RECORDS || batch.bytes >= MAX_BATCH_BYTES)
      )
        this.#flush(batch);
    }
  }

  #batchFor(partition: number): Batch {
    const existing = this.#collecting.get(partition);
    if (existing !== undefined) return existing;
    const batch: Batch = { partition, records: [], bytes: 0, waiters: [], isFlushed: false };
    this.#collecting.set(partition, batch);
    setImmediate(() => this.#flush(batch));
    return batch;
  }

  #flush(batch: Batch): void {
    if (batch.isFlushed) return;
    batch.isFlushed = true;
    if (this.#collecting.get(batch.partition) === batch) this.#collecting.delete(batch.partition);
    this.options.log.append(batch.partition, batch.records).then(
      (errorCode) => this.#appended(batch, errorCode),
      (error: unknown) => {
        this.options.onError(error, '__consumer_offsets append');
        this.#appended(batch, ErrorCode.KAFKA_STORAGE_ERROR);
      },
    );
  }

  #appended(batch: Batch, errorCode: number): void {
    for (const waiter of batch.waiters) {
      if (waiter.errorCode === ErrorCode.NONE) waiter.errorCode = errorCode;
      waiter.remaining -= 1;
      if (waiter.remaining !== 0) continue;
      try {
        waiter.done(waiter.errorCode, waiter.token);
      } catch (error: unknown) {
        this.options.onError(error, '__consumer_offsets write completion');
      }
    }
    this.options.afterBatch();
  }
}
