// The `dsync` open option (O_DSYNC: each write durable when it returns): the disk file system opens
// the fd with O_DSYNC (read back from /proc/self/fdinfo) and journals such a write as synced, so the
// power-loss replay keeps it without an fsync; the memory file system keeps a dsync write across a
// simulated power loss, and only it: other unsynced bytes and a truncation are still lost.
import assert from 'node:assert/strict';
import { constants } from 'node:fs';
import { mkdtemp, readdir, readFile, readlink, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { MemoryFileSystem } from './memory-file-system.js';
import { NodeFileSystem } from './node-file-system.js';
import { fileSizes, simulatePowerLoss } from './power-loss.js';

/** The open flags of this process's fd on `path` (from /proc/self/fdinfo, octal). */
async function openFlags(path: string): Promise<number> {
  const resolved = await realpath(path); // the fd links name the file without symlinks (a linked TMPDIR)
  for (const fd of await readdir('/proc/self/fd')) {
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => '');
    if (target !== resolved) continue;
    const info = await readFile(`/proc/self/fdinfo/${fd}`, 'utf8');
    const flags = /^flags:\s+([0-7]+)$/m.exec(info);
    assert.ok(flags !== null, `flags of fd ${fd}`);
    return Number.parseInt(flags[1]!, 8);
  }
  throw new Error(`no open fd on ${path}`);
}

describe('NodeFileSystem dsync', () => {
  const roots: string[] = [];
  after(async () => {
    for (const root of roots) await rm(root, { recursive: true, force: true });
  });
  const tempRoot = async (): Promise<string> => {
    const root = await mkdtemp(join(tmpdir(), 'pyralog-dsync-'));
    roots.push(root);
    return root;
  };

  it('opens the file with O_DSYNC only when asked', async () => {
    const root = await tempRoot();
    const fs = new NodeFileSystem();
    const synced = await fs.open(join(root, 'dsync.log'), { create: true, dsync: true });
    const plain = await fs.open(join(root, 'plain.log'), { create: true });
    try {
      assert.equal((await openFlags(join(root, 'dsync.log'))) & constants.O_DSYNC, constants.O_DSYNC);
      assert.equal((await openFlags(join(root, 'plain.log'))) & constants.O_DSYNC, 0);
    } finally {
      await synced.close();
      await plain.close();
    }
  });

  it('journals a dsync write as durable: the power-loss replay keeps it without an fsync', async () => {
    const root = await tempRoot();
    const dir = join(root, 'data');
    const journal = join(root, 'journal');
    const fs = new NodeFileSystem({ fsyncJournalPath: journal });
    await fs.mkdir(dir);
    const baseline = await fileSizes(dir);
    const synced = await fs.open(join(dir, 'dsync.log'), { create: true, dsync: true });
    const plain = await fs.open(join(dir, 'plain.log'), { create: true });
    await synced.writev([Buffer.alloc(100, 0x41), Buffer.alloc(50, 0x42)], 0);
    await synced.writev([Buffer.alloc(30, 0x43)], 150);
    await plain.writev([Buffer.alloc(100, 0x44)], 0);
    await synced.close();
    await plain.close();
    await fs.closeJournal();

    const result = await simulatePowerLoss(dir, journal, baseline);
    const bytes = await readFile(join(dir, 'dsync.log'));
    assert.equal(bytes.length, 180);
    assert.ok(bytes.subarray(0, 100).every((byte) => byte === 0x41));
    assert.ok(bytes.subarray(150).every((byte) => byte === 0x43));
    assert.equal((await readFile(join(dir, 'plain.log'))).length, 0, 'the plain write was never synced');
    assert.equal(result.cutBytes, 100);
  });
});

describe('MemoryFileSystem dsync', () => {
  it('keeps a dsync write across power loss, and nothing else that was not synced', async () => {
    const fs = new MemoryFileSystem({ trackDurability: true });
    await fs.mkdir('/d');
    const synced = await fs.open('/d/dsync.log', { create: true, dsync: true });
    await synced.writev([Buffer.alloc(100, 0x41)], 0);
    await synced.truncate(60);
    const other = await fs.open('/d/dsync.log');
    await other.writev([Buffer.alloc(40, 0x45)], 60);
    await synced.writev([Buffer.alloc(20, 0x43)], 100);
    await synced.truncate(200);
    const plain = await fs.open('/d/plain.log', { create: true });
    await plain.writev([Buffer.alloc(10, 0x44)], 0);
    await fs.fsyncDir('/d');

    const next = fs.simulatePowerLoss();
    const bytes = next.readRaw('/d/dsync.log');
    assert.ok(bytes !== undefined);
    assert.equal(bytes.length, 120, 'the size of the last dsync write, not the unsynced extension after it');
    assert.ok(
      bytes.subarray(0, 100).every((byte) => byte === 0x41),
      'the first write; another handle overwrote 60.. without a sync: lost, the durable bytes are back',
    );
    assert.ok(bytes.subarray(100).every((byte) => byte === 0x43));
    assert.equal(next.readRaw('/d/plain.log')?.length, 0);
  });
});
