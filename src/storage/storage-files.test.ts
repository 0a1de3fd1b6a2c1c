// Proves the small on-disk formats: Kafka's text checkpoints (atomic write, strict parse), the
// leader-epoch cache's OffsetForLeaderEpoch answers, both sparse indexes' lookups and load-time
// checks, the `.txnindex` entry format, and the in-memory disk's power-loss model.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  readCheckpoint,
  readOffsetCheckpoint,
  writeCheckpoint,
  writeOffsetCheckpoint,
} from './checkpoint-file.js';
import { LeaderEpochCache } from './leader-epoch-cache.js';
import { MemoryFileSystem } from './memory-file-system.js';
import { OffsetIndex } from './offset-index.js';
import { CorruptStorageFileError } from './storage-errors.js';
import { TimeIndex } from './time-index.js';
import { decodeAbortedTxns, encodeAbortedTxn, TXN_INDEX_ENTRY_BYTES } from './txn-index.js';

describe('checkpoint files', () => {
  it("writes and reads Kafka's text format", async () => {
    const fs = new MemoryFileSystem();
    await fs.mkdir('/d');
    await writeOffsetCheckpoint(fs, '/d/recovery-point-offset-checkpoint', [
      { topic: 'a.b-c', partition: 3, offset: 42n },
      { topic: 'x', partition: 0, offset: 0n },
    ]);
    assert.equal(fs.readRaw('/d/recovery-point-offset-checkpoint')!.toString(), '0\n2\na.b-c 3 42\nx 0 0\n');
    assert.deepEqual(
      await readOffsetCheckpoint(fs, '/d/recovery-point-offset-checkpoint'),
      new Map([
        ['a.b-c-3', 42n],
        ['x-0', 0n],
      ]),
    );
    assert.deepEqual(await readOffsetCheckpoint(fs, '/d/missing'), new Map());
    assert.deepEqual(await fs.readdir('/d'), ['recovery-point-offset-checkpoint'], 'no temp file left');
  });

  it('refuses a wrong version, count or field count', async () => {
    const fs = new MemoryFileSystem();
    await fs.mkdir('/d');
    for (const text of ['1\n0\n', '0\n2\na 0 1\n', '0\n1\na 0\n', '0\n1\na x 1\n']) {
      await writeCheckpoint(fs, '/d/c', []);
      fs.writeRaw('/d/c', Buffer.from(text));
      await assert.rejects(readOffsetCheckpoint(fs, '/d/c'), CorruptStorageFileError, text);
    }
    assert.deepEqual(await readCheckpoint(fs, '/d/none', 2), undefined);
  });
});

describe('LeaderEpochCache', () => {
  it("answers OffsetForLeaderEpoch as Kafka's endOffsetFor", async () => {
    const fs = new MemoryFileSystem();
    await fs.mkdir('/p');
    const cache = await LeaderEpochCache.load(fs, '/p/leader-epoch-checkpoint');
    cache.assign(2, 10n);
    cache.assign(4, 20n);
    cache.assign(3, 30n);
    cache.assign(6, 30n);
    assert.deepEqual(cache.endOffsetFor(6, 50n), { leaderEpoch: 6, endOffset: 50n });
    assert.deepEqual(cache.endOffsetFor(5, 50n), { leaderEpoch: 4, endOffset: 30n });
    assert.deepEqual(cache.endOffsetFor(4, 50n), { leaderEpoch: 4, endOffset: 30n });
    assert.deepEqual(cache.endOffsetFor(3, 50n), { leaderEpoch: 2, endOffset: 20n });
    assert.deepEqual(cache.endOffsetFor(1, 50n), { leaderEpoch: 1, endOffset: 10n });
    assert.deepEqual(cache.endOffsetFor(7, 50n), { leaderEpoch: -1, endOffset: -1n });
    await cache.persist();
    assert.equal(fs.readRaw('/p/leader-epoch-checkpoint')!.toString(), '0\n3\n2 10\n4 20\n6 30\n');
    cache.truncateFromStart(25n);
    assert.deepEqual(cache.all, [
      { epoch: 4, startOffset: 25n },
      { epoch: 6, startOffset: 30n },
    ]);
    cache.truncateFromEnd(30n);
    assert.deepEqual(cache.all, [{ epoch: 4, startOffset: 25n }]);
    await cache.persist();
    assert.deepEqual((await LeaderEpochCache.load(fs, '/p/leader-epoch-checkpoint')).all, cache.all);
  });
});

describe('sparse indexes', () => {
  it('look up the last entry at or below a target and refuse out-of-order files', async () => {
    const fs = new MemoryFileSystem();
    await fs.mkdir('/s');
    const index = OffsetIndex.empty(await fs.open('/s/0.index', { create: true }), 100n, 10);
    index.append(105n, 0);
    index.append(110n, 500);
    index.append(110n, 900);
    index.append(120n, 1000);
    index.append(130n, 1000);
    index.append(115n, 1100);
    assert.equal(index.entryCount, 3, 'entries whose offset or position does not grow are ignored');
    assert.deepEqual(index.lookup(99n), { offset: 100n, position: 0 });
    assert.deepEqual(index.lookup(115n), { offset: 110n, position: 500 });
    assert.deepEqual(index.lookup(1000n), { offset: 120n, position: 1000 });
    await index.writePending();
    const file = await fs.open('/s/0.index');
    assert.equal((await OffsetIndex.load(file, 100n, 10, 2000)).entryCount, 3);
    await assert.rejects(
      OffsetIndex.load(file, 100n, 10, 1000),
      CorruptStorageFileError,
      'position past the log',
    );
    fs.writeRaw('/s/0.index', fs.readRaw('/s/0.index')!.subarray(0, 20));
    await assert.rejects(OffsetIndex.load(file, 100n, 10, 2000), CorruptStorageFileError, 'torn entry');

    const timeIndex = TimeIndex.empty(await fs.open('/s/0.timeindex', { create: true }), 100n, 10);
    timeIndex.maybeAppend(1000n, 101n);
    timeIndex.maybeAppend(900n, 102n);
    timeIndex.maybeAppend(2000n, 110n);
    timeIndex.maybeAppend(3000n, 109n);
    timeIndex.maybeAppend(2000n, 120n);
    assert.equal(timeIndex.entryCount, 2, 'no entry whose offset goes back or timestamp does not grow');
    assert.equal(timeIndex.lastBelow(1000n), undefined);
    assert.deepEqual(timeIndex.lastBelow(1001n), { timestamp: 1000n, offset: 101n });
    assert.deepEqual(timeIndex.lastBelow(5000n), { timestamp: 2000n, offset: 110n });
  });
});

describe('txn index format', () => {
  it('round-trips aborted transactions in 34-byte entries', () => {
    const txn = { producerId: 7n, firstOffset: 10n, lastOffset: 20n, lastStableOffset: 5n };
    const bytes = Buffer.concat([encodeAbortedTxn(txn), encodeAbortedTxn({ ...txn, producerId: 8n })]);
    assert.equal(bytes.length, 2 * TXN_INDEX_ENTRY_BYTES);
    assert.deepEqual(decodeAbortedTxns(bytes, 'x'), [txn, { ...txn, producerId: 8n }]);
    assert.throws(() => decodeAbortedTxns(bytes.subarray(1), 'x'), CorruptStorageFileError);
  });
});

describe('MemoryFileSystem power loss', () => {
  it('keeps fsynced bytes and durably linked files only', async () => {
    const fs = new MemoryFileSystem({ trackDurability: true });
    await fs.mkdir('/d');
    const kept = await fs.open('/d/kept', { create: true });
    await kept.writev([Buffer.from('abc')], 0);
    await kept.sync();
    await fs.fsyncDir('/d');
    await kept.writev([Buffer.from('def')], 3);
    const lost = await fs.open('/d/lost', { create: true });
    await lost.writev([Buffer.from('x')], 0);
    await lost.sync();
    assert.deepEqual(
      fs.fsyncJournal(),
      new Map([
        ['/d/kept', 3],
        ['/d/lost', 1],
      ]),
    );
    const next = fs.simulatePowerLoss();
    assert.equal(fs.readRaw('/d/kept')!.toString(), 'abc');
    assert.equal(fs.readRaw('/d/lost'), undefined, 'its directory was never fsynced');
    await assert.rejects(kept.size(), /stale handle/);
    await assert.rejects(fs.open('/d/new', { create: true }), /crashed/);
    assert.deepEqual(await next.readdir('/d'), ['kept']);
  });

  it('a rename is durable at once: an atomic replace leaves the new file, never no file', async () => {
    const fs = new MemoryFileSystem({ trackDurability: true });
    await fs.mkdir('/d');
    const old = await fs.open('/d/state', { create: true });
    await old.writev([Buffer.from('old')], 0);
    await old.sync();
    await fs.fsyncDir('/d');
    const temp = await fs.open('/d/state.tmp', { create: true });
    await temp.writev([Buffer.from('new')], 0);
    await temp.sync();
    await fs.rename('/d/state.tmp', '/d/state');
    const next = fs.simulatePowerLoss();
    assert.equal(next.readRaw('/d/state')?.toString(), 'new');
    assert.deepEqual(await next.readdir('/d'), ['state']);
  });
});
