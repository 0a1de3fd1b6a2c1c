// Committed offsets per group, applied only after their records are durable (the facade calls `apply`).
import type { OffsetCommitKey, OffsetCommitValue } from '../../protocol/index.js';

export interface CommittedOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly leaderEpoch: number;
  readonly metadata: string;
  readonly commitTimestampMs: number;
  /** Set by OffsetCommit v1-v4 with an explicit retention; null means offsets.retention.minutes applies. */
  readonly expireTimestampMs: number | null;
}

export function offsetKey(topic: string, partition: number): string {
  return `${partition}\u0000${topic}`;
}

/** One group's offsets: topic → partition → offset, with their count. */
interface GroupOffsets {
  readonly byTopic: Map<string, Map<number, CommittedOffset>>;
  size: number;
}

/**
 * Map from group id to its committed offsets; tombstones delete. Nested by topic and partition rather
 * than keyed by a built string: a pipelined committer looks up and replaces an offset per commit, and
 * building a key string each time was a visible share of OffsetCommit's CPU and garbage.
 */
export class OffsetStore {
  readonly #groups = new Map<string, GroupOffsets>();

  get(groupId: string, topic: string, partition: number): CommittedOffset | undefined {
    return this.#groups.get(groupId)?.byTopic.get(topic)?.get(partition);
  }

  /** The group's offsets in topic, partition order. */
  list(groupId: string): CommittedOffset[] {
    const group = this.#groups.get(groupId);
    if (group === undefined) return [];
    const offsets: CommittedOffset[] = [];
    for (const partitions of group.byTopic.values())
      for (const offset of partitions.values()) offsets.push(offset);
    return offsets.sort((a, b) =>
      a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition,
    );
  }

  count(groupId: string): number {
    return this.#groups.get(groupId)?.size ?? 0;
  }

  hasGroup(groupId: string): boolean {
    return this.count(groupId) > 0;
  }

  groupIds(): string[] {
    return [...this.#groups.keys()];
  }

  put(groupId: string, offset: CommittedOffset): void {
    let group = this.#groups.get(groupId);
    if (group === undefined) {
      group = { byTopic: new Map(), size: 0 };
      this.#groups.set(groupId, group);
    }
    let partitions = group.byTopic.get(offset.topic);
    if (partitions === undefined) {
      partitions = new Map();
      group.byTopic.set(offset.topic, partitions);
    }
    const before = partitions.size;
    partitions.set(offset.partition, offset);
    group.size += partitions.size - before;
  }

  delete(groupId: string, topic: string, partition: number): void {
    const group = this.#groups.get(groupId);
    const partitions = group?.byTopic.get(topic);
    if (group === undefined || partitions === undefined || !partitions.delete(partition)) return;
    group.size -= 1;
    if (partitions.size === 0) group.byTopic.delete(topic);
    if (group.size === 0) this.#groups.delete(groupId);
  }

  deleteGroup(groupId: string): void {
    this.#groups.delete(groupId);
  }
}

export function offsetFromRecord(key: OffsetCommitKey, value: OffsetCommitValue): CommittedOffset {
  return {
    topic: key.topic,
    partition: key.partition,
    offset: value.offset,
    leaderEpoch: value.leaderEpoch,
    metadata: value.metadata,
    commitTimestampMs: Number(value.commitTimestamp),
    expireTimestampMs: value.expireTimestamp >= 0n ? Number(value.expireTimestamp) : null,
  };
}
