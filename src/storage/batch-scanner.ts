import {
  LOG_OVERHEAD,
  RECORD_BATCH_HEADER_BYTES,
  RecordBatchView,
  TruncatedBatchError,
} from '../protocol/index.js';
import { readFully, type StorageFile } from './file-system.js';

/** Bytes read at once while walking a segment; a larger batch is read whole on its own. */
export const SCAN_WINDOW_BYTES = 64 * 1024;

export interface ScannedBatch {
  /** Where the batch starts in the file. */
  readonly position: number;
  /** The whole batch, in a Buffer that the next step of the scan may replace (copy what you keep). */
  readonly view: RecordBatchView;
}

/**
 * Walks the batches of a `.log` between byte `from` and `to` with few large positional reads,
 * yielding a RecordBatchView of each whole batch (header checks by RecordBatchView.at; the CRC is
 * the caller's). Bytes at the end too few for a batch, or a size that runs past `to`, throw
 * TruncatedBatchError; a bad size or magic throws as RecordBatchView.at: recovery cuts the log there.
 */
export async function* scanBatches(
  file: StorageFile,
  from: number,
  to: number,
  maxBatchBytes = 2 ** 31 - 1,
): AsyncGenerator<ScannedBatch> {
  let window: Buffer = Buffer.alloc(0);
  let windowStart = from;
  let position = from;
  while (position < to) {
    let at = position - windowStart;
    if (at + RECORD_BATCH_HEADER_BYTES > window.length) {
      window = await readFully(file, position, Math.min(SCAN_WINDOW_BYTES, to - position));
      windowStart = position;
      at = 0;
      if (window.length < LOG_OVERHEAD) {
        throw new TruncatedBatchError(
          `${file.path}: ${window.length} bytes at ${position} cannot hold a batch`,
        );
      }
    }
    const size = window.readInt32BE(at + LOG_OVERHEAD - 4) + LOG_OVERHEAD;
    if (size > LOG_OVERHEAD && position + size <= to && at + size > window.length) {
      window = await readFully(file, position, Math.max(size, Math.min(SCAN_WINDOW_BYTES, to - position)));
      windowStart = position;
      at = 0;
    }
    if (size > to - position) {
      throw new TruncatedBatchError(`${file.path}: batch at ${position} of ${size} bytes runs past ${to}`);
    }
    const view = RecordBatchView.at(window, at, maxBatchBytes);
    yield { position, view };
    position += view.sizeInBytes;
  }
}
