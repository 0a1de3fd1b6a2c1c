// Proves compaction: per key only the last record survives in the cleaned (inactive) segments, the
// active segment and offsets stay as they were; tombstones and transaction markers get a KIP-534
// delete horizon and go only once it has passed (markers only once no data of their transaction
// remains); aborted transactional data goes; each active producer's last batch stays (emptied) so its
// sequence survives; nothing at or above the last stable offset is cleaned; the dirty ratio and the
// key bound decide whether to clean; an interrupted swap is completed (or dropped) on reopen.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ControlRecordType,
  createEndTxnMarkerBatch,
  createRecordBatch,
  decodeRecordBatchesSync,
  encodeRecordBatchSync,
  type RecordBatch,
} from '../protocol/index.js';
import { MemoryFileSystem } from './memory-file-system.js';
import type { PartitionLog } from './partition-log.js';
import { ManualClock, openTestLog } from './test-support.js';
import type { LogConfig } from './topic-config.js';

const DAY = 86_400_000;
const CONFIG: Partial<LogConfig> = {
  cleanupPolicy: ['compact'],
  segmentBytes: 600,
  minCleanableDirtyRatio: 0.1,
  deleteRetentionMs: DAY,
};

function keyed(entries: readonly (readonly [string, string | null])[], timestamp: bigint): Buffer {
  return encodeRecordBatchSync(
    createRecordBatch({
      timestamp,
      records: entries.map(([key, value]) => ({
        key: Buffer.from(key),
        value: value === null ? null : Buffer.from(value),
      })),
    }),
  );
}

async function contents(log: PartitionLog): Promise<{ offset: bigint; key: string; value: string | null }[]> {
  const out: { offset: bigint; key: string; value: string | null }[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const result = await log.read(offset, { maxBytes: 1 << 20, minOneBatch: true });
    if (result.kind !== 'records' || result.records.length === 0) break;
    for (const batch of decodeRecordBatchesSync(result.records).batches) {
      for (const record of batch.records) {
        out.push({
          offset: batch.baseOffset + BigInt(record.offsetDelta),
          key: batch.isControl ? 'control' : (record.key?.toString() ?? ''),
          value: record.value === null ? null : batch.isControl ? 'marker' : record.value.toString(),
        });
      }
      offset = batch.baseOffset + BigInt(batch.lastOffsetDelta) + 1n;
    }
  }
  return out;
}

/** Everything appended is flushed and below the high watermark (the cleaner stays below the LSO). */
async function settle(log: PartitionLog): Promise<void> {
  await log.flush();
  log.setHighWatermark(log.logEndOffset);
}

/** Every batch of the log, records decoded. */
async function batchesOf(log: PartitionLog): Promise<RecordBatch[]> {
  const batches: RecordBatch[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const result = await log.read(offset, { maxBytes: 1 << 20, minOneBatch: true });
    if (result.kind !== 'records' || result.records.length === 0) break;
    for (const batch of decodeRecordBatchesSync(result.records).batches) {
      batches.push(batch);
      offset = batch.baseOffset + BigInt(batch.lastOffsetDelta) + 1n;
    }
  }
  return batches;
}

function transactional(producerId: bigint, baseSequence: number, key: string, timestamp: bigint): Buffer {
  return encodeRecordBatchSync(
    createRecordBatch({
      producerId,
      producerEpoch: 0,
      baseSequence,
      isTransactional: true,
      timestamp,
      records: [{ key: Buffer.from(key), value: Buffer.from(`${producerId}`) }],
    }),
  );
}

function padding(log: PartitionLog, count: number, timestamp: bigint, tag = 'pad'): void {
  for (let index = 0; index < count; index += 1)
    log.appendAsLeader(keyed([[`${tag}${index}`, 'x'.repeat(100)]], timestamp));
}

describe('cleaner', () => {
  it('changes the readGeneration of the log when a cleaned segment is swapped in', async () => {
    const clock = new ManualClock(10 * DAY);
    const log = await openTestLog({ fs: new MemoryFileSystem(), clock, config: CONFIG });
    for (let round = 0; round < 12; round += 1)
      log.appendAsLeader(keyed([[`a`, `a${round}`]], BigInt(clock.nowMs())));
    await settle(log);
    const before = log.readGeneration;
    assert.ok((await log.compact(clock.nowMs())) !== undefined);
    assert.notEqual(log.readGeneration, before);
    await log.close();
  });

  it('keeps the last record per key in inactive segments and leaves offsets and the active segment', async () => {
    const clock = new ManualClock(10 * DAY);
    const fs = new MemoryFileSystem();
    const log = await openTestLog({ fs, clock, config: CONFIG });
    for (let round = 0; round < 12; round += 1) {
      log.appendAsLeader(
        keyed(
          [
            [`a`, `a${round}`],
            [`b${round % 3}`, `b${round}`],
          ],
          BigInt(clock.nowMs()),
        ),
      );
    }
    await settle(log);
    const before = await contents(log);
    const activeBase = log.segmentBaseOffsets().at(-1)!;
    const result = await log.compact(clock.nowMs());
    assert.ok(result !== undefined && result.bytesAfter < result.bytesBefore);
    const after = await contents(log);
    assert.equal(log.logEndOffset, 24n);
    const cleanedPart = after.filter((record) => record.offset < activeBase);
    // The cleaner sees only the inactive segments: the last record per key below the active one.
    const lastOffsetOf = new Map(
      before.filter((record) => record.offset < activeBase).map((record) => [record.key, record.offset]),
    );
    for (const record of cleanedPart) assert.equal(record.offset, lastOffsetOf.get(record.key), record.key);
    assert.equal(cleanedPart.length, lastOffsetOf.size);
    assert.deepEqual(
      after.filter((record) => record.offset >= activeBase),
      before.filter((record) => record.offset >= activeBase),
    );
    for (const [key, offset] of lastOffsetOf) {
      assert.ok(
        after.some((record) => record.key === key && record.offset === offset),
        `latest ${key} kept`,
      );
    }
    assert.equal(await log.compact(clock.nowMs()), undefined, 'nothing dirty after a pass');
    await log.close();
    const reopened = await openTestLog({ fs, clock, config: CONFIG, recoveryPoint: 0n });
    assert.deepEqual(await contents(reopened), after);
    await reopened.close();
  });

  it('keeps tombstones and an empty-transaction marker until the delete horizon the first pass set (KIP-534)', async () => {
    const clock = new ManualClock(10 * DAY);
    const log = await openTestLog({ fs: new MemoryFileSystem(), clock, config: CONFIG });
    // Record timestamps long past delete.retention.ms: KIP-534 counts from the cleaning, not from them.
    const old = BigInt(clock.nowMs() - 5 * DAY);
    log.appendAsLeader(keyed([['gone', 'v1']], old));
    log.appendAsLeader(keyed([['gone', null]], old));
    log.appendAsLeader(
      encodeRecordBatchSync(
        createEndTxnMarkerBatch({
          type: ControlRecordType.commit,
          producerId: 5n,
          producerEpoch: 0,
          coordinatorEpoch: 1,
          timestamp: old,
        }),
      ),
    );
    padding(log, 8, old);
    await settle(log);
    const firstPassMs = clock.nowMs();
    await log.compact(firstPassMs);
    let batches = await batchesOf(log);
    const tombstone = batches.find((batch) =>
      batch.records.some((record) => record.key?.toString() === 'gone'),
    );
    assert.ok(tombstone !== undefined, 'the tombstone stays');
    assert.deepEqual(
      tombstone.records.map((record) => record.value),
      [null],
      'the value it deletes is gone',
    );
    assert.equal(tombstone.hasDeleteHorizonMs, true);
    assert.equal(
      tombstone.baseTimestamp,
      BigInt(firstPassMs + DAY),
      'horizon = this pass + delete.retention.ms',
    );
    assert.equal(tombstone.maxTimestamp, old, 'record timestamps unchanged');
    const marker = batches.find((batch) => batch.isControl)!;
    assert.equal(marker.hasDeleteHorizonMs, true, 'a marker with no data of its transaction gets a horizon');
    assert.equal(marker.records.length, 1);

    clock.advance(DAY - 1);
    assert.equal(await log.compact(clock.nowMs()), undefined, 'nothing dirty and the horizon not reached');
    clock.advance(1);
    assert.ok((await log.compact(clock.nowMs())) !== undefined, 'a passed horizon makes a pass due');
    batches = await batchesOf(log);
    assert.ok(!batches.some((batch) => batch.records.some((record) => record.key?.toString() === 'gone')));
    // Producer 5 is still remembered: its marker is its last batch, kept empty for its epoch.
    const emptied = batches.find((batch) => batch.isControl)!;
    assert.equal(emptied.records.length, 0);
    assert.equal(emptied.producerId, 5n);

    log.removeExpiredProducers(clock.nowMs(), 0);
    padding(log, 8, BigInt(clock.nowMs()), 'more');
    await settle(log);
    await log.compact(clock.nowMs());
    assert.ok(!(await batchesOf(log)).some((batch) => batch.isControl), 'expired producer: the marker goes');
    await log.close();
  });

  it('removes aborted data, then its abort marker once the horizon passed; keeps committed data and its marker', async () => {
    const clock = new ManualClock(10 * DAY);
    const log = await openTestLog({ fs: new MemoryFileSystem(), clock, config: CONFIG });
    const old = BigInt(clock.nowMs() - 2 * DAY);
    log.appendAsLeader(transactional(20n, 0, 'a', old));
    log.appendAsLeader(transactional(21n, 0, 'b', old));
    log.appendAsLeader(transactional(20n, 1, 'c', old));
    const abort = log.appendEndTxnMarker({
      producerId: 20n,
      producerEpoch: 0,
      coordinatorEpoch: 0,
      isCommit: false,
      timestampMs: old,
    });
    const commit = log.appendEndTxnMarker({
      producerId: 21n,
      producerEpoch: 0,
      coordinatorEpoch: 0,
      isCommit: true,
      timestampMs: old,
    });
    assert.ok(!('errorCode' in abort) && !('errorCode' in commit));
    padding(log, 8, old);
    await settle(log);
    // Expired producers keep no last batch: what goes is what the transaction rules say.
    log.removeExpiredProducers(clock.nowMs(), 0);
    const result = await log.compact(clock.nowMs());
    assert.ok(result !== undefined && result.segmentsCleaned > 0);
    const transactionRecords = async () =>
      (await contents(log))
        .filter((record) => ['a', 'b', 'c', 'control'].includes(record.key))
        .map((record) => [record.offset, record.key]);
    assert.deepEqual(await transactionRecords(), [
      [1n, 'b'],
      [3n, 'control'],
      [4n, 'control'],
    ]);
    // This pass still met the aborted data: the index entry survives the swap.
    assert.deepEqual(
      log.collectAbortedTxns(0n, 5n).map((aborted) => aborted.producerId),
      [20n],
    );
    padding(log, 8, BigInt(clock.nowMs()), 'second');
    await settle(log);
    await log.compact(clock.nowMs());
    assert.deepEqual(log.collectAbortedTxns(0n, 5n), [], 'no aborted data left: the entry goes');
    assert.equal((await transactionRecords()).length, 3, 'the marker waits for its horizon');
    clock.advance(DAY);
    await log.compact(clock.nowMs());
    assert.deepEqual(await transactionRecords(), [
      [1n, 'b'],
      [4n, 'control'],
    ]);
    await log.close();
  });

  it("keeps an active producer's last batch, emptied, so its sequence survives; never cleans above the LSO", async () => {
    const clock = new ManualClock(10 * DAY);
    const fs = new MemoryFileSystem();
    const log = await openTestLog({ fs, clock, config: CONFIG });
    const old = BigInt(clock.nowMs() - 2 * DAY);
    log.appendAsLeader(
      encodeRecordBatchSync(
        createRecordBatch({
          producerId: 30n,
          producerEpoch: 2,
          baseSequence: 7,
          timestamp: old,
          records: [{ key: Buffer.from('k'), value: Buffer.from('from 30') }],
        }),
      ),
    );
    log.appendAsLeader(keyed([['k', 'newer']], old));
    padding(log, 8, old);
    // An open transaction after the padding: the segments from it on are not cleaned.
    const open = log.appendAsLeader(transactional(40n, 0, 'open', old));
    padding(log, 8, old, 'late');
    await settle(log);
    assert.equal(log.lastStableOffset, open.firstOffset);
    await log.compact(clock.nowMs());
    const batches = await batchesOf(log);
    const kept = batches.find((batch) => batch.producerId === 30n);
    assert.ok(kept !== undefined, "the producer's last batch stays");
    assert.equal(kept.records.length, 0, 'its record, shadowed by a newer one, is gone');
    assert.deepEqual([kept.baseOffset, kept.baseSequence, kept.producerEpoch], [0n, 7, 2]);
    const late = batches.filter((batch) =>
      batch.records.some((record) => record.key?.toString().startsWith('late')),
    );
    assert.equal(late.length, 8, 'above the LSO nothing is cleaned');
    await log.close();
    // Without snapshots, the producer state is replayed from the log: the empty batch carries the sequence.
    const dir = '/data/topic-0';
    for (const name of await fs.readdir(dir))
      if (name.endsWith('.snapshot')) await fs.unlink(`${dir}/${name}`);
    const reopened = await openTestLog({ fs, clock, config: CONFIG, recoveryPoint: 0n });
    const producer = reopened.producerStates().find((entry) => entry.producerId === 30n);
    assert.equal(producer?.batches.at(-1)?.lastSeq, 7);
    await reopened.close();
  });

  it('respects min.cleanable.dirty.ratio, min.compaction.lag.ms and the key bound', async () => {
    const clock = new ManualClock(10 * DAY);
    const log = await openTestLog({
      fs: new MemoryFileSystem(),
      clock,
      config: { ...CONFIG, minCleanableDirtyRatio: 0.99 },
    });
    for (let index = 0; index < 20; index += 1)
      log.appendAsLeader(keyed([[`k${index % 2}`, 'v'.repeat(50)]], 0n));
    await settle(log);
    assert.ok(log.segmentCount > 2);
    assert.ok((await log.compact(clock.nowMs(), 0)) === undefined, 'no key fits the map');
    log.updateConfig({ ...log.logConfig, minCleanableDirtyRatio: 0.5, minCompactionLagMs: 20 * DAY });
    assert.equal(await log.compact(clock.nowMs()), undefined, 'too young');
    log.updateConfig({ ...log.logConfig, minCompactionLagMs: 0 });
    assert.ok((await log.compact(clock.nowMs())) !== undefined);
    await log.close();
  });

  it('completes a swap interrupted by a crash, or drops it when its segment is gone', async () => {
    const fs = new MemoryFileSystem();
    const log = await openTestLog({ fs, config: { segmentBytes: 300 } });
    for (let index = 0; index < 6; index += 1) log.appendAsLeader(keyed([[`k${index}`, 'v'.repeat(60)]], 0n));
    await log.close();
    const dir = '/data/topic-0';
    const first = fs.readRaw(`${dir}/00000000000000000000.log`)!;
    const firstBatch = first.subarray(0, first.readInt32BE(8) + 12);
    await fs.open(`${dir}/00000000000000000000.log.swap`, { create: true }).then(async (file) => {
      await file.writev([firstBatch], 0);
      await file.close();
    });
    await fs.open(`${dir}/00000000000000000099.log.swap`, { create: true }).then((file) => file.close());
    const reopened = await openTestLog({ fs, config: { segmentBytes: 300 }, recoveryPoint: 0n });
    assert.ok(fs.readRaw(`${dir}/00000000000000000000.log`)!.equals(firstBatch));
    assert.ok(!(await fs.readdir(dir)).some((name) => name.endsWith('.swap')));
    assert.equal((await contents(reopened))[0]?.key, 'k0');
    await reopened.close();
  });
});
