// relativeOffset, the index entries' offset arithmetic without BigInt subtraction, against BigInt
// arithmetic: the same number for safe offsets and for offsets past 2^53, where it falls back.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { relativeOffset } from './index-file.js';

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

describe('relativeOffset', () => {
  it('equals Number(offset - baseOffset) for any int64 offsets within an int32 of each other', () => {
    const base = fc.oneof(
      fc.bigInt({ min: 0n, max: 2n ** 63n - 2n ** 32n }),
      fc.bigInt({ min: SAFE - 2n ** 32n, max: SAFE + 2n ** 32n }),
    );
    fc.assert(
      fc.property(base, fc.integer({ min: 0, max: 2 ** 31 - 1 }), (baseOffset, delta) => {
        const offset = baseOffset + BigInt(delta);
        assert.equal(relativeOffset(offset, baseOffset), delta);
      }),
    );
    assert.equal(relativeOffset(SAFE + 5n, SAFE - 5n), 10);
    assert.equal(relativeOffset(2n ** 62n + 7n, 2n ** 62n), 7);
  });
});
