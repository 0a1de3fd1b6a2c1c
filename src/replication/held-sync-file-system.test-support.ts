// Test-only: a MemoryFileSystem whose `.log` fsyncs can be held (until `release()`) or failed, so a
// test decides when a group commit becomes durable, and whether it does.
import type { FileSystem, StorageFile } from '../storage/index.js';
import { MemoryFileSystem } from '../storage/index.js';

export class HeldSyncFileSystem implements FileSystem {
  readonly inner = new MemoryFileSystem();
  readonly benefitsFromZeroAhead = false;
  /** `.log` fsyncs that completed (each one a group commit made durable). */
  logSyncs = 0;
  private isHolding = false;
  private failure: Error | undefined;
  private readonly held: { resume: () => void; fail: (error: Error) => void }[] = [];

  /** From now on `.log` fsyncs wait until `release()` (or fail with `failHeld`). */
  hold(): void {
    this.isHolding = true;
  }

  /** How many `.log` fsyncs wait. */
  get heldCount(): number {
    return this.held.length;
  }

  /** Lets the held fsyncs (and later ones) complete. */
  release(): void {
    this.isHolding = false;
    for (const sync of this.held.splice(0)) sync.resume();
  }

  /** Fails the held fsyncs, and every later `.log` fsync, with `error` (a dying disk). */
  failHeld(error: Error): void {
    this.failure = error;
    this.isHolding = false;
    for (const sync of this.held.splice(0)) sync.fail(error);
  }

  private async gate(): Promise<void> {
    if (this.failure !== undefined) throw this.failure;
    if (!this.isHolding) return;
    await new Promise<void>((resume, fail) => this.held.push({ resume, fail }));
  }

  async open(path: string, options?: { readonly create?: boolean }): Promise<StorageFile> {
    const file = await this.inner.open(path, options);
    const isLog = path.endsWith('.log');
    return {
      path: file.path,
      read: (buffer, offset, length, position) => file.read(buffer, offset, length, position),
      writev: (buffers, position) => file.writev(buffers, position),
      sync: async () => {
        if (!isLog) return file.sync();
        await this.gate();
        await file.sync();
        this.logSyncs += 1;
      },
      truncate: (length) => file.truncate(length),
      size: () => file.size(),
      close: () => file.close(),
    };
  }
  rename = (from: string, to: string) => this.inner.rename(from, to);
  unlink = (path: string) => this.inner.unlink(path);
  readdir = (path: string) => this.inner.readdir(path);
  mkdir = (path: string) => this.inner.mkdir(path);
  rmdir = (path: string) => this.inner.rmdir(path);
  stat = (path: string) => this.inner.stat(path);
  fsyncDir = (path: string) => this.inner.fsyncDir(path);
  lock = (path: string) => this.inner.lock(path);
  statfs = () => this.inner.statfs();
}
