// Proves ProducerStateTable's idempotence rules: named cases for each Kafka outcome (duplicate with
// its original offsets, OUT_OF_ORDER_SEQUENCE_NUMBER, INVALID_PRODUCER_EPOCH, no UNKNOWN_PRODUCER_ID
// for a producer without state), expiry and log-start eviction, and a property test that runs random
// appends, retries, gaps and epoch bumps of several producers against a model that keeps each
// producer's whole history.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ErrorCode } from '../protocol/index.js';
import { decodeProducerSnapshot, encodeProducerSnapshot } from './producer-snapshot-file.js';
import {
  incrementSequence,
  type ProducerBatch,
  type ProducerCheck,
  ProducerStateTable,
} from './producer-state.js';

function batch(producerId: bigint, producerEpoch: number, baseSequence: number, count = 1): ProducerBatch {
  return {
    producerId,
    producerEpoch,
    baseSequence,
    lastOffsetDelta: count - 1,
    maxTimestamp: 1_000n,
    isTransactional: false,
    isControl: false,
  };
}

/** Checks, and appends at `nextOffset` when the check says so; returns the verdict. */
function produce(
  table: ProducerStateTable,
  input: ProducerBatch,
  nextOffset: { value: bigint },
): ProducerCheck {
  const verdict = table.check(input);
  if (verdict.kind === 'append') {
    const first = nextOffset.value;
    const last = first + BigInt(input.lastOffsetDelta);
    table.record(input, first, last);
    nextOffset.value = last + 1n;
  }
  return verdict;
}

describe('ProducerStateTable', () => {
  it('answers a retried batch as a duplicate with its original offsets', () => {
    const table = new ProducerStateTable();
    const next = { value: 10n };
    assert.equal(produce(table, batch(7n, 0, 0, 3), next).kind, 'append');
    assert.equal(produce(table, batch(7n, 0, 3, 2), next).kind, 'append');
    const verdict = produce(table, batch(7n, 0, 0, 3), next);
    assert.deepEqual(verdict, {
      kind: 'duplicate',
      batch: { firstSeq: 0, lastSeq: 2, firstOffset: 10n, lastOffset: 12n, timestampMs: 1_000n },
    });
    assert.equal(next.value, 15n);
  });

  it('refuses a sequence gap and a retry older than the last 5 batches with OUT_OF_ORDER_SEQUENCE_NUMBER', () => {
    const table = new ProducerStateTable();
    const next = { value: 0n };
    for (let seq = 0; seq < 6; seq += 1) produce(table, batch(1n, 0, seq), next);
    const gap = produce(table, batch(1n, 0, 7), next);
    assert.equal(gap.kind === 'refused' && gap.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    const tooOld = produce(table, batch(1n, 0, 0), next);
    assert.equal(tooOld.kind === 'refused' && tooOld.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    assert.equal(produce(table, batch(1n, 0, 1), next).kind, 'duplicate');
  });

  it('fences an older epoch with INVALID_PRODUCER_EPOCH and lets a new epoch start at sequence 0 only', () => {
    const table = new ProducerStateTable();
    const next = { value: 0n };
    produce(table, batch(2n, 3, 0), next);
    const stale = produce(table, batch(2n, 2, 1), next);
    assert.equal(stale.kind === 'refused' && stale.errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
    const notZero = produce(table, batch(2n, 4, 5), next);
    assert.equal(notZero.kind === 'refused' && notZero.errorCode, ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER);
    assert.equal(produce(table, batch(2n, 4, 0), next).kind, 'append');
    assert.equal(table.get(2n)?.producerEpoch, 4);
    assert.equal(table.get(2n)?.batches.length, 1);
  });

  it('accepts a producer it has no state of at any sequence (Kafka 4 no longer answers UNKNOWN_PRODUCER_ID)', () => {
    const table = new ProducerStateTable();
    assert.equal(table.check(batch(9n, 0, 4242)).kind, 'append');
  });

  it('refuses an idempotent batch without a sequence, and a transactional batch without a producer id', () => {
    const table = new ProducerStateTable();
    const noSequence = table.check(batch(3n, 0, -1));
    assert.equal(noSequence.kind === 'refused' && noSequence.errorCode, ErrorCode.INVALID_RECORD);
    const noProducer = table.check({ ...batch(-1n, -1, -1), isTransactional: true });
    assert.equal(noProducer.kind === 'refused' && noProducer.errorCode, ErrorCode.INVALID_RECORD);
    assert.equal(table.check({ ...batch(3n, 0, 0), isTransactional: true }).kind, 'append');
    assert.equal(table.check(batch(-1n, -1, -1)).kind, 'append');
  });

  it('wraps sequences at Int32 max as Kafka does', () => {
    assert.equal(incrementSequence(2 ** 31 - 1, 1), 0);
    const table = new ProducerStateTable();
    const next = { value: 0n };
    produce(table, batch(4n, 0, 2 ** 31 - 2, 2), next);
    assert.equal(produce(table, batch(4n, 0, 0), next).kind, 'append');
  });

  it('expires producers idle for producer.id.expiration.ms and forgets those below the log start', () => {
    const table = new ProducerStateTable();
    table.record({ ...batch(1n, 0, 0), maxTimestamp: 1_000n }, 0n, 0n);
    table.record({ ...batch(2n, 0, 0), maxTimestamp: 5_000n }, 1n, 1n);
    assert.equal(table.removeExpired(4_999, 4_000), 0);
    assert.equal(table.removeExpired(5_000, 4_000), 1);
    assert.equal(table.get(1n), undefined);
    assert.equal(table.removeBefore(1n), 0);
    assert.equal(table.removeBefore(2n), 1);
    assert.equal(table.size, 0);
  });

  it('ignores a replayed batch it already holds', () => {
    const table = new ProducerStateTable();
    table.record(batch(5n, 0, 0), 0n, 0n);
    table.record(batch(5n, 0, 0), 0n, 0n);
    assert.equal(table.get(5n)?.batches.length, 1);
  });

  it('opens a transaction at its first transactional batch and refuses non-transactional writes inside it', () => {
    const table = new ProducerStateTable();
    const txn = { ...batch(4n, 0, 0, 2), isTransactional: true };
    assert.equal(table.check(txn).kind, 'append');
    table.record(txn, 10n, 11n);
    table.record({ ...batch(4n, 0, 2), isTransactional: true }, 12n, 12n);
    assert.equal(table.get(4n)?.currentTxnFirstOffset, 10n);
    assert.equal(table.firstUnstableOffset(), 10n);
    const plain = table.check(batch(4n, 0, 3));
    assert.equal(plain.kind === 'refused' && plain.errorCode, ErrorCode.INVALID_TXN_STATE);
  });

  it('ends a transaction at its marker, stable once the high watermark passes the marker', () => {
    const table = new ProducerStateTable();
    table.record({ ...batch(4n, 0, 0), isTransactional: true }, 10n, 10n);
    table.record({ ...batch(5n, 0, 0), isTransactional: true }, 11n, 11n);
    const abort = { ...batch(5n, 0, -1), isControl: true, isTransactional: true };
    const completed = table.record(
      { ...abort, endTxnMarker: { isCommit: false, coordinatorEpoch: 2 } },
      12n,
      12n,
    );
    assert.deepEqual(completed, {
      producerId: 5n,
      firstOffset: 11n,
      lastOffset: 12n,
      isAborted: true,
      lastStableOffset: 10n,
    });
    assert.equal(table.get(5n)?.coordinatorEpoch, 2);
    const commit = { ...batch(4n, 0, -1), isControl: true, isTransactional: true };
    table.record({ ...commit, endTxnMarker: { isCommit: true, coordinatorEpoch: 2 } }, 13n, 13n);
    assert.equal(table.firstUnstableOffset(), 10n);
    table.onHighWatermarkUpdated(13n);
    assert.equal(table.firstUnstableOffset(), 10n);
    table.onHighWatermarkUpdated(14n);
    assert.equal(table.firstUnstableOffset(), undefined);
    // A marker for a producer with nothing open here completes nothing.
    assert.equal(
      table.record({ ...commit, endTxnMarker: { isCommit: true, coordinatorEpoch: 2 } }, 14n, 14n),
      undefined,
    );
  });

  it('snapshots a transaction open at the snapshot offset, also one whose marker came later', () => {
    const table = new ProducerStateTable();
    table.record({ ...batch(6n, 0, 0), isTransactional: true }, 0n, 0n);
    table.record({ ...batch(7n, 0, 0), isTransactional: true }, 1n, 1n);
    const commit = { ...batch(6n, 0, -1), isControl: true, isTransactional: true };
    table.record({ ...commit, endTxnMarker: { isCommit: true, coordinatorEpoch: 0 } }, 5n, 5n);
    table.record({ ...batch(8n, 0, 0), isTransactional: true }, 6n, 6n);
    const below = table.entriesBelow(3n);
    assert.deepEqual(
      below.map((entry) => [entry.producerId, entry.currentTxnFirstOffset]),
      [
        [6n, 0n],
        [7n, 1n],
      ],
    );
    const restored = new ProducerStateTable(decodeProducerSnapshot(encodeProducerSnapshot(below), 'x'));
    assert.ok(restored.hasOngoingTxn(6n) && restored.hasOngoingTxn(7n));
    assert.equal(restored.firstUnstableOffset(), 0n);
  });
});

type Command =
  | { kind: 'next'; producer: number; count: number }
  | { kind: 'retry'; producer: number; back: number }
  | { kind: 'gap'; producer: number; skip: number }
  | { kind: 'bump'; producer: number; seq: number }
  | { kind: 'stale'; producer: number };

interface ModelBatch {
  readonly firstSeq: number;
  readonly lastSeq: number;
  readonly firstOffset: bigint;
  readonly lastOffset: bigint;
}

interface ModelProducer {
  epoch: number;
  /** Every batch appended in the current epoch, oldest first. */
  history: ModelBatch[];
}

const commandArbitrary: fc.Arbitrary<Command> = fc.oneof(
  fc.record({
    kind: fc.constant('next' as const),
    producer: fc.nat(2),
    count: fc.integer({ min: 1, max: 4 }),
  }),
  fc.record({
    kind: fc.constant('retry' as const),
    producer: fc.nat(2),
    back: fc.integer({ min: 1, max: 7 }),
  }),
  fc.record({ kind: fc.constant('gap' as const), producer: fc.nat(2), skip: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ kind: fc.constant('bump' as const), producer: fc.nat(2), seq: fc.constantFrom(0, 0, 1) }),
  fc.record({ kind: fc.constant('stale' as const), producer: fc.nat(2) }),
);

/** The batch a command sends, given what the model knows (the client's view of its producer). */
function inputOf(command: Command, model: ModelProducer | undefined): ProducerBatch {
  const producerId = BigInt(command.producer + 1);
  const epoch = model?.epoch ?? 0;
  const nextSeq = (model?.history.at(-1)?.lastSeq ?? -1) + 1;
  switch (command.kind) {
    case 'next':
      return batch(producerId, epoch, nextSeq, command.count);
    case 'retry': {
      const old = model?.history.at(-command.back);
      if (old === undefined) return batch(producerId, epoch, nextSeq);
      return batch(producerId, epoch, old.firstSeq, old.lastSeq - old.firstSeq + 1);
    }
    case 'gap':
      return batch(producerId, epoch, nextSeq + command.skip);
    case 'bump':
      return batch(producerId, epoch + 1, command.seq);
    case 'stale':
      return batch(producerId, epoch - 1, nextSeq);
  }
}

/** Kafka's rules restated over the whole history: only the last 5 batches count as duplicates. */
function expected(input: ProducerBatch, model: ModelProducer | undefined): ProducerCheck['kind'] | number {
  if (model === undefined) return 'append';
  const lastSeq = input.baseSequence + input.lastOffsetDelta;
  if (input.producerEpoch === model.epoch) {
    const recent = model.history.slice(-5);
    if (recent.some((b) => b.firstSeq === input.baseSequence && b.lastSeq === lastSeq)) return 'duplicate';
    const end = model.history.at(-1)?.lastSeq ?? -1;
    return input.baseSequence === end + 1 ? 'append' : ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER;
  }
  if (input.producerEpoch < model.epoch) return ErrorCode.INVALID_PRODUCER_EPOCH;
  return input.baseSequence === 0 ? 'append' : ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER;
}

describe('ProducerStateTable against a model', () => {
  it('agrees on every verdict, duplicate offsets and snapshot round trip', () => {
    fc.assert(
      fc.property(fc.array(commandArbitrary, { maxLength: 60 }), (commands) => {
        const table = new ProducerStateTable();
        const models = new Map<number, ModelProducer>();
        const next = { value: 0n };
        for (const command of commands) {
          const model = models.get(command.producer);
          const input = inputOf(command, model);
          if (input.producerEpoch < 0) continue;
          const want = expected(input, model);
          const verdict = produce(table, input, next);
          const got = verdict.kind === 'refused' ? verdict.errorCode : verdict.kind;
          if (got !== want) assert.fail(`${JSON.stringify(command)}: got ${got}, expected ${want}`);
          if (verdict.kind === 'duplicate') {
            const original = model!.history.find((b) => b.firstSeq === input.baseSequence)!;
            assert.equal(verdict.batch.firstOffset, original.firstOffset);
            assert.equal(verdict.batch.lastOffset, original.lastOffset);
          }
          if (verdict.kind === 'append') {
            const appended = table.get(input.producerId)!.batches.at(-1)!;
            const isSameEpoch = model !== undefined && model.epoch === input.producerEpoch;
            models.set(command.producer, {
              epoch: input.producerEpoch,
              history: [...(isSameEpoch ? model.history : []), appended],
            });
          }
        }
        const decoded = decodeProducerSnapshot(encodeProducerSnapshot(table.all()), 'model');
        assert.deepEqual(
          decoded.map((entry) => [entry.producerId, entry.producerEpoch, entry.batches]),
          table.all().map((entry) => [entry.producerId, entry.producerEpoch, entry.batches.slice(-1)]),
        );
      }),
      { numRuns: 300 },
    );
  });
});
