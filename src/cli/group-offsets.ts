// The arithmetic of `pyralog group describe` and `group reset-offsets`, as kafka-consumer-groups.sh
// does it: per-partition lag from committed and log end offsets, and reset targets clamped to the log.
import type { ConsumerGroupDescription, TopicPartition } from '../client/index.js';
import { PyralogError } from '../protocol/index.js';

export interface PartitionLag extends TopicPartition {
  /** The group's committed offset; null when it committed none for the partition. */
  readonly currentOffset: bigint | null;
  /** Null when the partition's log end offset could not be read. */
  readonly logEndOffset: bigint | null;
  /** logEndOffset - currentOffset, never below 0; null when either is unknown. */
  readonly lag: bigint | null;
  /** The member that owns the partition now, null when none does. */
  readonly memberId: string | null;
  readonly clientId: string | null;
  readonly host: string | null;
}

const key = (topic: string, partition: number): string => `${partition}:${topic}`;

function byTopicPartition(a: TopicPartition, b: TopicPartition): number {
  if (a.topic !== b.topic) return a.topic < b.topic ? -1 : 1;
  return a.partition - b.partition;
}

/** The partitions of the group worth a row: those its members own and those it committed, sorted. */
export function groupPartitions(
  group: ConsumerGroupDescription,
  committed: ReadonlyMap<string, ReadonlyMap<number, bigint>>,
): TopicPartition[] {
  const seen = new Map<string, TopicPartition>();
  const add = (topic: string, partition: number) => seen.set(key(topic, partition), { topic, partition });
  for (const member of group.members) {
    for (const [topic, partitions] of member.assignment) for (const p of partitions) add(topic, p);
  }
  for (const [topic, partitions] of committed) for (const p of partitions.keys()) add(topic, p);
  return [...seen.values()].sort(byTopicPartition);
}

/**
 * One row per partition of the group: committed offset, log end offset, lag and owner, like
 * `kafka-consumer-groups.sh --describe`. `committed` holds only partitions with an offset (>= 0).
 */
export function partitionLags(
  group: ConsumerGroupDescription,
  committed: ReadonlyMap<string, ReadonlyMap<number, bigint>>,
  logEndOffsets: ReadonlyMap<string, ReadonlyMap<number, bigint>>,
): PartitionLag[] {
  const owners = new Map<string, ConsumerGroupDescription['members'][number]>();
  for (const member of group.members) {
    for (const [topic, partitions] of member.assignment)
      for (const p of partitions) owners.set(key(topic, p), member);
  }
  return groupPartitions(group, committed).map(({ topic, partition }) => {
    const currentOffset = committed.get(topic)?.get(partition) ?? null;
    const logEndOffset = logEndOffsets.get(topic)?.get(partition) ?? null;
    const owner = owners.get(key(topic, partition));
    const lag =
      currentOffset === null || logEndOffset === null
        ? null
        : logEndOffset > currentOffset
          ? logEndOffset - currentOffset
          : 0n;
    return {
      topic,
      partition,
      currentOffset,
      logEndOffset,
      lag,
      memberId: owner?.memberId ?? null,
      clientId: owner?.clientId ?? null,
      host: owner?.clientHost ?? null,
    };
  });
}

/** Where reset-offsets moves a group (one of kafka-consumer-groups.sh's reset scenarios). */
export type ResetTarget =
  | { readonly kind: 'earliest' }
  | { readonly kind: 'latest' }
  | { readonly kind: 'datetime'; readonly timestampMs: number }
  | { readonly kind: 'offset'; readonly offset: bigint }
  | { readonly kind: 'shiftBy'; readonly delta: bigint };

/** What is known of one partition when planning its reset. */
export interface PartitionBounds extends TopicPartition {
  readonly currentOffset: bigint | null;
  readonly earliest: bigint;
  readonly latest: bigint;
  /** For a datetime target: the first offset at or after the time, -1n when there is none. */
  readonly atTimestamp?: bigint;
}

export interface PlannedOffset extends TopicPartition {
  readonly currentOffset: bigint | null;
  readonly newOffset: bigint;
}

/** A shift of a partition the group never committed: Kafka's tool refuses it too. */
export class NoCommittedOffsetError extends PyralogError {
  readonly code = 'NO_COMMITTED_OFFSET';
  constructor(readonly partition: TopicPartition) {
    super(`cannot shift ${partition.topic}-${partition.partition}: the group has no committed offset for it`);
  }
}

/**
 * The new offset of each partition. As Kafka's tool does, --to-offset and --shift-by are clamped
 * into [earliest, latest], and a time after the last record moves to the log end.
 */
export function planReset(target: ResetTarget, partitions: readonly PartitionBounds[]): PlannedOffset[] {
  return partitions.map((p) => {
    const clamp = (offset: bigint) =>
      offset < p.earliest ? p.earliest : offset > p.latest ? p.latest : offset;
    let newOffset: bigint;
    switch (target.kind) {
      case 'earliest':
        newOffset = p.earliest;
        break;
      case 'latest':
        newOffset = p.latest;
        break;
      case 'datetime':
        newOffset = p.atTimestamp === undefined || p.atTimestamp < 0n ? p.latest : clamp(p.atTimestamp);
        break;
      case 'offset':
        newOffset = clamp(target.offset);
        break;
      case 'shiftBy':
        if (p.currentOffset === null) throw new NoCommittedOffsetError(p);
        newOffset = clamp(p.currentOffset + target.delta);
        break;
      default: {
        const unknown: never = target;
        throw new Error(`unknown reset target ${JSON.stringify(unknown)}`);
      }
    }
    return { topic: p.topic, partition: p.partition, currentOffset: p.currentOffset, newOffset };
  });
}

/** Offsets per topic and partition, from a flat list. */
export function offsetMap(
  entries: readonly (TopicPartition & { offset: bigint })[],
): Map<string, Map<number, bigint>> {
  const map = new Map<string, Map<number, bigint>>();
  for (const { topic, partition, offset } of entries) {
    const partitions = map.get(topic) ?? new Map<number, bigint>();
    partitions.set(partition, offset);
    map.set(topic, partitions);
  }
  return map;
}
