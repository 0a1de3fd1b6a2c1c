// The "consumer" protocol type's member metadata and assignments (KIP-429 versions), as JoinGroup/SyncGroup carry them.
import {
  ByteReader,
  ByteWriter,
  type ConsumerProtocolAssignment,
  type ConsumerProtocolSubscription,
  consumerProtocolAssignment,
  consumerProtocolSubscription,
  DecodeError,
} from '../protocol/index.js';

/** The subscription version written: v1 carries owned partitions (cooperative rebalancing), v2 the generation. */
export const SUBSCRIPTION_VERSION = 2;
export const ASSIGNMENT_VERSION = 0;

/** topic → partitions. */
export type TopicPartitionMap = ReadonlyMap<string, readonly number[]>;

export interface Subscription {
  readonly topics: readonly string[];
  readonly userData: Buffer | null;
  readonly ownedPartitions: TopicPartitionMap;
  readonly generationId: number;
  readonly rackId: string | null;
}

export interface Assignment {
  readonly partitions: TopicPartitionMap;
  readonly userData: Buffer | null;
}

function toMap(list: readonly { topic: string; partitions: number[] }[]): Map<string, number[]> {
  const map = new Map<string, number[]>();
  for (const entry of list) map.set(entry.topic, [...(map.get(entry.topic) ?? []), ...entry.partitions]);
  return map;
}

function toList(map: TopicPartitionMap): { topic: string; partitions: number[] }[] {
  return [...map]
    .filter(([, partitions]) => partitions.length > 0)
    .map(([topic, partitions]) => ({ topic, partitions: [...partitions].sort((a, b) => a - b) }));
}

/** Encodes member metadata: int16 version, then ConsumerProtocolSubscription at that version. */
export function encodeSubscription(subscription: Subscription, version = SUBSCRIPTION_VERSION): Buffer {
  const writer = new ByteWriter();
  writer.int16(version);
  const value: ConsumerProtocolSubscription = {
    topics: [...subscription.topics],
    userData: subscription.userData,
    ownedPartitions: version >= 1 ? toList(subscription.ownedPartitions) : [],
    generationId: version >= 2 ? subscription.generationId : -1,
    rackId: version >= 3 ? subscription.rackId : null,
  };
  consumerProtocolSubscription.encode(writer, version, value);
  return writer.toBuffer();
}

/**
 * Decodes member metadata of any version: a version newer than this build knows is read as the newest
 * known one, as Kafka's ConsumerProtocol does (newer versions only append fields). Throws DecodeError.
 */
export function decodeSubscription(bytes: Buffer): Subscription {
  const reader = new ByteReader(bytes);
  const version = reader.int16();
  if (version < 0) throw new DecodeError(`bad consumer subscription version ${version}`);
  const known = Math.min(version, consumerProtocolSubscription.validVersions.max);
  const value = consumerProtocolSubscription.decode(reader, known);
  return {
    topics: value.topics,
    userData: value.userData,
    ownedPartitions: toMap(value.ownedPartitions),
    generationId: value.generationId,
    rackId: value.rackId,
  };
}

export function encodeAssignment(assignment: Assignment, version = ASSIGNMENT_VERSION): Buffer {
  const writer = new ByteWriter();
  writer.int16(version);
  const value: ConsumerProtocolAssignment = {
    assignedPartitions: toList(assignment.partitions),
    userData: assignment.userData,
  };
  consumerProtocolAssignment.encode(writer, version, value);
  return writer.toBuffer();
}

/** Decodes a member assignment; an empty buffer (a member without partitions) is the empty assignment. */
export function decodeAssignment(bytes: Buffer): Assignment {
  if (bytes.length === 0) return { partitions: new Map(), userData: null };
  const reader = new ByteReader(bytes);
  const version = reader.int16();
  if (version < 0) throw new DecodeError(`bad consumer assignment version ${version}`);
  const known = Math.min(version, consumerProtocolAssignment.validVersions.max);
  const value = consumerProtocolAssignment.decode(reader, known);
  return { partitions: toMap(value.assignedPartitions), userData: value.userData };
}
