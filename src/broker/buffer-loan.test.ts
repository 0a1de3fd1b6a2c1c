// A fetch loan's one buffer per partition, all given back together.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { BufferPool } from '../network/index.js';
import { BufferLoan } from './buffer-loan.js';

const KiB = 1024;

describe('BufferLoan', () => {
  it('lends each partition one buffer across re-reads and gives them all back together', () => {
    const pool = new BufferPool();
    const loan = new BufferLoan(pool);
    const first = loan.allocator(0);
    const second = loan.allocator(1);
    const a = first(100 * KiB);
    assert.equal(first(90 * KiB), a, 'a re-read that fits: the same buffer');
    const b = second(100 * KiB);
    assert.notEqual(a, b);
    const larger = first(300 * KiB);
    assert.ok(larger.length >= 300 * KiB);
    assert.equal(pool.pooledBytes, 0);
    loan.giveBack();
    assert.equal(pool.pooledBytes, a.length + b.length + larger.length);
    loan.giveBack();
    assert.equal(pool.pooledBytes, a.length + b.length + larger.length, 'twice is once');
    const after = loan.allocator(0)(64 * KiB);
    assert.equal(pool.pooledBytes, a.length + b.length + larger.length, 'a returned loan takes nothing');
    assert.ok(after !== a && after !== b && after !== larger);
  });
});
