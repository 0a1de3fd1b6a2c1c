// Proves FileRaftStorage keeps the RaftStorage contract (the shared suite) on the in-memory disk with
// power loss and on the real file system, and the store-level rules: files it refuses to guess about
// (a corrupt vote or snapshot), the directory lock, torn tails and stale log generations repaired at
// open, segments rolled and compacted away, and a store that fails for good after an I/O error.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { MemoryFileSystem, NodeFileSystem, type StorageFile } from '../../storage/index.js';
import { passThroughFile, WrappedFileSystem } from '../../storage/wrapped-file-system.test-support.js';
import type { LogEntry } from '../core/log-entry.js';
import { CrashingFileSystem } from './crash-points.test-support.js';
import { FileRaftStorage } from './file-raft-storage.js';
import { HARD_STATE_FILE } from './file-raft-storage-recovery.js';
import { segmentFileName } from './raft-log-segment.js';
import {
  describeRaftStorageContract,
  plain,
  range,
  type StorageHarness,
  snapshotAt,
} from './raft-storage-contract.test-support.js';

const DIR = '/node-1/raft';

/** Counts the file writes and fsyncs (file and directory) made through it, and notes dsync opens. */
class CountingFileSystem extends WrappedFileSystem<MemoryFileSystem> {
  writes = 0;
  syncs = 0;
  dsyncOpens = 0;

  override async open(path: string, options?: { create?: boolean; dsync?: boolean }): Promise<StorageFile> {
    if (options?.dsync === true) this.dsyncOpens++;
    return super.open(path, options);
  }

  protected override wrapFile(_path: string, file: StorageFile): StorageFile {
    return {
      ...passThroughFile(file),
      writev: (buffers, position) => {
        this.writes++;
        return file.writev(buffers, position);
      },
      sync: () => {
        this.syncs++;
        return file.sync();
      },
    };
  }

  override fsyncDir = (path: string): Promise<void> => {
    this.syncs++;
    return this.inner.fsyncDir(path);
  };
}

function memoryHarness(fs: MemoryFileSystem, storage: FileRaftStorage): StorageHarness {
  return {
    storage,
    crash: async () => {
      const next = fs.simulatePowerLoss();
      return memoryHarness(next, await FileRaftStorage.open(next, DIR, { segmentBytes: 150 }));
    },
    reopen: async () => {
      await storage.close();
      return memoryHarness(fs, await FileRaftStorage.open(fs, DIR, { segmentBytes: 150 }));
    },
    dispose: () => storage.close(),
  };
}

describeRaftStorageContract('FileRaftStorage on MemoryFileSystem', async () => {
  const fs = new MemoryFileSystem({ trackDurability: true });
  return memoryHarness(fs, await FileRaftStorage.open(fs, DIR, { segmentBytes: 150 }));
});

/** The store lives in `<root>/raft` (a directory open creates); dispose removes `root`, the temp dir. */
function nodeHarness(root: string, storage: FileRaftStorage): StorageHarness {
  // A real disk cannot lose power here: a "crash" is a process crash (the page cache keeps every write).
  const reopen = async () => {
    await storage.close();
    return nodeHarness(root, await openOnDisk(root));
  };
  return {
    storage,
    crash: reopen,
    reopen,
    dispose: async () => {
      await storage.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}

function openOnDisk(root: string): Promise<FileRaftStorage> {
  return FileRaftStorage.open(new NodeFileSystem(), join(root, 'raft'), { segmentBytes: 150 });
}

describeRaftStorageContract('FileRaftStorage on NodeFileSystem', async () => {
  const root = await mkdtemp(join(tmpdir(), 'pyralog-raft-storage-'));
  return nodeHarness(root, await openOnDisk(root));
});

async function openMemory(fs = new MemoryFileSystem({ trackDurability: true }), segmentBytes = 150) {
  const storage = await FileRaftStorage.open(fs, DIR, { segmentBytes });
  return { fs, storage, loaded: await storage.load() };
}

describe('FileRaftStorage files', () => {
  it('a second open of a locked store fails with LOG_DIR_LOCKED; close releases the lock', async () => {
    const { fs, storage } = await openMemory();
    await assert.rejects(FileRaftStorage.open(fs, DIR), { code: 'LOG_DIR_LOCKED' });
    await storage.close();
    await (await FileRaftStorage.open(fs, DIR)).close();
  });

  it('makes what a killed process left unsynced durable at open, before it is reported as stable', async () => {
    const { fs, storage } = await openMemory();
    await storage.appendEntries(range(1, 12, 1));
    const afterKill = fs.simulateProcessCrash();
    const { storage: next, loaded } = await openMemory(afterKill);
    assert.equal(loaded.entries.length, 12, 'the page cache kept them');
    await next.sync();
    const { loaded: afterPowerLoss } = await openMemory(afterKill.simulatePowerLoss());
    assert.deepEqual(plain(afterPowerLoss.entries), plain(range(1, 12, 1)));
  });

  it('refuses to open with a corrupt hard state or snapshot rather than forget a vote or entries', async () => {
    const { fs, storage } = await openMemory();
    await storage.saveHardState({ term: 5, votedFor: 2 });
    await storage.appendEntries(range(1, 10, 5));
    await storage.saveSnapshot(snapshotAt(4, 5));
    await storage.close();
    const hardState = fs.readRaw(`${DIR}/${HARD_STATE_FILE}`)!;
    hardState[hardState.length - 6]! ^= 1;
    fs.writeRaw(`${DIR}/${HARD_STATE_FILE}`, hardState);
    await assert.rejects(FileRaftStorage.open(fs, DIR), { code: 'RAFT_STORAGE_CORRUPT' });
    hardState[hardState.length - 6]! ^= 1;
    fs.writeRaw(`${DIR}/${HARD_STATE_FILE}`, hardState);
    const snapshotName = (await fs.readdir(DIR)).find((name) => name.endsWith('.snapshot'))!;
    const snapshot = fs.readRaw(`${DIR}/${snapshotName}`)!;
    fs.writeRaw(`${DIR}/${snapshotName}`, snapshot.subarray(0, snapshot.length - 1));
    await assert.rejects(FileRaftStorage.open(fs, DIR), { code: 'RAFT_STORAGE_CORRUPT' });
  });

  it('rolls segments at segmentBytes and deletes the ones a snapshot covers', async () => {
    const { fs, storage } = await openMemory();
    await storage.appendEntries(range(1, 40, 1));
    await storage.sync();
    const segments = (await fs.readdir(DIR)).filter((name) => name.endsWith('.log'));
    assert.ok(segments.length >= 5, `40 entries of ~28 bytes in 150-byte segments: ${segments}`);
    await storage.saveSnapshot(snapshotAt(30, 1));
    const left = (await fs.readdir(DIR)).filter((name) => name.endsWith('.log'));
    assert.ok(left.length < segments.length && left.length <= 3, `${left}`);
    await storage.saveSnapshot(snapshotAt(40, 1));
    assert.deepEqual(
      (await fs.readdir(DIR)).filter((name) => name.endsWith('.log')),
      [],
    );
    await storage.appendEntries(range(41, 41, 2));
    await storage.sync();
    await storage.close();
    const { loaded } = await openMemory(fs.simulatePowerLoss());
    assert.equal(loaded.snapshot?.index, 40);
    assert.deepEqual(plain(loaded.entries), plain(range(41, 41, 2)));
  });

  it('cuts a torn tail and drops the segments after it, reporting why', async () => {
    const { fs, storage } = await openMemory();
    await storage.appendEntries(range(1, 20, 1));
    await storage.sync();
    await storage.close();
    const second = (await fs.readdir(DIR)).filter((name) => name.endsWith('.log'))[1]!;
    const secondBase = Number(second.slice(11, 31));
    assert.equal(second, segmentFileName(0, secondBase));
    const bytes = fs.readRaw(`${DIR}/${second}`)!;
    bytes[bytes.length - 3]! ^= 0xff; // the CRC of the segment's last record no longer matches
    fs.writeRaw(`${DIR}/${second}`, bytes);
    const reopened = await FileRaftStorage.open(fs, DIR, { segmentBytes: 150 });
    const loaded = await reopened.load();
    const last = loaded.entries.at(-1)!.index;
    assert.ok(last >= secondBase && last < 20, `the log ends inside ${second}: ${last}`);
    assert.match(reopened.recovery.logEndedBecause ?? '', /CRC mismatch/);
    assert.ok(reopened.recovery.truncatedBytes > 0);
    assert.ok(reopened.recovery.removedFiles.length > 0, 'the later segments are removed');
    await reopened.appendEntries(range(last + 1, last + 2, 2));
    await reopened.sync();
    await reopened.close();
    const { loaded: again } = await openMemory(fs.simulatePowerLoss());
    assert.deepEqual(plain(again.entries), plain([...range(1, last, 1), ...range(last + 1, last + 2, 2)]));
  });

  it('with O_DSYNC segments (the default) an append to a segment is one write and its sync() no fsync', async () => {
    for (const dsync of [true, false]) {
      const disk = new MemoryFileSystem({ trackDurability: true });
      const fs = new CountingFileSystem(disk);
      const storage = await FileRaftStorage.open(fs, DIR, { segmentBytes: 4096, zeroAheadBytes: 0, dsync });
      await storage.load();
      await storage.appendEntries(range(1, 2, 1)); // a new segment: its creation and name are synced
      await storage.sync();
      assert.equal(fs.dsyncOpens, dsync ? 1 : 0);
      const before = { writes: fs.writes, syncs: fs.syncs };
      for (let index = 3; index <= 12; index++) {
        await storage.appendEntries(range(index, index, 1));
        await storage.sync();
      }
      assert.deepEqual(
        { writes: fs.writes - before.writes, syncs: fs.syncs - before.syncs },
        { writes: 10, syncs: dsync ? 0 : 10 },
        `dsync ${dsync}: ten persists`,
      );
      await storage.close();
      const reopened = await FileRaftStorage.open(disk.simulatePowerLoss(), DIR, { dsync });
      assert.deepEqual(plain((await reopened.load()).entries), plain(range(1, 12, 1)), 'all durable');
      await reopened.close();
    }
  });

  it('writes zeros ahead of the records and reads a zero tail back as the clean end of the log', async () => {
    const disk = new MemoryFileSystem({ trackDurability: true });
    const storage = await FileRaftStorage.open(disk, DIR, { segmentBytes: 4096, zeroAheadBytes: 1000 });
    await storage.load();
    await storage.appendEntries(range(1, 3, 1));
    await storage.sync();
    const [name] = (await disk.readdir(DIR)).filter((file) => file.endsWith('.log'));
    const records = 8 + 3 * 27; // a record is 25 bytes plus its data (e1: 2 bytes)
    assert.equal(disk.readRaw(`${DIR}/${name}`)!.length, records + 1000, 'zeros after the records');
    // The next appends overwrite those zeros and add none until they reach past them.
    await storage.appendEntries(range(4, 6, 1));
    await storage.sync();
    assert.equal(disk.readRaw(`${DIR}/${name}`)!.length, records + 1000);
    await storage.appendEntries(range(4, 5, 2)); // a conflicting suffix: cut, then zeros again
    await storage.sync();
    await storage.close();
    const fs = disk.simulatePowerLoss();
    const reopened = await FileRaftStorage.open(fs, DIR, { segmentBytes: 4096 });
    const loaded = await reopened.load();
    assert.deepEqual(plain(loaded.entries), plain([...range(1, 3, 1), ...range(4, 5, 2)]));
    assert.equal(reopened.recovery.logEndedBecause, undefined, 'zeros are no torn write');
    assert.equal(reopened.recovery.truncatedBytes, 0);
    // A sector that survived after one that did not (overwrite in place) is cut, not kept after later writes.
    await reopened.appendEntries(range(6, 6, 2));
    await reopened.close();
    const bytes = fs.readRaw(`${DIR}/${name}`)!;
    const sixth = 8 + 5 * 27;
    bytes.fill(0, sixth, sixth + 4); // entry 6's length lost, its body kept
    fs.writeRaw(`${DIR}/${name}`, bytes);
    const third = await FileRaftStorage.open(fs, DIR, { segmentBytes: 4096 });
    assert.equal((await third.load()).entries.length, 5);
    assert.match(third.recovery.logEndedBecause ?? '', /record length of 0/);
    assert.equal(fs.readRaw(`${DIR}/${name}`)!.length, sixth, 'cut after the last valid record');
    await third.close();
  });

  it('zeroes ahead by the rate of appends, and not at all while appends average over 256 KiB', async () => {
    let nowMs = 0;
    const clock = { nowMs: () => nowMs };
    const bigEntries = (from: number, count: number, bytes: number): LogEntry[] =>
      Array.from({ length: count }, (_, i) => ({
        kind: 'command' as const,
        index: from + i,
        term: 1,
        data: new Uint8Array(bytes),
      }));
    const logBytes = async (disk: MemoryFileSystem): Promise<number> => {
      const [name] = (await disk.readdir(DIR)).filter((file) => file.endsWith('.log'));
      return disk.readRaw(`${DIR}/${name}`)!.length;
    };
    const records = (entries: readonly LogEntry[]): number =>
      entries.reduce((sum, entry) => sum + 25 + (entry.kind === 'command' ? entry.data.byteLength : 0), 0);

    // Small groups at a low rate: 64 KiB of zeros (the policy's floor), not the 4 MiB bound.
    const small = new MemoryFileSystem();
    const slow = await FileRaftStorage.open(small, DIR, { clock });
    await slow.load();
    const first = range(1, 3, 1);
    await slow.appendEntries(first);
    await slow.sync();
    assert.equal(await logBytes(small), 8 + records(first) + 64 * 1024);
    // 1 MiB a second in 16 KiB groups: the runs of zeros grow with the rate (twice the last second's
    // bytes when written), far past the floor, never past the 4 MiB bound.
    let index = 4;
    for (let group = 0; group < 64; group++) {
      nowMs += 15;
      await slow.appendEntries(bigEntries(index, 1, 16 * 1024 - 25));
      index++;
    }
    await slow.sync();
    const zeros = (await logBytes(small)) - (8 + records(first) + 64 * (16 * 1024));
    assert.ok(zeros > 1024 * 1024 && zeros <= 4 * 1024 * 1024, `zeros follow the rate: ${zeros}`);
    await slow.close();

    // Groups of 512 KiB: no zeros at all (each byte would be written twice).
    const large = new MemoryFileSystem();
    const bulk = await FileRaftStorage.open(large, DIR, { clock });
    await bulk.load();
    const group = bigEntries(1, 4, 128 * 1024);
    await bulk.appendEntries(group);
    await bulk.sync();
    assert.equal(await logBytes(large), 8 + records(group), 'records only');
    await bulk.close();
  });

  it('an installed snapshot makes every older segment dead even if their removal did not survive', async () => {
    const { fs, storage } = await openMemory();
    await storage.appendEntries(range(1, 20, 1));
    await storage.sync();
    await storage.close();
    const old = new Map<string, Buffer>();
    for (const name of await fs.readdir(DIR))
      if (name.endsWith('.log')) old.set(name, fs.readRaw(`${DIR}/${name}`)!);
    const { storage: second } = await openMemory(fs);
    await second.installSnapshot(snapshotAt(10, 3));
    await second.close();
    for (const [name, bytes] of old) {
      const file = await fs.open(`${DIR}/${name}`, { create: true });
      await file.writev([bytes], 0);
      await file.close();
    }
    const third = await FileRaftStorage.open(fs, DIR);
    const loaded = await third.load();
    assert.equal(loaded.snapshot?.index, 10);
    assert.deepEqual(loaded.entries, []);
    assert.ok(third.recovery.removedFiles.length >= old.size);
    await third.close();
  });

  it('fails for good after an I/O error, and refuses an append with a gap without failing', async () => {
    const disk = new MemoryFileSystem({ trackDurability: true });
    const fs = new CrashingFileSystem(disk, 6);
    const storage = await FileRaftStorage.open(fs, DIR);
    await storage.load();
    await assert.rejects(storage.appendEntries(range(3, 4, 1)), { code: 'RAFT_INVARIANT' });
    await storage.appendEntries(range(1, 2, 1));
    await assert.rejects(
      (async () => {
        for (;;) await storage.appendEntries(range(3, 3, 1)).then(() => storage.sync());
      })(),
      { code: 'RAFT_STORAGE_FAILED' },
    );
    await assert.rejects(storage.sync(), { code: 'RAFT_STORAGE_FAILED' });
    await storage.close();
  });
});
