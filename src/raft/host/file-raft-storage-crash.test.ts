// Proves FileRaftStorage loses nothing acknowledged and loads nothing invalid across power loss: a
// scripted run (appends across small segments, overwritten suffixes, votes, local and installed
// snapshots) is cut at every one of its I/O operations in turn; then unsynced bytes are lost, or partly
// kept with garbage after them (torn writes). The reopened store must hold exactly a state the
// RaftStorage contract allows (the synced state plus a prefix of the later calls), and take writes again.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MemoryFileSystem } from '../../storage/index.js';
import { SeededRandom } from '../../testing/index.js';
import {
  allowedStates,
  applyCall,
  CrashingFileSystem,
  comparable,
  losePower,
  PowerLossError,
  type StorageCall,
} from './crash-points.test-support.js';
import { FileRaftStorage } from './file-raft-storage.js';
import type { RaftStorage } from './raft-storage.js';
import { CONFIG, command, range, snapshotAt } from './raft-storage-contract.test-support.js';
import { StoredLog } from './stored-log.js';

const DIR = '/raft';
const SEGMENT_BYTES = 100;

type Step = StorageCall | { readonly kind: 'sync' };

const SCRIPT: readonly Step[] = [
  { kind: 'hardState', hardState: { term: 1, votedFor: 1 } },
  { kind: 'append', entries: [{ kind: 'config', index: 1, term: 1, config: CONFIG }, ...range(2, 5, 1)] },
  { kind: 'sync' },
  { kind: 'append', entries: range(6, 12, 1) },
  { kind: 'sync' },
  { kind: 'hardState', hardState: { term: 2, votedFor: undefined } },
  { kind: 'hardState', hardState: { term: 2, votedFor: 3 } },
  { kind: 'append', entries: [{ kind: 'noop', index: 8, term: 2 }, ...range(9, 10, 2)] },
  { kind: 'sync' },
  { kind: 'snapshot', snapshot: snapshotAt(6, 1) },
  { kind: 'append', entries: range(11, 20, 2) },
  { kind: 'sync' },
  { kind: 'append', entries: range(21, 22, 2) },
  { kind: 'hardState', hardState: { term: 3, votedFor: 2 } },
  { kind: 'install', snapshot: snapshotAt(25, 3) },
  { kind: 'append', entries: range(26, 28, 3) },
  { kind: 'sync' },
  { kind: 'hardState', hardState: { term: 4, votedFor: 4 } },
  { kind: 'append', entries: range(27, 33, 4) },
  { kind: 'snapshot', snapshot: snapshotAt(29, 4) },
  { kind: 'append', entries: range(34, 34, 4) },
  { kind: 'sync' },
];

function call(storage: RaftStorage, step: Step): Promise<void> {
  switch (step.kind) {
    case 'hardState':
      return storage.saveHardState(step.hardState);
    case 'snapshot':
      return storage.saveSnapshot(step.snapshot);
    case 'install':
      return storage.installSnapshot(step.snapshot);
    case 'append':
      return storage.appendEntries(step.entries);
    case 'sync':
      return storage.sync();
  }
}

/** Runs the script until power is lost at I/O operation `crashAt`; returns what the oracle needs. */
async function runUntilCrash(disk: MemoryFileSystem, crashAt: number, dsync = true) {
  const fs = new CrashingFileSystem(disk, crashAt);
  const synced = new StoredLog();
  let pending: StorageCall[] = [];
  try {
    const storage = await FileRaftStorage.open(fs, DIR, { segmentBytes: SEGMENT_BYTES, dsync });
    await storage.load();
    for (const step of SCRIPT) {
      if (step.kind !== 'sync') pending.push(step);
      await call(storage, step);
      if (step.kind === 'sync') {
        for (const done of pending) applyCall(synced, done);
        pending = [];
      }
    }
  } catch (error: unknown) {
    if (
      !(error instanceof PowerLossError) &&
      !(error instanceof Error && error.cause instanceof PowerLossError)
    )
      throw error;
  }
  return { operations: fs.operations, isCrashed: fs.isCrashed, synced, pending };
}

async function checkRecovery(
  after: MemoryFileSystem,
  synced: StoredLog,
  pending: StorageCall[],
  label: string,
  dsync: boolean,
) {
  const storage = await FileRaftStorage.open(after, DIR, { segmentBytes: SEGMENT_BYTES, dsync });
  const loaded = await storage.load();
  const allowed = allowedStates(synced, pending).map(comparable);
  const got = comparable(loaded);
  assert.ok(
    allowed.some((state) => JSON.stringify(state) === JSON.stringify(got)),
    `${label}: recovered ${JSON.stringify(got)}\nnot among the allowed states ${JSON.stringify(allowed)}`,
  );
  // The recovered store takes writes again, and they survive the next power loss.
  const lastIndex = (loaded.snapshot?.index ?? 0) + loaded.entries.length;
  const lastTerm = loaded.entries.at(-1)?.term ?? loaded.snapshot?.term ?? 0;
  const next = command(lastIndex + 1, Math.max(lastTerm, loaded.hardState.term), 'after');
  await storage.appendEntries([next]);
  await storage.sync();
  const again = await FileRaftStorage.open(after.simulatePowerLoss(), DIR, {
    segmentBytes: SEGMENT_BYTES,
    dsync,
  });
  const reloaded = await again.load();
  const expected = new StoredLog();
  expected.hardState = loaded.hardState;
  expected.snapshot = loaded.snapshot;
  expected.entries = [...loaded.entries, next];
  assert.deepEqual(comparable(reloaded), comparable(expected), `${label}: an append after recovery`);
  await again.close();
}

describe('FileRaftStorage under power loss at every I/O operation', () => {
  // O_DSYNC segments (the default: an append is durable when it returns) and plain writes + fdatasync.
  for (const dsync of [true, false]) {
    it(`recovers an allowed state after a clean cut and after torn writes, at every crash point (dsync ${dsync})`, async () => {
      const full = await runUntilCrash(
        new MemoryFileSystem({ trackDurability: true }),
        Number.POSITIVE_INFINITY,
        dsync,
      );
      assert.equal(full.isCrashed, false);
      assert.ok(full.operations > 120, `the script does ${full.operations} I/O operations`);
      const random = new SeededRandom(7);
      for (let crashAt = 0; crashAt <= full.operations; crashAt++) {
        for (let variant = 0; variant < 4; variant++) {
          const disk = new MemoryFileSystem({ trackDurability: true });
          const run = await runUntilCrash(disk, crashAt, dsync);
          if (!(await disk.stat(DIR))) continue; // power lost before the directory existed
          const after = await losePower(disk, DIR, variant === 0 ? undefined : random);
          await checkRecovery(
            after,
            run.synced,
            run.pending,
            `crash at operation ${crashAt}, variant ${variant}, dsync ${dsync}`,
            dsync,
          );
        }
      }
    });
  }

  it('a completed run reloads exactly the final state', async () => {
    const disk = new MemoryFileSystem({ trackDurability: true });
    const run = await runUntilCrash(disk, Number.POSITIVE_INFINITY);
    assert.equal(run.pending.length, 0);
    const storage = await FileRaftStorage.open(disk.simulatePowerLoss(), DIR);
    const loaded = await storage.load();
    assert.deepEqual(comparable(loaded), comparable(run.synced));
    assert.equal(loaded.snapshot?.index, 29);
    assert.deepEqual(
      loaded.entries.map((entry) => entry.index),
      [30, 31, 32, 33, 34],
    );
    await storage.close();
  });
});
