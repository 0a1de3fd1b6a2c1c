import { crc32c } from '@node-rs/crc32';
import { decrementSequence, type ProducerStateEntry } from './producer-state.js';
import { CorruptStorageFileError } from './storage-errors.js';

/** Kafka's producer-state snapshot file suffix: `<20-digit offset>.snapshot`. */
export const SNAPSHOT_SUFFIX = '.snapshot';
export const SNAPSHOT_FILE = /^(\d{20})\.snapshot$/;

/** Kafka's snapshot schema version 1. */
const SNAPSHOT_VERSION = 1;
const VERSION_BYTES = 2;
const CRC_BYTES = 4;
const ENTRIES_OFFSET = VERSION_BYTES + CRC_BYTES;
/** ProducerId int64, Epoch int16, LastSequence int32, LastOffset int64, OffsetDelta int32, Timestamp int64, CoordinatorEpoch int32, CurrentTxnFirstOffset int64. */
const ENTRY_BYTES = 8 + 2 + 4 + 8 + 4 + 8 + 4 + 8;

export function snapshotFileName(offset: bigint): string {
  return `${offset.toString().padStart(20, '0')}${SNAPSHOT_SUFFIX}`;
}

/**
 * Encodes Kafka's producer snapshot (version 1): int16 version, uint32 CRC-32C of everything after
 * it, then an int32-counted array of entries. Like Kafka, an entry keeps only the producer's last
 * batch; the batches before it come back from the log tail replayed after the snapshot.
 */
export function encodeProducerSnapshot(entries: readonly ProducerStateEntry[]): Buffer {
  const buffer = Buffer.alloc(ENTRIES_OFFSET + 4 + entries.length * ENTRY_BYTES);
  buffer.writeInt16BE(SNAPSHOT_VERSION, 0);
  let position = ENTRIES_OFFSET;
  buffer.writeInt32BE(entries.length, position);
  position += 4;
  for (const entry of entries) {
    const last = entry.batches.at(-1);
    buffer.writeBigInt64BE(entry.producerId, position);
    buffer.writeInt16BE(entry.producerEpoch, position + 8);
    buffer.writeInt32BE(last?.lastSeq ?? -1, position + 10);
    buffer.writeBigInt64BE(last?.lastOffset ?? -1n, position + 14);
    buffer.writeInt32BE(last === undefined ? 0 : Number(last.lastOffset - last.firstOffset), position + 22);
    buffer.writeBigInt64BE(entry.lastTimestampMs, position + 26);
    buffer.writeInt32BE(entry.coordinatorEpoch, position + 34);
    buffer.writeBigInt64BE(entry.currentTxnFirstOffset, position + 38);
    position += ENTRY_BYTES;
  }
  buffer.writeUInt32BE(crc32c(buffer.subarray(ENTRIES_OFFSET)), VERSION_BYTES);
  return buffer;
}

/** Decodes a snapshot; CorruptStorageFileError for a wrong version, length or CRC. */
export function decodeProducerSnapshot(bytes: Buffer, path: string): ProducerStateEntry[] {
  const corrupt = (why: string): never => {
    throw new CorruptStorageFileError(`${path}: ${why}`);
  };
  if (bytes.length < ENTRIES_OFFSET + 4) corrupt(`${bytes.length} bytes is too short`);
  const version = bytes.readInt16BE(0);
  if (version !== SNAPSHOT_VERSION) corrupt(`unknown version ${version}`);
  const crc = bytes.readUInt32BE(VERSION_BYTES);
  if (crc32c(bytes.subarray(ENTRIES_OFFSET)) !== crc) corrupt('CRC mismatch');
  const count = bytes.readInt32BE(ENTRIES_OFFSET);
  if (count < 0 || bytes.length !== ENTRIES_OFFSET + 4 + count * ENTRY_BYTES) {
    corrupt(`${count} entries do not fill ${bytes.length} bytes`);
  }
  const entries: ProducerStateEntry[] = [];
  let position = ENTRIES_OFFSET + 4;
  for (let index = 0; index < count; index += 1) {
    const producerId = bytes.readBigInt64BE(position);
    const lastSeq = bytes.readInt32BE(position + 10);
    const lastOffset = bytes.readBigInt64BE(position + 14);
    const offsetDelta = bytes.readInt32BE(position + 22);
    const timestampMs = bytes.readBigInt64BE(position + 26);
    if (offsetDelta < 0) corrupt(`negative offset delta for producer ${producerId}`);
    entries.push({
      producerId,
      producerEpoch: bytes.readInt16BE(position + 8),
      batches:
        lastOffset < 0n
          ? []
          : [
              {
                firstSeq: decrementSequence(lastSeq, offsetDelta),
                lastSeq,
                firstOffset: lastOffset - BigInt(offsetDelta),
                lastOffset,
                timestampMs,
              },
            ],
      lastTimestampMs: timestampMs,
      coordinatorEpoch: bytes.readInt32BE(position + 34),
      currentTxnFirstOffset: bytes.readBigInt64BE(position + 38),
    });
    position += ENTRY_BYTES;
  }
  return entries;
}
