// CleanedTransactions decides, for one cleaning pass walking batches in offset order, which data
// batches belong to aborted transactions and whether a marker may be discarded: only when the pass
// met no data of its transaction (Kafka's CleanedTransactionMetadata).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CleanedTransactions } from './cleaner-transactions.js';

const aborted = (producerId: bigint, firstOffset: bigint, lastOffset: bigint) => ({
  producerId,
  firstOffset,
  lastOffset,
  lastStableOffset: firstOffset,
});

describe('CleanedTransactions', () => {
  it('drops the data of an aborted transaction and keeps its marker and index entry while data was met', () => {
    const txn = aborted(7n, 2n, 5n);
    const pass = new CleanedTransactions([txn]);
    assert.equal(pass.onDataBatch(7n, true, 1n), false, 'before the transaction began');
    assert.equal(pass.onDataBatch(7n, true, 3n), true);
    assert.equal(pass.onDataBatch(8n, true, 4n), false, 'another producer');
    assert.deepEqual(pass.onControlBatch(7n, false, 5n, false), { canDiscard: false, keptAbortedTxn: txn });
  });

  it('lets an abort marker go when a previous pass removed its data', () => {
    const pass = new CleanedTransactions([aborted(7n, 2n, 5n)]);
    assert.equal(pass.onDataBatch(9n, false, 3n), false);
    assert.deepEqual(pass.onControlBatch(7n, false, 5n, false), { canDiscard: true });
  });

  it('keeps a commit marker while data of its transaction remains, and lets it go after', () => {
    const pass = new CleanedTransactions([]);
    assert.equal(pass.onDataBatch(3n, true, 0n), false);
    assert.deepEqual(pass.onControlBatch(3n, true, 1n, false), { canDiscard: false });
    assert.deepEqual(
      pass.onControlBatch(3n, true, 2n, false),
      { canDiscard: true },
      'a second, empty transaction',
    );
  });

  it('discards an emptied control batch and never an unknown control type', () => {
    const pass = new CleanedTransactions([]);
    assert.deepEqual(pass.onControlBatch(3n, undefined, 0n, true), { canDiscard: true });
    assert.deepEqual(pass.onControlBatch(3n, undefined, 1n, false), { canDiscard: false });
  });
});
