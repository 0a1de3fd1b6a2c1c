// Proves that FrameDecoder recovers exactly the frames that were sent however the stream is cut
// (property tests over random frames and random cut points, plus every single cut position), that a
// frame within one chunk comes back as a view, and that bad size prefixes fail before any body bytes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { FrameDecoder } from './frame-decoder.js';
import { FrameError } from './frame-error.js';

const limits = { minFrameBytes: 1, maxFrameBytes: 1000 };

function encodeFrames(frames: readonly Uint8Array[]): Buffer {
  return Buffer.concat(
    frames.flatMap((frame) => {
      const size = Buffer.allocUnsafe(4);
      size.writeInt32BE(frame.length);
      return [size, Buffer.from(frame)];
    }),
  );
}

/** Feeds `stream` cut at `cuts` (sorted, deduplicated) and returns every frame decoded. */
function decodeCut(stream: Buffer, cuts: readonly number[]): Buffer[] {
  const decoder = new FrameDecoder(limits);
  const out: Buffer[] = [];
  let start = 0;
  for (const cut of [...cuts, stream.length]) {
    decoder.push(stream.subarray(start, cut));
    start = cut;
    for (let frame = decoder.next(); frame !== undefined; frame = decoder.next()) out.push(frame);
  }
  assert.equal(decoder.bufferedBytes, 0);
  return out;
}

const framesArbitrary = fc.array(fc.uint8Array({ minLength: 1, maxLength: 40 }), { maxLength: 20 });

describe('FrameDecoder', () => {
  it('decodes any frames however the stream is cut', () => {
    fc.assert(
      fc.property(framesArbitrary, fc.array(fc.nat(), { maxLength: 30 }), (frames, rawCuts) => {
        const stream = encodeFrames(frames);
        const cuts = [...new Set(rawCuts.map((cut) => cut % (stream.length + 1)))].sort((a, b) => a - b);
        const decoded = decodeCut(stream, cuts);
        assert.deepEqual(
          decoded.map((frame) => [...frame]),
          frames.map((frame) => [...frame]),
        );
      }),
      { numRuns: 300 },
    );
  });

  it('decodes frames split at every byte boundary and one byte at a time', () => {
    fc.assert(
      fc.property(framesArbitrary, (frames) => {
        const stream = encodeFrames(frames);
        const expected = frames.map((frame) => [...frame]);
        for (let cut = 0; cut <= stream.length; cut++) {
          assert.deepEqual(
            decodeCut(stream, [cut]).map((frame) => [...frame]),
            expected,
          );
        }
        const everyByte = Array.from({ length: stream.length }, (_, i) => i);
        assert.deepEqual(
          decodeCut(stream, everyByte).map((frame) => [...frame]),
          expected,
        );
      }),
      { numRuns: 100 },
    );
  });

  it('returns many frames from one chunk as views of that chunk', () => {
    const stream = encodeFrames([Buffer.from('abc'), Buffer.from('defg'), Buffer.from('h')]);
    const decoder = new FrameDecoder(limits);
    decoder.push(stream);
    const frames = [decoder.next(), decoder.next(), decoder.next()];
    assert.equal(decoder.next(), undefined);
    assert.deepEqual(
      frames.map((frame) => frame?.toString()),
      ['abc', 'defg', 'h'],
    );
    for (const frame of frames) assert.equal(frame?.buffer, stream.buffer);
  });

  for (const [name, size] of [
    ['negative', -1],
    ['over the maximum', 1001],
    ['under the minimum', 0],
    ['giant', 0x7fffffff],
  ] as const) {
    it(`rejects a ${name} size prefix as soon as its 4 bytes arrive, and stays failed`, () => {
      const decoder = new FrameDecoder(limits);
      const prefix = Buffer.allocUnsafe(4);
      prefix.writeInt32BE(size);
      decoder.push(prefix.subarray(0, 3));
      assert.equal(decoder.next(), undefined);
      decoder.push(prefix.subarray(3));
      assert.throws(() => decoder.next(), FrameError);
      assert.equal(decoder.bufferedBytes, 0);
      assert.throws(() => decoder.next(), FrameError);
      assert.throws(() => decoder.push(Buffer.from([1])), FrameError);
    });
  }

  it('accepts a frame of exactly the maximum size', () => {
    const frame = Buffer.alloc(1000, 7);
    assert.deepEqual(decodeCut(encodeFrames([frame]), [500]), [frame]);
  });

  it("copies a frame that spans chunks into the start of the allocator's buffer", () => {
    const given: Buffer[] = [];
    const decoder = new FrameDecoder(limits, (size) => {
      const buffer = Buffer.alloc(size + 100, 0xee);
      given.push(buffer);
      return buffer;
    });
    const frame = Buffer.alloc(300, 3);
    const stream = encodeFrames([frame]);
    decoder.push(stream.subarray(0, 100));
    decoder.push(stream.subarray(100));
    const decoded = decoder.next()!;
    assert.deepEqual(decoded, frame);
    assert.equal(given.length, 1);
    assert.ok(decoded.buffer === given[0]!.buffer && decoded.byteOffset === given[0]!.byteOffset);
  });
});
