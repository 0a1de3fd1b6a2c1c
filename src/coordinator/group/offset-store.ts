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

/** Map from group id to its committed offsets; tombstones delete. */
export class OffsetStore {
  readonly #groups = new Map<string, Map<string, CommittedOffset>>();

  get(groupId: string, topic: string, partition: number): CommittedOffset | undefined {
    return this.#groups.get(groupId)?.get(offsetKey(topic, partition));
  }

  /** The group's offsets in topic, partition order. */
  list(groupId: string): CommittedOffset[] {
    const offsets = [...(this.#groups.get(groupId)?.values() ?? [])];
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
    let offsets = this.#groups.get(groupId);
    if (offsets === undefined) {
      offsets = new Map();
      this.#groups.set(groupId, offsets);
    }
    offsets.set(offsetKey(offset.topic, offset.partition), offset);
  }

  delete(groupId: string, topic: string, partition: number): void {
    const offsets = this.#groups.get(groupId);
    if (offsets === undefined) return;
    offsets.delete(offsetKey(topic, partition));
    if (offsets.size === 0) this.#groups.delete(groupId);
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
