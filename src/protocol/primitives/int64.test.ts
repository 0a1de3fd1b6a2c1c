// readInt64BE/writeInt64BE against Node's exact BigInt methods: for any int64 (fast-check, with the
// edges of the double fast path forced in), the same bytes are written and the same value read back.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { readInt64BE, readInt64BEPlus, writeInt64BE } from './int64.js';

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const EDGES = [
  0n,
  -1n,
  1n,
  SAFE,
  -SAFE,
  SAFE + 1n,
  -SAFE - 1n,
  2n ** 32n,
  -(2n ** 32n),
  2n ** 53n,
  INT64_MIN,
  INT64_MAX,
];
const int64 = fc.oneof(
  fc.bigInt({ min: INT64_MIN, max: INT64_MAX }),
  fc.bigInt({ min: -SAFE - 3n, max: -SAFE + 3n }),
  fc.bigInt({ min: SAFE - 3n, max: SAFE + 3n }),
  fc.constantFrom(...EDGES),
);

describe('int64 primitives', () => {
  it('write the bytes Buffer.writeBigInt64BE writes and return the offset after them', () => {
    fc.assert(
      fc.property(int64, fc.integer({ min: 0, max: 8 }), (value, offset) => {
        const ours = Buffer.alloc(16);
        const node = Buffer.alloc(16);
        assert.equal(writeInt64BE(ours, value, offset), offset + 8);
        node.writeBigInt64BE(value, offset);
        assert.deepEqual(ours, node);
      }),
    );
  });

  it('read what Buffer.readBigInt64BE reads', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 8, maxLength: 8 }), (bytes) => {
        const buffer = Buffer.from(bytes);
        assert.equal(readInt64BE(buffer, 0), buffer.readBigInt64BE(0));
      }),
    );
    for (const value of EDGES) {
      const buffer = Buffer.alloc(8);
      buffer.writeBigInt64BE(value);
      assert.equal(readInt64BE(buffer, 0), value);
    }
  });

  it('read the int64 plus an addend as BigInt arithmetic does, past the double path too', () => {
    fc.assert(
      fc.property(int64, fc.integer({ min: -(2 ** 31), max: 2 ** 31 }), (value, addend) => {
        const buffer = Buffer.alloc(8);
        buffer.writeBigInt64BE(value);
        assert.equal(readInt64BEPlus(buffer, 0, addend), value + BigInt(addend));
      }),
    );
    const buffer = Buffer.alloc(8);
    buffer.writeBigInt64BE(SAFE - 1n);
    assert.equal(readInt64BEPlus(buffer, 0, 2), SAFE + 1n);
    buffer.writeBigInt64BE(-SAFE + 1n);
    assert.equal(readInt64BEPlus(buffer, 0, -2), -SAFE - 1n);
  });

  it('refuse a value outside int64 and an offset past the end, as Node does', () => {
    assert.throws(() => writeInt64BE(Buffer.alloc(8), INT64_MAX + 1n, 0), RangeError);
    assert.throws(() => writeInt64BE(Buffer.alloc(8), 1n, 1), RangeError);
    assert.throws(() => readInt64BE(Buffer.alloc(8), 1), RangeError);
  });
});
