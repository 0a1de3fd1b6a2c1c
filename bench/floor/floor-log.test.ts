// FloorLog assigns offsets on reserve, shows batches only once published, reads from the batch that
// holds an offset within a byte budget (at least one batch), and drops the oldest past its bound.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { createRecordBatch, encodeRecordBatchSync, RecordBatchView } from '../../src/protocol/index.js';
import { FloorLog } from './floor-log.js';

const batchOf = (count: number, bytes = 100): Buffer =>
  encodeRecordBatchSync(
    createRecordBatch({ records: Array.from({ length: count }, () => ({ value: Buffer.alloc(bytes) })) }),
  );

const baseOffsetsIn = (records: Buffer): number[] => {
  const offsets: number[] = [];
  for (let position = 0; position < records.length; ) {
    const view = RecordBatchView.at(records, position);
    offsets.push(Number(view.baseOffset));
    position += view.sizeInBytes;
  }
  return offsets;
};

it('assigns offsets on reserve and shows batches only once published', () => {
  const log = new FloorLog();
  const first = batchOf(3);
  const second = batchOf(2);
  assert.deepEqual(log.reserve(first), { baseOffset: 0, endOffset: 3 });
  assert.deepEqual(log.reserve(second), { baseOffset: 3, endOffset: 5 });
  assert.equal(log.read(0, 1 << 20).length, 0);
  log.publish(first, 0, 3);
  assert.equal(log.highWatermark, 3);
  log.publish(second, 3, 5);
  assert.deepEqual(baseOffsetsIn(log.read(0, 1 << 20)), [0, 3]);
  assert.deepEqual(baseOffsetsIn(log.read(4, 1 << 20)), [3], 'from the batch holding the offset');
  assert.deepEqual(baseOffsetsIn(log.read(0, 1)), [0], 'at least one batch, whatever the budget');
  assert.equal(log.read(5, 1 << 20).length, 0);
});

it('drops the oldest batches beyond its bound and moves logStartOffset', () => {
  const log = new FloorLog(1000);
  for (let i = 0; i < 10; i += 1) {
    const batch = batchOf(1, 300);
    const { baseOffset, endOffset } = log.reserve(batch);
    log.publish(batch, baseOffset, endOffset);
  }
  assert.equal(log.highWatermark, 10);
  assert.ok(log.logStartOffset >= 7, `kept at most 1000 bytes, start ${log.logStartOffset}`);
  assert.deepEqual(baseOffsetsIn(log.read(log.logStartOffset, 1 << 20))[0], log.logStartOffset);
});
