import type { StorageFile } from './file-system.js';
import { IndexFile, relativeOffset } from './index-file.js';
import { CorruptStorageFileError } from './storage-errors.js';

/** Bytes of one `.index` entry: relative offset int32, physical position int32 (big-endian, as Kafka). */
export const OFFSET_INDEX_ENTRY_BYTES = 8;

export interface IndexPosition {
  readonly offset: bigint;
  readonly position: number;
}

/**
 * A segment's sparse `.index`: offset (relative to the segment's base offset) → byte position of the
 * batch holding it in the `.log`. As Kafka's LogSegment, an entry is added once more than
 * `index.interval.bytes` were appended since the last one, keyed by the batch's last offset and
 * pointing at its start, so any batch holding an offset >= the key starts at or after the position.
 */
export class OffsetIndex extends IndexFile {
  private constructor(
    file: StorageFile,
    readonly baseOffset: bigint,
    maxEntries: number,
    initial: Buffer,
  ) {
    super(file, OFFSET_INDEX_ENTRY_BYTES, maxEntries, initial);
  }

  static empty(file: StorageFile, baseOffset: bigint, maxEntries: number): OffsetIndex {
    return new OffsetIndex(file, baseOffset, maxEntries, Buffer.alloc(0));
  }

  /**
   * Loads and sanity-checks the file against its `.log` of `logSize` bytes (Kafka's sanityCheck):
   * whole entries, offsets and positions strictly increasing, positions inside the log. Throws
   * CorruptStorageFileError so that the caller rebuilds it.
   */
  static async load(
    file: StorageFile,
    baseOffset: bigint,
    maxEntries: number,
    logSize: number,
  ): Promise<OffsetIndex> {
    const bytes = await IndexFile.readEntries(file);
    if (bytes.length % OFFSET_INDEX_ENTRY_BYTES !== 0) {
      throw new CorruptStorageFileError(`${file.path}: size ${bytes.length} is not whole entries`);
    }
    let previousOffset = -1;
    let previousPosition = -1;
    for (let at = 0; at < bytes.length; at += OFFSET_INDEX_ENTRY_BYTES) {
      const relative = bytes.readInt32BE(at);
      const position = bytes.readInt32BE(at + 4);
      if (relative <= previousOffset || position <= previousPosition || position >= logSize) {
        throw new CorruptStorageFileError(
          `${file.path}: entry ${at / 8} (${relative} → ${position}) is out of order`,
        );
      }
      previousOffset = relative;
      previousPosition = position;
    }
    return new OffsetIndex(file, baseOffset, maxEntries, bytes);
  }

  private offsetAt = (index: number): bigint =>
    this.baseOffset + BigInt(this.entries.readInt32BE(index * OFFSET_INDEX_ENTRY_BYTES));

  private positionAt(index: number): number {
    return this.entries.readInt32BE(index * OFFSET_INDEX_ENTRY_BYTES + 4);
  }

  /** Appends `offset → position`; both must exceed the last entry's (else ignored, as Kafka). */
  append(offset: bigint, position: number): void {
    // Compared as relative offsets (int32, as stored): no BigInt per append.
    const relative = relativeOffset(offset, this.baseOffset);
    if (this.count > 0) {
      const last = (this.count - 1) * OFFSET_INDEX_ENTRY_BYTES;
      if (relative <= this.entries.readInt32BE(last) || position <= this.entries.readInt32BE(last + 4))
        return;
    }
    const at = this.addEntry();
    this.entries.writeInt32BE(relative, at);
    this.entries.writeInt32BE(position, at + 4);
  }

  /** The last entry with offset <= `target`, or the segment's start. */
  lookup(target: bigint): IndexPosition {
    const index = this.floorIndex(target, this.offsetAt);
    return index < 0
      ? { offset: this.baseOffset, position: 0 }
      : { offset: this.offsetAt(index), position: this.positionAt(index) };
  }

  lastEntry(): IndexPosition | undefined {
    return this.count === 0
      ? undefined
      : { offset: this.offsetAt(this.count - 1), position: this.positionAt(this.count - 1) };
  }

  /** Drops entries whose position is at or after `position` (the log is cut there). */
  async truncateToPosition(position: number): Promise<void> {
    let keep = this.count;
    while (keep > 0 && this.positionAt(keep - 1) >= position) keep -= 1;
    await this.truncateEntries(keep);
  }
}
