import { DelayedFetches } from './delayed-fetch.js';
import { type DeadlineTimer, DelayedProduces } from './delayed-produce.js';
import type { Partition } from './partition.js';

/**
 * The partitions this node hosts, by topic and partition id, and the delayed fetches waiting on
 * them. The server adds and removes partitions as metadata changes; handlers only look them up.
 */
export class ReplicaManager {
  private readonly partitions = new Map<string, Partition>();
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
    return this.partitions.get(`${topic}-${partition}`);
  }

  /**
   * Hosts `partition`. A different Partition it replaces resigns (its waiting produces answer
   * NOT_LEADER_OR_FOLLOWER): the log's progress now reaches the new one only.
   */
  addPartition(partition: Partition): void {
    const key = `${partition.topic}-${partition.partition}`;
    const replaced = this.partitions.get(key);
    this.partitions.set(key, partition);
    if (replaced !== undefined && replaced !== partition) replaced.resign();
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
