// Test support: the RaftStorage contract as one node:test suite, run against every implementation
// (memory-raft-storage.test.ts, file-raft-storage.test.ts), so both behave alike across restarts.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClusterConfig, LogEntry, Snapshot } from '../core/log-entry.js';
import type { RaftStorage } from './raft-storage.js';

/** A store under test and how to get the next process's store after a crash that keeps only synced state. */
export interface StorageHarness {
  readonly storage: RaftStorage;
  /** Power loss: everything since the last sync() may be lost; returns the reopened store's harness. */
  crash(): Promise<StorageHarness>;
  /** A clean restart: close, then reopen the same store. */
  reopen(): Promise<StorageHarness>;
  /** Releases everything (temp dirs...). */
  dispose(): Promise<void>;
}

export const CONFIG: ClusterConfig = { voters: [1, 2, 3], learners: [4] };

export function command(index: number, term: number, text = `e${index}`): LogEntry {
  return { kind: 'command', index, term, data: new TextEncoder().encode(text) };
}

export function snapshotAt(index: number, term: number, text = `s${index}`): Snapshot {
  return { index, term, config: CONFIG, data: new TextEncoder().encode(text) };
}

export function range(from: number, to: number, term: number): LogEntry[] {
  const entries: LogEntry[] = [];
  for (let index = from; index <= to; index++) entries.push(command(index, term));
  return entries;
}

/** Entries as comparable plain values (Uint8Array → text). */
export function plain(entries: readonly LogEntry[]): unknown[] {
  return entries.map((entry) =>
    entry.kind === 'command' ? { ...entry, data: new TextDecoder().decode(entry.data) } : entry,
  );
}

export function describeRaftStorageContract(name: string, open: () => Promise<StorageHarness>): void {
  describe(`RaftStorage contract: ${name}`, () => {
    const withStore = (run: (harness: StorageHarness) => Promise<StorageHarness | undefined>) => async () => {
      const harness = await open();
      let last = harness;
      try {
        last = (await run(harness)) ?? harness;
      } finally {
        await last.dispose();
      }
    };

    it(
      'a fresh store loads term 0, no vote, no snapshot, no entries',
      withStore(async ({ storage }) => {
        const loaded = await storage.load();
        assert.deepEqual(loaded, {
          hardState: { term: 0, votedFor: undefined },
          snapshot: undefined,
          entries: [],
        });
        return undefined;
      }),
    );

    it(
      'synced hard state, entries and snapshot survive a crash; unsynced ones may not',
      withStore(async (harness) => {
        const { storage } = harness;
        await storage.load();
        await storage.saveHardState({ term: 3, votedFor: 2 });
        await storage.appendEntries([
          { kind: 'noop', index: 1, term: 1 },
          { kind: 'config', index: 2, term: 2, config: CONFIG },
          ...range(3, 10, 3),
        ]);
        await storage.sync();
        await storage.appendEntries(range(11, 12, 3));
        const next = await harness.crash();
        const loaded = await next.storage.load();
        assert.deepEqual(loaded.hardState, { term: 3, votedFor: 2 });
        assert.equal(loaded.snapshot, undefined);
        assert.ok(loaded.entries.length >= 10 && loaded.entries.length <= 12);
        assert.deepEqual(
          plain(loaded.entries.slice(0, 10)),
          plain([
            { kind: 'noop', index: 1, term: 1 },
            { kind: 'config', index: 2, term: 2, config: CONFIG },
            ...range(3, 10, 3),
          ]),
        );
        return next;
      }),
    );

    it(
      'an append at an existing index drops the conflicting suffix',
      withStore(async (harness) => {
        await harness.storage.load();
        await harness.storage.appendEntries(range(1, 20, 1));
        await harness.storage.sync();
        await harness.storage.appendEntries(range(8, 9, 2));
        await harness.storage.sync();
        const next = await harness.reopen();
        assert.deepEqual(
          plain((await next.storage.load()).entries),
          plain([...range(1, 7, 1), ...range(8, 9, 2)]),
        );
        return next;
      }),
    );

    it(
      'a local snapshot compacts the prefix and keeps the entries after it; an older one is ignored',
      withStore(async (harness) => {
        await harness.storage.load();
        await harness.storage.appendEntries(range(1, 30, 1));
        await harness.storage.saveSnapshot(snapshotAt(12, 1));
        await harness.storage.saveSnapshot(snapshotAt(5, 1));
        await harness.storage.sync();
        const next = await harness.crash();
        const loaded = await next.storage.load();
        assert.equal(loaded.snapshot?.index, 12);
        assert.equal(new TextDecoder().decode(loaded.snapshot?.data), 's12');
        assert.deepEqual(loaded.snapshot?.config, CONFIG);
        assert.deepEqual(plain(loaded.entries), plain(range(13, 30, 1)));
        return next;
      }),
    );

    it(
      'an installed snapshot replaces the whole log, and appends continue after it',
      withStore(async (harness) => {
        await harness.storage.load();
        await harness.storage.appendEntries(range(1, 30, 1));
        await harness.storage.sync();
        await harness.storage.installSnapshot(snapshotAt(20, 2));
        await harness.storage.appendEntries(range(21, 22, 2));
        await harness.storage.sync();
        const next = await harness.crash();
        const loaded = await next.storage.load();
        assert.equal(loaded.snapshot?.index, 20);
        assert.deepEqual(plain(loaded.entries), plain(range(21, 22, 2)));
        return next;
      }),
    );

    it(
      'appends that leave a gap or start inside the snapshot are refused',
      withStore(async (harness) => {
        await harness.storage.load();
        await harness.storage.appendEntries(range(1, 5, 1));
        await assert.rejects(harness.storage.appendEntries(range(7, 8, 1)), { code: 'RAFT_INVARIANT' });
        await harness.storage.saveSnapshot(snapshotAt(3, 1));
        await assert.rejects(harness.storage.appendEntries(range(2, 4, 1)), { code: 'RAFT_INVARIANT' });
        return undefined;
      }),
    );
  });
}
