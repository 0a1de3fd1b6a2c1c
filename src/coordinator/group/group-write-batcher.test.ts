// GroupWriteBatcher against a scripted log whose appends the test completes: writes of one event-loop turn
// share one append per partition in call order, a write is done once every batch holding its records is
// appended (with the first error), bounds flush at once, and afterBatch runs once per appended batch.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode } from '../../protocol/index.js';
import type { EncodedRecord } from '../internal-topic-log.js';
import { GroupWriteBatcher, MAX_BATCH_RECORDS, type PartitionedRecord } from './group-write-batcher.js';

interface Append {
  readonly partition: number;
  readonly keys: string[];
  readonly complete: (errorCode: number) => void;
  readonly fail: (error: Error) => void;
}

function harness() {
  const appends: Append[] = [];
  const errors: string[] = [];
  let batches = 0;
  const batcher = new GroupWriteBatcher({
    log: {
      append: (partition: number, records: readonly EncodedRecord[]) =>
        new Promise<number>((resolve, reject) => {
          appends.push({
            partition,
            keys: records.map((r) => r.key.toString()),
            complete: resolve,
            fail: reject,
          });
        }),
    },
    afterBatch: () => {
      batches += 1;
    },
    onError: (_error, what) => errors.push(what),
  });
  return { batcher, appends, errors, batchesDone: () => batches };
}

function records(partition: number, ...keys: string[]): PartitionedRecord[] {
  return keys.map((key) => ({ partition, record: { key: Buffer.from(key), value: Buffer.from('v') } }));
}

/** Resolves after the setImmediate callbacks queued so far (the batcher flushes there). */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));
/** Lets the append promises' callbacks run. */
const settled = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('GroupWriteBatcher', () => {
  it('writes of one turn share one append per partition, in call order', async () => {
    const h = harness();
    const done: Array<[string, number]> = [];
    h.batcher.write(records(3, 'a1'), (code) => done.push(['a', code]));
    h.batcher.write(records(5, 'b1'), (code) => done.push(['b', code]));
    h.batcher.write(records(3, 'c1', 'c2'), (code) => done.push(['c', code]));
    assert.equal(h.appends.length, 0, 'nothing is appended before the turn ends');
    await nextTurn();
    assert.deepEqual(
      h.appends.map((a) => [a.partition, a.keys]),
      [
        [3, ['a1', 'c1', 'c2']],
        [5, ['b1']],
      ],
    );
    h.appends[0]!.complete(ErrorCode.NONE);
    await settled();
    assert.deepEqual(done, [
      ['a', ErrorCode.NONE],
      ['c', ErrorCode.NONE],
    ]);
    assert.equal(h.batchesDone(), 1);
    h.appends[1]!.complete(ErrorCode.NONE);
    await settled();
    assert.deepEqual(done.at(-1), ['b', ErrorCode.NONE]);
    assert.equal(h.batchesDone(), 2);
  });

  it('a write over two partitions is done once both are appended, with the first error', async () => {
    const h = harness();
    const done: number[] = [];
    h.batcher.write([...records(1, 'x'), ...records(2, 'y'), ...records(1, 'z')], (code) => done.push(code));
    await nextTurn();
    assert.deepEqual(
      h.appends.map((a) => [a.partition, a.keys]),
      [
        [1, ['x', 'z']],
        [2, ['y']],
      ],
    );
    h.appends[1]!.complete(ErrorCode.NOT_LEADER_OR_FOLLOWER);
    await settled();
    assert.deepEqual(done, [], 'one partition is still being appended');
    h.appends[0]!.complete(ErrorCode.NONE);
    await settled();
    assert.deepEqual(done, [ErrorCode.NOT_LEADER_OR_FOLLOWER]);
  });

  it('a batch reaching its record bound is appended at once; later writes start a new batch', async () => {
    const h = harness();
    const keys = Array.from({ length: MAX_BATCH_RECORDS }, (_, i) => `k${i}`);
    h.batcher.write(records(0, ...keys), () => {});
    assert.equal(h.appends.length, 1, 'flushed without waiting for the turn to end');
    h.batcher.write(records(0, 'after'), () => {});
    await nextTurn();
    assert.deepEqual(
      h.appends.map((a) => a.keys.length),
      [MAX_BATCH_RECORDS, 1],
    );
  });

  it('a rejected append fails its writes with KAFKA_STORAGE_ERROR and is reported', async () => {
    const h = harness();
    const done: number[] = [];
    h.batcher.write(records(4, 'a'), (code) => done.push(code));
    await nextTurn();
    h.appends[0]!.fail(new Error('disk gone'));
    await settled();
    assert.deepEqual(done, [ErrorCode.KAFKA_STORAGE_ERROR]);
    assert.deepEqual(h.errors, ['__consumer_offsets append']);
    assert.equal(h.batchesDone(), 1);
  });

  it('a write without records is done at once and appends nothing', async () => {
    const h = harness();
    const done: number[] = [];
    h.batcher.write([], (code) => done.push(code));
    assert.deepEqual(done, [ErrorCode.NONE]);
    await nextTurn();
    assert.equal(h.appends.length, 0);
  });
});
