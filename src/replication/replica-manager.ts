import { DelayedFetches } from './delayed-fetch.js';
import type { Partition } from './partition.js';

/**
 * The partitions this node hosts, by topic and partition id, and the delayed fetches waiting on
 * them. The server adds and removes partitions as metadata changes; handlers only look them up.
 */
export class ReplicaManager {
  private readonly partitions = new Map<string, Partition>();
  readonly delayedFetches: DelayedFetches;

  private readonly persistLogStartOffsets: () => Promise<void>;

  /** `persistLogStartOffsets` writes the log-start-offset checkpoint (the server's LogManager). */
  constructor(options: { maxDelayedFetches?: number; persistLogStartOffsets?: () => Promise<void> } = {}) {
    this.delayedFetches = new DelayedFetches(options.maxDelayedFetches);
    this.persistLogStartOffsets = options.persistLogStartOffsets ?? (async () => {});
  }

  getPartition(topic: string, partition: number): Partition | undefined {
    return this.partitions.get(`${topic}-${partition}`);
  }

  addPartition(partition: Partition): void {
    this.partitions.set(`${partition.topic}-${partition.partition}`, partition);
  }

  /** Stops hosting the partition: lookups miss it and fetches held on it answer at once. */
  removePartition(topic: string, partition: number): void {
    const key = `${topic}-${partition}`;
    this.partitions.get(key)?.markRemoved();
    this.partitions.delete(key);
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
    return [...this.partitions.values()];
  }

  /** Releases every waiting fetch; called first on shutdown so held requests answer at once. */
  close(): void {
    this.delayedFetches.close();
  }
}
