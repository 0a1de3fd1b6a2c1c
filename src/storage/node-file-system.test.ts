// The disk file system's reads go through the fd (no FileHandle promise per read): they return
// exactly the bytes asked for, reads running when the file is closed complete with their bytes (close
// waits for them, so that the fd is never closed and reused by another open under a read; the thread
// pool's order makes that race rare, so this shows the outcome rather than forcing the race), and a
// read after close is refused. Writes and fsyncs go through the fd too: close waits for them alike, a
// write of many buffers lands whole, and both are refused after close.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { NodeFileSystem } from './node-file-system.js';

describe('NodeFileSystem reads', () => {
  let dir: string;
  const fs = new NodeFileSystem();
  /** 4 MiB whose every byte depends on its position. */
  const content = Buffer.alloc(4 * 1024 * 1024);
  for (let at = 0; at < content.length; at += 4) content.writeUInt32BE(at, at);

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pyralog-node-fs-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('reads the bytes at a position into a buffer offset, short only at the end of the file', async () => {
    const file = await fs.open(join(dir, 'positions.log'), { create: true });
    try {
      await file.writev([content], 0);
      const buffer = Buffer.alloc(1000, 0xee);
      assert.equal(await file.read(buffer, 100, 800, 12_345), 800);
      assert.ok(buffer.subarray(100, 900).equals(content.subarray(12_345, 13_145)));
      assert.ok(buffer.subarray(0, 100).every((byte) => byte === 0xee));
      assert.equal(await file.read(buffer, 0, 1000, content.length - 10), 10);
      assert.equal(await file.read(buffer, 0, 1000, content.length), 0);
    } finally {
      await file.close();
    }
  });

  it('closes only once the reads running on the file are done, and refuses reads after', async () => {
    const path = join(dir, 'closing.log');
    const writer = await fs.open(path, { create: true });
    await writer.writev([content], 0);
    await writer.close();
    const file = await fs.open(path);
    const buffers = Array.from({ length: 8 }, () => Buffer.alloc(content.length));
    const reads = buffers.map((buffer) => file.read(buffer, 0, content.length, 0));
    const closed = file.close();
    // A file opened meanwhile may get a closed fd's number: the reads must not land in it.
    const other = await fs.open(join(dir, 'other.log'), { create: true });
    try {
      assert.deepEqual(
        await Promise.all(reads),
        buffers.map(() => content.length),
      );
      for (const buffer of buffers) assert.ok(buffer.equals(content));
      await closed;
      await file.close();
      await assert.rejects(file.read(Buffer.alloc(10), 0, 10, 0));
    } finally {
      await other.close();
    }
  });

  it('closes only once the writes and fsyncs running on the file are done, and refuses them after', async () => {
    const path = join(dir, 'writing.log');
    const file = await fs.open(path, { create: true });
    const piece = content.length / 8;
    // Each write is a vector of 64 buffers, as a group commit's.
    const vectors = Array.from({ length: 8 }, (_, index) =>
      Array.from({ length: 64 }, (_, chunk) =>
        content.subarray(index * piece + (chunk * piece) / 64, index * piece + ((chunk + 1) * piece) / 64),
      ),
    );
    const writes = vectors.map((vector, index) => file.writev(vector, index * piece));
    const synced = file.sync();
    const closed = file.close();
    const other = await fs.open(join(dir, 'other-writes.log'), { create: true });
    try {
      await Promise.all([...writes, synced, closed]);
      await assert.rejects(file.writev([Buffer.from('late')], 0));
      await assert.rejects(file.sync());
      assert.equal((await other.size()) === 0, true, 'nothing landed in a file that got a closed fd');
    } finally {
      await other.close();
    }
    const reader = await fs.open(path);
    try {
      const buffer = Buffer.alloc(content.length);
      assert.equal(await reader.read(buffer, 0, content.length, 0), content.length);
      assert.ok(buffer.equals(content));
    } finally {
      await reader.close();
    }
  });
});
