// Proves compaction: per key only the last record survives in the cleaned (inactive) segments, the
// active segment and offsets stay as they were, tombstones go only after delete.retention.ms,
// transaction markers and committed transactional batches are kept, aborted transactional data goes,
// the dirty ratio and the key bound decide
// whether to clean, and an interrupted swap is completed (or dropped) when the log is reopened.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  ControlRecordType,
  createEndTxnMarkerBatch,
  createRecordBatch,
  decodeRecordBatchesSync,
  encodeRecordBatchSync,
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

describe('cleaner', () => {
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
    await log.flush();
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

  it('drops tombstones only after delete.retention.ms and keeps transaction markers', async () => {
    const clock = new ManualClock(10 * DAY);
    const log = await openTestLog({ fs: new MemoryFileSystem(), clock, config: CONFIG });
    const old = BigInt(clock.nowMs() - 2 * DAY);
    log.appendAsLeader(keyed([['gone', 'v1']], old));
    log.appendAsLeader(keyed([['gone', null]], old));
    log.appendAsLeader(keyed([['recent', 'v1']], old));
    log.appendAsLeader(keyed([['recent', null]], BigInt(clock.nowMs())));
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
    for (let index = 0; index < 8; index += 1)
      log.appendAsLeader(keyed([[`pad${index}`, 'x'.repeat(100)]], old));
    await log.flush();
    await log.compact(clock.nowMs());
    const after = await contents(log);
    assert.ok(!after.some((record) => record.key === 'gone'), 'old tombstone and its value are gone');
    assert.deepEqual(
      after.filter((record) => record.key === 'recent').map((record) => record.value),
      [null],
    );
    assert.ok(
      after.some((record) => record.key === 'control'),
      'the commit marker stays',
    );
    await log.close();
  });

  it('removes the data of aborted transactions and keeps committed ones and both markers', async () => {
    const clock = new ManualClock(10 * DAY);
    const log = await openTestLog({ fs: new MemoryFileSystem(), clock, config: CONFIG });
    const old = BigInt(clock.nowMs() - 2 * DAY);
    const txn = (producerId: bigint, baseSequence: number, key: string) =>
      encodeRecordBatchSync(
        createRecordBatch({
          producerId,
          producerEpoch: 0,
          baseSequence,
          isTransactional: true,
          timestamp: old,
          records: [{ key: Buffer.from(key), value: Buffer.from(`${producerId}`) }],
        }),
      );
    log.appendAsLeader(txn(20n, 0, 'a'));
    log.appendAsLeader(txn(21n, 0, 'b'));
    log.appendAsLeader(txn(20n, 1, 'c'));
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
    for (let index = 0; index < 8; index += 1)
      log.appendAsLeader(keyed([[`pad${index}`, 'x'.repeat(100)]], old));
    await log.flush();
    const result = await log.compact(clock.nowMs());
    assert.ok(result !== undefined && result.segmentsCleaned > 0);
    const after = await contents(log);
    assert.deepEqual(
      after.filter((record) => ['a', 'b', 'c', 'control'].includes(record.key)).map((r) => [r.offset, r.key]),
      [
        [1n, 'b'],
        [3n, 'control'],
        [4n, 'control'],
      ],
    );
    // The index entry survives the swap: read_committed consumers still learn of the abort.
    assert.deepEqual(
      log.collectAbortedTxns(0n, 5n).map((aborted) => aborted.producerId),
      [20n],
    );
    await log.close();
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
    await log.flush();
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
