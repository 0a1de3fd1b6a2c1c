// Test support for FileRaftStorage's crash tests: a FileSystem that "loses power" at a chosen I/O
// operation, torn tails for what was written but not fsynced, and the oracle saying which recovered
// states the RaftStorage contract allows after a crash.
import type {
  FileLock,
  FileStat,
  FileSystem,
  MemoryFileSystem,
  OpenOptions,
  StorageFile,
  VolumeSpace,
} from '../../storage/index.js';
import type { SeededRandom } from '../../testing/index.js';
import type { HardState, LogEntry, PersistedState, Snapshot } from '../core/log-entry.js';
import type { StoredLog } from './stored-log.js';

export class PowerLossError extends Error {}

/**
 * Passes every call to `inner` and counts the mutating ones (creating opens, writes, syncs, cuts,
 * renames, unlinks, directory syncs); the one numbered `crashAt` and every call after it throw
 * PowerLossError without reaching the disk. `crashAt` = Infinity never crashes (counts only).
 */
export class CrashingFileSystem implements FileSystem {
  operations = 0;
  isCrashed = false;

  constructor(
    readonly inner: MemoryFileSystem,
    private readonly crashAt: number,
  ) {}

  /** @internal */
  step(): void {
    if (this.isCrashed || this.operations >= this.crashAt) {
      this.isCrashed = true;
      throw new PowerLossError(`power lost at I/O operation ${this.operations}`);
    }
    this.operations++;
  }

  async open(path: string, options?: OpenOptions): Promise<StorageFile> {
    if (options?.create === true) this.step();
    return new CrashingFile(this, await this.inner.open(path, options));
  }
  async rename(from: string, to: string): Promise<void> {
    this.step();
    await this.inner.rename(from, to);
  }
  async unlink(path: string): Promise<void> {
    this.step();
    await this.inner.unlink(path);
  }
  readdir(path: string): Promise<string[]> {
    return this.inner.readdir(path);
  }
  async mkdir(path: string): Promise<void> {
    this.step();
    await this.inner.mkdir(path);
  }
  rmdir(path: string): Promise<void> {
    return this.inner.rmdir(path);
  }
  stat(path: string): Promise<FileStat | undefined> {
    return this.inner.stat(path);
  }
  async fsyncDir(path: string): Promise<void> {
    this.step();
    await this.inner.fsyncDir(path);
  }
  lock(path: string): Promise<FileLock> {
    return this.inner.lock(path);
  }
  statfs(): Promise<VolumeSpace> {
    return this.inner.statfs();
  }
}

class CrashingFile implements StorageFile {
  constructor(
    private readonly fs: CrashingFileSystem,
    private readonly inner: StorageFile,
  ) {}
  get path(): string {
    return this.inner.path;
  }
  read(buffer: Buffer, offset: number, length: number, position: number): Promise<number> {
    return this.inner.read(buffer, offset, length, position);
  }
  async writev(buffers: readonly Buffer[], position: number): Promise<void> {
    this.fs.step();
    await this.inner.writev(buffers, position);
  }
  async sync(): Promise<void> {
    this.fs.step();
    await this.inner.sync();
  }
  async truncate(length: number): Promise<void> {
    this.fs.step();
    await this.inner.truncate(length);
  }
  size(): Promise<number> {
    return this.inner.size();
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

/**
 * Power loss on `fs`, then, when `random` is given, torn writes on every file written since its last
 * fsync: of the bytes it overwrote in place (zeros written ahead, then records over them), each sector
 * (`sectorBytes`) independently kept new or old, or its changed bytes turned to garbage (a sector
 * written halfway); of the bytes it grew by, a random part made it to disk, sometimes followed by garbage.
 * Returns the file system of the next process.
 */
export async function losePower(
  fs: MemoryFileSystem,
  dir: string,
  random?: SeededRandom,
  sectorBytes = 8,
): Promise<MemoryFileSystem> {
  const before = new Map<string, Buffer>();
  for (const name of await fs.readdir(dir)) {
    const bytes = fs.readRaw(`${dir}/${name}`);
    if (bytes !== undefined) before.set(name, bytes);
  }
  const after = fs.simulatePowerLoss();
  if (random === undefined) return after;
  for (const name of await after.readdir(dir)) {
    const durable = after.readRaw(`${dir}/${name}`);
    const written = before.get(name);
    if (durable === undefined || written === undefined || written.equals(durable)) continue;
    const torn = Buffer.from(durable);
    for (let at = 0; at < Math.min(durable.length, written.length); at += sectorBytes) {
      const end = Math.min(at + sectorBytes, durable.length, written.length);
      if (written.subarray(at, end).equals(durable.subarray(at, end))) continue;
      const fate = random.nextInt(5);
      if (fate < 2) written.copy(torn, at, at, end);
      else if (fate === 2) {
        // Garbage only where the write changed something: rewriting a byte with itself cannot tear it.
        for (let i = at; i < end; i++) if (written[i] !== durable[i]) torn[i] = random.nextInt(256);
      }
    }
    if (written.length <= durable.length) {
      after.writeRaw(`${dir}/${name}`, torn);
      continue;
    }
    const kept = random.nextInt(written.length - durable.length + 1);
    const garbage = random.nextInt(3) === 0 ? randomBytes(random, 1 + random.nextInt(40)) : Buffer.alloc(0);
    after.writeRaw(
      `${dir}/${name}`,
      Buffer.concat([torn, written.subarray(durable.length, durable.length + kept), garbage]),
    );
  }
  return after;
}

function randomBytes(random: SeededRandom, length: number): Buffer {
  const bytes = Buffer.alloc(length);
  for (let i = 0; i < length; i++) bytes[i] = random.nextInt(256);
  return bytes;
}

/** One RaftStorage call, as the oracle replays it. */
export type StorageCall =
  | { readonly kind: 'hardState'; readonly hardState: HardState }
  | { readonly kind: 'snapshot'; readonly snapshot: Snapshot }
  | { readonly kind: 'install'; readonly snapshot: Snapshot }
  | { readonly kind: 'append'; readonly entries: readonly LogEntry[] };

export function applyCall(log: StoredLog, call: StorageCall): void {
  switch (call.kind) {
    case 'hardState':
      log.hardState = call.hardState;
      return;
    case 'snapshot':
      log.saveSnapshot(call.snapshot);
      return;
    case 'install':
      log.installSnapshot(call.snapshot);
      return;
    case 'append':
      log.appendEntries(call.entries);
      return;
  }
}

/**
 * Every state the RaftStorage contract allows after a crash, given the state at the last completed
 * sync() and the calls made since (the last one possibly interrupted): a prefix of the calls, where
 * the last kept append may be cut after any of its entries and, when it overwrote a suffix, may have
 * left the old log cut anywhere from the overwrite point on.
 */
export function allowedStates(synced: StoredLog, pending: readonly StorageCall[]): StoredLog[] {
  const states: StoredLog[] = [synced.clone()];
  let log = synced.clone();
  for (const call of pending) {
    if (call.kind === 'append' && call.entries.length > 0) {
      const firstIndex = call.entries[0]!.index;
      for (let last = firstIndex - 1; last < log.lastIndex; last++) {
        const cut = log.clone();
        cut.entries.length = last - cut.snapshotIndex;
        states.push(cut);
      }
      for (let count = 1; count < call.entries.length; count++) {
        const partial = log.clone();
        partial.appendEntries(call.entries.slice(0, count));
        states.push(partial);
      }
    }
    log = log.clone();
    applyCall(log, call);
    states.push(log);
  }
  return states;
}

/** A state as comparable plain values. */
export function comparable(state: PersistedState | StoredLog): unknown {
  const text = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');
  return {
    hardState: state.hardState,
    snapshot:
      state.snapshot === undefined ? undefined : { ...state.snapshot, data: text(state.snapshot.data) },
    entries: state.entries.map((entry) =>
      entry.kind === 'command' ? { ...entry, data: text(entry.data) } : entry,
    ),
  };
}
