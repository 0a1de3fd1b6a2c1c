// Proves our XXH32 (used only for LZ4 frame header checksums) matches published vectors and the
// native xxHash bundled with node-lz4 on arbitrary inputs, including the 16-byte stripe path that
// the legacy (KAFKA-3160) checksum over magic + descriptor reaches.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { xxhash32 } from './xxhash32.js';

const require = createRequire(import.meta.url);
const nativeXxhash = require('lz4/build/Release/xxhash') as { xxHash(input: Buffer, seed: number): number };

describe('xxhash32', () => {
  it('matches published vectors', () => {
    assert.equal(xxhash32(Buffer.alloc(0)), 0x02cc5d05);
    assert.equal(xxhash32(Buffer.from('abc')), 0x32d153ff);
    assert.equal(xxhash32(Buffer.from('Nobody inspects the spammish repetition')), 0xe2293b2f);
  });

  it('matches native xxHash on arbitrary bytes and sub-ranges', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 80 }), fc.nat(), fc.nat(), (raw, a, b) => {
        const bytes = Buffer.from(raw);
        const start = bytes.length === 0 ? 0 : a % bytes.length;
        const end = start + (bytes.length === start ? 0 : b % (bytes.length - start + 1));
        assert.equal(xxhash32(bytes, start, end), nativeXxhash.xxHash(bytes.subarray(start, end), 0) >>> 0);
      }),
    );
  });
});
