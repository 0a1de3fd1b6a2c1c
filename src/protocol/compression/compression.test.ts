// Proves that every codec round-trips through our wrapper (sync and async, below and above the
// inline threshold), reads what other implementations write (xerial-framed snappy built by hand,
// snappyjs via kafkajs-snappy, LZ4 frames from lz4-napi and node-lz4 via kafkajs-lz4) and that
// corrupt input and decompression bombs raise our typed errors, checked before allocation where the
// format announces sizes.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { compressFrameSync } from 'lz4-napi';
import { compressSync as snappyRawCompress } from 'snappy';
import zstdBinding from 'zstd-napi/binding.js';
import {
  COMPRESSION_CODECS,
  CompressionCodec,
  CompressionError,
  compress,
  compressSync,
  DecompressedSizeLimitError,
  decompress,
  decompressSync,
  INLINE_BELOW_BYTES,
  lz4HeaderChecksum,
  scanLz4Frame,
  UnsupportedCompressionError,
  XERIAL_MAGIC,
} from './index.js';

const require = createRequire(import.meta.url);
interface KafkaJsCodec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}
const kafkaJsSnappy = (require('kafkajs-snappy') as () => KafkaJsCodec)();
type Lz4CodecClass = new () => { codec: () => KafkaJsCodec };
// Plain Node returns `{ default: class }` (the package sets __esModule); tsx returns the class.
const lz4Module = require('kafkajs-lz4') as Lz4CodecClass | { default: Lz4CodecClass };
const Lz4Codec = typeof lz4Module === 'function' ? lz4Module : lz4Module.default;
const kafkaJsLz4 = new Lz4Codec().codec();

/** Compressible text: repeated words with some noise, like typical record values. */
function sample(size: number, seed = 1): Buffer {
  const words = ['kafka', 'pyralog', 'offset', 'partition', 'leader', 'epoch', 'batch', 'record'];
  const parts: string[] = [];
  let state = seed;
  let length = 0;
  while (length < size) {
    state = (state * 1103515245 + 12345) >>> 0;
    const word = `${words[state % words.length]}${state % 97} `;
    parts.push(word);
    length += word.length;
  }
  return Buffer.from(parts.join('')).subarray(0, size);
}

describe('compression', () => {
  it('round-trips every codec, sync and async, on arbitrary bytes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...COMPRESSION_CODECS),
        fc.uint8Array({ maxLength: 2000 }),
        async (codec, raw) => {
          const input = Buffer.from(raw);
          assert.deepEqual(decompressSync(codec, compressSync(codec, input)), input);
          assert.deepEqual(await decompress(codec, await compress(codec, input)), input);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('round-trips large inputs through the thread pool and across sync/async', async () => {
    const input = sample(INLINE_BELOW_BYTES * 20);
    for (const codec of COMPRESSION_CODECS) {
      const compressed = await compress(codec, input);
      assert.deepEqual(decompressSync(codec, compressed), input, `codec ${codec}`);
      assert.deepEqual(await decompress(codec, compressSync(codec, input)), input, `codec ${codec}`);
    }
  });

  it('rejects unknown codec ids with UnsupportedCompressionError', () => {
    for (const codec of [5, 6, 7, -1]) {
      assert.throws(() => compressSync(codec, Buffer.alloc(1)), UnsupportedCompressionError);
      assert.throws(() => decompressSync(codec, Buffer.alloc(1)), UnsupportedCompressionError);
    }
  });

  it('raises CompressionError, never a foreign error, on corrupt or truncated input', async () => {
    const input = sample(50_000);
    for (const codec of COMPRESSION_CODECS.filter((id) => id !== CompressionCodec.none)) {
      const compressed = compressSync(codec, input);
      const damaged = [compressed.subarray(0, compressed.length >> 1), Buffer.from('not compressed at all')];
      for (const bytes of damaged) {
        assert.throws(() => decompressSync(codec, bytes), CompressionError, `codec ${codec}`);
        await assert.rejects(decompress(codec, bytes), CompressionError, `codec ${codec}`);
      }
    }
  });

  it('decompresses a hand-built xerial snappy stream of several blocks', async () => {
    const first = sample(40_000, 7);
    const second = sample(30_000, 8);
    const header = Buffer.alloc(16);
    XERIAL_MAGIC.copy(header, 0);
    header.writeInt32BE(1, 8);
    header.writeInt32BE(1, 12);
    const framed: Buffer[] = [header];
    for (const block of [first, second]) {
      const raw = snappyRawCompress(block);
      const length = Buffer.alloc(4);
      length.writeInt32BE(raw.length);
      framed.push(length, raw);
    }
    const stream = Buffer.concat(framed);
    const expected = Buffer.concat([first, second]);
    assert.deepEqual(decompressSync(CompressionCodec.snappy, stream), expected);
    assert.deepEqual(await decompress(CompressionCodec.snappy, stream), expected);
    assert.deepEqual(await kafkaJsSnappy.decompress(stream), expected, 'oracle agrees on the framing');
    assert.throws(
      () => decompressSync(CompressionCodec.snappy, stream.subarray(0, stream.length - 3)),
      CompressionError,
    );
  });

  it('reads and writes the raw snappy of KafkaJS (snappyjs)', async () => {
    const input = sample(70_000, 3);
    const theirs = await kafkaJsSnappy.compress({ buffer: input });
    assert.deepEqual(await decompress(CompressionCodec.snappy, theirs), input);
    assert.deepEqual(await kafkaJsSnappy.decompress(await compress(CompressionCodec.snappy, input)), input);
  });

  it('reads LZ4 frames from lz4-napi and node-lz4 (kafkajs-lz4), and node-lz4 reads ours', async () => {
    const input = sample(300_000, 4);
    for (const frame of [
      compressFrameSync(input),
      compressFrameSync(input, { contentChecksum: true, blockChecksums: true }),
      await kafkaJsLz4.compress({ buffer: input }),
    ]) {
      assert.deepEqual(decompressSync(CompressionCodec.lz4, frame), input);
      assert.deepEqual(await decompress(CompressionCodec.lz4, frame), input);
    }
    const ours = compressSync(CompressionCodec.lz4, input);
    assert.equal(ours[4]! & 0x20, 0x20, 'blocks are independent (FLG bit 5), as Kafka Java requires');
    assert.deepEqual(await kafkaJsLz4.decompress(ours), input);
  });

  it('writes and ignores the broken magic 0 LZ4 header checksum (KAFKA-3160)', () => {
    const input = sample(10_000, 5);
    const legacy = compressSync(CompressionCodec.lz4, input, { legacyLz4Checksum: true });
    const { headerChecksumOffset } = scanLz4Frame(legacy);
    assert.notEqual(legacy[headerChecksumOffset], lz4HeaderChecksum(legacy, headerChecksumOffset));
    assert.throws(() => decompressSync(CompressionCodec.lz4, legacy), CompressionError);
    assert.deepEqual(decompressSync(CompressionCodec.lz4, legacy, { legacyLz4Checksum: true }), input);
    const modern = compressSync(CompressionCodec.lz4, input);
    assert.deepEqual(decompressSync(CompressionCodec.lz4, modern, { legacyLz4Checksum: true }), input);
  });

  it('stops a 100 MiB gzip bomb at the bound with DecompressedSizeLimitError', async () => {
    // 100 gzip members of 1 MiB of zeros: one valid gzip stream of 100 MiB, cheap to build.
    const member = gzipSync(Buffer.alloc(1024 * 1024));
    const bomb = Buffer.concat(Array.from({ length: 100 }, () => member));
    const options = { maxDecompressedBytes: 8 * 1024 * 1024 };
    assert.throws(() => decompressSync(CompressionCodec.gzip, bomb, options), DecompressedSizeLimitError);
    await assert.rejects(decompress(CompressionCodec.gzip, bomb, options), DecompressedSizeLimitError);
    assert.equal(
      decompressSync(CompressionCodec.gzip, bomb.subarray(0, member.length * 2), options).length,
      2 << 20,
    );
  });

  it('prices snappy, lz4 and zstd bombs before allocating their output', async () => {
    const zeros = Buffer.alloc(4 * 1024 * 1024);
    const options = { maxDecompressedBytes: 1024 * 1024 };
    for (const codec of [CompressionCodec.snappy, CompressionCodec.lz4, CompressionCodec.zstd]) {
      const bomb = compressSync(codec, zeros);
      assert.throws(() => decompressSync(codec, bomb, options), DecompressedSizeLimitError, `codec ${codec}`);
      await assert.rejects(decompress(codec, bomb, options), DecompressedSizeLimitError, `codec ${codec}`);
    }
    // A snappy preamble may claim 4 GiB in five bytes.
    const claim = Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x00]);
    assert.throws(() => decompressSync(CompressionCodec.snappy, claim, options), DecompressedSizeLimitError);
  });

  it('bounds zstd frames without a content size (as Java clients stream them) while streaming', () => {
    const zeros = Buffer.alloc(4 * 1024 * 1024);
    // A frame written with an unknown pledged size: compress in a streaming context.
    const streamed = zstdStreamed(zeros);
    assert.deepEqual(decompressSync(CompressionCodec.zstd, streamed), zeros);
    assert.throws(
      () => decompressSync(CompressionCodec.zstd, streamed, { maxDecompressedBytes: 1024 * 1024 }),
      DecompressedSizeLimitError,
    );
    assert.throws(
      () => decompressSync(CompressionCodec.zstd, streamed.subarray(0, streamed.length - 2)),
      CompressionError,
    );
  });
});

/** A zstd frame whose header has no content size, via zstd-napi's streaming binding. */
function zstdStreamed(input: Buffer): Buffer {
  const binding = zstdBinding;
  const context = new binding.CCtx();
  const out: Buffer[] = [];
  let rest = input;
  for (;;) {
    const chunk = Buffer.alloc(binding.cStreamOutSize());
    const directive = rest.length > 64 * 1024 ? binding.EndDirective.continue : binding.EndDirective.end;
    const piece = rest.subarray(0, 64 * 1024);
    const [remaining, produced, consumed] = context.compressStream2(chunk, piece, directive);
    out.push(chunk.subarray(0, produced));
    rest = rest.subarray(consumed);
    if (directive === binding.EndDirective.end && remaining === 0 && rest.length === 0) break;
  }
  const frame = Buffer.concat(out);
  assert.equal(binding.getFrameContentSize(frame), null, 'the frame announces no content size');
  return frame;
}
