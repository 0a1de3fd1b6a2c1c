// GroupRecord ↔ the key and value bytes of a __consumer_offsets record (Kafka's framing: an int16 version before each).
import {
  ByteReader,
  ByteWriter,
  decodeGroupMetadataKey,
  decodeGroupMetadataValue,
  decodeOffsetCommitKey,
  decodeOffsetCommitValue,
  encodeGroupMetadataKey,
  encodeGroupMetadataValue,
  encodeOffsetCommitKey,
  encodeOffsetCommitValue,
  PyralogError,
} from '../../protocol/index.js';
import type { EncodedRecord } from '../internal-topic-log.js';
import type { GroupRecord } from './group-store-records.js';

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
export function encodeGroupRecord(record: GroupRecord): EncodedGroupRecord {
  const key = new ByteWriter(64).int16(record.keyVersion);
  let value: ByteWriter | null = null;
  if (record.kind === 'offsetCommit') {
    encodeOffsetCommitKey(key, record.keyVersion, record.key);
    if (record.value !== null) {
      value = new ByteWriter(64).int16(record.valueVersion);
      encodeOffsetCommitValue(value, record.valueVersion, record.value);
    }
  } else {
    encodeGroupMetadataKey(key, record.keyVersion, record.key);
    if (record.value !== null) {
      value = new ByteWriter(256).int16(record.valueVersion);
      encodeGroupMetadataValue(value, record.valueVersion, record.value);
    }
  }
  return { key: key.toBuffer(), value: value?.toBuffer() ?? null };
}

/**
 * The record a key and value hold, or null for a record type this coordinator does not replay (KIP-848
 * and share-group records are not persisted yet). Throws CorruptGroupRecordError for bytes that do not decode.
 */
export function decodeGroupRecord(key: Buffer, value: Buffer | null): GroupRecord | null {
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
    return null;
  } catch (error: unknown) {
    throw new CorruptGroupRecordError('a __consumer_offsets record does not decode', { cause: error });
  }
}
