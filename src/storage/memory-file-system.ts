import { freemem, totalmem } from 'node:os';
import {
  baseName,
  dirName,
  type FileLock,
  type FileStat,
  type FileSystem,
  joinPath,
  type OpenOptions,
  type StorageFile,
  type VolumeSpace,
} from './file-system.js';
import { FileNotFoundError, LogDirLockedError } from './storage-errors.js';

export interface MemoryFile {
  data: Buffer;
  size: number;
  /** Content at the last fsync (tracked only with `trackDurability`); null when never fsynced. */
  durable: Buffer | null;
  /** The directory entry survives power loss (its directory was fsynced after it appeared). */
  isLinkDurable: boolean;
}

/** The disk's contents, shared by the successive process views of one MemoryFileSystem. */
export interface MemoryDisk {
  readonly files: Map<string, MemoryFile>;
  readonly dirs: Set<string>;
  readonly locks: Set<string>;
  generation: number;
  readonly trackDurability: boolean;
  readonly benefitsFromZeroAhead: boolean;
}

export interface MemoryFileSystemOptions {
  /**
   * Keep a copy of each file at every fsync, so that `simulatePowerLoss()` can return the disk to
   * what was durable. Costs a copy per fsync; off for embedded brokers.
   */
  readonly trackDurability?: boolean;
  /**
   * Have logs zero ahead as on a real disk (see ZeroAhead), for tests of that path; off by default
   * since memory gains nothing from it.
   */
  readonly benefitsFromZeroAhead?: boolean;
}

/**
 * A file system in memory, for fast tests, deterministic simulations and `storage: 'memory'`.
 * With `trackDurability`, `simulatePowerLoss()` reverts every file to its content at its last
 * fsync and forgets files whose directory was never fsynced after they were created (renames are
 * treated as durable at once: a simplification). `fsyncJournal()` lists each file's size at its last
 * fsync. A simulated crash returns a new view of the same disk for the next process; the old view
 * and its handles fail from then on, so code of the "dead" process still in flight cannot write.
 */
export class MemoryFileSystem implements FileSystem {
  readonly benefitsFromZeroAhead: boolean;
  private readonly disk: MemoryDisk;
  /** The disk's generation when this process view was made; a simulated crash ends the view. */
  private readonly processGeneration: number;

  constructor(options: MemoryFileSystemOptions | MemoryDisk = {}) {
    this.disk =
      'files' in options
        ? options
        : {
            files: new Map(),
            dirs: new Set(['/', '.']),
            locks: new Set(),
            generation: 0,
            trackDurability: options.trackDurability === true,
            benefitsFromZeroAhead: options.benefitsFromZeroAhead === true,
          };
    this.processGeneration = this.disk.generation;
    this.benefitsFromZeroAhead = this.disk.benefitsFromZeroAhead;
  }

  /** Every operation of a crashed process fails, as nothing of it runs after the crash in reality. */
  private alive(): MemoryDisk {
    if (this.disk.generation !== this.processGeneration) {
      throw new Error(
        'this MemoryFileSystem belongs to a process that crashed (use the one the crash returned)',
      );
    }
    return this.disk;
  }

  async open(path: string, options: OpenOptions = {}): Promise<StorageFile> {
    const key = normalize(path);
    let file = this.alive().files.get(key);
    if (file === undefined) {
      if (options.create !== true) throw new FileNotFoundError(`no such file: ${path}`);
      if (!this.alive().dirs.has(dirName(key)))
        throw new FileNotFoundError(`no such directory: ${dirName(key)}`);
      file = { data: Buffer.alloc(0), size: 0, durable: null, isLinkDurable: false };
      this.alive().files.set(key, file);
    }
    return new MemoryStorageFile(this, key, file, this.disk.generation, options.dsync === true);
  }

  /** Renames a file, or a directory with everything in it. */
  async rename(from: string, to: string): Promise<void> {
    const source = normalize(from);
    const target = normalize(to);
    const file = this.alive().files.get(source);
    if (file !== undefined) {
      this.alive().files.delete(source);
      this.alive().files.set(target, file);
      // Durable at once (the simplification above): a file renamed over another one (an atomic
      // replace) must not vanish at power loss because its temp name was never fsynced in its directory.
      file.isLinkDurable = true;
      return;
    }
    if (!this.alive().dirs.has(source)) throw new FileNotFoundError(`no such file or directory: ${from}`);
    const moved = (key: string) => target + key.slice(source.length);
    for (const [key, entry] of [...this.alive().files]) {
      if (!key.startsWith(`${source}/`)) continue;
      this.alive().files.delete(key);
      this.alive().files.set(moved(key), entry);
    }
    for (const key of [...this.alive().dirs]) {
      if (key !== source && !key.startsWith(`${source}/`)) continue;
      this.alive().dirs.delete(key);
      this.alive().dirs.add(moved(key));
    }
  }

  async unlink(path: string): Promise<void> {
    this.alive().files.delete(normalize(path));
  }

  async readdir(path: string): Promise<string[]> {
    const dir = normalize(path);
    if (!this.alive().dirs.has(dir)) throw new FileNotFoundError(`no such directory: ${path}`);
    const names: string[] = [];
    for (const key of [...this.alive().files.keys(), ...this.alive().dirs]) {
      if (key !== dir && dirName(key) === dir) names.push(baseName(key));
    }
    return names.sort();
  }

  async mkdir(path: string): Promise<void> {
    let dir = normalize(path);
    while (!this.alive().dirs.has(dir)) {
      this.alive().dirs.add(dir);
      dir = dirName(dir);
    }
  }

  async rmdir(path: string): Promise<void> {
    const dir = normalize(path);
    for (const key of [...this.alive().files.keys()])
      if (key.startsWith(`${dir}/`)) this.alive().files.delete(key);
    for (const key of [...this.alive().dirs])
      if (key === dir || key.startsWith(`${dir}/`)) this.alive().dirs.delete(key);
  }

  /** The "volume" of an in-memory file system is the machine's memory. */
  async statfs(): Promise<VolumeSpace> {
    return { totalBytes: totalmem(), usableBytes: freemem() };
  }

  async stat(path: string): Promise<FileStat | undefined> {
    const key = normalize(path);
    if (this.alive().dirs.has(key)) return { size: 0, isDirectory: true };
    const file = this.alive().files.get(key);
    return file === undefined ? undefined : { size: file.size, isDirectory: false };
  }

  async fsyncDir(path: string): Promise<void> {
    const dir = normalize(path);
    for (const [key, file] of this.alive().files) if (dirName(key) === dir) file.isLinkDurable = true;
  }

  /** Within one MemoryFileSystem (one simulated process): a second lock of the same path fails. */
  async lock(path: string): Promise<FileLock> {
    const key = normalize(path);
    if (this.alive().locks.has(key)) throw new LogDirLockedError(`${path} is locked by another log manager`);
    this.alive().locks.add(key);
    return { path: key, release: async () => void this.alive().locks.delete(key) };
  }

  /** Each file's size at its last fsync (files never fsynced are absent). */
  fsyncJournal(): Map<string, number> {
    const journal = new Map<string, number>();
    for (const [key, file] of this.disk.files)
      if (file.durable !== null) journal.set(key, file.durable.length);
    return journal;
  }

  /**
   * Power loss: what was not fsynced is gone, locks are released, and this view with its handles
   * fails from now on. Returns the file system the next process (the reopen) uses.
   */
  simulatePowerLoss(): MemoryFileSystem {
    if (!this.disk.trackDurability) throw new Error('simulatePowerLoss needs trackDurability');
    const disk = this.alive();
    disk.generation += 1;
    disk.locks.clear();
    for (const [key, file] of [...disk.files]) {
      if (!file.isLinkDurable) {
        disk.files.delete(key);
        continue;
      }
      const durable = file.durable ?? Buffer.alloc(0);
      file.data = Buffer.from(durable);
      file.size = durable.length;
    }
    return new MemoryFileSystem(disk);
  }

  /**
   * A process crash without power loss: the bytes stay (page cache), locks go, and this view with
   * its handles fails from now on. Returns the file system the next process uses.
   */
  simulateProcessCrash(): MemoryFileSystem {
    const disk = this.alive();
    disk.generation += 1;
    disk.locks.clear();
    return new MemoryFileSystem(disk);
  }

  /** Test access to a file's bytes (a copy), e.g. to corrupt it with `writeRaw`. */
  readRaw(path: string): Buffer | undefined {
    const file = this.disk.files.get(normalize(path));
    return file === undefined ? undefined : Buffer.from(file.data.subarray(0, file.size));
  }

  /** Replaces a file's content (test fault injection); keeps its durability bookkeeping. */
  writeRaw(path: string, bytes: Buffer): void {
    const file = this.disk.files.get(normalize(path));
    if (file === undefined) throw new FileNotFoundError(`no such file: ${path}`);
    file.data = Buffer.from(bytes);
    file.size = bytes.length;
  }

  /** @internal handles opened before a simulated crash fail */
  checkGeneration(path: string, generation: number): void {
    if (generation !== this.disk.generation)
      throw new Error(`stale handle for ${path} after a simulated crash`);
  }

  /** @internal */
  markSynced(file: MemoryFile): void {
    if (this.disk.trackDurability) file.durable = Buffer.from(file.data.subarray(0, file.size));
  }

  /**
   * @internal an O_DSYNC write of `file`'s bytes `position`..`end` is durable: those bytes and the
   * file's current size (as an fdatasync would keep it), nothing else written since the last sync
   * (other bytes read back as they were at the last sync, zeros past its end).
   */
  markWriteSynced(file: MemoryFile, position: number, end: number): void {
    if (!this.disk.trackDurability) return;
    const old = file.durable ?? Buffer.alloc(0);
    const durable = Buffer.alloc(file.size);
    old.copy(durable, 0, 0, Math.min(old.length, file.size));
    file.data.copy(durable, position, position, Math.min(end, file.size));
    file.durable = durable;
  }
}

/** A handle follows its file object (an inode), so renames and unlinks behave as on POSIX. */
class MemoryStorageFile implements StorageFile {
  private isClosed = false;

  constructor(
    private readonly fs: MemoryFileSystem,
    readonly path: string,
    private readonly inode: MemoryFile,
    private readonly generation: number,
    /** Opened with `dsync`: each write is durable when it returns. */
    private readonly isDsync: boolean,
  ) {}

  async read(buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    const file = this.resolve();
    const end = Math.min(file.size, position + length);
    if (end <= position) return 0;
    return file.data.copy(buffer, offset, position, end);
  }

  async writev(buffers: readonly Buffer[], position: number): Promise<void> {
    const end = this.write(buffers, position);
    if (this.isDsync) this.fs.markWriteSynced(this.inode, position, end);
  }

  /** Writes `buffers` at `position`; returns the position after them. */
  private write(buffers: readonly Buffer[], position: number): number {
    const file = this.resolve();
    let total = 0;
    for (const buffer of buffers) total += buffer.length;
    const end = position + total;
    if (end > file.data.length) {
      const grown = Buffer.alloc(Math.max(end, file.data.length * 2, 4096));
      file.data.copy(grown, 0, 0, file.size);
      file.data = grown;
    }
    if (position > file.size) file.data.fill(0, file.size, position);
    let at = position;
    for (const buffer of buffers) at += buffer.copy(file.data, at);
    if (end > file.size) file.size = end;
    return end;
  }

  async sync(): Promise<void> {
    this.fs.markSynced(this.resolve());
  }

  async truncate(length: number): Promise<void> {
    const file = this.resolve();
    if (length > file.size) {
      // Not a write: durable only after sync(), O_DSYNC or not.
      this.write([Buffer.alloc(length - file.size)], file.size);
      return;
    }
    file.size = length;
  }

  async size(): Promise<number> {
    return this.resolve().size;
  }

  async close(): Promise<void> {
    this.isClosed = true;
  }

  private resolve(): MemoryFile {
    if (this.isClosed) throw new Error(`file is closed: ${this.path}`);
    this.fs.checkGeneration(this.path, this.generation);
    return this.inode;
  }
}

function normalize(path: string): string {
  const joined = joinPath(path);
  return joined.length > 1 && joined.endsWith('/') ? joined.slice(0, -1) : joined;
}
