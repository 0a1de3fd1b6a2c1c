// The pooled buffers' bounds and ownership rules.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BufferPool } from './buffer-pool.js';

const KiB = 1024;

describe('BufferPool', () => {
  it('hands out buffers of the size rounded up to 64 KiB and reuses one given back', () => {
    const pool = new BufferPool();
    const first = pool.take(1024 * KiB + 1);
    assert.equal(first.length, 1024 * KiB + 64 * KiB);
    assert.equal(pool.take(10).length, 64 * KiB);
    pool.give(first);
    assert.equal(pool.pooledBytes, first.length);
    assert.equal(pool.take(1024 * KiB + 64 * KiB), first, 'the same buffer again');
    assert.equal(pool.pooledBytes, 0);
    assert.notEqual(pool.take(1024 * KiB + 64 * KiB), first, 'taken: not handed out twice');
  });

  it('hands out the smallest free buffer that is large enough', () => {
    const pool = new BufferPool();
    const small = pool.take(100 * KiB);
    const medium = pool.take(300 * KiB);
    const large = pool.take(900 * KiB);
    for (const buffer of [large, small, medium]) pool.give(buffer);
    assert.equal(pool.take(200 * KiB), medium);
    assert.equal(pool.take(10 * KiB), small);
    assert.equal(pool.take(1000 * KiB).length, 1024 * KiB, 'none large enough: a new one');
    assert.equal(pool.pooledBytes, large.length);
  });

  it('keeps at most maxPooledBytes of free buffers and never a buffer above maxBufferBytes', () => {
    const pool = new BufferPool({ maxPooledBytes: 256 * KiB, maxBufferBytes: 128 * KiB });
    const buffers = [pool.take(128 * KiB), pool.take(128 * KiB), pool.take(128 * KiB)];
    for (const buffer of buffers) pool.give(buffer);
    assert.equal(pool.pooledBytes, 256 * KiB);
    const large = pool.take(200 * KiB);
    assert.equal(large.length, 200 * KiB, 'above maxBufferBytes: exactly what was asked');
    pool.give(large);
    assert.equal(pool.pooledBytes, 256 * KiB);
  });

  it('ignores buffers it did not hand out and a buffer given back twice', () => {
    const pool = new BufferPool();
    pool.give(Buffer.alloc(64 * KiB).subarray(0, 64 * KiB - 1));
    const slab = Buffer.alloc(256 * KiB);
    pool.give(slab.subarray(64 * KiB, 128 * KiB));
    assert.equal(pool.pooledBytes, 0);
    const buffer = pool.take(64 * KiB);
    pool.give(buffer);
    pool.give(buffer);
    assert.equal(pool.pooledBytes, 64 * KiB);
    assert.equal(pool.take(64 * KiB), buffer);
    assert.notEqual(pool.take(64 * KiB), buffer);
  });
});
