// A fetch from a batch's base offset walks the headers of the batches before it instead of reading
// them: the sparse index points at the batch before the target (it keys batches by their last
// offset), and reading that batch whole would double the bytes of every consumer fetch.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StorageFile } from './file-system.js';
import { MemoryFileSystem } from './memory-file-system.js';
import { batchesIn, openTestLog, testBatch } from './test-support.js';

/** A MemoryFileSystem that counts the bytes read from `.log` files. */
class CountingFileSystem extends MemoryFileSystem {
  logBytesRead = 0;

  override async open(path: string, options?: { readonly create?: boolean }): Promise<StorageFile> {
    const file = await super.open(path, options);
    if (!path.endsWith('.log')) return file;
    const counter = this;
    return {
      path: file.path,
      async read(buffer, offset, length, position) {
        const count = await file.read(buffer, offset, length, position);
        counter.logBytesRead += count;
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
  it('skip a large batch before the target by its header, not by reading it', async () => {
    const fs = new CountingFileSystem();
    const log = await openTestLog({ fs });
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
});
