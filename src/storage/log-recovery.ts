import { CorruptRecordError, type RecordBatchView } from '../protocol/index.js';
import { SCAN_WINDOW_BYTES, scanBatches } from './batch-scanner.js';
import { readFullyInto, type StorageFile } from './file-system.js';
import { type LogSegment, MAX_RELATIVE_OFFSET } from './segment.js';
import type { StorageLogger } from './storage-logger.js';

export interface SegmentRecovery {
  /** Bytes cut from the end of the `.log` (0 when every batch was valid). */
  readonly truncatedBytes: number;
  /**
   * Of those, the bytes of a tail of zeros after the last valid batch (a zero-ahead tail left by a
   * crash: the normal end of the log, not corruption). Equal to truncatedBytes or 0.
   */
  readonly zeroTailBytes: number;
}

/**
 * Rebuilds a segment's indexes from its `.log`, validating every batch: the size bounds and magic
 * (RecordBatchView.at), the CRC-32C and header fields (validate), and that offsets only go forward
 * and fit the segment's relative index. At the first batch that fails, the `.log` is cut there:
 * lost or torn bytes then never yield a batch, since any surviving batch passed its CRC and kept
 * the offset order. `onBatch` sees each valid batch in order (the leader-epoch cache rebuild).
 * One warning names the file, position and offset of a cut, unless everything cut is zeros: the
 * unused zero-ahead tail of a log that was not closed cleanly (see ZeroAhead), cut silently.
 */
export async function recoverSegment(
  segment: LogSegment,
  logger: StorageLogger,
  onBatch: (view: RecordBatchView) => void,
  maxBatchBytes?: number,
): Promise<SegmentRecovery> {
  await segment.resetIndexes();
  let expectedOffset = segment.baseOffset;
  let position = 0;
  let failure: string | undefined;
  try {
    for await (const scanned of scanBatches(segment.log, 0, segment.size, maxBatchBytes)) {
      const view = scanned.view;
      view.validate();
      const baseOffset = view.baseOffset;
      if (baseOffset < expectedOffset) {
        failure = `baseOffset ${baseOffset} is below the expected ${expectedOffset}`;
        break;
      }
      if (view.lastOffset - segment.baseOffset > MAX_RELATIVE_OFFSET) {
        failure = `lastOffset ${view.lastOffset} is beyond the segment's relative offset range`;
        break;
      }
      segment.recordBatch(view.lastOffset, view.maxTimestamp, scanned.position, view.sizeInBytes);
      onBatch(view);
      expectedOffset = view.nextOffset;
      position = scanned.position + view.sizeInBytes;
    }
  } catch (error: unknown) {
    if (!(error instanceof CorruptRecordError)) throw error;
    failure = error.message;
  }
  let truncatedBytes = 0;
  let zeroTailBytes = 0;
  if (failure !== undefined) {
    truncatedBytes = segment.size - position;
    // Zeros from the first invalid batch on are the unused part of a zero-ahead tail (see
    // ZeroAhead): the normal end of a log that was not closed cleanly, cut without a warning.
    if (await isZeroFrom(segment.log, position, segment.size)) zeroTailBytes = truncatedBytes;
    else
      logger.warn(
        {
          file: segment.log.path,
          position,
          offset: expectedOffset.toString(),
          truncatedBytes,
          reason: failure,
        },
        `truncating ${segment.log.path} at position ${position} (offset ${expectedOffset}): ${failure}`,
      );
    await segment.truncateToPosition(position);
  }
  await Promise.all([segment.offsetIndex.writePending(), segment.timeIndex.writePending()]);
  return { truncatedBytes, zeroTailBytes };
}

/** True when every byte of `file` in [from, to) is zero (read in SCAN_WINDOW_BYTES pieces). */
async function isZeroFrom(file: StorageFile, from: number, to: number): Promise<boolean> {
  const buffer = Buffer.allocUnsafe(Math.min(SCAN_WINDOW_BYTES, Math.max(0, to - from)));
  for (let at = from; at < to; ) {
    const piece = await readFullyInto(file, buffer, at, Math.min(buffer.length, to - at));
    if (piece.length === 0) return true;
    for (let index = 0; index < piece.length; index += 1) if (piece[index] !== 0) return false;
    at += piece.length;
  }
  return true;
}
