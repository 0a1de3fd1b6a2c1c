import {
  BATCH_LENGTH_OFFSET,
  CURRENT_MAGIC,
  HEADER_BYTES_UP_TO_MAGIC,
  LOG_OVERHEAD,
  MAGIC_OFFSET,
} from './record-batch-layout.js';
import { checkBatchLength, type RecordBatchValidation, RecordBatchView } from './record-batch-view.js';
import { InvalidBatchLengthError, TruncatedBatchError, UnsupportedMagicError } from './record-errors.js';

/** Kafka's `LegacyRecord.RECORD_OVERHEAD_V0`: no entry of any magic has a smaller size field. */
const MIN_ENTRY_SIZE = 14;

export interface RecordBatchIteratorOptions {
  /** Largest batch accepted, in bytes including baseOffset and batchLength (default: unbounded). */
  readonly maxBatchBytes?: number;
}

/**
 * Walks the v2 batches of a Produce or Fetch `records` field without decoding them, yielding a
 * RecordBatchView per complete batch. As Kafka's ByteBufferLogInputStream, bytes at the end too few
 * for the next batch end the iteration and are reported in `partialBytes` (a fetch response may cut
 * its last batch); nothing is read from them. A size field below the minimum or above
 * `maxBatchBytes` throws InvalidBatchLengthError, a magic other than 2 UnsupportedMagicError (with
 * `magic` 0 or 1 the bytes are a legacy message set: use decodeMessageSet). Validation of each batch
 * (CRC, fields) is the caller's: `view.validate()`.
 */
export class RecordBatchIterator implements IterableIterator<RecordBatchView> {
  /** Offset in `records` of the next batch; after the end, the end of the last complete batch. */
  position = 0;
  private isDone = false;
  private readonly maxBatchBytes: number;

  constructor(
    readonly records: Buffer,
    options: RecordBatchIteratorOptions = {},
  ) {
    this.maxBatchBytes = options.maxBatchBytes ?? Number.MAX_SAFE_INTEGER;
  }

  /** Bytes after the last complete batch, once the iteration has ended (0 before). */
  get partialBytes(): number {
    return this.isDone ? this.records.length - this.position : 0;
  }

  next(): IteratorResult<RecordBatchView> {
    const view = this.nextBatch();
    return view === undefined ? { done: true, value: undefined } : { done: false, value: view };
  }

  /** The next complete batch, or undefined at the end: `next()` without an IteratorResult per batch. */
  nextBatch(): RecordBatchView | undefined {
    const view = this.isDone ? undefined : this.nextView();
    if (view === undefined) {
      this.isDone = true;
      return undefined;
    }
    this.position += view.sizeInBytes;
    return view;
  }

  [Symbol.iterator](): this {
    return this;
  }

  private nextView(): RecordBatchView | undefined {
    const { records, position } = this;
    const remaining = records.length - position;
    if (remaining < LOG_OVERHEAD) return undefined;
    const size = records.readInt32BE(position + BATCH_LENGTH_OFFSET);
    if (size < MIN_ENTRY_SIZE) {
      throw new InvalidBatchLengthError(`entry at ${position} has size ${size} < ${MIN_ENTRY_SIZE}`);
    }
    if (remaining < HEADER_BYTES_UP_TO_MAGIC) return undefined;
    const magic = records.readInt8(position + MAGIC_OFFSET);
    if (magic !== CURRENT_MAGIC) throw new UnsupportedMagicError(magic, `in records at ${position}`);
    checkBatchLength(size, position, this.maxBatchBytes);
    if (remaining < size + LOG_OVERHEAD) return undefined;
    return RecordBatchView.at(records, position, this.maxBatchBytes);
  }
}

export interface ViewRecordBatchesOptions extends RecordBatchIteratorOptions, RecordBatchValidation {
  /** Accept and ignore a partial batch at the end (fetched data); otherwise TruncatedBatchError. */
  readonly allowPartialTail?: boolean;
}

/**
 * The produce path's check of a `records` field: every batch viewed and validated (CRC-32C and
 * header fields, nothing decoded). Throws the CorruptRecordError subclasses of RecordBatchIterator
 * and RecordBatchView.validate, and TruncatedBatchError for bytes left after the last batch unless
 * `allowPartialTail`. The views point into `records`.
 */
export function viewRecordBatches(
  records: Buffer,
  options: ViewRecordBatchesOptions = {},
): RecordBatchView[] {
  const iterator = new RecordBatchIterator(records, options);
  const views: RecordBatchView[] = [];
  // Every produced batch comes through here: no IteratorResult object per batch.
  for (let view = iterator.nextBatch(); view !== undefined; view = iterator.nextBatch()) {
    view.validate(options);
    views.push(view);
  }
  if (iterator.partialBytes > 0 && options.allowPartialTail !== true) {
    throw new TruncatedBatchError(`${iterator.partialBytes} bytes after the last complete record batch`);
  }
  return views;
}
