import type { StorageFile } from './file-system.js';
import { readFully } from './file-system.js';

/**
 * Fixed-size entries kept in memory and appended to their file. Index files here are append-only
 * (not preallocated to `segment.index.bytes` and trimmed like Kafka's memory-mapped ones): Node has
 * no mmap, and an append-only file makes "cut every file back to its last fsynced size" an exact
 * model of power loss. `maxEntries` still bounds each index as Kafka's preallocation does, and a
 * full index rolls the segment. Entries are kept in memory (what lookups use) and reach the file in
 * batches of at least INDEX_WRITE_BATCH_BYTES, and whole on flush, roll and close: an index the file
 * lacks the tail of is still correct (only sparser), and recovery rebuilds it after a crash.
 */
/**
 * Pending index bytes that make an append write them. Every entry is in memory, where lookups read
 * it; the file only bounds what a restart after a crash finds (flush, roll and close write the rest),
 * so the writes are rare and large: 64 KiB is 8192 `.index` entries, one write per ~128 MiB of 16 KiB
 * batches at the default `index.interval.bytes` (4 KiB was a thread-pool write every few group
 * commits, awaited before the group's appends were acknowledged).
 */
export const INDEX_WRITE_BATCH_BYTES = 64 * 1024;

/**
 * `offset - baseOffset` as a number (an index stores it as int32), without a BigInt subtraction
 * when both are safe integers (Number of a BigInt allocates nothing): an index entry is considered
 * for nearly every appended batch.
 */
export function relativeOffset(offset: bigint, baseOffset: bigint): number {
  const number = Number(offset);
  const base = Number(baseOffset);
  return Number.isSafeInteger(number) && Number.isSafeInteger(base)
    ? number - base
    : Number(offset - baseOffset);
}

export class IndexFile {
  protected entries: Buffer;
  protected count = 0;
  private writtenCount = 0;

  protected constructor(
    readonly file: StorageFile,
    readonly entryBytes: number,
    readonly maxEntries: number,
    initial: Buffer,
  ) {
    this.count = Math.floor(initial.length / entryBytes);
    this.writtenCount = this.count;
    this.entries = Buffer.alloc(Math.max(initial.length, entryBytes * 64));
    initial.copy(this.entries, 0, 0, this.count * entryBytes);
  }

  /** The whole file, for load-time sanity checks (a torn last entry is dropped by the count). */
  protected static async readEntries(file: StorageFile): Promise<Buffer> {
    return readFully(file, 0, await file.size());
  }

  get entryCount(): number {
    return this.count;
  }

  get isFull(): boolean {
    return this.count >= this.maxEntries;
  }

  get sizeInBytes(): number {
    return this.count * this.entryBytes;
  }

  /**
   * Makes room for one more entry and counts it; returns where in `entries` (read after this call:
   * it may have grown) the caller writes it. No closure per entry: one is considered per batch.
   */
  protected addEntry(): number {
    const at = this.count * this.entryBytes;
    if (at + this.entryBytes > this.entries.length) {
      const grown = Buffer.alloc(this.entries.length * 2);
      this.entries.copy(grown, 0, 0, at);
      this.entries = grown;
    }
    this.count += 1;
    return at;
  }

  /** Bytes of entries not yet written to the file. */
  get pendingBytes(): number {
    return (this.count - this.writtenCount) * this.entryBytes;
  }

  /** Writes entries added since the last call (one write at the file's end). */
  async writePending(): Promise<void> {
    if (this.writtenCount === this.count) return;
    const from = this.writtenCount * this.entryBytes;
    const to = this.count * this.entryBytes;
    // A copy: a later append may grow (replace) `entries` while the write is in flight.
    await this.file.writev([Buffer.from(this.entries.subarray(from, to))], from);
    this.writtenCount = Math.max(this.writtenCount, Math.floor(to / this.entryBytes));
  }

  async sync(): Promise<void> {
    await this.writePending();
    await this.file.sync();
  }

  /** Keeps the first `keep` entries, in memory and in the file. */
  protected async truncateEntries(keep: number): Promise<void> {
    if (keep >= this.count && (await this.file.size()) === this.count * this.entryBytes) return;
    this.count = Math.min(keep, this.count);
    this.writtenCount = Math.min(this.writtenCount, this.count);
    await this.file.truncate(this.writtenCount * this.entryBytes);
  }

  /** Index of the last entry whose key (read by `keyAt`) is <= `target`, or -1. */
  protected floorIndex(target: bigint, keyAt: (index: number) => bigint): number {
    let low = 0;
    let high = this.count - 1;
    let found = -1;
    while (low <= high) {
      const middle = (low + high) >>> 1;
      if (keyAt(middle) <= target) {
        found = middle;
        low = middle + 1;
      } else {
        high = middle - 1;
      }
    }
    return found;
  }

  async close(): Promise<void> {
    await this.file.close();
  }
}
