// A fetch from a batch's base offset walks the headers of the batches before it instead of reading
// them: the sparse index points at the batch before the target (it keys batches by their last
// offset), and reading that batch whole would double the bytes of every consumer fetch. A read
// going on from where the previous one ended goes straight there, and reads of the latest appends
// come from the tail kept in memory. The file-read counting tests turn that tail off.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StorageFile } from './file-system.js';
import { MemoryFileSystem } from './memory-file-system.js';
import { Deferred } from './serial-queue.js';
import { batchesIn, openTestLog, testBatch } from './test-support.js';
import { passThroughFile, WrappedFileSystem } from './wrapped-file-system.test-support.js';

/** A MemoryFileSystem that counts the reads of `.log` files and the bytes they returned. */
class CountingFileSystem extends MemoryFileSystem {
  logBytesRead = 0;
  logReads = 0;

  override async open(path: string, options?: { readonly create?: boolean }): Promise<StorageFile> {
    const file = await super.open(path, options);
    if (!path.endsWith('.log')) return file;
    const counter = this;
    return {
      path: file.path,
      async read(buffer, offset, length, position) {
        const count = await file.read(buffer, offset, length, position);
        counter.logBytesRead += count;
        counter.logReads += 1;
        return count;
      },
      writev: (buffers, position) => file.writev(buffers, position),
      sync: () => file.sync(),
      truncate: (length) => file.truncate(length),
      size: () => file.size(),
      close: () => file.close(),
    };
  }
}

describe('log reads', () => {
  it("read into the caller's buffer when it is given and large enough, else into a new one", async () => {
    const fs = new MemoryFileSystem();
    const log = await openTestLog({ fs, readTailBytes: 0 });
    // Larger than the header window, so that the data is read apart from it.
    const bytes = Buffer.concat([testBatch(3, { valueBytes: 3000 }), testBatch(2, { valueBytes: 3000 })]);
    await log.appendAsLeader(Buffer.from(bytes)).written;
    const expected = await log.read(0n, { maxBytes: 32768 });
    assert.equal(expected.kind, 'records');
    const buffer = Buffer.alloc(32768 + 64 * 1024, 0xee);
    const into = await log.read(0n, { maxBytes: 32768, buffer });
    assert.equal(into.kind, 'records');
    if (into.kind !== 'records' || expected.kind !== 'records') return;
    assert.equal(into.records.length, bytes.length);
    assert.ok(into.records.equals(expected.records));
    assert.ok(into.records.buffer === buffer.buffer, 'a view of the given buffer');
    const small = Buffer.alloc(16);
    const fresh = await log.read(0n, { maxBytes: 32768, buffer: small });
    assert.ok(fresh.kind === 'records' && fresh.records.equals(expected.records));
    assert.ok(fresh.kind === 'records' && fresh.records.buffer !== small.buffer, 'too small: a new buffer');
    await log.close();
  });

  it('asks `allocate` for the buffer of a file read, and never for a read served by the tail', async () => {
    const fs = new MemoryFileSystem();
    const log = await openTestLog({ fs, readTailBytes: 1024 * 1024 });
    // Larger than the header window, so that the file read of the data is apart from it.
    const bytes = Buffer.concat([testBatch(3, { valueBytes: 6000 }), testBatch(2, { valueBytes: 6000 })]);
    await log.appendAsLeader(Buffer.from(bytes)).written;
    const asked: number[] = [];
    const lent = Buffer.alloc(256 * 1024, 0xee);
    const allocate = (length: number): Buffer => {
      asked.push(length);
      return lent;
    };
    const fromTail = await log.read(0n, { maxBytes: 32768, allocate });
    assert.ok(fromTail.kind === 'records' && fromTail.records.length === bytes.length);
    const stored = Buffer.from(fromTail.records);
    assert.deepEqual(asked, [], 'the tail holds the appends: no buffer taken');
    await log.roll();
    await log.appendAsLeader(testBatch(1, { baseOffset: 5n })).written;
    const fromFile = await log.read(0n, { maxBytes: 32768, allocate });
    assert.ok(fromFile.kind === 'records' && fromFile.records.equals(stored));
    assert.ok(fromFile.records.buffer === lent.buffer, 'a view of the lent buffer');
    assert.equal(asked.length, 1);
    assert.ok(asked[0]! >= stored.length);
    const tooSmall = await log.read(0n, { maxBytes: 32768, allocate: () => Buffer.alloc(16) });
    assert.ok(
      tooSmall.kind === 'records' && tooSmall.records.equals(stored),
      'too small: read into a new one',
    );
    await log.close();
  });

  it('skip a large batch before the target by its header, not by reading it', async () => {
    const fs = new CountingFileSystem();
    const log = await openTestLog({ fs, readTailBytes: 0 });
    await log.appendAsLeader(testBatch(1, { tag: 'a' })).written;
    const large = log.appendAsLeader(testBatch(300, { valueBytes: 1000, tag: 'b' }));
    const small = log.appendAsLeader(testBatch(2, { tag: 'c' }));
    await small.written;
    log.setHighWatermark(log.logEndOffset);
    fs.logBytesRead = 0;
    const result = await log.read(small.firstOffset, { maxBytes: 1 << 20 });
    assert.equal(result.kind, 'records');
    const records = result.kind === 'records' ? result.records : Buffer.alloc(0);
    assert.deepEqual(batchesIn(records), [{ baseOffset: small.firstOffset, lastOffset: small.lastOffset }]);
    assert.ok(fs.logBytesRead < 16 * 1024, `${fs.logBytesRead} bytes read past a 300 KB batch`);
    // From inside the large batch, the whole batch comes back first.
    const inside = await log.read(large.firstOffset + 10n, { maxBytes: 1 << 20 });
    assert.deepEqual(batchesIn(inside.kind === 'records' ? inside.records : Buffer.alloc(0)), [
      { baseOffset: large.firstOffset, lastOffset: large.lastOffset },
      { baseOffset: small.firstOffset, lastOffset: small.lastOffset },
    ]);
    await log.close();
  });

  it('read on from where the previous read ended with one file read, the same batches as without the hint', async () => {
    const fs = new CountingFileSystem();
    const log = await openTestLog({ fs, readTailBytes: 0 });
    const appended: { baseOffset: bigint; lastOffset: bigint }[] = [];
    for (let i = 0; i < 40; i += 1) {
      const append = log.appendAsLeader(testBatch(1 + (i % 7), { valueBytes: 300, tag: `b${i}` }));
      appended.push({ baseOffset: append.firstOffset, lastOffset: append.lastOffset });
    }
    await log.flush();
    log.setHighWatermark(log.logEndOffset);
    const seen: { baseOffset: bigint; lastOffset: bigint }[] = [];
    let offset = 0n;
    const readsPerFetch: number[] = [];
    while (offset < log.logEndOffset) {
      fs.logReads = 0;
      const result = await log.read(offset, { maxBytes: 5000 });
      readsPerFetch.push(fs.logReads);
      assert.equal(result.kind, 'records');
      const batches = batchesIn(result.kind === 'records' ? result.records : Buffer.alloc(0));
      assert.ok(batches.length > 0, `no progress at ${offset}`);
      seen.push(...batches);
      offset = batches.at(-1)!.lastOffset + 1n;
    }
    assert.deepEqual(seen, appended);
    assert.deepEqual(
      readsPerFetch.slice(1),
      readsPerFetch.slice(1).map(() => 1),
    );
    // At the end: nothing yet, then what is appended there comes back.
    assert.deepEqual(
      await log.read(offset, { maxBytes: 5000 }).then((r) => r.kind === 'records' && r.records.length),
      0,
    );
    const more = log.appendAsLeader(testBatch(3, { tag: 'more' }));
    await more.written;
    log.setHighWatermark(log.logEndOffset);
    const after = await log.read(offset, { maxBytes: 5000 });
    assert.deepEqual(batchesIn(after.kind === 'records' ? after.records : Buffer.alloc(0)), [
      { baseOffset: more.firstOffset, lastOffset: more.lastOffset },
    ]);
    await log.close();
  });

  it('stop at maxOffset inside a segment, and not before the end of one that lies below it', async () => {
    const log = await openTestLog({ fs: new MemoryFileSystem(), readTailBytes: 0 });
    const appended: { baseOffset: bigint; lastOffset: bigint }[] = [];
    for (let i = 0; i < 6; i += 1) {
      const append = log.appendAsLeader(testBatch(2, { valueBytes: 200, tag: `m${i}` }));
      appended.push({ baseOffset: append.firstOffset, lastOffset: append.lastOffset });
    }
    await log.roll();
    const next = log.appendAsLeader(testBatch(2, { tag: 'next' }));
    await log.flush();
    const read = async (offset: bigint, maxOffset: bigint) => {
      const result = await log.read(offset, { maxBytes: 1 << 20, maxOffset });
      return batchesIn(result.kind === 'records' ? result.records : Buffer.alloc(0));
    };
    // The first segment ends at offset 12: a bound there or past it (in the next segment) cuts nothing.
    assert.deepEqual(await read(0n, 12n), appended);
    assert.deepEqual(await read(2n, next.lastOffset + 1n), appended.slice(1));
    // A bound below its end stops before the first batch reaching it, from the start or a hint.
    assert.deepEqual(await read(0n, 11n), appended.slice(0, 5));
    assert.deepEqual(await read(4n, 9n), appended.slice(2, 4));
    assert.deepEqual(await read(8n, 9n), []);
    // Where the capped read ended, the read on finds the rest once the bound moved.
    assert.deepEqual(await read(8n, 12n), appended.slice(4));
    await log.close();
  });

  it('read no more than a fetch may return: maxBytes from the first batch wanted, never a slack past it', async () => {
    const fs = new CountingFileSystem();
    const log = await openTestLog({ fs, readTailBytes: 0 });
    const appended: { baseOffset: bigint; lastOffset: bigint }[] = [];
    for (let i = 0; i < 30; i += 1) {
      const append = log.appendAsLeader(testBatch(1 + (i % 3), { valueBytes: 900, tag: `r${i}` }));
      appended.push({ baseOffset: append.firstOffset, lastOffset: append.lastOffset });
    }
    await log.flush();
    log.setHighWatermark(log.logEndOffset);
    const maxBytes = 4000;
    const seen: { baseOffset: bigint; lastOffset: bigint }[] = [];
    let offset = 0n;
    let returned = 0;
    let read = 0;
    while (offset < log.logEndOffset) {
      fs.logBytesRead = 0;
      fs.logReads = 0;
      const result = await log.read(offset, { maxBytes, minOneBatch: true });
      assert.ok(result.kind === 'records' && result.records.length > 0, `no progress at ${offset}`);
      assert.ok(result.records.length <= maxBytes);
      if (offset > 0n) {
        // From a hint: one read of at most maxBytes, of which only a partial next batch goes unsent.
        assert.equal(fs.logReads, 1);
        assert.ok(fs.logBytesRead <= maxBytes, `${fs.logBytesRead} bytes read for a fetch of ${maxBytes}`);
        returned += result.records.length;
        read += fs.logBytesRead;
      }
      const batches = batchesIn(result.records);
      seen.push(...batches);
      offset = batches.at(-1)!.lastOffset + 1n;
    }
    assert.deepEqual(seen, appended);
    assert.ok(read - returned < (read * 1) / 3, `read ${read} bytes to return ${returned}`);
    await log.close();
  });

  it('return a first batch larger than maxBytes whole with minOneBatch, read by its header, and nothing without', async () => {
    const fs = new CountingFileSystem();
    const log = await openTestLog({ fs, readTailBytes: 0 });
    const small = log.appendAsLeader(testBatch(2, { valueBytes: 100, tag: 's' }));
    const largeBytes = testBatch(40, { valueBytes: 1000, tag: 'l' });
    const large = log.appendAsLeader(Buffer.from(largeBytes));
    const after = log.appendAsLeader(testBatch(2, { valueBytes: 100, tag: 'a' }));
    await log.flush();
    log.setHighWatermark(log.logEndOffset);
    const largeBatch = [{ baseOffset: large.firstOffset, lastOffset: large.lastOffset }];
    const maxBytes = 4096;
    const fromLog = async (offset: bigint, minOneBatch: boolean) => {
      fs.logReads = 0;
      fs.logBytesRead = 0;
      const result = await log.read(offset, { maxBytes, minOneBatch });
      assert.equal(result.kind, 'records');
      return batchesIn(result.kind === 'records' ? result.records : Buffer.alloc(0));
    };
    // No hint yet: the header walk from the segment's start sees the large batch's length.
    assert.deepEqual(await fromLog(large.firstOffset + 3n, true), largeBatch);
    // The walk's header window (8 KiB at most), then the batch alone.
    assert.equal(fs.logReads, 2);
    assert.ok(fs.logBytesRead <= largeBytes.length + 8 * 1024, `${fs.logBytesRead} bytes read`);
    assert.deepEqual(await fromLog(large.firstOffset, false), []);
    // From the hint the read before left (it ended at the large batch): its header is in the first
    // read, then the batch itself is read; nothing after it comes along.
    assert.deepEqual(await fromLog(small.firstOffset, true), [
      { baseOffset: small.firstOffset, lastOffset: small.lastOffset },
    ]);
    assert.deepEqual(await fromLog(large.firstOffset, true), largeBatch);
    assert.equal(fs.logReads, 2);
    assert.deepEqual(await fromLog(large.firstOffset, false), []);
    assert.deepEqual(await fromLog(after.firstOffset, true), [
      { baseOffset: after.firstOffset, lastOffset: after.lastOffset },
    ]);
    await log.close();
  });

  it('forget where reads ended when the log is truncated', async () => {
    const fs = new CountingFileSystem();
    const log = await openTestLog({ fs, readTailBytes: 0 });
    for (let i = 0; i < 6; i += 1) log.appendAsLeader(testBatch(2, { valueBytes: 200, tag: `a${i}` }));
    await log.flush();
    log.setHighWatermark(log.logEndOffset);
    // Reads ending at offsets 2 and 12 (the end) leave hints there.
    await log.read(0n, { maxBytes: 700 });
    await log.read(4n, { maxBytes: 5000 });
    await log.truncateTo(4n);
    // Offsets 4.. are assigned again, to batches of other sizes in the same segment: 4-8, 9-9, 10-14.
    log.appendAsLeader(testBatch(5, { valueBytes: 50, tag: 'x' }));
    log.appendAsLeader(testBatch(1, { valueBytes: 2000, tag: 'y' }));
    await log.appendAsLeader(testBatch(5, { valueBytes: 10, tag: 'z' })).written;
    log.setHighWatermark(log.logEndOffset);
    const expected = [
      { baseOffset: 4n, lastOffset: 8n },
      { baseOffset: 9n, lastOffset: 9n },
      { baseOffset: 10n, lastOffset: 14n },
    ];
    for (const [from, batches] of [
      [4n, expected],
      [12n, expected.slice(2)],
    ] as const) {
      const result = await log.read(from, { maxBytes: 1 << 20 });
      assert.deepEqual(batchesIn(result.kind === 'records' ? result.records : Buffer.alloc(0)), batches);
    }
    await log.close();
  });

  it('stop at maxOffset in a read that runs while a truncation rescans the segment', async () => {
    /**
     * Once `watchTruncation` is set, holds the first `.log` read after the next `.log` truncation
     * (the rescan of the segment's tail) until released.
     */
    class GatedFileSystem extends WrappedFileSystem {
      readonly held = new Deferred();
      readonly release = new Deferred();
      watchTruncation = false;
      private isArmed = false;

      protected override wrapFile(path: string, file: StorageFile): StorageFile {
        if (!path.endsWith('.log')) return file;
        return {
          ...passThroughFile(file),
          truncate: async (length) => {
            await file.truncate(length);
            if (this.watchTruncation) this.isArmed = true;
            this.watchTruncation = false;
          },
          read: async (buffer, offset, length, position) => {
            if (this.isArmed) {
              this.isArmed = false;
              this.held.resolve();
              await this.release.promise;
            }
            return file.read(buffer, offset, length, position);
          },
        };
      }
    }
    const fs = new GatedFileSystem(new MemoryFileSystem());
    const log = await openTestLog({ fs, readTailBytes: 0, config: { indexIntervalBytes: 1 << 30 } });
    for (let i = 0; i < 6; i += 1) log.appendAsLeader(testBatch(2, { valueBytes: 200, tag: `t${i}` }));
    await log.flush();
    fs.watchTruncation = true;
    const truncated = log.truncateTo(8n);
    await fs.held.promise;
    const result = await log.read(0n, { maxBytes: 1 << 20, maxOffset: 4n });
    fs.release.resolve();
    await truncated;
    assert.deepEqual(batchesIn(result.kind === 'records' ? result.records : Buffer.alloc(0)), [
      { baseOffset: 0n, lastOffset: 1n },
      { baseOffset: 2n, lastOffset: 3n },
    ]);
    await log.close();
  });

  it('serve reads of the latest appends from memory, the same bytes as the file holds', async () => {
    const fs = new CountingFileSystem();
    const log = await openTestLog({ fs, readTailBytes: 16 * 1024 });
    const appended: { baseOffset: bigint; lastOffset: bigint }[] = [];
    for (let i = 0; i < 30; i += 1) {
      const append = log.appendAsLeader(testBatch(2, { valueBytes: 400, tag: `t${i}` }));
      appended.push({ baseOffset: append.firstOffset, lastOffset: append.lastOffset });
      if (i % 3 === 2) await append.written;
    }
    await log.flush();
    log.setHighWatermark(log.logEndOffset);
    const fromFile = await openTestLog({ fs, readTailBytes: 0 });
    fromFile.setHighWatermark(fromFile.logEndOffset);
    for (const from of [appended[29]!.baseOffset, appended[25]!.baseOffset + 1n, appended[20]!.baseOffset]) {
      fs.logReads = 0;
      const result = await log.read(from, { maxBytes: 1 << 20 });
      assert.equal(fs.logReads, 0, `file reads for a read from ${from}`);
      const expected = await fromFile.read(from, { maxBytes: 1 << 20 });
      assert.ok(result.kind === 'records' && expected.kind === 'records');
      assert.ok(result.records.length > 0);
      assert.ok(result.records.equals(expected.records), `bytes from ${from}`);
    }
    // The oldest appends are no longer kept: read from the file.
    fs.logReads = 0;
    const old = await log.read(0n, { maxBytes: 1 << 20 });
    assert.ok(fs.logReads > 0);
    assert.deepEqual(batchesIn(old.kind === 'records' ? old.records : Buffer.alloc(0)), appended);
    await fromFile.close();
    await log.close();
  });

  it('never serve bytes a truncation removed from the kept tail', async () => {
    const log = await openTestLog({ fs: new MemoryFileSystem() });
    for (let i = 0; i < 4; i += 1) log.appendAsLeader(testBatch(2, { valueBytes: 100, tag: `a${i}` }));
    await log.flush();
    log.setHighWatermark(log.logEndOffset);
    await log.read(4n, { maxBytes: 1 << 20 });
    await log.truncateTo(4n);
    await log.appendAsLeader(testBatch(3, { valueBytes: 700, tag: 'new' })).written;
    log.setHighWatermark(log.logEndOffset);
    const result = await log.read(4n, { maxBytes: 1 << 20 });
    const records = result.kind === 'records' ? result.records : Buffer.alloc(0);
    assert.deepEqual(batchesIn(records), [{ baseOffset: 4n, lastOffset: 6n }]);
    assert.ok(records.includes(Buffer.from('new-0')));
    await log.close();
  });
});
