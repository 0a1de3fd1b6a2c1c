// Proves FileRaftStorage's pipelined writes (raft-storage.ts, pipelinedPersist): an append may run
// while a sync is in flight, a sync returns only after the syncs in flight before it, and every call
// that needs what came before durable (hard state, a cut, a new segment) waits for the syncs in flight.
// The file system's fsyncs are held and released one by one (a MemoryFileSystem with power loss).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type FileSystem, MemoryFileSystem, type StorageFile } from '../../storage/index.js';
import { FileRaftStorage } from './file-raft-storage.js';
import { pipelinedPersist } from './raft-storage.js';
import { plain, range } from './raft-storage-contract.test-support.js';

const DIR = '/node-1/raft';

/** Calls through to `target` with its own `this` (its private fields stay reachable). */
function forward<T extends object>(target: T, overrides: Partial<T>): T {
  return new Proxy(target, {
    get(object, property) {
      if (property in overrides) return overrides[property as keyof T];
      const value = Reflect.get(object, property, object) as unknown;
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(object) : value;
    },
  });
}

/** A file system whose file fsyncs wait, while `held`, until released in the order they started. */
class HeldSyncs {
  held = false;
  readonly waiting: (() => void)[] = [];

  wrap(fs: FileSystem): FileSystem {
    return forward(fs, {
      open: async (path: string, options?: { readonly create?: boolean }): Promise<StorageFile> => {
        const file = await fs.open(path, options);
        return forward(file, {
          sync: async (): Promise<void> => {
            if (this.held) await new Promise<void>((resolve) => this.waiting.push(resolve));
            await file.sync();
          },
        });
      },
    });
  }

  releaseNext(): void {
    this.waiting.shift()?.();
  }
}

async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

function track<T>(promise: Promise<T>): { done: () => boolean; promise: Promise<T> } {
  let settled = false;
  const tracked = promise.finally(() => {
    settled = true;
  });
  return { done: () => settled, promise: tracked };
}

async function open(
  segmentBytes = 64 * 1024,
): Promise<{ fs: MemoryFileSystem; held: HeldSyncs; storage: FileRaftStorage }> {
  const fs = new MemoryFileSystem({ trackDurability: true });
  const held = new HeldSyncs();
  // Plain writes and fdatasyncs: with O_DSYNC segments (the default) an append is durable on return and
  // no fsync is left to overlap.
  const storage = await FileRaftStorage.open(held.wrap(fs), DIR, {
    segmentBytes,
    zeroAheadBytes: 0,
    dsync: false,
  });
  await storage.load();
  return { fs, held, storage };
}

describe('FileRaftStorage pipelined writes', () => {
  it('appends while a sync is in flight; a later sync returns only after the earlier one', async () => {
    const { fs, held, storage } = await open();
    await storage.appendEntries(range(1, 3, 1));
    await storage.sync(); // the segment and directory are durable: later appends overwrite in place
    await storage.appendEntries(range(4, 5, 1));
    held.held = true;
    const first = track(storage.sync());
    await settle();
    assert.equal(held.waiting.length, 1, 'the first fsync is in flight');
    await storage.appendEntries(range(6, 7, 1)); // does not wait for it
    const second = track(storage.sync());
    await settle();
    assert.equal(held.waiting.length, 2, 'the second fsync runs beside the first');
    held.waiting.splice(1, 1)[0]!(); // the second fsync returns first
    await settle();
    assert.equal(second.done(), false, 'a sync returns only once the syncs before it did');
    assert.equal(first.done(), false);
    held.held = false;
    held.releaseNext();
    await first.promise;
    await second.promise;
    await storage.close();
    const after = await FileRaftStorage.open(fs.simulatePowerLoss(), DIR);
    assert.deepEqual(plain((await after.load()).entries), plain(range(1, 7, 1)));
    await after.close();
  });

  it('a hard state, a cut and a new segment wait for the syncs in flight', async () => {
    const { held, storage } = await open(300);
    await storage.appendEntries(range(1, 3, 1));
    await storage.sync();
    for (const call of [
      () => storage.saveHardState({ term: 2, votedFor: 1 }),
      () => storage.appendEntries(range(3, 4, 2)), // cuts entry 3 of term 1
      () => storage.appendEntries(range(5, 12, 2)), // does not fit the 300-byte segment
    ]) {
      await storage.appendEntries(range(0, -1, 1)); // no-op: nothing to write
      held.held = true;
      const inFlight = track(storage.sync());
      await settle();
      const waiting = track(call());
      await settle();
      assert.equal(waiting.done(), false, 'it waits for the sync in flight');
      held.held = false;
      held.releaseNext();
      await inFlight.promise;
      await waiting.promise;
    }
    await storage.close();
  });

  it('pipelinedPersist writes the next ready while the previous fsync runs, and resolves in order', async () => {
    const { fs, held, storage } = await open();
    await storage.appendEntries(range(1, 1, 1));
    await storage.sync();
    const persist = pipelinedPersist(storage);
    const ready = (from: number, to: number) => ({
      hardState: undefined,
      snapshot: undefined,
      entries: range(from, to, 1),
      messages: [],
      committed: [],
      readStates: [],
      shouldSnapshot: false,
    });
    held.held = true;
    const first = track(persist(ready(2, 3)));
    const second = track(persist(ready(4, 6)));
    await settle();
    assert.equal(held.waiting.length, 2, "the second ready's fsync started while the first's runs");
    held.waiting.splice(1, 1)[0]!();
    await settle();
    assert.equal(second.done(), false, 'the second resolves only after the first');
    held.held = false;
    held.releaseNext();
    await first.promise;
    await second.promise;
    await storage.close();
    const after = await FileRaftStorage.open(fs.simulatePowerLoss(), DIR);
    assert.deepEqual(plain((await after.load()).entries), plain(range(1, 6, 1)));
    await after.close();
  });
});
