// Proves the power-loss simulation of crash tests (power-loss.ts) on a real temp dir: files go back
// to what the fsync journal says was durable: cut past the covered size, and bytes overwritten in
// place after the last covering fsync (the zero-ahead region) reverted to zeros per 512-byte sector
// (torn), while fsynced bytes stay; an fsync does not cover a write still running when it started.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { NodeFileSystem } from './node-file-system.js';
import { fileSizes, simulatePowerLoss } from './power-loss.js';

describe('simulated power loss from the fsync journal', () => {
  const roots: string[] = [];
  after(async () => {
    for (const root of roots) await rm(root, { recursive: true, force: true });
  });

  async function tempRoot(): Promise<{ root: string; dir: string; journal: string }> {
    const root = await mkdtemp(join(tmpdir(), 'pyralog-power-loss-'));
    roots.push(root);
    return { root, dir: join(root, 'data'), journal: join(root, 'journal') };
  }

  it('cuts past the fsynced size and reverts unsynced overwrites of fsynced zeros, torn by sector', async () => {
    const { dir, journal } = await tempRoot();
    const fs = new NodeFileSystem({ fsyncJournalPath: journal });
    await fs.mkdir(dir);
    const baseline = await fileSizes(dir);
    const path = join(dir, 'segment.log');
    const file = await fs.open(path, { create: true });
    await file.writev([Buffer.alloc(8192)], 0);
    await file.sync();
    await file.writev([Buffer.alloc(1000, 0x41)], 0);
    await file.sync();
    await file.writev([Buffer.alloc(3000, 0x42)], 1000);
    await file.writev([Buffer.alloc(100, 0x43)], 8192);
    await file.close();
    await fs.closeJournal();

    const result = await simulatePowerLoss(dir, journal, baseline, { seed: 3 });
    const bytes = await readFile(path);
    assert.equal(bytes.length, 8192, 'the unsynced extension is cut');
    assert.equal(result.cutBytes, 100);
    assert.ok(
      bytes.subarray(0, 1000).every((byte) => byte === 0x41),
      'fsynced bytes stay',
    );
    let reverted = 0;
    for (let at = 1000; at < 4000; ) {
      const end = Math.min(4000, (Math.floor(at / 512) + 1) * 512);
      const sector = bytes.subarray(at, end);
      const isZero = sector.every((byte) => byte === 0);
      assert.ok(isZero || sector.every((byte) => byte === 0x42), `sector at ${at}: all old or all new`);
      if (isZero) reverted += end - at;
      at = end;
    }
    assert.equal(result.revertedBytes, reverted);
    assert.ok(reverted > 0 && reverted < 3000, `a torn write: ${reverted} of 3000 bytes reverted`);
    assert.ok(bytes.subarray(4000).every((byte) => byte === 0));
  });

  /**
   * A file `f` of 300 bytes written by three journaled 100-byte writes (sequences 0-2), then the
   * journal lines `syncs(path)`: the dir, the file's path and the journal, ready for simulatePowerLoss.
   */
  async function threeWrites(
    syncs: (path: string) => string[],
  ): Promise<{ dir: string; path: string; journal: string }> {
    const { dir, journal } = await tempRoot();
    await new NodeFileSystem().mkdir(dir);
    const path = join(dir, 'f');
    await writeFile(path, Buffer.alloc(300, 0x61));
    const writes = [0, 1, 2].map((sequence) => `write\t${sequence}\t${sequence * 100}\t100\t${path}`);
    await writeFile(journal, [...writes, ...syncs(path), ''].join('\n'));
    return { dir, path, journal };
  }

  it('an fsync covers only operations that had completed when it started', async () => {
    const { dir, path, journal } = await threeWrites((path) => [
      // Operation 1 was still running when this fsync started.
      `sync\t1\t${path}`,
    ]);
    const result = await simulatePowerLoss(dir, journal, new Map());
    assert.equal((await readFile(path)).length, 100);
    assert.equal(result.cutBytes, 200);
  });

  it('an O_DSYNC write is durable by itself, while an earlier write of the file still runs', async () => {
    const { dir, path, journal } = await threeWrites((path) => [
      // Write 1 returned (O_DSYNC) while write 0 still ran; write 2 was never synced.
      `synced\t1\t${path}`,
      `sync\t0\t${path}`,
    ]);
    const result = await simulatePowerLoss(dir, journal, new Map(), { seed: 3 });
    const bytes = await readFile(path);
    assert.equal(bytes.length, 200);
    assert.equal(result.cutBytes, 100);
    assert.ok(
      bytes.subarray(100).every((byte) => byte === 0x61),
      'the O_DSYNC write stays whole',
    );
    assert.ok(result.revertedBytes > 0, 'the write still running when power went may be torn');
  });

  it('follows renames and forgets unlinked files; never-fsynced files go to their baseline size', async () => {
    const { dir, journal } = await tempRoot();
    await new NodeFileSystem().mkdir(dir);
    const kept = join(dir, 'kept');
    const renamed = join(dir, 'renamed');
    const fresh = join(dir, 'fresh');
    await writeFile(kept, Buffer.alloc(50, 1));
    const baseline = await fileSizes(dir);
    await writeFile(kept, Buffer.alloc(80, 1));
    await writeFile(renamed, Buffer.alloc(40, 2));
    await writeFile(fresh, Buffer.alloc(10, 3));
    await writeFile(
      journal,
      [
        `write\t0\t0\t40\t${join(dir, 'tmp')}`,
        `sync\t1\t${join(dir, 'tmp')}`,
        `rename\t${join(dir, 'tmp')}\t${renamed}`,
        '',
      ].join('\n'),
    );
    await simulatePowerLoss(dir, journal, baseline);
    assert.equal((await readFile(kept)).length, 50);
    assert.equal((await readFile(renamed)).length, 40);
    assert.equal((await readFile(fresh)).length, 0);
  });
});
