import type { LogConfig } from './topic-config.js';

/** What retention needs to know of a segment, oldest first. */
export interface SegmentFacts {
  readonly baseOffset: bigint;
  readonly sizeInBytes: number;
  /** Largest record timestamp, or -1 when it has none (then `rollingBaseMs` stands in). */
  readonly maxTimestamp: bigint;
  readonly rollingBaseMs: number;
}

export type RetentionReason = 'retention.ms' | 'retention.bytes' | 'logStartOffset';

export interface RetentionDecision {
  /** How many of the oldest segments to delete (possibly every one, the active segment included). */
  readonly count: number;
  readonly reason: RetentionReason | undefined;
}

/**
 * Kafka's three deletion rules (UnifiedLog.deleteOldSegments), each deleting a prefix of the oldest
 * segments: wholly below the log start offset (always, also for compacted topics, as DeleteRecords
 * needs); older than `retention.ms` by their largest timestamp; beyond `retention.bytes` in total
 * size. The last two apply only with `cleanup.policy` containing `delete`. An empty active segment
 * never counts, but an empty older one (compaction can empty a segment) is deleted like any other
 * instead of stopping the prefix. The caller rolls first when the active segment itself is to go.
 */
export function selectSegmentsToDelete(
  segments: readonly SegmentFacts[],
  config: Pick<LogConfig, 'retentionMs' | 'retentionBytes' | 'cleanupPolicy'>,
  nowMs: number,
  logStartOffset: bigint,
): RetentionDecision {
  const belowStart = countWhile(segments, (_, index) => {
    const next = segments[index + 1];
    return next !== undefined && next.baseOffset <= logStartOffset;
  });
  if (belowStart > 0) return { count: belowStart, reason: 'logStartOffset' };
  if (!config.cleanupPolicy.includes('delete')) return { count: 0, reason: undefined };
  const isEmptyActive = (segment: SegmentFacts, index: number): boolean =>
    segment.sizeInBytes === 0 && index === segments.length - 1;
  if (config.retentionMs >= 0) {
    const expired = countWhile(
      segments,
      (segment, index) =>
        !isEmptyActive(segment, index) &&
        nowMs - Number(segment.maxTimestamp >= 0n ? segment.maxTimestamp : BigInt(segment.rollingBaseMs)) >
          config.retentionMs,
    );
    if (expired > 0) return { count: expired, reason: 'retention.ms' };
  }
  if (config.retentionBytes >= 0) {
    let excess = segments.reduce((total, segment) => total + segment.sizeInBytes, 0) - config.retentionBytes;
    const overSize = countWhile(segments, (segment, index) => {
      if (isEmptyActive(segment, index) || excess - segment.sizeInBytes < 0) return false;
      excess -= segment.sizeInBytes;
      return true;
    });
    if (overSize > 0) return { count: overSize, reason: 'retention.bytes' };
  }
  return { count: 0, reason: undefined };
}

function countWhile<T>(items: readonly T[], keep: (item: T, index: number) => boolean): number {
  let count = 0;
  while (count < items.length && keep(items[count]!, count)) count += 1;
  return count;
}
