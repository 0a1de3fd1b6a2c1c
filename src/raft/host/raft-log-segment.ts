import { type FileSystem, joinPath, readFully, type StorageFile } from '../../storage/index.js';
import { assert } from '../core/assert.js';
import type { LogEntry } from '../core/log-entry.js';
import { readRecord, recordBytes, writeRecord } from './raft-record-codec.js';

/** `<generation, 10 digits>-<base index, 20 digits>.log`: sorting the names sorts generation, then base. */
const SEGMENT_FILE = /^(\d{10})-(\d{20})\.log$/;
const SEGMENT_MAGIC = 0x50524c47; // 'PRLG'
const SEGMENT_VERSION = 1;
export const SEGMENT_HEADER_BYTES = 8;

export function segmentFileName(generation: number, baseIndex: number): string {
  return `${String(generation).padStart(10, '0')}-${String(baseIndex).padStart(20, '0')}.log`;
}

export function parseSegmentFileName(name: string): { generation: number; baseIndex: number } | undefined {
  const match = SEGMENT_FILE.exec(name);
  if (match === null) return undefined;
  return { generation: Number(match[1]), baseIndex: Number(match[2]) };
}

/** What reading a segment back found: its valid entries and, when it stopped early, why. */
export interface SegmentRecovery {
  readonly segment: RaftLogSegment;
  readonly entries: LogEntry[];
  /** Why the valid records end before the file does (a torn tail, garbage), or undefined when whole. */
  readonly tornBecause: string | undefined;
  /** Bytes cut off the end of the file. */
  readonly truncatedBytes: number;
}

/**
 * One file of the log: an 8-byte header (magic, version), then one record per entry (see
 * raft-record-codec.ts), entries `baseIndex`, `baseIndex + 1`... without a gap. The file is only
 * appended to, or cut back (a conflicting suffix, a torn tail). It keeps each record's position in
 * memory (8 bytes per entry) to cut at any entry without reading the file again.
 */
export class RaftLogSegment {
  readonly generation: number;
  readonly baseIndex: number;
  readonly path: string;
  readonly #file: StorageFile;
  #size: number;
  /** Byte position of each entry's record: positions[i] is entry baseIndex + i. */
  #positions: number[];
  #isDirty: boolean;

  private constructor(
    generation: number,
    baseIndex: number,
    path: string,
    file: StorageFile,
    size: number,
    positions: number[],
    isDirty: boolean,
  ) {
    this.generation = generation;
    this.baseIndex = baseIndex;
    this.path = path;
    this.#file = file;
    this.#size = size;
    this.#positions = positions;
    this.#isDirty = isDirty;
  }

  /** A new empty segment; neither its header nor its directory entry is durable until synced. */
  static async create(
    fs: FileSystem,
    dir: string,
    generation: number,
    baseIndex: number,
  ): Promise<RaftLogSegment> {
    const path = joinPath(dir, segmentFileName(generation, baseIndex));
    const file = await fs.open(path, { create: true });
    await file.truncate(0);
    const header = Buffer.alloc(SEGMENT_HEADER_BYTES);
    header.writeUInt32BE(SEGMENT_MAGIC, 0);
    header.writeUInt16BE(SEGMENT_VERSION, 4);
    await file.writev([header], 0);
    return new RaftLogSegment(generation, baseIndex, path, file, SEGMENT_HEADER_BYTES, [], true);
  }

  /**
   * Opens a segment and reads its records until the first one that is not valid (short, bad length,
   * CRC mismatch, an index out of sequence or a term going backwards); the file is cut there and the
   * cut synced, so later appends never follow garbage. A bad header leaves an empty segment. The file
   * is fsynced in every case: what it holds is durable once recovered.
   */
  static async recover(
    fs: FileSystem,
    dir: string,
    generation: number,
    baseIndex: number,
  ): Promise<SegmentRecovery> {
    const path = joinPath(dir, segmentFileName(generation, baseIndex));
    const file = await fs.open(path);
    const bytes = await readFully(file, 0, await file.size());
    const entries: LogEntry[] = [];
    const positions: number[] = [];
    let position = SEGMENT_HEADER_BYTES;
    let tornBecause: string | undefined;
    if (
      bytes.length < SEGMENT_HEADER_BYTES ||
      bytes.readUInt32BE(0) !== SEGMENT_MAGIC ||
      bytes.readUInt16BE(4) !== SEGMENT_VERSION
    ) {
      tornBecause = 'a bad segment header';
      position = 0;
    }
    while (tornBecause === undefined && position < bytes.length) {
      const read = readRecord(bytes, position);
      if (!read.ok) tornBecause = read.why;
      else if (read.entry.index !== baseIndex + entries.length)
        tornBecause = `entry ${read.entry.index} where ${baseIndex + entries.length} belongs`;
      else if (read.entry.term < (entries.at(-1)?.term ?? 0)) tornBecause = 'a term going backwards';
      else {
        entries.push(read.entry);
        positions.push(position);
        position = read.end;
      }
    }
    const segment = new RaftLogSegment(generation, baseIndex, path, file, position, positions, false);
    if (position === 0) await segment.#rewriteHeader();
    else if (position < bytes.length) await segment.#cut(position);
    // What a killed process wrote may still be only in the page cache: this process will report every
    // loaded entry as stable (acknowledge it), so it must be durable first.
    else await file.sync();
    return { segment, entries, tornBecause, truncatedBytes: bytes.length - position };
  }

  get size(): number {
    return this.#size;
  }

  /** The last entry's index; baseIndex - 1 when the segment holds none. */
  get lastIndex(): number {
    return this.baseIndex + this.#positions.length - 1;
  }

  get isDirty(): boolean {
    return this.#isDirty;
  }

  /** Appends records for `entries` (they continue this segment's last index) in one write. */
  async append(entries: readonly LogEntry[]): Promise<void> {
    assert(entries[0]?.index === this.lastIndex + 1, 'a segment is appended to without a gap');
    let total = 0;
    for (const entry of entries) total += recordBytes(entry);
    const buffer = Buffer.allocUnsafe(total);
    let at = 0;
    for (const entry of entries) {
      this.#positions.push(this.#size + at);
      at = writeRecord(buffer, at, entry);
    }
    assert(at === total, 'records fill the buffer computed for them');
    this.#isDirty = true;
    await this.#file.writev([buffer], this.#size);
    this.#size += total;
  }

  /**
   * Drops the entries at and after `index` and makes the cut durable before returning: new records
   * written where the old ones were must never be followed, after a crash, by old ones that happen to
   * line up (they would carry an old leader's entries after a new leader's).
   */
  async truncateFrom(index: number): Promise<void> {
    assert(
      index >= this.baseIndex && index <= this.lastIndex + 1,
      `entry ${index} is in segment ${this.path}`,
    );
    if (index > this.lastIndex) return;
    const position = this.#positions[index - this.baseIndex]!;
    this.#positions.length = index - this.baseIndex;
    await this.#cut(position);
  }

  async sync(): Promise<void> {
    if (!this.#isDirty) return;
    this.#isDirty = false;
    await this.#file.sync();
  }

  async close(): Promise<void> {
    await this.#file.close();
  }

  async #cut(position: number): Promise<void> {
    await this.#file.truncate(position);
    this.#size = position;
    await this.#file.sync();
  }

  async #rewriteHeader(): Promise<void> {
    const header = Buffer.alloc(SEGMENT_HEADER_BYTES);
    header.writeUInt32BE(SEGMENT_MAGIC, 0);
    header.writeUInt16BE(SEGMENT_VERSION, 4);
    await this.#file.truncate(0);
    await this.#file.writev([header], 0);
    await this.#file.sync();
    this.#size = SEGMENT_HEADER_BYTES;
  }
}
