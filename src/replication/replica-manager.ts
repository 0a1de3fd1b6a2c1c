import { DelayedFetches } from './delayed-fetch.js';
import type { Partition } from './partition.js';

/**
 * The partitions this node hosts, by topic and partition id, and the delayed fetches waiting on
 * them. The server adds and removes partitions as metadata changes; handlers only look them up.
 */
export class ReplicaManager {
  private readonly partitions = new Map<string, Partition>();
  readonly delayedFetches: DelayedFetches;

  constructor(options: { maxDelayedFetches?: number } = {}) {
    this.delayedFetches = new DelayedFetches(options.maxDelayedFetches);
  }

  getPartition(topic: string, partition: number): Partition | undefined {
    return this.partitions.get(`${topic}-${partition}`);
  }

  addPartition(partition: Partition): void {
    this.partitions.set(`${partition.topic}-${partition.partition}`, partition);
  }

  removePartition(topic: string, partition: number): void {
    this.partitions.delete(`${topic}-${partition}`);
  }

  /** Releases every waiting fetch; called first on shutdown so held requests answer at once. */
  close(): void {
    this.delayedFetches.close();
  }
}
