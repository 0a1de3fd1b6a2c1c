import type * as ZstdNapi from 'zstd-napi';
import type * as ZstdBinding from 'zstd-napi/binding.js';
import { CompressionError, codecFailure, DecompressedSizeLimitError } from './compression-error.js';
import { lazyAddon } from './lazy-addon.js';

// zstd-napi 0.0.13 has no asynchronous one-shot API, so zstd always runs on the calling thread (about
// 1 ms per MiB to decompress, a few ms per MiB to compress at level 3); see compression.ts.

/** Kafka's default zstd level (ZSTD_CLEVEL_DEFAULT). */
export const DEFAULT_ZSTD_LEVEL = 3;
const zstd = lazyAddon<typeof ZstdNapi>('zstd-napi');
const zstdBinding = lazyAddon<typeof ZstdBinding>('zstd-napi/binding.js');

let compressor: ZstdNapi.Compressor | undefined;
let compressorLevel = -1;
let decompressionContext: ZstdBinding.DCtx | undefined;

export function compressZstdSync(input: Buffer, level: number | undefined): Buffer {
  const wanted = level ?? DEFAULT_ZSTD_LEVEL;
  try {
    compressor ??= new (zstd().Compressor)();
    if (compressorLevel !== wanted) {
      compressor.setParameters({ compressionLevel: wanted });
      compressorLevel = wanted;
    }
    return compressor.compress(input);
  } catch (error: unknown) {
    compressorLevel = -1;
    throw codecFailure('zstd', 'compression', error);
  }
}

/**
 * The sum of the frames' announced content sizes, or null when a frame does not announce it (Java
 * clients stream, so theirs never do). Throws CompressionError on a malformed frame header.
 */
function announcedSize(input: Buffer): number | null {
  let total = 0;
  for (let frame = input; frame.length > 0; ) {
    const size = zstdBinding().getFrameContentSize(frame);
    if (size === null) return null;
    total += size;
    frame = frame.subarray(zstdBinding().findFrameCompressedSize(frame));
  }
  return total;
}

function limitError(maxBytes: number, detail: string): DecompressedSizeLimitError {
  return new DecompressedSizeLimitError('zstd', maxBytes, detail);
}

/**
 * Decompresses every frame of `input`. With announced sizes the output is priced before it is
 * allocated; without, streaming stops as soon as the output passes `maxBytes`. zstd bounds the
 * window it allocates at 2^27 bytes (its default windowLogMax), whatever a frame asks for.
 */
export function decompressZstdSync(input: Buffer, maxBytes: number): Buffer {
  try {
    decompressionContext ??= new (zstdBinding().DCtx)();
    decompressionContext.reset(zstdBinding().ResetDirective.sessionOnly);
    const size = announcedSize(input);
    if (size === null) return streamBounded(decompressionContext, input, maxBytes);
    if (size > maxBytes) throw limitError(maxBytes, `frames announce ${size} bytes`);
    const output = Buffer.allocUnsafe(size);
    const written = decompressionContext.decompress(output, input);
    if (written !== size)
      throw new CompressionError(`zstd frames announced ${size} bytes but held ${written}`);
    return output;
  } catch (error: unknown) {
    throw codecFailure('zstd', 'decompression', error);
  }
}

function streamBounded(context: ZstdBinding.DCtx, input: Buffer, maxBytes: number): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  let rest = input;
  for (;;) {
    // One byte of room past the bound, so that passing it is seen without decoding further.
    const room = Math.min(Math.max(zstdBinding().dStreamOutSize(), rest.length * 4), maxBytes - total + 1);
    const chunk = Buffer.allocUnsafe(room);
    const [hint, produced, consumed] = context.decompressStream(chunk, rest);
    rest = rest.subarray(consumed);
    total += produced;
    if (total > maxBytes) throw limitError(maxBytes, 'streamed past the bound');
    if (produced > 0) chunks.push(chunk.subarray(0, produced));
    const isOutputFull = produced === room;
    if (rest.length === 0 && (hint === 0 || !isOutputFull)) {
      if (hint !== 0) throw new CompressionError('zstd input ends inside a frame');
      break;
    }
    if (consumed === 0 && produced === 0) throw new CompressionError('zstd decompression made no progress');
  }
  return Buffer.concat(chunks, total);
}
