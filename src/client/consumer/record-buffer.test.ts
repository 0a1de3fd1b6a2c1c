// Proves RecordBuffer is a FIFO that drains in bounded steps, keeps order across pushes after a partial
// drain and clears, and drains a large buffer in linear time (no per-record shift).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RecordBuffer } from './record-buffer.js';

describe('RecordBuffer', () => {
  it('drains at most max records, oldest first, and reports the rest', () => {
    const buffer = new RecordBuffer<number>();
    for (let i = 0; i < 10; i++) buffer.push(i);
    const out: number[] = [];
    assert.equal(buffer.drainInto(out, 4), 4);
    assert.deepEqual(out, [0, 1, 2, 3]);
    assert.equal(buffer.size, 6);
    assert.equal(buffer.first(), 4);
    assert.equal(buffer.drainInto(out, 100), 6);
    assert.deepEqual(out, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.equal(buffer.size, 0);
    assert.equal(buffer.first(), undefined);
    assert.equal(buffer.drainInto(out, 5), 0);
  });

  it('keeps order when records are pushed after a partial drain, and clear empties it', () => {
    const buffer = new RecordBuffer<string>();
    for (const item of ['a', 'b', 'c', 'd']) buffer.push(item);
    const out: string[] = [];
    buffer.drainInto(out, 3);
    buffer.push('e');
    buffer.push('f');
    assert.equal(buffer.size, 3);
    buffer.drainInto(out, 10);
    assert.deepEqual(out, ['a', 'b', 'c', 'd', 'e', 'f']);
    buffer.push('g');
    buffer.clear();
    assert.equal(buffer.size, 0);
    assert.equal(buffer.first(), undefined);
  });

  it('drains 200,000 records 500 at a time with one pass over them', () => {
    const buffer = new RecordBuffer<number>();
    const total = 200_000;
    for (let i = 0; i < total; i++) buffer.push(i);
    let drained = 0;
    let expected = 0;
    const out: number[] = [];
    while (buffer.size > 0) {
      out.length = 0;
      drained += buffer.drainInto(out, 500);
      for (const value of out) assert.equal(value, expected++);
    }
    assert.equal(drained, total);
  });
});
