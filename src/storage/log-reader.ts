import {
  BATCH_LENGTH_OFFSET,
  decodeRecordBatch,
  type ErrorCode,
  LAST_OFFSET_DELTA_OFFSET,
  LOG_OVERHEAD,
  RECORD_BATCH_HEADER_BYTES,
  RecordBatchIterator,
  type RecordBatchView,
  readInt64BE,
  readInt64BEPlus,
  recordOffset,
  recordTimestamp,
} from '../protocol/index.js';
import { scanBatches } from './batch-scanner.js';
import { readFully, readFullyInto } from './file-system.js';
import type { ReadTail } from './read-tail.js';
import type { BatchLocation, LogSegment } from './segment.js';

export interface ReadOptions {
  /** Most bytes to return, unless `minOneBatch` and the first batch is larger. */
  readonly maxBytes: number;
  /** Kafka's rule for the first partition of a fetch: return the first batch whole even above maxBytes. */
  readonly minOneBatch?: boolean | undefined;
  /** Exclusive upper bound: only batches whose lastOffset is below it (the high watermark, or LSO). */
  readonly maxOffset?: bigint | undefined;
  /**
   * Read from the file into this Buffer (when it is large enough: `maxBytes` covers every read but
   * that of a first batch larger than it, see `minOneBatch`) instead of a new one, saving the
   * allocation and its page faults. The result
   * is then a view of it: the caller owns it and must not reuse it before it is done with the result
   * (a fetch: after the socket write completed). Reads served from the in-memory tail do not use it.
   */
  readonly buffer?: Buffer | undefined;
  /**
   * Where a file read of `length` bytes goes when `buffer` is absent or too small: called just
   * before each such read (possibly more than once per read, e.g. once per segment tried), and used
   * when what it returns is at least `length` long. The same ownership rule as for `buffer` applies to
   * what it returns. Reads served from memory do not call it, so a pool's buffer is only taken when
   * a file read needs one.
   */
  readonly allocate?: ((length: number) => Buffer) | undefined;
}

/**
 * What a read returns. `records` is a Buffer filled by one positional read, or taken from the tail
 * of latest appends kept in memory (ReadTail; then possibly a view of the appended batches' own
 * bytes, which nothing modifies), cut at a batch boundary: the fetch path writes it to the socket as
 * is (Node has no sendfile for sockets, so a file-range descriptor would be read into memory
 * anyway). An offset outside
 * [logStartOffset, logEndOffset] is a value, never a throw.
 */
export type ReadResult =
  | {
      readonly kind: 'records';
      readonly records: Buffer;
      readonly logStartOffset: bigint;
      readonly logEndOffset: bigint;
      readonly highWatermark: bigint;
    }
  | {
      readonly kind: 'offsetOutOfRange';
      readonly errorCode: typeof ErrorCode.OFFSET_OUT_OF_RANGE;
      readonly logStartOffset: bigint;
      readonly logEndOffset: bigint;
      readonly highWatermark: bigint;
    };

/** The last segment whose base offset is <= `offset` (index into `segments`), or 0. */
export function floorSegment(segments: readonly LogSegment[], offset: bigint): number {
  let low = 0;
  let high = segments.length - 1;
  let found = 0;
  while (low <= high) {
    const middle = (low + high) >>> 1;
    if (segments[middle]!.baseOffset <= offset) {
      found = middle;
      low = middle + 1;
    } else {
      high = middle - 1;
    }
  }
  return found;
}

const EMPTY = Buffer.alloc(0);

/**
 * Reads the batches from the one holding `fetchOffset` (or the first after it, across a gap) within
 * one segment, as Kafka does. Empty when nothing is at or after `fetchOffset` below `maxOffset`.
 * Usually one positional read of `maxBytes` (no more than the result may hold) from the start of the
 * first batch wanted; the result is a view into that read's Buffer.
 */
export async function readBatches(
  segments: readonly LogSegment[],
  fetchOffset: bigint,
  options: ReadOptions,
  tail?: ReadTail,
): Promise<Buffer> {
  for (let index = floorSegment(segments, fetchOffset); index < segments.length; index += 1) {
    const segment = segments[index]!;
    const target = fetchOffset > segment.baseOffset ? fetchOffset : segment.baseOffset;
    const records = await readSegment(segment, target, options, tail);
    if (records !== undefined) return records;
  }
  return Buffer.alloc(0);
}

/** `length` bytes of `segment`'s `.log` from `position`: from the tail kept in memory when it holds them. */
function readRange(
  segment: LogSegment,
  tail: ReadTail | undefined,
  position: number,
  length: number,
  options?: ReadOptions,
): Promise<Buffer> | Buffer {
  const kept = tail?.read(segment, position, length);
  if (kept !== undefined) return kept;
  const given = options?.buffer;
  if (given !== undefined && given.length >= length)
    return readFullyInto(segment.log, given, position, length);
  const allocated = options?.allocate?.(length);
  return allocated !== undefined && allocated.length >= length
    ? readFullyInto(segment.log, allocated, position, length)
    : readFully(segment.log, position, length);
}

/** Bytes read at once while walking batch headers towards a fetch's target. */
const HEADER_WINDOW_BYTES = 8 * 1024;

/**
 * Where the first batch at or after `from` that reaches `target` (lastOffset >= target) starts,
 * found by reading batch headers only (Kafka's searchForOffsetWithSize), with the bytes from there
 * already read. The sparse index keys a batch by its last offset, so the position it gives for a
 * batch's base offset is usually the batch before, which may be as large as a whole fetch: reading
 * it only to skip it would double every consumer fetch. Undefined when nothing in [from, end) does.
 * A header too short or with a bad length stops the walk there: the caller's read reports it.
 */
async function firstBatchReaching(
  segment: LogSegment,
  tail: ReadTail | undefined,
  from: number,
  end: number,
  target: bigint,
): Promise<{ position: number; window: Buffer } | undefined> {
  let window: Buffer = Buffer.alloc(0);
  let windowStart = from;
  for (let position = from; position < end; ) {
    let at = position - windowStart;
    if (at + RECORD_BATCH_HEADER_BYTES > window.length) {
      window = await readRange(segment, tail, position, Math.min(HEADER_WINDOW_BYTES, end - position));
      windowStart = position;
      at = 0;
      if (window.length < RECORD_BATCH_HEADER_BYTES) return { position, window };
    }
    const size = window.readInt32BE(at + BATCH_LENGTH_OFFSET) + LOG_OVERHEAD;
    const lastOffset = readInt64BEPlus(window, at, window.readInt32BE(at + LAST_OFFSET_DELTA_OFFSET));
    if (lastOffset >= target || size < RECORD_BATCH_HEADER_BYTES) {
      return { position, window: window.subarray(at) };
    }
    position += size;
  }
  return undefined;
}

/** The batches of one segment from `target`, or undefined when the segment has none at or after it. */
async function readSegment(
  segment: LogSegment,
  target: bigint,
  options: ReadOptions,
  tail: ReadTail | undefined,
): Promise<Buffer | undefined> {
  const end = segment.size;
  // Every batch in [0, end) ends below it (both move together when an append completes).
  const segmentEnd = segment.nextOffset;
  const hint = segment.readHint(target);
  const found =
    hint !== undefined
      ? hint < end
        ? { position: hint, window: EMPTY }
        : undefined
      : await firstBatchReaching(segment, tail, segment.offsetIndex.lookup(target).position, end, target);
  if (found === undefined) return undefined;
  // `start` is where a batch starts (a hint, or the header walk's find): what may be returned starts
  // there too, so the read takes no more than that (a first batch whose header the walk saw whole).
  const start = found.position;
  const length = Math.min(end - start, readLength(found.window, options));
  const bytes =
    found.window.length >= length
      ? found.window.subarray(0, length)
      : await readRange(segment, tail, start, length, options);
  // Offsets grow along the segment: when all of it lies below maxOffset (a consumer reading below a
  // high watermark at or past the segment's end), no batch is checked against it, which spares two
  // BigInts per batch (a 1 MiB fetch of 16 KiB batches walks 64).
  const maxOffset =
    options.maxOffset !== undefined && options.maxOffset < segmentEnd ? options.maxOffset : undefined;
  const iterator = new RecordBatchIterator(bytes);
  let first = -1;
  let cut = 0;
  /** The last batch returned so far: the next read starts after it. */
  let last: RecordBatchView | undefined;
  for (let view = iterator.nextBatch(); view !== undefined; view = iterator.nextBatch()) {
    if (first < 0) {
      if (view.lastOffset < target) continue;
      if (maxOffset !== undefined && view.lastOffset >= maxOffset) {
        segment.rememberReadEnd(target, start + view.offset);
        return Buffer.alloc(0);
      }
      if (view.sizeInBytes > options.maxBytes && options.minOneBatch !== true) return Buffer.alloc(0);
      first = view.offset;
      cut = iterator.position;
      last = view;
      continue;
    }
    if (
      (maxOffset !== undefined && view.lastOffset >= maxOffset) ||
      iterator.position - first > options.maxBytes
    )
      break;
    cut = iterator.position;
    last = view;
  }
  if (last !== undefined) {
    segment.rememberReadEnd(last.nextOffset, start + cut);
    return bytes.subarray(first, cut);
  }
  if (start + iterator.position >= end) return undefined;
  const location = iterator.position === 0 ? firstBatchAt(bytes, start, target) : undefined;
  return readSegmentSlowly(segment, target, options, end, tail, location ?? start);
}

/**
 * Bytes a read from a batch start takes: `maxBytes`, or the first batch whole when the header walk
 * saw its length in `window` and `minOneBatch` lets it exceed `maxBytes`.
 */
function readLength(window: Buffer, options: ReadOptions): number {
  if (options.minOneBatch !== true || window.length < LOG_OVERHEAD) return options.maxBytes;
  return Math.max(options.maxBytes, window.readInt32BE(BATCH_LENGTH_OFFSET) + LOG_OVERHEAD);
}

/**
 * The batch whose header starts `bytes` (read from `position`), when the header is whole and the
 * batch reaches `target`: the read held no complete batch, so it is larger than the read.
 */
function firstBatchAt(bytes: Buffer, position: number, target: bigint): BatchLocation | undefined {
  if (bytes.length < RECORD_BATCH_HEADER_BYTES) return undefined;
  const sizeInBytes = bytes.readInt32BE(BATCH_LENGTH_OFFSET) + LOG_OVERHEAD;
  const baseOffset = readInt64BE(bytes, 0);
  const lastOffset = readInt64BEPlus(bytes, 0, bytes.readInt32BE(LAST_OFFSET_DELTA_OFFSET));
  if (sizeInBytes < RECORD_BATCH_HEADER_BYTES || lastOffset < target) return undefined;
  return { position, sizeInBytes, baseOffset, lastOffset };
}

/**
 * The target's batch is larger than the read, or lies past it: locate it (from `from`, a batch start
 * at or before it, unless already located), then read it.
 */
async function readSegmentSlowly(
  segment: LogSegment,
  target: bigint,
  options: ReadOptions,
  end: number,
  tail: ReadTail | undefined,
  from: number | BatchLocation,
): Promise<Buffer | undefined> {
  const maxOffset = options.maxOffset;
  const location = typeof from === 'number' ? await segment.locate(target, from) : from;
  if (location === undefined) return undefined;
  if (maxOffset !== undefined && location.lastOffset >= maxOffset) return Buffer.alloc(0);
  let length = Math.min(options.maxBytes, end - location.position);
  if (options.minOneBatch === true && location.sizeInBytes > length) length = location.sizeInBytes;
  if (length < location.sizeInBytes) return Buffer.alloc(0);
  const bytes = await readRange(segment, tail, location.position, length, options);
  return cutAtBatchBoundary(bytes, maxOffset);
}

function cutAtBatchBoundary(bytes: Buffer, maxOffset: bigint | undefined): Buffer {
  const iterator = new RecordBatchIterator(bytes);
  let end = 0;
  for (const view of iterator) {
    if (maxOffset !== undefined && view.lastOffset >= maxOffset) break;
    end = iterator.position;
  }
  return bytes.subarray(0, end);
}

export interface TimestampAndOffset {
  readonly timestamp: bigint;
  readonly offset: bigint;
  /** The leader epoch of the batch holding `offset` (-1 when unknown). */
  readonly leaderEpoch: number;
}

/** The first record of `view` at or after `minOffset` whose timestamp satisfies `accept`. */
async function firstRecordWhere(
  view: RecordBatchView,
  minOffset: bigint,
  accept: (timestamp: bigint) => boolean,
): Promise<TimestampAndOffset | undefined> {
  const batch = await decodeRecordBatch(view, { verifyCrc: false });
  for (const record of batch.records) {
    const offset = recordOffset(batch, record);
    const timestamp = recordTimestamp(batch, record);
    if (offset >= minOffset && accept(timestamp)) {
      return { timestamp, offset, leaderEpoch: batch.partitionLeaderEpoch };
    }
  }
  return undefined;
}

/**
 * ListOffsets by time: the first record at or after `logStartOffset` with a timestamp >= `target`,
 * found through the segments' max timestamps, the time index and one decoded batch.
 */
export async function findOffsetByTimestamp(
  segments: readonly LogSegment[],
  target: bigint,
  logStartOffset: bigint,
): Promise<TimestampAndOffset | undefined> {
  for (let index = floorSegment(segments, logStartOffset); index < segments.length; index += 1) {
    const segment = segments[index]!;
    if (segment.maxTimestamp < target) continue;
    const start = segment.timestampSearchStart(target);
    for await (const { view } of scanBatches(segment.log, start, segment.size)) {
      if (view.lastOffset < logStartOffset || view.maxTimestamp < target) continue;
      const record = await firstRecordWhere(view, logStartOffset, (timestamp) => timestamp >= target);
      if (record !== undefined) return record;
    }
  }
  return undefined;
}

/** ListOffsets MAX_TIMESTAMP (KIP-734): the first record carrying the log's largest timestamp. */
export async function findMaxTimestamp(
  segments: readonly LogSegment[],
  logStartOffset: bigint,
): Promise<TimestampAndOffset | undefined> {
  let best: LogSegment | undefined;
  for (const segment of segments) {
    if (segment.nextOffset > logStartOffset && segment.maxTimestamp > (best?.maxTimestamp ?? -1n))
      best = segment;
  }
  if (best === undefined) return undefined;
  const target = best.maxTimestamp;
  for await (const { view } of scanBatches(best.log, 0, best.size)) {
    if (view.lastOffset < logStartOffset || view.maxTimestamp !== target) continue;
    const record = await firstRecordWhere(view, logStartOffset, (timestamp) => timestamp === target);
    if (record !== undefined) return record;
  }
  return undefined;
}
