import { CorruptRecordError, type RecordBatchView } from '../protocol/index.js';
import { scanBatches } from './batch-scanner.js';
import { type LogSegment, MAX_RELATIVE_OFFSET } from './segment.js';
import type { StorageLogger } from './storage-logger.js';

export interface SegmentRecovery {
  /** Bytes cut from the end of the `.log` (0 when every batch was valid). */
  readonly truncatedBytes: number;
}

/**
 * Rebuilds a segment's indexes from its `.log`, validating every batch: the size bounds and magic
 * (RecordBatchView.at), the CRC-32C and header fields (validate), and that offsets only go forward
 * and fit the segment's relative index. At the first batch that fails, the `.log` is cut there:
 * lost or torn bytes then never yield a batch, since any surviving batch passed its CRC and kept
 * the offset order. `onBatch` sees each valid batch in order (the leader-epoch cache rebuild).
 * One warning names the file, position and offset of a cut.
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
  if (failure !== undefined) {
    truncatedBytes = segment.size - position;
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
  return { truncatedBytes };
}
