// Proves the storage side of transactions over the in-memory disk: transactional batches open a
// producer's transaction, COMMIT/ABORT markers close it, the last stable offset follows Kafka's
// rule (earliest undecided transaction, markers only count once below the high watermark), abort
// markers write Kafka's `.txnindex` entries in the marker's segment, and after a crash, a power loss
// or a corrupt file the entries and the open transactions come back from snapshots and the log;
// truncation cuts the entries with the log.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRecordBatch, ErrorCode, encodeRecordBatchSync } from '../protocol/index.js';
import { MemoryFileSystem } from './memory-file-system.js';
import type { EndTxnMarkerAppend, PartitionLog } from './partition-log.js';
import { ManualClock, openTestLog } from './test-support.js';
import { decodeAbortedTxns } from './txn-index.js';

const DIR = '/data/topic-0';

function txnBatch(producerId: bigint, baseSequence: number, count = 1, producerEpoch = 0): Buffer {
  return encodeRecordBatchSync(
    createRecordBatch({
      producerId,
      producerEpoch,
      baseSequence,
      isTransactional: true,
      records: Array.from({ length: count }, (_, index) => ({ value: Buffer.from(`v${index}`) })),
      timestamp: 1000n,
    }),
  );
}

function marker(
  producerId: bigint,
  isCommit: boolean,
  coordinatorEpoch = 0,
  producerEpoch = 0,
): EndTxnMarkerAppend {
  return { producerId, producerEpoch, coordinatorEpoch, isCommit, timestampMs: 2000n };
}

async function appendMarker(log: PartitionLog, input: EndTxnMarkerAppend): Promise<bigint> {
  const result = log.appendEndTxnMarker(input, { sync: true });
  assert.ok(!('errorCode' in result), 'the marker is accepted');
  await result.durable;
  return result.lastOffset;
}

function txnIndexOf(fs: MemoryFileSystem, baseOffset: string) {
  const path = `${DIR}/${baseOffset.padStart(20, '0')}.txnindex`;
  return decodeAbortedTxns(fs.readRaw(path) ?? Buffer.alloc(0), path);
}

describe('PartitionLog transactions', () => {
  it('keeps the last stable offset at an open transaction until its marker is below the high watermark', async () => {
    const log = await openTestLog({ fs: new MemoryFileSystem() });
    await log.appendAsLeader(txnBatch(5n, 0, 2)).durable;
    log.setHighWatermark(log.logEndOffset);
    assert.equal(log.highWatermark, 2n);
    assert.equal(log.lastStableOffset, 0n);
    assert.ok(log.hasOngoingTxn(5n));
    const markerOffset = await appendMarker(log, marker(5n, true));
    assert.equal(markerOffset, 2n);
    assert.ok(!log.hasOngoingTxn(5n));
    // The marker is written but the high watermark has not passed it: still unstable.
    assert.equal(log.lastStableOffset, 0n);
    log.setHighWatermark(log.logEndOffset);
    assert.equal(log.lastStableOffset, 3n);
    await log.close();
  });

  it('writes an abort in Kafka .txnindex format with the last stable offset of its time', async () => {
    const fs = new MemoryFileSystem();
    const log = await openTestLog({ fs });
    await log.appendAsLeader(txnBatch(5n, 0, 2)).durable; // 0-1
    await log.appendAsLeader(txnBatch(6n, 0, 1)).durable; // 2
    await appendMarker(log, marker(6n, false)); // 3: 5 is still open from 0
    await appendMarker(log, marker(5n, false)); // 4: none open
    assert.deepEqual(txnIndexOf(fs, '0'), [
      { producerId: 6n, firstOffset: 2n, lastOffset: 3n, lastStableOffset: 0n },
      { producerId: 5n, firstOffset: 0n, lastOffset: 4n, lastStableOffset: 5n },
    ]);
    assert.deepEqual(
      log.collectAbortedTxns(3n, 5n).map((txn) => txn.producerId),
      [6n, 5n],
    );
    // Kafka's search: entries whose marker is before the fetch offset are not returned.
    assert.deepEqual(
      log.collectAbortedTxns(4n, 5n).map((txn) => txn.producerId),
      [5n],
    );
    await log.close();
  });

  it('indexes an abort in the segment of its marker and finds it from a fetch in an earlier segment', async () => {
    const fs = new MemoryFileSystem();
    const log = await openTestLog({ fs, config: { segmentBytes: 200 } });
    await log.appendAsLeader(txnBatch(7n, 0, 3)).durable;
    for (let index = 0; index < 4; index += 1) await log.appendAsLeader(txnBatch(8n, index)).durable;
    await appendMarker(log, marker(8n, true));
    const abortOffset = await appendMarker(log, marker(7n, false));
    const segments = log.segmentBaseOffsets();
    assert.ok(segments.length > 1, 'the log rolled');
    const markerSegment = segments.filter((base) => base <= abortOffset).at(-1)!;
    assert.ok(markerSegment > 0n);
    assert.deepEqual(txnIndexOf(fs, '0'), []);
    assert.deepEqual(
      txnIndexOf(fs, markerSegment.toString()).map((txn) => [txn.producerId, txn.firstOffset]),
      [[7n, 0n]],
    );
    assert.deepEqual(
      log.collectAbortedTxns(0n, 1n).map((txn) => txn.firstOffset),
      [0n],
    );
    await log.close();
  });

  it('refuses a marker of an older producer epoch or coordinator epoch and appends nothing', async () => {
    const log = await openTestLog({ fs: new MemoryFileSystem() });
    await log.appendAsLeader(txnBatch(9n, 0, 1, 3)).durable;
    const stale = log.appendEndTxnMarker(marker(9n, true, 0, 2));
    assert.equal('errorCode' in stale && stale.errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
    await appendMarker(log, marker(9n, true, 4, 3));
    const fenced = log.appendEndTxnMarker(marker(9n, false, 3, 3));
    assert.equal('errorCode' in fenced && fenced.errorCode, ErrorCode.TRANSACTION_COORDINATOR_FENCED);
    assert.equal(log.logEndOffset, 2n);
    await log.close();
  });

  it('keeps an open transaction and the index across a clean restart and a crash', async () => {
    const fs = new MemoryFileSystem();
    const log = await openTestLog({ fs });
    await log.appendAsLeader(txnBatch(10n, 0, 2)).durable; // 0-1
    await appendMarker(log, marker(10n, false)); // 2
    await log.appendAsLeader(txnBatch(10n, 2, 1)).durable; // 3, open
    await log.close();
    const reopened = await openTestLog({ fs, isCleanShutdown: true });
    reopened.setHighWatermark(reopened.logEndOffset); // what the replication layer does at open
    assert.ok(reopened.hasOngoingTxn(10n));
    assert.equal(reopened.lastStableOffset, 3n);
    assert.equal(reopened.collectAbortedTxns(0n, 4n).length, 1);
    await reopened.appendAsLeader(txnBatch(10n, 3, 1)).durable; // 4
    const crashed = fs.simulateProcessCrash();
    const recovered = await openTestLog({ fs: crashed });
    recovered.setHighWatermark(recovered.logEndOffset);
    assert.ok(recovered.hasOngoingTxn(10n));
    assert.equal(recovered.lastStableOffset, 3n);
    await appendMarker(recovered, marker(10n, false)); // 5
    assert.deepEqual(
      recovered.collectAbortedTxns(0n, 6n).map((txn) => [txn.firstOffset, txn.lastOffset]),
      [
        [0n, 2n],
        [3n, 5n],
      ],
    );
    await recovered.close();
  });

  it('rebuilds the .txnindex lost in a power loss, and a corrupt one, from the log', async () => {
    let fs = new MemoryFileSystem({ trackDurability: true });
    const clock = new ManualClock();
    const log = await openTestLog({ fs, clock });
    await log.appendAsLeader(txnBatch(11n, 0, 2)).durable;
    await appendMarker(log, marker(11n, false));
    // The marker's `.log` bytes are fsynced (acks=all); the `.txnindex` write was not.
    fs = fs.simulatePowerLoss();
    assert.deepEqual(txnIndexOf(fs, '0'), []);
    const recovered = await openTestLog({ fs, clock });
    const expected = [{ producerId: 11n, firstOffset: 0n, lastOffset: 2n, lastStableOffset: 3n }];
    assert.deepEqual(txnIndexOf(fs, '0'), expected);
    assert.deepEqual(recovered.collectAbortedTxns(0n, 3n), expected);
    await recovered.close();
    fs.writeRaw(`${DIR}/${'0'.padStart(20, '0')}.txnindex`, Buffer.from([0, 1, 2]));
    const reopened = await openTestLog({ fs, clock, isCleanShutdown: true });
    assert.deepEqual(txnIndexOf(fs, '0'), expected);
    assert.deepEqual(reopened.collectAbortedTxns(0n, 3n), expected);
    await reopened.close();
  });

  it('truncation removes the cut markers from the index and reopens their transactions', async () => {
    const fs = new MemoryFileSystem();
    const log = await openTestLog({ fs });
    await log.appendAsLeader(txnBatch(12n, 0, 2)).durable; // 0-1
    log.setHighWatermark(2n);
    const markerOffset = await appendMarker(log, marker(12n, false)); // 2
    assert.equal(txnIndexOf(fs, '0').length, 1);
    await log.truncateTo(markerOffset);
    assert.deepEqual(txnIndexOf(fs, '0'), []);
    assert.deepEqual(log.collectAbortedTxns(0n, 3n), []);
    assert.ok(log.hasOngoingTxn(12n));
    assert.equal(log.lastStableOffset, 0n);
    await log.close();
  });
});
