import { constants, fdatasync as fdatasyncFd, read as readFd, writev as writevFd } from 'node:fs';
import {
  type FileHandle,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  rm,
  stat,
  statfs,
  unlink,
} from 'node:fs/promises';
import type { FileLock, FileStat, FileSystem, OpenOptions, StorageFile, VolumeSpace } from './file-system.js';
import { FileNotFoundError, LogDirLockedError } from './storage-errors.js';

export interface NodeFileSystemOptions {
  /**
   * Test mode: journal to this file every write and truncation (before it is issued) and every
   * fsync (after it returned, naming the operations it covers), with `rename` and `unlink` lines, so
   * that a test can simulate power loss after SIGKILL by returning every file to what was durable
   * (see power-loss.ts for the line formats and the model). Slows every write and fsync.
   */
  readonly fsyncJournalPath?: string;
}

/** Lock paths held by this process: a second LogManager in the same process is refused too. */
const heldLocks = new Set<string>();

function isErrno(error: unknown, code: string): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === code;
}

/**
 * The real file system over node:fs/promises: FileHandle with positional reads and writes, no
 * synchronous calls.
 *
 * Locking: Node has no flock(2), so a log dir's lock is a lock file created with O_CREAT|O_EXCL
 * holding the owner's pid. A lock file whose pid is no longer alive (`kill(pid, 0)` fails) is stale
 * and taken over. Limits: a reused pid makes a stale lock look held (remove the file by hand); pids
 * are only meaningful within one host and pid namespace, so two containers or hosts sharing a
 * directory over NFS are not protected; and the take-over of a stale lock races with another
 * process taking it at the same instant (both see it stale): acceptable for a guard against an
 * operator starting a second broker on the same dirs, which is what it is for.
 */
export class NodeFileSystem implements FileSystem {
  readonly benefitsFromZeroAhead = true;
  private journal: Promise<FileHandle> | undefined;
  /** Journal lines are appended one after the other, in the order they were recorded. */
  private journalTail: Promise<void> = Promise.resolve();
  /** Sequence number of the next journaled write or truncation. */
  private nextSequence = 0;

  constructor(private readonly options: NodeFileSystemOptions = {}) {}

  async open(path: string, options: OpenOptions = {}): Promise<StorageFile> {
    const flags =
      constants.O_RDWR |
      (options.create === true ? constants.O_CREAT : 0) |
      (options.dsync === true ? constants.O_DSYNC : 0);
    try {
      return new NodeStorageFile(path, await open(path, flags, 0o644), this, options.dsync === true);
    } catch (error: unknown) {
      if (isErrno(error, 'ENOENT')) throw new FileNotFoundError(`no such file: ${path}`, { cause: error });
      throw error;
    }
  }

  async rename(from: string, to: string): Promise<void> {
    await rename(from, to);
    await this.record(`rename\t${from}\t${to}`);
  }

  async unlink(path: string): Promise<void> {
    try {
      await unlink(path);
    } catch (error: unknown) {
      if (!isErrno(error, 'ENOENT')) throw error;
      return;
    }
    await this.record(`unlink\t${path}`);
  }

  async readdir(path: string): Promise<string[]> {
    try {
      return (await readdir(path)).sort();
    } catch (error: unknown) {
      if (isErrno(error, 'ENOENT'))
        throw new FileNotFoundError(`no such directory: ${path}`, { cause: error });
      throw error;
    }
  }

  async mkdir(path: string): Promise<void> {
    await mkdir(path, { recursive: true });
  }

  async rmdir(path: string): Promise<void> {
    await rm(path, { recursive: true, force: true });
  }

  /** From statfs(2): blocks × block size, and the blocks available to unprivileged users. */
  async statfs(path: string): Promise<VolumeSpace> {
    const volume = await statfs(path);
    return { totalBytes: volume.blocks * volume.bsize, usableBytes: volume.bavail * volume.bsize };
  }

  async stat(path: string): Promise<FileStat | undefined> {
    try {
      const stats = await stat(path);
      return { size: stats.size, isDirectory: stats.isDirectory() };
    } catch (error: unknown) {
      if (isErrno(error, 'ENOENT')) return undefined;
      throw error;
    }
  }

  async fsyncDir(path: string): Promise<void> {
    const handle = await open(path, constants.O_RDONLY);
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  }

  async lock(path: string): Promise<FileLock> {
    if (heldLocks.has(path)) throw new LogDirLockedError(`${path} is already locked by this process`);
    for (let attempt = 0; attempt < 2; attempt += 1) {
      try {
        const handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o644);
        try {
          await handle.write(`${process.pid}\n`);
          await handle.sync();
        } finally {
          await handle.close();
        }
        heldLocks.add(path);
        return { path, release: () => this.releaseLock(path) };
      } catch (error: unknown) {
        if (!isErrno(error, 'EEXIST')) throw error;
      }
      const owner = Number.parseInt((await readFile(path, 'utf8').catch(() => '')).trim(), 10);
      if (Number.isSafeInteger(owner) && owner > 0 && isAlive(owner)) {
        throw new LogDirLockedError(`${path} is held by live process ${owner}`);
      }
      await unlink(path).catch((error: unknown) => {
        if (!isErrno(error, 'ENOENT')) throw error;
      });
    }
    throw new LogDirLockedError(`${path}: lost the race for a stale lock`);
  }

  private async releaseLock(path: string): Promise<void> {
    heldLocks.delete(path);
    await unlink(path).catch((error: unknown) => {
      if (!isErrno(error, 'ENOENT')) throw error;
    });
  }

  get hasJournal(): boolean {
    return this.options.fsyncJournalPath !== undefined;
  }

  /**
   * @internal appends one line to the fsync journal when there is one; resolves once it is in the
   * journal file (lines land in call order)
   */
  record(line: string): Promise<void> {
    const path = this.options.fsyncJournalPath;
    if (path === undefined) return Promise.resolve();
    this.journal ??= open(path, 'a');
    const journal = this.journal;
    const written = this.journalTail.then(async () => {
      await (await journal).write(`${line}\n`);
    });
    this.journalTail = written.catch(() => {});
    return written;
  }

  /** @internal the sequence number of the next journaled write or truncation */
  takeSequence(): number {
    const sequence = this.nextSequence;
    this.nextSequence += 1;
    return sequence;
  }

  /** @internal the sequence number the next write or truncation will get */
  get peekSequence(): number {
    return this.nextSequence;
  }

  async closeJournal(): Promise<void> {
    if (this.journal !== undefined) await (await this.journal).close();
    this.journal = undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error: unknown) {
    return isErrno(error, 'EPERM');
  }
}

class NodeStorageFile implements StorageFile {
  /** Test mode: sequence numbers of this file's journaled writes and truncations still running. */
  private readonly inFlight = new Set<number>();
  /** Reads, writes and fsyncs running through the fd (see read), and what close waits on until they are done. */
  private opsRunning = 0;
  private opsDone: (() => void) | undefined;
  private opsIdle: Promise<void> | undefined;
  private isClosing = false;

  constructor(
    readonly path: string,
    private readonly handle: FileHandle,
    private readonly fs: NodeFileSystem,
    /** Opened with O_DSYNC: each write is durable when it returns. */
    private readonly isDsync: boolean,
  ) {}

  /**
   * A positional read on the fd with a callback rather than FileHandle.read: a consumer's every
   * fetch reads, and the promise API builds a promise request with its own stats array per call
   * (an async function, a promise and its request object per operation). Writes and fsyncs go the
   * same way (each group commit has one of each).
   */
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    return this.onFd('read', (fd, done) => readFd(fd, buffer, offset, length, position, done));
  }

  /** writev(2) of `buffers` at `position` through the fd; resolves with the bytes written. */
  private writevOnFd(buffers: readonly Buffer[], position: number): Promise<number> {
    return this.onFd('write', (fd, done) => writevFd(fd, buffers as Buffer[], position, done));
  }

  /** fdatasync(2) through the fd. */
  private fdatasyncOnFd(): Promise<void> {
    return this.onFd<void>('fsync', (fd, done) => fdatasyncFd(fd, (error) => done(error, undefined)));
  }

  /**
   * Runs one callback operation on the fd (`start` calls `done` once it ended), counted as running
   * until then: FileHandle.close only waits for the handle's own operations, so close waits for
   * these itself, and the fd is never closed (and possibly reused by another open) under one. After
   * close began, rejects without starting it (`what`: the operation, for the message).
   */
  private onFd<T>(
    what: string,
    start: (fd: number, done: (error: NodeJS.ErrnoException | null, value: T) => void) => void,
  ): Promise<T> {
    if (this.isClosing) return Promise.reject(new Error(`${this.path}: ${what} after close`));
    return new Promise((resolve, reject) => {
      this.opsRunning += 1;
      start(this.handle.fd, (error, value) => {
        this.opEnded();
        if (error === null) resolve(value);
        else reject(error);
      });
    });
  }

  private opEnded(): void {
    this.opsRunning -= 1;
    if (this.opsRunning === 0) this.opsDone?.();
  }

  writev(buffers: readonly Buffer[], position: number): Promise<void> {
    return this.fs.hasJournal ? this.journaledWritev(buffers, position) : this.writeAll(buffers, position);
  }

  private async journaledWritev(buffers: readonly Buffer[], position: number): Promise<void> {
    const length = totalLength(buffers);
    const sequence = await this.journaled(`write\t${position}\t${length}`, () =>
      this.writeAll(buffers, position, length),
    );
    if (!this.isDsync) return;
    // O_DSYNC: this write is durable on return, even while an earlier one of the file still runs
    // (a log keeps two group writes and a zero-ahead write in flight at once); and, as after an
    // fdatasync (which also flushes the size a truncation set), so is what completed before it.
    await this.fs.record(`synced\t${sequence}\t${this.path}`);
    await this.fs.record(`sync\t${this.coveredBelow(sequence + 1)}\t${this.path}`);
  }

  /**
   * Test mode: the sequence number below which a sync completing now covers this file's operations:
   * `limit`, or the first of them still running when lower (one still running may or may not reach
   * the disk with it).
   */
  private coveredBelow(limit: number): number {
    let covered = limit;
    for (const running of this.inFlight) if (running < covered) covered = running;
    return covered;
  }

  /**
   * Test mode: journals `<op>` with its sequence number before running it, and keeps it in flight
   * until it settled, so that an fsync starting meanwhile does not claim to cover it.
   */
  private async journaled(op: string, run: () => Promise<void>): Promise<number> {
    const sequence = this.fs.takeSequence();
    this.inFlight.add(sequence);
    try {
      await this.fs.record(`${op.replace('\t', `\t${sequence}\t`)}\t${this.path}`);
      await run();
    } finally {
      this.inFlight.delete(sequence);
    }
    return sequence;
  }

  /** One writev of every buffer at `position`, continued where a short one stopped. */
  private async writeAll(
    buffers: readonly Buffer[],
    position: number,
    length = totalLength(buffers),
  ): Promise<void> {
    const written = await this.writevOnFd(buffers, position);
    if (written !== length) await this.writeRest(buffers, position, written);
  }

  /**
   * After a short writev (rare: signals, very large vectors) of `written` bytes: the rest. The
   * common case (writeAll) builds no array: a copy per batch of a group's vector was quadratic work
   * in its length.
   */
  private async writeRest(buffers: readonly Buffer[], position: number, written: number): Promise<void> {
    let at = position + written;
    let pending = buffers.filter((buffer) => buffer.length > 0);
    while (pending.length > 0) {
      let skipped = 0;
      while (skipped < pending.length && written >= pending[skipped]!.length) {
        written -= pending[skipped]!.length;
        skipped += 1;
      }
      pending = pending.slice(skipped);
      if (written > 0 && pending.length > 0) pending[0] = pending[0]!.subarray(written);
      if (pending.length === 0) return;
      written = await this.writevOnFd(pending, at);
      at += written;
    }
  }

  sync(): Promise<void> {
    return this.fs.hasJournal ? this.journaledSync() : this.fdatasyncOnFd();
  }

  private async journaledSync(): Promise<void> {
    // Covered: this file's operations up to the fsync's start, below any still running then.
    const coveredBelow = this.coveredBelow(this.fs.peekSequence);
    await this.fdatasyncOnFd();
    await this.fs.record(`sync\t${coveredBelow}\t${this.path}`);
  }

  async truncate(length: number): Promise<void> {
    if (!this.fs.hasJournal) {
      await this.handle.truncate(length);
      return;
    }
    await this.journaled(`truncate\t${length}`, () => this.handle.truncate(length));
  }

  async size(): Promise<number> {
    return (await this.handle.stat()).size;
  }

  async close(): Promise<void> {
    this.isClosing = true;
    if (this.opsRunning > 0) {
      this.opsIdle ??= new Promise<void>((resolve) => {
        this.opsDone = resolve;
      });
      await this.opsIdle;
    }
    await this.handle.close();
  }
}

function totalLength(buffers: readonly Buffer[]): number {
  let length = 0;
  for (const buffer of buffers) length += buffer.length;
  return length;
}
