// Proves EncodeBufferPool reuses a given-back buffer that is large enough, allocates otherwise, and keeps
// at most its bound.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { EncodeBufferPool } from './encode-buffer-pool.js';

describe('EncodeBufferPool', () => {
  it('hands back a given buffer when it is large enough, and a new one of the preferred size otherwise', () => {
    const pool = new EncodeBufferPool(2, 1000);
    const first = pool.take(10);
    assert.equal(first.length, 1000);
    pool.give(first);
    assert.equal(pool.take(900), first);
    pool.give(first);
    const bigger = pool.take(5000);
    assert.notEqual(bigger, first);
    assert.equal(bigger.length, 5000);
    assert.equal(pool.size, 1, 'the small buffer stays free');
  });

  it('keeps at most maxBuffers', () => {
    const pool = new EncodeBufferPool(2, 100);
    const buffers = [pool.take(1), pool.take(1), pool.take(1)];
    for (const buffer of buffers) pool.give(buffer);
    assert.equal(pool.size, 2);
  });
});
