// Test-only: a MemoryFileSystem whose `.log` fsyncs can be held (until `release()`) or failed, so a
// test decides when a group commit becomes durable, and whether it does. A `.log` opened O_DSYNC
// (a durable log's active segment) has no fsync to hold: its writes are held instead, after their
// bytes reached the file, as a device still flushing them (each one counts as an fsync).
import type { OpenOptions, StorageFile } from '../storage/index.js';
import { MemoryFileSystem } from '../storage/index.js';
import { passThroughFile, WrappedFileSystem } from '../storage/wrapped-file-system.test-support.js';

export class HeldSyncFileSystem extends WrappedFileSystem<MemoryFileSystem> {
  /** `.log` fsyncs that completed (each one a group commit made durable). */
  logSyncs = 0;
  private isHolding = false;
  private failure: Error | undefined;
  private readonly held: { resume: () => void; fail: (error: Error) => void }[] = [];
  private readonly dsyncPaths = new Set<string>();

  constructor() {
    super(new MemoryFileSystem());
  }

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

  override open(path: string, options?: OpenOptions): Promise<StorageFile> {
    if (options?.dsync === true) this.dsyncPaths.add(path);
    else this.dsyncPaths.delete(path);
    return super.open(path, options);
  }

  protected override wrapFile(path: string, file: StorageFile): StorageFile {
    if (!path.endsWith('.log')) return file;
    if (this.dsyncPaths.has(path)) {
      return {
        ...passThroughFile(file),
        writev: async (buffers, position) => {
          await file.writev(buffers, position);
          await this.gate();
          this.logSyncs += 1;
        },
      };
    }
    return {
      ...passThroughFile(file),
      sync: async () => {
        await this.gate();
        await file.sync();
        this.logSyncs += 1;
      },
    };
  }
}
