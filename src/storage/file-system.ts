/**
 * The storage engine's only door to files: a small port with a real implementation over
 * node:fs/promises (NodeFileSystem) and an in-memory one (MemoryFileSystem) for tests, simulations
 * and embedded brokers that keep nothing on disk. Paths are POSIX-style strings joined with '/'.
 */
export interface FileSystem {
  /**
   * True when an fsync after overwriting bytes that were already written and fsynced is much cheaper
   * than after an append that grows the file (real disks: no size or extent change to commit), so
   * storage keeps active segments zeroed ahead of their data (see ZeroAhead). Absent: false.
   */
  readonly benefitsFromZeroAhead?: boolean;
  /**
   * Opens `path` for positional reads and writes, creating it (empty) when `create` is true.
   * Throws FileNotFoundError when it does not exist and `create` is false.
   */
  open(path: string, options?: OpenOptions): Promise<StorageFile>;
  /** Atomically replaces `to` by `from` (POSIX rename). */
  rename(from: string, to: string): Promise<void>;
  /** Removes a file; a missing file is not an error. */
  unlink(path: string): Promise<void>;
  /** Names (not paths) in a directory; FileNotFoundError when it does not exist. */
  readdir(path: string): Promise<string[]>;
  /** Creates a directory and its parents; an existing one is fine. */
  mkdir(path: string): Promise<void>;
  /** Removes an empty or non-empty directory with its files. */
  rmdir(path: string): Promise<void>;
  /** Size and kind, or undefined when nothing is at `path`. */
  stat(path: string): Promise<FileStat | undefined>;
  /** Makes the directory's entries (created, renamed, removed names) durable. */
  fsyncDir(path: string): Promise<void>;
  /**
   * Takes the exclusive lock `path` (a lock file) for this process; throws LogDirLockedError when
   * another live holder has it. See each implementation for the mechanism and its limits.
   */
  lock(path: string): Promise<FileLock>;
  /** Size and free space of the volume holding `path` (DescribeLogDirs v4), in bytes. */
  statfs(path: string): Promise<VolumeSpace>;
}

export interface OpenOptions {
  /** Create the file (empty) when it does not exist. */
  readonly create?: boolean;
  /**
   * O_DSYNC: each `writev` through this handle is durable when it returns (its bytes and the file size
   * needed to read them, as if an fdatasync followed it), so a writer that syncs after every write
   * makes one I/O call instead of two. `truncate` is not covered: call `sync()` after it.
   */
  readonly dsync?: boolean;
}

/** A volume's capacity and the bytes an unprivileged writer may still use, in bytes. */
export interface VolumeSpace {
  readonly totalBytes: number;
  readonly usableBytes: number;
}

export interface FileStat {
  readonly size: number;
  readonly isDirectory: boolean;
}

/** An open file. Positional I/O only: there is no file pointer, so concurrent reads never interfere. */
export interface StorageFile {
  readonly path: string;
  /** Reads up to `length` bytes at `position` into `buffer` at `offset`; returns the count (short at the end). */
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<number>;
  /** Writes every buffer, back to back, at `position` (one writev). */
  writev(buffers: readonly Buffer[], position: number): Promise<void>;
  /** Makes the file's bytes (and size) durable. */
  sync(): Promise<void>;
  truncate(length: number): Promise<void>;
  size(): Promise<number>;
  close(): Promise<void>;
}

export interface FileLock {
  readonly path: string;
  release(): Promise<void>;
}

/** The injected clock: milliseconds since the epoch (Date.now in production, VirtualClock in tests). */
export interface Clock {
  nowMs(): number;
}

export const systemClock: Clock = { nowMs: () => Date.now() };

export function joinPath(...parts: string[]): string {
  return parts.join('/').replace(/\/+/g, '/');
}

export function baseName(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash < 0 ? path : path.slice(slash + 1);
}

export function dirName(path: string): string {
  const slash = path.lastIndexOf('/');
  return slash <= 0 ? (slash === 0 ? '/' : '.') : path.slice(0, slash);
}

/** Reads exactly `length` bytes at `position` or fewer only at the end of the file. */
export function readFully(file: StorageFile, position: number, length: number): Promise<Buffer> {
  return readFullyInto(file, Buffer.allocUnsafe(length), position, length);
}

/**
 * readFully into the start of `buffer` (at least `length` bytes long); returns the view of `buffer`
 * holding what was read.
 */
export async function readFullyInto(
  file: StorageFile,
  buffer: Buffer,
  position: number,
  length: number,
): Promise<Buffer> {
  let filled = 0;
  while (filled < length) {
    const count = await file.read(buffer, filled, length - filled, position + filled);
    if (count === 0) break;
    filled += count;
  }
  return filled === buffer.length ? buffer : buffer.subarray(0, filled);
}

/**
 * Writes `bytes` (one buffer, or several back to back in one writev) to `path` atomically: a temp file,
 * fsync, rename over `path`, fsync of the directory.
 */
export async function writeFileAtomically(
  fs: FileSystem,
  path: string,
  bytes: Buffer | readonly Buffer[],
): Promise<void> {
  const temp = `${path}.tmp`;
  await fs.unlink(temp);
  const file = await fs.open(temp, { create: true });
  try {
    await file.writev(Buffer.isBuffer(bytes) ? [bytes] : bytes, 0);
    await file.sync();
  } finally {
    await file.close();
  }
  await fs.rename(temp, path);
  await fs.fsyncDir(dirName(path));
}

/** The whole content of `path`, or undefined when it does not exist. */
export async function readWholeFile(fs: FileSystem, path: string): Promise<Buffer | undefined> {
  const stat = await fs.stat(path);
  if (stat === undefined || stat.isDirectory) return undefined;
  const file = await fs.open(path);
  try {
    return await readFully(file, 0, await file.size());
  } finally {
    await file.close();
  }
}
