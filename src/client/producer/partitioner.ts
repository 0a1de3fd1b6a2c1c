// The default partitioner: murmur2 for keyed records, KIP-480 sticky partitions for records without a key.
import { partitionForKey } from './murmur2.js';

/** What the partitioner knows of a topic: its partition count and the partitions that have a leader. */
export interface TopicPartitioning {
  readonly partitionCount: number;
  /** Partitions with a live leader, ascending; may be empty while leaders are elected. */
  readonly availablePartitions: readonly number[];
}

/**
 * Kafka's default partitioning (Java 2.4+ DefaultPartitioner with KIP-480). A keyed record goes to
 * toPositive(murmur2(key)) % partitionCount, whether or not that partition has a leader, so that a key
 * keeps its partition. A record without key goes to the topic's sticky partition, chosen at random among
 * available partitions, which changes (`onNewBatch`) whenever a record would open a new batch on it: batches
 * fill up instead of one record per partition, and partitions even out over time. `random` returns [0, 1).
 */
export class DefaultPartitioner {
  private readonly sticky = new Map<string, number>();

  constructor(private readonly random: () => number = Math.random) {}

  partition(topic: string, key: Buffer | null, partitioning: TopicPartitioning): number {
    if (key !== null) return partitionForKey(key, partitioning.partitionCount);
    const current = this.sticky.get(topic);
    if (current !== undefined && current < partitioning.partitionCount) return current;
    return this.chooseSticky(topic, partitioning, -1);
  }

  /**
   * A record for `previous`, the sticky partition, is about to open a new batch: pick another sticky
   * partition (different from `previous` when there is a choice). No-op when `previous` is not sticky.
   */
  onNewBatch(topic: string, previous: number, partitioning: TopicPartitioning): void {
    const current = this.sticky.get(topic);
    if (current === undefined || current === previous) this.chooseSticky(topic, partitioning, previous);
  }

  private chooseSticky(topic: string, partitioning: TopicPartitioning, previous: number): number {
    const candidates =
      partitioning.availablePartitions.length > 0
        ? partitioning.availablePartitions
        : Array.from({ length: partitioning.partitionCount }, (_, i) => i);
    const others = candidates.length > 1 ? candidates.filter((p) => p !== previous) : candidates;
    const chosen = others[Math.floor(this.random() * others.length)] ?? 0;
    this.sticky.set(topic, chosen);
    return chosen;
  }
}
