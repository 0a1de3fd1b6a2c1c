// Proves MemoryRaftStorage keeps the RaftStorage contract (the shared suite) and models crashes as the
// contract allows: a prefix of the calls since the last sync survives, appends cut at entry boundaries.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryRaftStorage } from './memory-raft-storage.js';
import { persistReady } from './raft-storage.js';
import {
  describeRaftStorageContract,
  plain,
  range,
  type StorageHarness,
  snapshotAt,
} from './raft-storage-contract.test-support.js';

function harness(storage: MemoryRaftStorage): StorageHarness {
  return {
    storage,
    crash: async () => harness(storage.crash()),
    reopen: async () => {
      await storage.sync();
      return harness(storage.crash());
    },
    dispose: async () => undefined,
  };
}

describeRaftStorageContract('MemoryRaftStorage', async () => harness(new MemoryRaftStorage()));

describe('MemoryRaftStorage crashes', () => {
  it('keeps the first calls since the last sync, the last append cut at an entry boundary', async () => {
    const storage = new MemoryRaftStorage();
    await storage.appendEntries(range(1, 3, 1));
    await storage.sync();
    await storage.saveHardState({ term: 2, votedFor: 1 });
    await storage.installSnapshot(snapshotAt(10, 2));
    await storage.appendEntries(range(11, 15, 2));
    assert.equal(storage.pendingCalls, 3);
    const after = await storage.crash(3, 2).load();
    assert.deepEqual(after.hardState, { term: 2, votedFor: 1 });
    assert.equal(after.snapshot?.index, 10);
    assert.deepEqual(plain(after.entries), plain(range(11, 12, 2)));
    await assert.rejects(storage.load(), { code: 'RAFT_STORAGE_FAILED' });
  });

  it('persistReady writes hard state, snapshot and entries in that order, then syncs once', async () => {
    const storage = new MemoryRaftStorage();
    await persistReady(storage, {
      hardState: { term: 1, votedFor: 1 },
      snapshot: { snapshot: snapshotAt(4, 1), restore: true },
      entries: range(5, 6, 1),
      messages: [],
      committed: [],
      readStates: [],
      shouldSnapshot: false,
    });
    assert.equal(storage.syncs, 1);
    const loaded = await storage.crash().load();
    assert.equal(loaded.snapshot?.index, 4);
    assert.deepEqual(plain(loaded.entries), plain(range(5, 6, 1)));
    assert.deepEqual(loaded.hardState, { term: 1, votedFor: 1 });
  });
});
