// Proves that every generated codec round-trips every message at every valid version: for values
// from the generated arbitraries, decode(encode(x)) deep-equals x and consumes exactly the bytes
// written, and encoding the decoded value again reproduces those bytes (canonical encodings).
// CODEC_RUNS=<n> raises the number of values per message version (default 100).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { messageArbitraries } from './generated/arbitraries/index.js';
import { ByteReader, ByteWriter } from './primitives/index.js';

const RUNS = Number(process.env['CODEC_RUNS'] ?? 100);

describe('generated codecs round-trip every version', () => {
  for (const { descriptor, arbitrary } of messageArbitraries) {
    const { min, max } = descriptor.validVersions;
    it(`${descriptor.name} v${min}-${max}`, () => {
      for (let version = min; version <= max; version++) {
        fc.assert(
          fc.property(arbitrary(version), (value) => {
            const writer = new ByteWriter();
            descriptor.encode(writer, version, value);
            const bytes = writer.toBuffer();
            const reader = new ByteReader(bytes);
            const decoded = descriptor.decode(reader, version);
            assert.equal(reader.remaining, 0, `v${version} left bytes unread`);
            assert.deepStrictEqual(decoded, value);
            const again = new ByteWriter();
            descriptor.encode(again, version, decoded);
            assert.deepStrictEqual(again.toBuffer(), bytes, `v${version} re-encoding differs`);
          }),
          { numRuns: RUNS },
        );
      }
    });
  }
});
