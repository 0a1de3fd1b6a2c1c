// Scenario tests of the transaction coordinator core: each drives TransactionCoordinator through a short
// script on a virtual clock (TxnHarness) and checks the replies, the __transaction_state records, the
// markers and the timers Kafka's coordinator would produce, including a restart (reload) in every state.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode } from '../../protocol/index.js';
import { TEST_CONFIG, TxnHarness } from './txn-harness.test-support.js';
import { decodeTxnRecord, encodeTxnRecord } from './txn-log-records.js';
import { MAX_PRODUCER_EPOCH, type TxnMetadata, type TxnState } from './txn-metadata.js';

const P0 = { topic: 'orders', partition: 0 };
const P1 = { topic: 'orders', partition: 1 };
const OFFSETS = { topic: '__consumer_offsets', partition: 7 };

function states(h: TxnHarness): string[] {
  return h.log.map((r) => decodeTxnRecord(r.key, r.value).metadata?.state ?? 'tombstone');
}

function withoutLastEpoch(m: TxnMetadata | undefined): Omit<TxnMetadata, 'lastProducerEpoch'> | undefined {
  if (m === undefined) return undefined;
  const { lastProducerEpoch: _, ...rest } = m;
  return rest;
}

describe('transaction coordinator: InitProducerId', () => {
  it('a new transactional id gets a fresh producer id at epoch 0 once its Empty record is durable', () => {
    const h = new TxnHarness();
    const id = h.initProducerId('t1');
    assert.equal(h.replies.has(id), false, 'no answer before the write is durable');
    h.completeWrites();
    assert.deepEqual(h.reply(id), { requestId: id, errorCode: 0, producerId: 1000n, producerEpoch: 0 });
    assert.deepEqual(states(h), ['Empty']);
  });

  it('a second InitProducerId bumps the epoch: the first producer is fenced', () => {
    const h = new TxnHarness();
    const first = h.producer('t1');
    const second = h.producer('t1');
    assert.deepEqual(second, { producerId: first.producerId, producerEpoch: 1 });
    const add = h.addPartitions('t1', first, [P0]);
    assert.equal(h.reply(add).errorCode, ErrorCode.PRODUCER_FENCED);
    const end = h.endTxn('t1', first, true);
    assert.equal(h.reply(end).errorCode, ErrorCode.PRODUCER_FENCED);
  });

  it('an empty id is INVALID_REQUEST, a timeout above transaction.max.timeout.ms INVALID_TRANSACTION_TIMEOUT', () => {
    const h = new TxnHarness();
    assert.equal(h.reply(h.initProducerId('')).errorCode, ErrorCode.INVALID_REQUEST);
    const tooLong = h.initProducerId('t', { timeoutMs: h.config.transactionMaxTimeoutMs + 1 });
    assert.equal(h.reply(tooLong).errorCode, ErrorCode.INVALID_TRANSACTION_TIMEOUT);
    assert.equal(
      h.reply(h.initProducerId('t', { timeoutMs: 0 })).errorCode,
      ErrorCode.INVALID_TRANSACTION_TIMEOUT,
    );
    assert.equal(h.writes.length, 0);
  });

  it('during an open transaction it aborts it at a bumped epoch and answers CONCURRENT_TRANSACTIONS; the retry gets epoch + 2', () => {
    const h = new TxnHarness();
    const old = h.producer('t1');
    h.addPartitions('t1', old, [P0, P1]);
    h.completeWrites();
    const init = h.initProducerId('t1');
    h.completeWrites();
    assert.equal(h.reply(init).errorCode, ErrorCode.CONCURRENT_TRANSACTIONS);
    assert.equal(h.coordinator.get('t1')?.state, 'PrepareAbort');
    const [job] = h.completeMarkers();
    assert.deepEqual(
      { committed: job?.committed, epoch: job?.producerEpoch, partitions: job?.partitions },
      { committed: false, epoch: 1, partitions: [P0, P1] },
    );
    h.completeWrites();
    assert.equal(h.coordinator.get('t1')?.state, 'CompleteAbort');
    const retry = h.producer('t1');
    assert.deepEqual(retry, { producerId: old.producerId, producerEpoch: 2 });
    assert.equal(h.reply(h.endTxn('t1', old, true)).errorCode, ErrorCode.PRODUCER_FENCED);
  });

  it('KIP-360: the current epoch bumps, a retry of that bump gets the same epoch, anything else is fenced', () => {
    const h = new TxnHarness();
    const p = h.producer('t1');
    const bump = h.initProducerId('t1', { expected: p });
    h.settle();
    assert.deepEqual(h.reply(bump), {
      requestId: bump,
      errorCode: 0,
      producerId: p.producerId,
      producerEpoch: 1,
    });
    const retry = h.initProducerId('t1', { expected: p });
    h.settle();
    assert.equal(h.reply(retry).producerEpoch, 1, 'the lost answer is given again, no second bump');
    const stale = h.initProducerId('t1', { expected: { producerId: p.producerId, producerEpoch: 7 } });
    assert.equal(h.reply(stale).errorCode, ErrorCode.PRODUCER_FENCED);
    const other = h.initProducerId('t1', { expected: { producerId: 999n, producerEpoch: 1 } });
    assert.equal(h.reply(other).errorCode, ErrorCode.PRODUCER_FENCED);
  });

  it('an exhausted epoch rotates to a new producer id at epoch 0; the old id at that epoch may retry', () => {
    const h = new TxnHarness();
    const p = h.producer('t1');
    // Drive the epoch to the last usable value through the durable log, as a long-lived id would get there.
    const m = h.coordinator.get('t1')!;
    h.log.push(encodeAt(m, MAX_PRODUCER_EPOCH - 1));
    const r = h.restart();
    const rotate = r.initProducerId('t1', {
      expected: { producerId: p.producerId, producerEpoch: MAX_PRODUCER_EPOCH - 1 },
    });
    r.settle();
    const rotated = r.reply(rotate);
    assert.equal(rotated.errorCode, ErrorCode.NONE);
    assert.notEqual(rotated.producerId, p.producerId);
    assert.equal(rotated.producerEpoch, 0);
    assert.equal(r.coordinator.get('t1')?.previousProducerId, p.producerId);
    const lateRetry = r.initProducerId('t1', {
      expected: { producerId: p.producerId, producerEpoch: MAX_PRODUCER_EPOCH - 1 },
    });
    r.settle();
    assert.equal(
      r.reply(lateRetry).errorCode,
      ErrorCode.NONE,
      'the previous id at an exhausted epoch is not fenced',
    );
  });
});

function encodeAt(m: TxnMetadata, producerEpoch: number) {
  return encodeTxnRecord({ ...m, producerEpoch });
}

describe('transaction coordinator: V1 transactions', () => {
  it('commit: Ongoing → PrepareCommit (answered) → markers at the producer epoch → CompleteCommit', () => {
    const h = new TxnHarness();
    const p = h.producer('t1');
    const add = h.addPartitions('t1', p, [P1, P0]);
    h.completeWrites();
    assert.equal(h.reply(add).errorCode, ErrorCode.NONE);
    assert.deepEqual(h.coordinator.get('t1')?.partitions, [P0, P1]);
    assert.equal(
      h.reply(h.addPartitions('t1', p, [P0])).errorCode,
      ErrorCode.NONE,
      'known partitions need no write',
    );
    assert.equal(h.writes.length, 0);
    const end = h.endTxn('t1', p, true);
    assert.equal(h.replies.has(end), false);
    assert.deepEqual(
      h.writes.map((w) => w.durable),
      [true],
      'PrepareCommit is durable before EndTxn is answered',
    );
    h.completeWrites();
    assert.equal(h.reply(end).errorCode, ErrorCode.NONE);
    assert.equal(h.coordinator.get('t1')?.state, 'PrepareCommit');
    assert.deepEqual(h.coordinator.openPartitions('t1'), [P0, P1]);
    const [job] = h.completeMarkers();
    assert.deepEqual(
      { producerId: job?.producerId, producerEpoch: job?.producerEpoch, committed: job?.committed },
      { producerId: p.producerId, producerEpoch: 0, committed: true },
    );
    assert.deepEqual(
      h.writes.map((w) => w.durable),
      [false],
      'CompleteCommit asks for no fsync of its own: the next record of the id makes it durable',
    );
    h.completeWrites();
    assert.equal(h.coordinator.get('t1')?.state, 'CompleteCommit');
    assert.deepEqual(h.coordinator.get('t1')?.partitions, []);
    assert.deepEqual(states(h), ['Empty', 'Ongoing', 'PrepareCommit', 'CompleteCommit']);
  });

  it('EndTxn retries: NONE after the end, INVALID_TXN_STATE for the other outcome; requests on a busy id are held until it is free', () => {
    const h = new TxnHarness();
    const p = h.producer('t1');
    h.addPartitions('t1', p, [P0]);
    h.completeWrites();
    h.endTxn('t1', p, false);
    h.completeWrites();
    // While the markers are written: same-outcome retry and the next AddPartitionsToTxn wait (Kafka would
    // answer CONCURRENT_TRANSACTIONS at once); the other outcome is an error at once.
    const retry = h.endTxn('t1', p, false);
    const next = h.addPartitions('t1', p, [P1]);
    assert.equal(h.reply(h.endTxn('t1', p, true)).errorCode, ErrorCode.INVALID_TXN_STATE);
    assert.equal(h.replies.has(retry), false);
    assert.equal(h.replies.has(next), false);
    h.completeMarkers();
    assert.equal(
      h.coordinator.get('t1')?.state,
      'CompleteAbort',
      'complete as soon as the markers are durable',
    );
    assert.equal(h.reply(retry).errorCode, ErrorCode.NONE);
    h.completeWrites();
    assert.equal(h.reply(next).errorCode, ErrorCode.NONE);
    assert.equal(h.coordinator.get('t1')?.state, 'Ongoing');
    assert.deepEqual(states(h), ['Empty', 'Ongoing', 'PrepareAbort', 'CompleteAbort', 'Ongoing']);
    h.endTxn('t1', p, false);
    h.settle();
    assert.equal(h.reply(h.endTxn('t1', p, false)).errorCode, ErrorCode.NONE);
    const fresh = h.producer('t2');
    assert.equal(
      h.reply(h.endTxn('t2', fresh, true)).errorCode,
      ErrorCode.INVALID_TXN_STATE,
      'Empty cannot end',
    );
  });

  it('a held request gets CONCURRENT_TRANSACTIONS once busyHoldMs passes (markers that keep failing)', () => {
    const h = new TxnHarness();
    const p = h.producer('t1');
    h.addPartitions('t1', p, [P0]);
    h.completeWrites();
    h.endTxn('t1', p, true);
    h.completeWrites();
    const next = h.addPartitions('t1', p, [P0]);
    for (let waited = 0; waited < h.config.busyHoldMs; waited += h.config.retryBackoffMs) {
      h.completeMarkers(() => ErrorCode.NOT_LEADER_OR_FOLLOWER);
      assert.equal(h.replies.has(next), false);
      h.advance(h.config.retryBackoffMs);
    }
    assert.equal(h.reply(next).errorCode, ErrorCode.CONCURRENT_TRANSACTIONS);
  });

  it('an unknown id or producer id is INVALID_PRODUCER_ID_MAPPING', () => {
    const h = new TxnHarness();
    const p = h.producer('t1');
    assert.equal(h.reply(h.addPartitions('nope', p, [P0])).errorCode, ErrorCode.INVALID_PRODUCER_ID_MAPPING);
    const wrongId = { producerId: p.producerId + 1n, producerEpoch: 0 };
    assert.equal(
      h.reply(h.addPartitions('t1', wrongId, [P0])).errorCode,
      ErrorCode.INVALID_PRODUCER_ID_MAPPING,
    );
    assert.equal(h.reply(h.endTxn('nope', p, true)).errorCode, ErrorCode.INVALID_PRODUCER_ID_MAPPING);
  });

  it('a request during a write in flight waits for it; a failed write changes nothing and maps to NOT_COORDINATOR', () => {
    const h = new TxnHarness();
    const p = h.producer('t1');
    const add = h.addPartitions('t1', p, [P0]);
    const second = h.addPartitions('t1', p, [P1]);
    h.completeWrites(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    assert.equal(h.reply(add).errorCode, ErrorCode.NOT_COORDINATOR);
    assert.equal(h.coordinator.get('t1')?.state, 'Empty');
    assert.equal(
      h.replies.has(second),
      false,
      'the held request runs after the failed write, and writes itself',
    );
    h.completeWrites();
    assert.equal(h.reply(second).errorCode, ErrorCode.NONE);
    assert.deepEqual(h.coordinator.get('t1')?.partitions, [P1]);
  });

  it('with busyHoldMs 0 a busy id answers CONCURRENT_TRANSACTIONS at once, as Kafka does', () => {
    const h = new TxnHarness({ ...TEST_CONFIG, busyHoldMs: 0 });
    const p = h.producer('t1');
    h.addPartitions('t1', p, [P0]);
    assert.equal(h.reply(h.addPartitions('t1', p, [P1])).errorCode, ErrorCode.CONCURRENT_TRANSACTIONS);
  });

  it('markers that fail are retried after the backoff; settled errors (deleted topic) need no retry', () => {
    const h = new TxnHarness();
    const p = h.producer('t1');
    h.addPartitions('t1', p, [P0, P1, OFFSETS]);
    h.completeWrites();
    h.endTxn('t1', p, true);
    h.completeWrites();
    h.completeMarkers((q) =>
      q.partition === 1
        ? ErrorCode.NOT_LEADER_OR_FOLLOWER
        : q.topic === '__consumer_offsets'
          ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
          : ErrorCode.NONE,
    );
    assert.deepEqual(h.coordinator.openPartitions('t1'), [P1]);
    assert.equal(h.coordinator.nextDeadlineMs(), h.now + 100);
    assert.equal(h.markers.length, 0);
    h.advance(100);
    assert.deepEqual(h.markers[0]?.partitions, [P1]);
    h.completeMarkers();
    h.completeWrites();
    assert.equal(h.coordinator.get('t1')?.state, 'CompleteCommit');
  });

  it('a failed completion write is written again after the backoff; the id waits for it', () => {
    const h = new TxnHarness();
    const p = h.producer('t1');
    h.addPartitions('t1', p, [P0]);
    h.completeWrites();
    h.endTxn('t1', p, true);
    h.completeWrites();
    h.completeMarkers();
    h.completeWrites(ErrorCode.KAFKA_STORAGE_ERROR);
    assert.deepEqual(states(h), ['Empty', 'Ongoing', 'PrepareCommit']);
    const next = h.addPartitions('t1', p, [P0]);
    assert.equal(h.replies.has(next), false);
    h.advance(h.config.retryBackoffMs);
    h.completeWrites();
    assert.deepEqual(states(h), ['Empty', 'Ongoing', 'PrepareCommit', 'CompleteCommit', 'Ongoing']);
    assert.equal(h.reply(next).errorCode, ErrorCode.NONE);
  });

  it('a transaction past its timeout is aborted at a bumped epoch; the producer is then fenced', () => {
    const h = new TxnHarness();
    const p = h.producer('t1', 5_000);
    h.addPartitions('t1', p, [P0]);
    h.completeWrites();
    assert.equal(h.coordinator.nextDeadlineMs(), h.now + 5_000);
    h.advance(4_999);
    assert.equal(h.writes.length, 0);
    h.advance(1);
    h.completeWrites();
    assert.equal(h.coordinator.get('t1')?.state, 'PrepareAbort');
    assert.equal(h.coordinator.get('t1')?.producerEpoch, 1);
    const [job] = h.completeMarkers();
    assert.equal(job?.committed, false);
    h.completeWrites();
    assert.equal(h.coordinator.get('t1')?.state, 'CompleteAbort');
    assert.equal(h.reply(h.endTxn('t1', p, true)).errorCode, ErrorCode.PRODUCER_FENCED);
    assert.equal(h.reply(h.addPartitions('t1', p, [P0])).errorCode, ErrorCode.PRODUCER_FENCED);
  });

  it('an idle transactional id expires after transactional.id.expiration.ms (tombstone); the id then starts over', () => {
    const h = new TxnHarness();
    const p = h.producer('t1');
    h.advance(h.config.transactionalIdExpirationMs - 1);
    assert.equal(h.writes.length, 0);
    h.advance(1);
    h.completeWrites();
    assert.equal(h.coordinator.get('t1'), undefined);
    assert.deepEqual(states(h), ['Empty', 'tombstone']);
    assert.equal(h.restart().coordinator.get('t1'), undefined);
    const again = h.producer('t1');
    assert.notEqual(again.producerId, p.producerId);
    assert.equal(again.producerEpoch, 0);
  });
});

describe('transaction coordinator: Transactions V2 (KIP-890 part 2)', () => {
  it('every EndTxn v5 bumps the epoch; markers carry the new epoch and the answer tells the client', () => {
    const h = new TxnHarness();
    const p = h.producer('t1');
    h.addPartitions('t1', p, [P0], 2);
    h.completeWrites();
    const end = h.endTxn('t1', p, true, true);
    h.completeWrites();
    assert.deepEqual(h.reply(end), {
      requestId: end,
      errorCode: 0,
      producerId: p.producerId,
      producerEpoch: 1,
    });
    const [job] = h.completeMarkers();
    assert.equal(job?.producerEpoch, 1);
    h.completeWrites();
    const retry = h.endTxn('t1', p, true, true);
    assert.deepEqual(h.reply(retry), {
      requestId: retry,
      errorCode: 0,
      producerId: p.producerId,
      producerEpoch: 1,
    });
    const next = { producerId: p.producerId, producerEpoch: 1 };
    assert.equal(
      h.reply(h.addPartitions('t1', p, [P0], 2)).errorCode,
      ErrorCode.PRODUCER_FENCED,
      'old epoch',
    );
    const add = h.addPartitions('t1', next, [P0], 2);
    h.completeWrites();
    assert.equal(h.reply(add).errorCode, ErrorCode.NONE);
  });

  it('an abort without a transaction is allowed and bumps the epoch; a commit is INVALID_TXN_STATE', () => {
    const h = new TxnHarness();
    const p = h.producer('t1');
    assert.equal(h.reply(h.endTxn('t1', p, true, true)).errorCode, ErrorCode.INVALID_TXN_STATE);
    const abort = h.endTxn('t1', p, false, true);
    h.settle();
    assert.equal(h.reply(abort).producerEpoch, 1);
    assert.equal(h.coordinator.get('t1')?.state, 'CompleteAbort');
  });

  it('the epoch overflow moves to a new producer id at epoch 0', () => {
    const h = new TxnHarness();
    const p = h.producer('t1');
    h.log.push(
      encodeAt({ ...h.coordinator.get('t1')!, clientTransactionVersion: 2 }, MAX_PRODUCER_EPOCH - 1),
    );
    const r = h.restart();
    const at = { producerId: p.producerId, producerEpoch: MAX_PRODUCER_EPOCH - 1 };
    r.addPartitions('t1', at, [P0], 2);
    r.completeWrites();
    const end = r.endTxn('t1', at, true, true);
    r.completeWrites();
    const reply = r.reply(end);
    assert.equal(reply.errorCode, ErrorCode.NONE);
    assert.notEqual(reply.producerId, p.producerId);
    assert.equal(reply.producerEpoch, 0);
    const [job] = r.completeMarkers();
    assert.deepEqual([job?.producerId, job?.producerEpoch], [p.producerId, MAX_PRODUCER_EPOCH]);
    r.completeWrites();
    assert.deepEqual(
      [r.coordinator.get('t1')?.producerId, r.coordinator.get('t1')?.producerEpoch],
      [reply.producerId, 0],
    );
    const retry = r.endTxn('t1', at, true, true);
    assert.equal(r.reply(retry).errorCode, ErrorCode.NONE, 'a retry with the old id at MAX-1 is recognised');
  });

  it('verification (AddPartitionsToTxn verifyOnly): NONE for partitions in the transaction, TRANSACTION_ABORTABLE otherwise', () => {
    const h = new TxnHarness();
    const p = h.producer('t1');
    h.addPartitions('t1', p, [P0]);
    h.completeWrites();
    assert.deepEqual(h.coordinator.verifyPartitions('t1', p.producerId, p.producerEpoch, [P0, P1]), [
      ErrorCode.NONE,
      ErrorCode.TRANSACTION_ABORTABLE,
    ]);
    assert.deepEqual(h.coordinator.verifyPartitions('t1', p.producerId, 5, [P0]), [
      ErrorCode.PRODUCER_FENCED,
    ]);
    assert.deepEqual(h.coordinator.verifyPartitions('x', p.producerId, 0, [P0]), [
      ErrorCode.INVALID_PRODUCER_ID_MAPPING,
    ]);
    h.endTxn('t1', p, true);
    h.completeWrites();
    assert.deepEqual(h.coordinator.verifyPartitions('t1', p.producerId, 0, [P0]), [
      ErrorCode.CONCURRENT_TRANSACTIONS,
    ]);
  });
});

describe('transaction coordinator: restart (reload from __transaction_state) in every state', () => {
  type Setup = (h: TxnHarness) => { producerId: bigint; producerEpoch: number };
  const ongoing: Setup = (h) => {
    const p = h.producer('t1');
    h.addPartitions('t1', p, [P0, OFFSETS]);
    h.completeWrites();
    return p;
  };
  const preparing =
    (committed: boolean): Setup =>
    (h) => {
      const p = ongoing(h);
      h.endTxn('t1', p, committed);
      h.completeWrites();
      return p;
    };
  const completed =
    (committed: boolean): Setup =>
    (h) => {
      const p = preparing(committed)(h);
      h.settle();
      return p;
    };
  const cases: ReadonlyArray<[TxnState, Setup]> = [
    ['Empty', (h) => h.producer('t1')],
    ['Ongoing', ongoing],
    ['PrepareCommit', preparing(true)],
    ['PrepareAbort', preparing(false)],
    ['CompleteCommit', completed(true)],
    ['CompleteAbort', completed(false)],
  ];
  for (const [state, setup] of cases) {
    it(`${state}: the reloaded metadata equals the durable one and the transaction goes on`, () => {
      const h = new TxnHarness();
      const p = setup(h);
      assert.equal(h.coordinator.get('t1')?.state, state);
      const r = h.restart();
      assert.deepEqual(withoutLastEpoch(r.coordinator.get('t1')), withoutLastEpoch(h.coordinator.get('t1')));
      if (state === 'PrepareCommit' || state === 'PrepareAbort') {
        // The new coordinator writes the markers again and completes.
        assert.deepEqual(r.markers[0]?.partitions, [OFFSETS, P0]);
        assert.equal(r.markers[0]?.committed, state === 'PrepareCommit');
        r.settle();
        assert.equal(
          r.coordinator.get('t1')?.state,
          state === 'PrepareCommit' ? 'CompleteCommit' : 'CompleteAbort',
        );
      } else if (state === 'Ongoing') {
        const end = r.endTxn('t1', p, true);
        r.settle();
        assert.equal(r.reply(end).errorCode, ErrorCode.NONE);
        assert.equal(r.coordinator.get('t1')?.state, 'CompleteCommit');
      } else {
        const add = r.addPartitions('t1', p, [P1]);
        r.completeWrites();
        assert.equal(r.reply(add).errorCode, ErrorCode.NONE);
        const end = r.endTxn('t1', p, false);
        r.settle();
        assert.equal(r.reply(end).errorCode, ErrorCode.NONE);
      }
      const next = r.producer('t1');
      assert.deepEqual(next, { producerId: p.producerId, producerEpoch: p.producerEpoch + 1 });
    });
  }

  it('Ongoing: the timeout still aborts after a restart (it counts from the transaction start)', () => {
    const h = new TxnHarness();
    const p = h.producer('t1', 10_000);
    h.addPartitions('t1', p, [P0]);
    h.completeWrites();
    h.clock.advanceBy(6_000);
    const r = h.restart();
    assert.equal(r.coordinator.nextDeadlineMs(), r.now + 4_000);
    r.advance(4_000);
    r.settle();
    assert.equal(r.coordinator.get('t1')?.state, 'CompleteAbort');
    assert.equal(r.coordinator.get('t1')?.producerEpoch, 1);
  });

  it('Dead: an expired id stays gone after a restart', () => {
    const h = new TxnHarness();
    h.producer('t1');
    h.advance(h.config.transactionalIdExpirationMs);
    h.completeWrites();
    assert.equal(h.restart().coordinator.get('t1'), undefined);
  });

  it('a write lost with the old coordinator is as if it never happened: the client retries', () => {
    const h = new TxnHarness();
    const p = h.producer('t1');
    h.addPartitions('t1', p, [P0]);
    // The coordinator dies before the Ongoing record is durable.
    const r = h.restart();
    assert.equal(r.coordinator.get('t1')?.state, 'Empty');
    const add = r.addPartitions('t1', p, [P0]);
    r.completeWrites();
    assert.equal(r.reply(add).errorCode, ErrorCode.NONE);
  });
});
