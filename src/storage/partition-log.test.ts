// Proves PartitionLog's contract over the in-memory file system: offsets assigned in place, group
// commit, reads cut at batch boundaries with the at-least-one-batch rule, OFFSET_OUT_OF_RANGE as a
// value, rolls, gaps on replica appends, timestamp lookups, epochs, truncation and reopen.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode } from '../protocol/index.js';
import { INDEX_WRITE_BATCH_BYTES } from './index-file.js';
import { MemoryFileSystem } from './memory-file-system.js';
import { OFFSET_INDEX_ENTRY_BYTES } from './offset-index.js';
import { InvalidAppendError } from './storage-errors.js';
import { batchesIn, ManualClock, openTestLog, testBatch, viewOf } from './test-support.js';

describe('PartitionLog', () => {
  it('writes index entries to their files in batches of INDEX_WRITE_BATCH_BYTES, and all on flush', async () => {
    const fs = new MemoryFileSystem();
    // An entry for every batch after the first.
    const log = await openTestLog({ fs, config: { indexIntervalBytes: 1 } });
    const indexPath = '/data/topic-0/00000000000000000000.index';
    const entriesPerWrite = INDEX_WRITE_BATCH_BYTES / OFFSET_INDEX_ENTRY_BYTES;
    const appendBatches = async (count: number): Promise<void> => {
      let last: Promise<void> = Promise.resolve();
      for (let index = 0; index < count; index += 1) last = log.appendAsLeader(testBatch(1)).written;
      await last;
    };
    // More than one 4 KiB write's worth of entries: none reaches the file yet.
    await appendBatches(1000);
    assert.equal(fs.readRaw(indexPath)!.length, 0);
    await appendBatches(entriesPerWrite);
    const written = fs.readRaw(indexPath)!.length;
    assert.ok(
      written >= INDEX_WRITE_BATCH_BYTES,
      `${written} index bytes written after ${entriesPerWrite + 1000} batches`,
    );
    await log.flush();
    assert.equal(fs.readRaw(indexPath)!.length, (entriesPerWrite + 1000 - 1) * OFFSET_INDEX_ENTRY_BYTES);
    await log.close();
  });

  it('keeps its readGeneration over appends and changes it for every change of readable bytes', async () => {
    const log = await openTestLog({ fs: new MemoryFileSystem(), config: { segmentBytes: 200 } });
    let generation = log.readGeneration;
    const changed = (what: string): void => {
      assert.notEqual(log.readGeneration, generation, what);
      generation = log.readGeneration;
    };
    await log.appendAsLeader(testBatch(2)).durable;
    log.setHighWatermark(log.logEndOffset);
    assert.equal(log.readGeneration, generation, 'an append');
    await log.roll();
    changed('a roll');
    for (let index = 0; index < 6; index += 1) await log.appendAsLeader(testBatch(2)).durable;
    log.setHighWatermark(log.logEndOffset);
    generation = log.readGeneration; // the appends rolled segments (segment.bytes) on their own
    await log.truncateTo(12n);
    changed('a truncation');
    await log.deleteRecordsBefore(3n);
    changed('DeleteRecords');
    log.updateConfig({ ...log.logConfig, retentionMs: 1 });
    assert.ok((await log.applyRetention(Date.now() + 60_000)) > 0);
    changed('retention');
    await log.close();
  });

  it('assigns offsets in place and reads back what was appended', async () => {
    const fs = new MemoryFileSystem();
    const log = await openTestLog({ fs });
    const first = log.appendAsLeader([viewOf(testBatch(3))]);
    const second = log.appendAsLeader(testBatch(2), { leaderEpoch: 5 });
    assert.equal(first.firstOffset, 0n);
    assert.equal(first.lastOffset, 2n);
    assert.equal(second.firstOffset, 3n);
    assert.equal(second.lastOffset, 4n);
    await second.written;
    await second.durable;
    assert.equal(log.logEndOffset, 5n);
    assert.equal(log.recoveryPoint, 5n);
    const result = await log.read(0n, { maxBytes: 1 << 20 });
    assert.equal(result.kind, 'records');
    assert.deepEqual(batchesIn(result.kind === 'records' ? result.records : Buffer.alloc(0)), [
      { baseOffset: 0n, lastOffset: 2n },
      { baseOffset: 3n, lastOffset: 4n },
    ]);
    assert.deepEqual(log.leaderEpochEntries(), [{ epoch: 5, startOffset: 3n }]);
    await log.close();
  });

  it('writes appends that arrive during a write in one group commit', async () => {
    const fs = new MemoryFileSystem();
    const log = await openTestLog({ fs });
    const results = Array.from({ length: 50 }, () => log.appendAsLeader(testBatch(1)));
    await Promise.all(results.map((result) => result.durable));
    assert.deepEqual(
      results.map((result) => result.firstOffset),
      Array.from({ length: 50 }, (_, index) => BigInt(index)),
    );
    assert.equal(log.logEndOffset, 50n);
    await log.close();
  });

  it('fetch below logStartOffset or above the log end answers OFFSET_OUT_OF_RANGE', async () => {
    const log = await openTestLog({ fs: new MemoryFileSystem(), logStartOffset: 0n });
    await log.appendAsLeader(testBatch(2)).written;
    const above = await log.read(3n, { maxBytes: 100 });
    assert.equal(above.kind, 'offsetOutOfRange');
    assert.equal(above.kind === 'offsetOutOfRange' ? above.errorCode : 0, ErrorCode.OFFSET_OUT_OF_RANGE);
    const atEnd = await log.read(2n, { maxBytes: 100 });
    assert.equal(atEnd.kind === 'records' ? atEnd.records.length : -1, 0);
    log.setHighWatermark(2n);
    await log.deleteRecordsBefore(1n);
    assert.equal(log.logStartOffset, 1n);
    assert.equal((await log.read(0n, { maxBytes: 100 })).kind, 'offsetOutOfRange');
    await log.close();
  });

  it('returns whole batches within maxBytes, and one oversized batch only with minOneBatch', async () => {
    const log = await openTestLog({ fs: new MemoryFileSystem() });
    const batch = testBatch(4, { valueBytes: 100 });
    for (let index = 0; index < 3; index += 1) log.appendAsLeader(Buffer.from(batch));
    await log.flush();
    const two = await log.read(0n, { maxBytes: batch.length * 2 + 10 });
    assert.equal(two.kind === 'records' ? two.records.length : -1, batch.length * 2);
    const none = await log.read(0n, { maxBytes: 10 });
    assert.equal(none.kind === 'records' ? none.records.length : -1, 0);
    const one = await log.read(5n, { maxBytes: 10, minOneBatch: true });
    assert.deepEqual(batchesIn(one.kind === 'records' ? one.records : Buffer.alloc(0)), [
      { baseOffset: 4n, lastOffset: 7n },
    ]);
    const belowHw = await log.read(0n, { maxBytes: 1 << 20, maxOffset: 8n });
    assert.equal(belowHw.kind === 'records' ? belowHw.records.length : -1, batch.length * 2);
    await log.close();
  });

  it('reads past the one-read window: a target far from its index entry, a batch above the window', async () => {
    const log = await openTestLog({ fs: new MemoryFileSystem(), config: { indexIntervalBytes: 1 << 30 } });
    for (let index = 0; index < 30; index += 1)
      log.appendAsLeader(testBatch(2, { valueBytes: 3000, tag: `s${index}` }));
    log.appendAsLeader(testBatch(1, { valueBytes: 100_000 }));
    await log.flush();
    const far = await log.read(51n, { maxBytes: 100 });
    assert.deepEqual(batchesIn(far.kind === 'records' ? far.records : Buffer.alloc(0)), [], 'over maxBytes');
    const farOne = await log.read(51n, { maxBytes: 100, minOneBatch: true });
    assert.deepEqual(batchesIn(farOne.kind === 'records' ? farOne.records : Buffer.alloc(0)), [
      { baseOffset: 50n, lastOffset: 51n },
    ]);
    const big = await log.read(60n, { maxBytes: 10, minOneBatch: true });
    assert.deepEqual(batchesIn(big.kind === 'records' ? big.records : Buffer.alloc(0)), [
      { baseOffset: 60n, lastOffset: 60n },
    ]);
    const capped = await log.read(60n, { maxBytes: 10, minOneBatch: true, maxOffset: 60n });
    assert.equal(capped.kind === 'records' ? capped.records.length : -1, 0);
    await log.close();
  });

  it('rolls on segment.bytes and reads across segments', async () => {
    const fs = new MemoryFileSystem();
    const batch = testBatch(2, { valueBytes: 200 });
    const log = await openTestLog({ fs, config: { segmentBytes: batch.length * 3, indexIntervalBytes: 1 } });
    for (let index = 0; index < 10; index += 1) log.appendAsLeader(Buffer.from(batch));
    await log.flush();
    assert.deepEqual(log.segmentBaseOffsets(), [0n, 6n, 12n, 18n]);
    for (let offset = 0n; offset < 20n; offset += 1n) {
      const result = await log.read(offset, { maxBytes: 1 << 20 });
      const batches = batchesIn(result.kind === 'records' ? result.records : Buffer.alloc(0));
      assert.equal(batches[0]?.baseOffset, offset - (offset % 2n), `offset ${offset}`);
    }
    assert.ok((await fs.readdir('/data/topic-0')).includes('00000000000000000006.log'));
    await log.close();
  });

  it('rolls on segment.ms by the injected clock', async () => {
    const clock = new ManualClock();
    const log = await openTestLog({ fs: new MemoryFileSystem(), clock, config: { segmentMs: 1000 } });
    await log.appendAsLeader(testBatch(1)).written;
    clock.advance(1001);
    await log.appendAsLeader(testBatch(1)).written;
    assert.deepEqual(log.segmentBaseOffsets(), [0n, 1n]);
    await log.close();
  });

  it("rolls on segment.ms less the segment's segment.jitter.ms draw", async () => {
    const clock = new ManualClock();
    const draws = [0.5, 0.9];
    const log = await openTestLog({
      fs: new MemoryFileSystem(),
      clock,
      config: { segmentMs: 1000, segmentJitterMs: 400 },
      random: () => draws.shift() ?? 0,
    });
    await log.appendAsLeader(testBatch(1)).written;
    clock.advance(800); // jitter 200: the segment may live 800 ms
    await log.appendAsLeader(testBatch(1)).written;
    assert.deepEqual(log.segmentBaseOffsets(), [0n]);
    clock.advance(1);
    await log.appendAsLeader(testBatch(1)).written;
    assert.deepEqual(log.segmentBaseOffsets(), [0n, 2n]);
    clock.advance(641); // the new segment drew 360: it may live 640 ms
    await log.appendAsLeader(testBatch(1)).written;
    assert.deepEqual(log.segmentBaseOffsets(), [0n, 2n, 3n]);
    await log.close();
  });

  it('keeps replica offsets, accepts gaps and refuses batches below the log end', async () => {
    const log = await openTestLog({ fs: new MemoryFileSystem() });
    await log.appendWithOffsets(testBatch(2, { baseOffset: 0n })).written;
    await log.appendWithOffsets(testBatch(2, { baseOffset: 10n })).written;
    assert.equal(log.logEndOffset, 12n);
    assert.throws(() => log.appendWithOffsets(testBatch(1, { baseOffset: 11n })), InvalidAppendError);
    const inGap = await log.read(5n, { maxBytes: 1 << 20 });
    assert.deepEqual(batchesIn(inGap.kind === 'records' ? inGap.records : Buffer.alloc(0)), [
      { baseOffset: 10n, lastOffset: 11n },
    ]);
    await log.close();
  });

  it('finds offsets by timestamp, earliest, latest and max timestamp', async () => {
    const log = await openTestLog({ fs: new MemoryFileSystem(), config: { indexIntervalBytes: 1 } });
    log.appendAsLeader(testBatch(3, { timestamp: 100n }));
    log.appendAsLeader(testBatch(3, { timestamp: 500n }));
    log.appendAsLeader(testBatch(3, { timestamp: 200n }));
    await log.flush();
    assert.equal((await log.offsetForTimestamp(-2n))?.offset, 0n);
    assert.equal((await log.offsetForTimestamp(-1n))?.offset, 9n);
    assert.deepEqual(await log.offsetForTimestamp(-3n), { timestamp: 502n, offset: 5n, leaderEpoch: -1 });
    assert.equal((await log.offsetForTimestamp(101n))?.offset, 1n);
    assert.equal((await log.offsetForTimestamp(300n))?.offset, 3n);
    assert.equal((await log.offsetForTimestamp(501n))?.offset, 4n);
    assert.equal(await log.offsetForTimestamp(600n), undefined);
    await log.close();
  });

  it('truncates to an offset, drops later epochs and accepts appends after it', async () => {
    const fs = new MemoryFileSystem();
    const log = await openTestLog({ fs, config: { segmentBytes: 300 } });
    for (let epoch = 1; epoch <= 6; epoch += 1) log.appendAsLeader(testBatch(2), { leaderEpoch: epoch });
    await log.flush();
    log.setHighWatermark(12n);
    await log.truncateTo(5n);
    assert.equal(log.logEndOffset, 5n, 'the target, as Kafka: offset 4 of the removed batch is a gap');
    assert.equal(log.highWatermark, 5n);
    assert.deepEqual(
      log.leaderEpochEntries().map((entry) => entry.epoch),
      [1, 2],
    );
    assert.deepEqual(log.endOffsetForEpoch(1), { leaderEpoch: 1, endOffset: 2n });
    assert.deepEqual(log.endOffsetForEpoch(2), { leaderEpoch: 2, endOffset: 5n });
    assert.deepEqual(log.endOffsetForEpoch(7), { leaderEpoch: -1, endOffset: -1n });
    const next = log.appendAsLeader(testBatch(1), { leaderEpoch: 7 });
    assert.equal(next.firstOffset, 5n);
    await next.written;
    assert.equal(log.logEndOffset, 6n);
    await log.close();
    const reopened = await openTestLog({ fs, isCleanShutdown: true, config: { segmentBytes: 300 } });
    assert.equal(reopened.logEndOffset, 6n);
    await reopened.close();
  });

  it('reopens after a clean close with the same content, segments and epochs', async () => {
    const fs = new MemoryFileSystem();
    const log = await openTestLog({ fs, config: { segmentBytes: 400, indexIntervalBytes: 1 } });
    for (let index = 0; index < 8; index += 1) log.appendAsLeader(testBatch(3), { leaderEpoch: index >> 1 });
    await log.close();
    const before = await fs.readdir('/data/topic-0');
    const reopened = await openTestLog({ fs, isCleanShutdown: true, config: { segmentBytes: 400 } });
    assert.equal(reopened.logEndOffset, 24n);
    assert.deepEqual(await fs.readdir('/data/topic-0'), before);
    assert.deepEqual(
      reopened.leaderEpochEntries().map((entry) => [entry.epoch, entry.startOffset]),
      [
        [0, 0n],
        [1, 6n],
        [2, 12n],
        [3, 18n],
      ],
    );
    const all = await reopened.read(7n, { maxBytes: 1 << 20 });
    assert.equal(batchesIn(all.kind === 'records' ? all.records : Buffer.alloc(0))[0]?.baseOffset, 6n);
    await reopened.close();
  });
});
