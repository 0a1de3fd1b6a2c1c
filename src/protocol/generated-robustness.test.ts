// Proves that every generated decoder, at every version, fed random bytes, truncated encodings or
// corrupted encodings, either returns a value or throws DecodeError (never RangeError, TypeError or
// an allocation failure), and never reads past the end of its window: each input sits inside a larger
// buffer whose extra bytes the reader must not touch. CODEC_RUNS=<n> raises the number of inputs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { messageArbitraries } from './generated/arbitraries/index.js';
import type { MessageDescriptor } from './message-codec/index.js';
import { ByteReader, ByteWriter, DecodeError } from './primitives/index.js';

const RUNS = Number(process.env['CODEC_RUNS'] ?? 40);
const GUARD = Buffer.from([0x7f, 0xff, 0xff, 0xff, 0x01, 0x02, 0x03, 0x04]);

/** Decodes `bytes[0, end)` inside a buffer that continues past `end`; returns whether it succeeded. */
function decodeWindow(
  descriptor: MessageDescriptor<unknown>,
  version: number,
  bytes: Buffer,
  end: number,
): boolean {
  const buffer = Buffer.concat([bytes.subarray(0, end), GUARD]);
  const reader = new ByteReader(buffer, 0, end);
  try {
    descriptor.decode(reader, version);
    return true;
  } catch (error: unknown) {
    if (!(error instanceof DecodeError)) throw error;
    return false;
  } finally {
    assert.ok(reader.offset <= end, `read up to ${reader.offset} in a window of ${end} bytes`);
  }
}

function encode(descriptor: MessageDescriptor<unknown>, version: number, value: unknown): Buffer {
  const writer = new ByteWriter();
  descriptor.encode(writer, version, value);
  return writer.toBuffer();
}

describe('generated decoders on hostile input', () => {
  for (const { descriptor, arbitrary } of messageArbitraries) {
    const { min, max } = descriptor.validVersions;
    it(`${descriptor.name} v${min}-${max}`, () => {
      for (let version = min; version <= max; version++) {
        fc.assert(
          fc.property(fc.uint8Array({ maxLength: 96 }), (raw) => {
            const bytes = Buffer.from(raw);
            decodeWindow(descriptor, version, bytes, bytes.length);
          }),
          { numRuns: RUNS },
        );
        const encoded = arbitrary(version).map((value) => encode(descriptor, version, value));
        // Decoding is sequential and consumes exactly what was written, so every strict prefix fails.
        fc.assert(
          fc.property(encoded, fc.nat(), (bytes, cut) => {
            if (bytes.length === 0) return;
            assert.equal(decodeWindow(descriptor, version, bytes, cut % bytes.length), false);
          }),
          { numRuns: RUNS },
        );
        fc.assert(
          fc.property(
            encoded,
            fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 4 }),
            (bytes, edits) => {
              if (bytes.length === 0) return;
              const corrupted = Buffer.from(bytes);
              for (const [at, byte] of edits) corrupted[at % corrupted.length] = byte;
              decodeWindow(descriptor, version, corrupted, corrupted.length);
            },
          ),
          { numRuns: RUNS },
        );
      }
    });
  }
});
