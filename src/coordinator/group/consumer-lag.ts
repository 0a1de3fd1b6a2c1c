// Consumer lag for the admin side: committed offset vs log end offset, per partition.
import type { OffsetStore } from './offset-store.js';

export interface PartitionLag {
  readonly topic: string;
  readonly partition: number;
  /** -1 when the group has no commit for the partition. */
  readonly committedOffset: bigint;
  readonly logEndOffset: bigint;
  /** logEndOffset - committedOffset, never negative; null without a commit (lag is undefined then). */
  readonly lag: bigint | null;
}

export function partitionLag(committedOffset: bigint | undefined, logEndOffset: bigint): bigint | null {
  if (committedOffset === undefined || committedOffset < 0n) return null;
  const lag = logEndOffset - committedOffset;
  return lag > 0n ? lag : 0n;
}

/** Lag of `groupId` for each partition whose log end offset the caller supplies ("topic" → offsets by partition). */
export function groupLag(
  store: OffsetStore,
  groupId: string,
  logEndOffsets: ReadonlyMap<string, readonly bigint[]>,
): PartitionLag[] {
  const result: PartitionLag[] = [];
  for (const [topic, ends] of logEndOffsets) {
    ends.forEach((logEndOffset, partition) => {
      const committed = store.get(groupId, topic, partition)?.offset;
      result.push({
        topic,
        partition,
        committedOffset: committed ?? -1n,
        logEndOffset,
        lag: partitionLag(committed, logEndOffset),
      });
    });
  }
  return result;
}
