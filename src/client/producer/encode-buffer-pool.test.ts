// Proves EncodeBufferPool reuses a given-back buffer that is large enough, allocates the asked size
// otherwise (the full size past half of it), keeps only full-size buffers and at most its bound.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EncodeBufferPool } from './encode-buffer-pool.js';

describe('EncodeBufferPool', () => {
  it('hands back a given buffer when it is large enough, and a new one of the asked size otherwise', () => {
    const pool = new EncodeBufferPool(2, 1000);
    const first = pool.take(1000);
    assert.equal(first.length, 1000);
    pool.give(first);
    assert.equal(pool.take(10), first, 'a full-size buffer serves a smaller need');
    pool.give(first);
    const bigger = pool.take(5000);
    assert.notEqual(bigger, first);
    assert.equal(bigger.length, 5000);
    assert.equal(pool.size, 1, 'the smaller buffer stays free');
    assert.equal(pool.take(10).length, 1000);
    assert.equal(pool.take(10).length, 10, 'none free: exactly the asked size');
    assert.equal(pool.take(501).length, 1000, 'more than half the full size: the full size');
  });

  it('keeps neither buffers below the full size nor more than maxBuffers', () => {
    const pool = new EncodeBufferPool(2, 100);
    pool.give(Buffer.alloc(99));
    assert.equal(pool.size, 0);
    for (const buffer of [pool.take(100), pool.take(100), pool.take(100)]) pool.give(buffer);
    assert.equal(pool.size, 2);
  });
});
