// GroupRecord ↔ the key and value bytes of a __consumer_offsets record (Kafka's framing: an int16 version before each).
import {
  ByteReader,
  ByteWriter,
  decodeConsumerGroupCurrentMemberAssignmentKey,
  decodeConsumerGroupCurrentMemberAssignmentValue,
  decodeConsumerGroupMemberMetadataKey,
  decodeConsumerGroupMemberMetadataValue,
  decodeConsumerGroupMetadataKey,
  decodeConsumerGroupMetadataValue,
  decodeConsumerGroupPartitionMetadataKey,
  decodeConsumerGroupPartitionMetadataValue,
  decodeConsumerGroupTargetAssignmentMemberKey,
  decodeConsumerGroupTargetAssignmentMemberValue,
  decodeConsumerGroupTargetAssignmentMetadataKey,
  decodeConsumerGroupTargetAssignmentMetadataValue,
  decodeGroupMetadataKey,
  decodeGroupMetadataValue,
  decodeOffsetCommitKey,
  decodeOffsetCommitValue,
  encodeConsumerGroupCurrentMemberAssignmentKey,
  encodeConsumerGroupCurrentMemberAssignmentValue,
  encodeConsumerGroupMemberMetadataKey,
  encodeConsumerGroupMemberMetadataValue,
  encodeConsumerGroupMetadataKey,
  encodeConsumerGroupMetadataValue,
  encodeConsumerGroupPartitionMetadataKey,
  encodeConsumerGroupPartitionMetadataValue,
  encodeConsumerGroupTargetAssignmentMemberKey,
  encodeConsumerGroupTargetAssignmentMemberValue,
  encodeConsumerGroupTargetAssignmentMetadataKey,
  encodeConsumerGroupTargetAssignmentMetadataValue,
  encodeGroupMetadataKey,
  encodeGroupMetadataValue,
  encodeOffsetCommitKey,
  encodeOffsetCommitValue,
  type OffsetCommitKey,
  PyralogError,
} from '../../protocol/index.js';
import type { EncodedRecord } from '../internal-topic-log.js';
import type { ConsumerGroupRecord } from './consumer-group/consumer-group-records.js';
import type { GroupRecord } from './group-store-records.js';

/** Any record this coordinator writes to __consumer_offsets: classic groups and offsets, KIP-848 groups. */
export type StoredGroupRecord = GroupRecord | ConsumerGroupRecord;

/** The group a record belongs to (it picks the __consumer_offsets partition). */
export function storedRecordGroupId(record: StoredGroupRecord): string {
  return record.kind === 'groupMetadata' || record.kind === 'offsetCommit'
    ? record.key.group
    : record.groupId;
}

/** A record of __consumer_offsets that cannot be read: the coordinator must not start from a partial state. */
export class CorruptGroupRecordError extends PyralogError {
  readonly code = 'CORRUPT_GROUP_RECORD';
}

/** The bytes of one __consumer_offsets record; a null value is a tombstone. */
export type EncodedGroupRecord = EncodedRecord;

/**
 * The key starts with its version, which is the record type (0/1 offset commit, 2 group metadata,
 * 3+ KIP-848 records); the value starts with its own schema version.
 */
export function encodeGroupRecord(
  record: StoredGroupRecord,
  keys?: OffsetCommitKeyCache,
): EncodedGroupRecord {
  if (record.kind !== 'groupMetadata' && record.kind !== 'offsetCommit')
    return encodeConsumerGroupRecord(record);
  if (record.kind === 'offsetCommit') {
    let value: Buffer | null = null;
    if (record.value !== null) {
      const writer = new ByteWriter(64).int16(record.valueVersion);
      encodeOffsetCommitValue(writer, record.valueVersion, record.value);
      value = writer.toBuffer();
    }
    const key = keys?.get(record.keyVersion, record.key) ?? encodeOffsetKey(record.keyVersion, record.key);
    return { key, value };
  }
  const key = new ByteWriter(64).int16(record.keyVersion);
  encodeGroupMetadataKey(key, record.keyVersion, record.key);
  let value: ByteWriter | null = null;
  if (record.value !== null) {
    value = new ByteWriter(256).int16(record.valueVersion);
    encodeGroupMetadataValue(value, record.valueVersion, record.value);
  }
  return { key: key.toBuffer(), value: value?.toBuffer() ?? null };
}

function encodeOffsetKey(keyVersion: number, key: OffsetCommitKey): Buffer {
  const writer = new ByteWriter(64).int16(keyVersion);
  encodeOffsetCommitKey(writer, keyVersion, key);
  return writer.toBuffer();
}

/** Entries an OffsetCommitKeyCache holds before it starts again empty. */
export const OFFSET_KEY_CACHE_ENTRIES = 100_000;

/**
 * Encoded offset commit keys by group, topic and partition (key version 1, the one this coordinator
 * writes): a committer writes the same keys on every commit, and encoding the group and topic strings
 * each time was a visible share of a pipelined OffsetCommit's CPU. Bounded: past `maxEntries` it is
 * cleared. The buffers are shared, so nobody may modify an encoded record's key.
 */
export class OffsetCommitKeyCache {
  readonly #groups = new Map<string, Map<string, Buffer[]>>();
  #size = 0;

  constructor(private readonly maxEntries = OFFSET_KEY_CACHE_ENTRIES) {}

  /** The encoded key (from the cache when it holds it). */
  get(keyVersion: number, key: OffsetCommitKey): Buffer {
    if (keyVersion !== 1 || key.partition < 0 || key.partition > 0xffff)
      return encodeOffsetKey(keyVersion, key);
    const cached = this.#path(key.group, key.topic)[key.partition];
    if (cached !== undefined) return cached;
    const encoded = encodeOffsetKey(keyVersion, key);
    if (this.#size >= this.maxEntries) this.clear();
    this.#path(key.group, key.topic)[key.partition] = encoded;
    this.#size += 1;
    return encoded;
  }

  get size(): number {
    return this.#size;
  }

  clear(): void {
    this.#groups.clear();
    this.#size = 0;
  }

  #path(group: string, topic: string): Buffer[] {
    let topics = this.#groups.get(group);
    if (topics === undefined) {
      topics = new Map();
      this.#groups.set(group, topics);
    }
    let partitions = topics.get(topic);
    if (partitions === undefined) {
      partitions = [];
      topics.set(topic, partitions);
    }
    return partitions;
  }
}

/**
 * The record a key and value hold, or null for a record type this coordinator does not replay (share
 * groups). Throws CorruptGroupRecordError for bytes that do not decode.
 */
export function decodeGroupRecord(key: Buffer, value: Buffer | null): StoredGroupRecord | null {
  try {
    const keyReader = new ByteReader(key);
    const recordType = keyReader.int16();
    if (recordType === 0 || recordType === 1) {
      const decodedKey = decodeOffsetCommitKey(keyReader, recordType);
      if (value === null)
        return { kind: 'offsetCommit', keyVersion: 1, key: decodedKey, valueVersion: 3, value: null };
      const valueReader = new ByteReader(value);
      const valueVersion = valueReader.int16();
      return {
        kind: 'offsetCommit',
        keyVersion: 1,
        key: decodedKey,
        valueVersion: valueVersion === 1 ? 1 : 3,
        value: decodeOffsetCommitValue(valueReader, valueVersion),
      };
    }
    if (recordType === 2) {
      const decodedKey = decodeGroupMetadataKey(keyReader, recordType);
      if (value === null)
        return { kind: 'groupMetadata', keyVersion: 2, key: decodedKey, valueVersion: 3, value: null };
      const valueReader = new ByteReader(value);
      const valueVersion = valueReader.int16();
      return {
        kind: 'groupMetadata',
        keyVersion: 2,
        key: decodedKey,
        valueVersion: 3,
        value: decodeGroupMetadataValue(valueReader, valueVersion),
      };
    }
    return decodeConsumerGroupRecord(recordType, keyReader, value);
  } catch (error: unknown) {
    throw new CorruptGroupRecordError('a __consumer_offsets record does not decode', { cause: error });
  }
}

/** Key version (= record type) of each KIP-848 record, as in Kafka's group-coordinator schemas. */
const CONSUMER_RECORD_TYPE = {
  consumerGroupMetadata: 3,
  consumerGroupPartitionMetadata: 4,
  consumerGroupMemberMetadata: 5,
  consumerGroupTargetAssignmentMetadata: 6,
  consumerGroupTargetAssignmentMember: 7,
  consumerGroupCurrentMemberAssignment: 8,
} as const;

function encodeConsumerGroupRecord(record: ConsumerGroupRecord): EncodedGroupRecord {
  const type = CONSUMER_RECORD_TYPE[record.kind];
  const key = new ByteWriter(64).int16(type);
  const value = record.value === null ? null : new ByteWriter(128).int16(0);
  switch (record.kind) {
    case 'consumerGroupMetadata':
      encodeConsumerGroupMetadataKey(key, type, { groupId: record.groupId });
      if (value !== null && record.value !== null) encodeConsumerGroupMetadataValue(value, 0, record.value);
      break;
    case 'consumerGroupPartitionMetadata':
      encodeConsumerGroupPartitionMetadataKey(key, type, { groupId: record.groupId });
      if (value !== null && record.value !== null)
        encodeConsumerGroupPartitionMetadataValue(value, 0, record.value);
      break;
    case 'consumerGroupMemberMetadata':
      encodeConsumerGroupMemberMetadataKey(key, type, { groupId: record.groupId, memberId: record.memberId });
      if (value !== null && record.value !== null)
        encodeConsumerGroupMemberMetadataValue(value, 0, record.value);
      break;
    case 'consumerGroupTargetAssignmentMetadata':
      encodeConsumerGroupTargetAssignmentMetadataKey(key, type, { groupId: record.groupId });
      if (value !== null && record.value !== null)
        encodeConsumerGroupTargetAssignmentMetadataValue(value, 0, record.value);
      break;
    case 'consumerGroupTargetAssignmentMember':
      encodeConsumerGroupTargetAssignmentMemberKey(key, type, {
        groupId: record.groupId,
        memberId: record.memberId,
      });
      if (value !== null && record.value !== null)
        encodeConsumerGroupTargetAssignmentMemberValue(value, 0, record.value);
      break;
    case 'consumerGroupCurrentMemberAssignment':
      encodeConsumerGroupCurrentMemberAssignmentKey(key, type, {
        groupId: record.groupId,
        memberId: record.memberId,
      });
      if (value !== null && record.value !== null)
        encodeConsumerGroupCurrentMemberAssignmentValue(value, 0, record.value);
      break;
  }
  return { key: key.toBuffer(), value: value?.toBuffer() ?? null };
}

/** A value's reader past its int16 version (Kafka writes every KIP-848 value at v0). */
function valueReader(value: Buffer): ByteReader {
  const reader = new ByteReader(value);
  reader.int16();
  return reader;
}

function decodeConsumerGroupRecord(
  type: number,
  keyReader: ByteReader,
  value: Buffer | null,
): ConsumerGroupRecord | null {
  switch (type) {
    case 3: {
      const { groupId } = decodeConsumerGroupMetadataKey(keyReader, type);
      const decoded = value === null ? null : decodeConsumerGroupMetadataValue(valueReader(value), 0);
      return { kind: 'consumerGroupMetadata', groupId, value: decoded };
    }
    case 4: {
      const { groupId } = decodeConsumerGroupPartitionMetadataKey(keyReader, type);
      const decoded =
        value === null ? null : decodeConsumerGroupPartitionMetadataValue(valueReader(value), 0);
      return { kind: 'consumerGroupPartitionMetadata', groupId, value: decoded };
    }
    case 5: {
      const { groupId, memberId } = decodeConsumerGroupMemberMetadataKey(keyReader, type);
      const decoded = value === null ? null : decodeConsumerGroupMemberMetadataValue(valueReader(value), 0);
      return { kind: 'consumerGroupMemberMetadata', groupId, memberId, value: decoded };
    }
    case 6: {
      const { groupId } = decodeConsumerGroupTargetAssignmentMetadataKey(keyReader, type);
      const decoded =
        value === null ? null : decodeConsumerGroupTargetAssignmentMetadataValue(valueReader(value), 0);
      return { kind: 'consumerGroupTargetAssignmentMetadata', groupId, value: decoded };
    }
    case 7: {
      const { groupId, memberId } = decodeConsumerGroupTargetAssignmentMemberKey(keyReader, type);
      const decoded =
        value === null ? null : decodeConsumerGroupTargetAssignmentMemberValue(valueReader(value), 0);
      return { kind: 'consumerGroupTargetAssignmentMember', groupId, memberId, value: decoded };
    }
    case 8: {
      const { groupId, memberId } = decodeConsumerGroupCurrentMemberAssignmentKey(keyReader, type);
      const decoded =
        value === null ? null : decodeConsumerGroupCurrentMemberAssignmentValue(valueReader(value), 0);
      return { kind: 'consumerGroupCurrentMemberAssignment', groupId, memberId, value: decoded };
    }
    default:
      return null;
  }
}
