// ReadTail keeps the latest written bytes of the active segment and answers only ranges it holds.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { READ_TAIL_IDLE_WRITES, ReadTail } from './read-tail.js';
import type { LogSegment } from './segment.js';

const segmentA = {} as LogSegment;
const segmentB = {} as LogSegment;
const bytes = (from: number, length: number): Buffer =>
  Buffer.from(Array.from({ length }, (_, i) => (from + i) % 251));

describe('ReadTail', () => {
  it('answers ranges within what was written, as views of one chunk or copies across chunks', () => {
    const tail = new ReadTail(1024);
    tail.add(segmentA, 100, [bytes(100, 50), bytes(150, 30)]);
    tail.add(segmentA, 180, [bytes(180, 20)]);
    assert.deepEqual(tail.read(segmentA, 110, 20), bytes(110, 20));
    assert.deepEqual(tail.read(segmentA, 140, 50), bytes(140, 50));
    assert.deepEqual(tail.read(segmentA, 100, 100), bytes(100, 100));
    assert.equal(tail.read(segmentA, 99, 10), undefined, 'before the kept range');
    assert.equal(tail.read(segmentA, 190, 11), undefined, 'past the end');
    assert.equal(tail.read(segmentB, 110, 10), undefined, 'another segment');
  });

  it('keeps about maxBytes, dropping the oldest chunks', () => {
    const tail = new ReadTail(100);
    for (let at = 0; at < 1000; at += 40) {
      tail.add(segmentA, at, [bytes(at, 40)]);
      // A reader at the end (its read of an offset just written) keeps the tail copying.
      tail.read(segmentA, at + 40, 1);
    }
    assert.deepEqual(tail.read(segmentA, 900, 100), bytes(900, 100));
    assert.equal(tail.read(segmentA, 800, 10), undefined);
  });

  it('copies nothing after READ_TAIL_IDLE_WRITES writes with no read of the segment, until the next read', () => {
    const tail = new ReadTail(100);
    let at = 0;
    const write = () => {
      tail.add(segmentA, at, [bytes(at, 10)]);
      at += 10;
    };
    for (let count = 0; count < READ_TAIL_IDLE_WRITES; count += 1) write();
    assert.deepEqual(tail.read(segmentA, at - 10, 10), bytes(at - 10, 10), 'not idle yet');
    for (let count = 0; count < READ_TAIL_IDLE_WRITES; count += 1) write();
    assert.equal(tail.read(segmentB, at - 10, 10), undefined, 'a read of another segment');
    write();
    assert.equal(tail.read(segmentA, at - 10, 10), undefined, 'idle: the last write was not kept');
    write();
    assert.deepEqual(tail.read(segmentA, at - 10, 10), bytes(at - 10, 10), 're-armed by the read before it');
    assert.equal(tail.read(segmentA, at - 20, 20), undefined, 'nothing from the idle time');
  });

  it('starts over on another segment, a gap, or clear', () => {
    const tail = new ReadTail(1024);
    tail.add(segmentA, 0, [bytes(0, 10)]);
    tail.add(segmentB, 0, [bytes(50, 10)]);
    assert.equal(tail.read(segmentA, 0, 5), undefined);
    assert.deepEqual(tail.read(segmentB, 0, 10), bytes(50, 10));
    tail.add(segmentB, 20, [bytes(20, 10)]);
    assert.equal(tail.read(segmentB, 0, 5), undefined, 'the bytes before a gap are not kept');
    assert.deepEqual(tail.read(segmentB, 20, 10), bytes(20, 10));
    tail.clear();
    assert.equal(tail.read(segmentB, 20, 10), undefined);
  });

  it('copies a small view of a large buffer instead of keeping the buffer alive', () => {
    const large = Buffer.alloc(64 * 1024, 7);
    const tail = new ReadTail(1024);
    tail.add(segmentA, 0, [large.subarray(0, 100)]);
    const read = tail.read(segmentA, 0, 100)!;
    assert.deepEqual(read, large.subarray(0, 100));
    assert.ok(read.buffer !== large.buffer);
  });

  it('keeps copies, so the written buffers may be reused at once, and of a large write only its end', () => {
    const tail = new ReadTail(100);
    const written = bytes(0, 60);
    tail.add(segmentA, 0, [written.subarray(0, 30), written.subarray(30)]);
    written.fill(0xee);
    assert.deepEqual(tail.read(segmentA, 0, 60), bytes(0, 60), 'not views of what was written');
    const large = bytes(60, 1000);
    tail.add(segmentA, 60, [large.subarray(0, 400), large.subarray(400)]);
    large.fill(0xee);
    assert.deepEqual(tail.read(segmentA, 960, 100), bytes(960, 100));
    assert.equal(tail.read(segmentA, 959, 10), undefined, 'only the last maxBytes of a larger write');
    tail.add(segmentA, 1060, [bytes(1060, 10)]);
    assert.deepEqual(tail.read(segmentA, 1000, 70), bytes(1000, 70));
  });

  it('keeps nothing with maxBytes 0', () => {
    const tail = new ReadTail(0);
    tail.add(segmentA, 0, [bytes(0, 10)]);
    assert.equal(tail.read(segmentA, 0, 10), undefined);
  });
});
