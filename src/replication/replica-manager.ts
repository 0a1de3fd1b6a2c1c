import { DelayedFetches } from './delayed-fetch.js';
import { type DeadlineTimer, DelayedProduces } from './delayed-produce.js';
import type { Partition } from './partition.js';

/**
 * The partitions this node hosts, by topic and partition id, and the delayed fetches waiting on
 * them. The server adds and removes partitions as metadata changes; handlers only look them up.
 */
export class ReplicaManager {
  /**
   * By topic, then partition id: a lookup per produced or fetched partition is two map reads of
   * strings and numbers it already has (no `${topic}-${partition}` key built and hashed each time).
   */
  private readonly partitions = new Map<string, Map<number, Partition>>();
  readonly delayedFetches: DelayedFetches;
  /** Produce requests waiting for acks (the produce purgatory's deadlines; the waits sit in each Partition). */
  readonly delayedProduces: DelayedProduces;

  private readonly persistLogStartOffsets: () => Promise<void>;

  /**
   * `persistLogStartOffsets` writes the log-start-offset checkpoint (the server's LogManager);
   * `produceTimer` is the produce purgatory's clock and timer (tests drive a virtual one).
   */
  constructor(
    options: {
      maxDelayedFetches?: number;
      persistLogStartOffsets?: () => Promise<void>;
      produceTimer?: DeadlineTimer;
    } = {},
  ) {
    this.delayedFetches = new DelayedFetches(options.maxDelayedFetches);
    this.delayedProduces = new DelayedProduces(options.produceTimer);
    this.persistLogStartOffsets = options.persistLogStartOffsets ?? (async () => {});
  }

  getPartition(topic: string, partition: number): Partition | undefined {
    return this.partitions.get(topic)?.get(partition);
  }

  /**
   * Hosts `partition`. A different Partition it replaces resigns (its waiting produces answer
   * NOT_LEADER_OR_FOLLOWER): the log's progress now reaches the new one only.
   */
  addPartition(partition: Partition): void {
    let byIndex = this.partitions.get(partition.topic);
    if (byIndex === undefined) {
      byIndex = new Map();
      this.partitions.set(partition.topic, byIndex);
    }
    const replaced = byIndex.get(partition.partition);
    byIndex.set(partition.partition, partition);
    if (replaced !== undefined && replaced !== partition) replaced.resign();
  }

  /** Stops hosting the partition: lookups miss it and fetches held on it answer at once. */
  removePartition(topic: string, partition: number): void {
    const byIndex = this.partitions.get(topic);
    if (byIndex === undefined) return;
    byIndex.get(partition)?.markRemoved();
    byIndex.delete(partition);
    if (byIndex.size === 0) this.partitions.delete(topic);
  }

  /**
   * DeleteRecords on a partition this node leads (single node: no follower low watermarks to wait
   * for). A moved log start offset is checkpointed before the answer, so a restart keeps it.
   */
  async deleteRecords(
    partition: Partition,
    offset: bigint,
  ): Promise<{ errorCode: number; lowWatermark: bigint }> {
    const before = partition.logStartOffset;
    const result = await partition.deleteRecordsBefore(offset);
    if (partition.logStartOffset !== before) await this.persistLogStartOffsets();
    return result;
  }

  /** Every hosted partition, in no particular order. */
  allPartitions(): Partition[] {
    const all: Partition[] = [];
    for (const byIndex of this.partitions.values())
      for (const partition of byIndex.values()) all.push(partition);
    return all;
  }

  /** Releases every waiting fetch; called first on shutdown so held requests answer at once. */
  close(): void {
    this.delayedFetches.close();
  }
}
