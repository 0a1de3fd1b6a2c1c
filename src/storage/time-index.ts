import { readInt64BE, writeInt64BE } from '../protocol/index.js';
import type { StorageFile } from './file-system.js';
import { IndexFile, relativeOffset } from './index-file.js';
import { CorruptStorageFileError } from './storage-errors.js';

/** Bytes of one `.timeindex` entry: timestamp int64, relative offset int32 (big-endian, as Kafka). */
export const TIME_INDEX_ENTRY_BYTES = 12;

export interface TimestampOffset {
  readonly timestamp: bigint;
  readonly offset: bigint;
}

/**
 * A segment's sparse `.timeindex`: the largest timestamp seen so far → the offset of the batch that
 * carried it. Entries are added with offset index entries and only when the timestamp grew, so both
 * columns increase strictly.
 */
export class TimeIndex extends IndexFile {
  private constructor(
    file: StorageFile,
    readonly baseOffset: bigint,
    maxEntries: number,
    initial: Buffer,
  ) {
    super(file, TIME_INDEX_ENTRY_BYTES, maxEntries, initial);
  }

  static empty(file: StorageFile, baseOffset: bigint, maxEntries: number): TimeIndex {
    return new TimeIndex(file, baseOffset, maxEntries, Buffer.alloc(0));
  }

  /** Loads and checks (whole entries, both columns increasing); CorruptStorageFileError to rebuild. */
  static async load(file: StorageFile, baseOffset: bigint, maxEntries: number): Promise<TimeIndex> {
    const bytes = await IndexFile.readEntries(file);
    if (bytes.length % TIME_INDEX_ENTRY_BYTES !== 0) {
      throw new CorruptStorageFileError(`${file.path}: size ${bytes.length} is not whole entries`);
    }
    let previousTimestamp = -(2n ** 63n);
    let previousOffset = -1;
    for (let at = 0; at < bytes.length; at += TIME_INDEX_ENTRY_BYTES) {
      const timestamp = readInt64BE(bytes, at);
      const relative = bytes.readInt32BE(at + 8);
      if (timestamp <= previousTimestamp || relative < previousOffset) {
        throw new CorruptStorageFileError(`${file.path}: entry ${at / 12} is out of order`);
      }
      previousTimestamp = timestamp;
      previousOffset = relative;
    }
    return new TimeIndex(file, baseOffset, maxEntries, bytes);
  }

  private timestampAt = (index: number): bigint => readInt64BE(this.entries, index * TIME_INDEX_ENTRY_BYTES);

  private offsetAt(index: number): bigint {
    return this.baseOffset + BigInt(this.entries.readInt32BE(index * TIME_INDEX_ENTRY_BYTES + 8));
  }

  /** Appends when `timestamp` exceeds the last entry's (and the offset does not go back). */
  maybeAppend(timestamp: bigint, offset: bigint): void {
    // The offset compared as relative (int32, as stored): no entry object or offset BigInt per call.
    const relative = relativeOffset(offset, this.baseOffset);
    if (this.count > 0) {
      const last = (this.count - 1) * TIME_INDEX_ENTRY_BYTES;
      if (timestamp <= readInt64BE(this.entries, last) || relative < this.entries.readInt32BE(last + 8))
        return;
    }
    const at = this.addEntry();
    writeInt64BE(this.entries, timestamp, at);
    this.entries.writeInt32BE(relative, at + 8);
  }

  /**
   * The last entry whose timestamp is below `target`: every batch up to its offset has a smaller max
   * timestamp, so a search for `target` may start after it. Undefined: start at the segment's start.
   */
  lastBelow(target: bigint): TimestampOffset | undefined {
    const index = this.floorIndex(target - 1n, this.timestampAt);
    return index < 0 ? undefined : { timestamp: this.timestampAt(index), offset: this.offsetAt(index) };
  }

  lastEntry(): TimestampOffset | undefined {
    return this.count === 0
      ? undefined
      : { timestamp: this.timestampAt(this.count - 1), offset: this.offsetAt(this.count - 1) };
  }

  /** Drops entries whose offset is at or after `offset`. */
  async truncateToOffset(offset: bigint): Promise<void> {
    let keep = this.count;
    while (keep > 0 && this.offsetAt(keep - 1) >= offset) keep -= 1;
    await this.truncateEntries(keep);
  }
}
