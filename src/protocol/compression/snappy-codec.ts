import type * as Snappy from 'snappy';
import { CompressionError, codecFailure, DecompressedSizeLimitError } from './compression-error.js';
import { INLINE_BELOW_BYTES } from './compression-limits.js';
import { lazyAddon } from './lazy-addon.js';
import { isXerialFramed, snappyUncompressedLength, xerialBlocks } from './xerial-snappy.js';

// We compress to raw snappy, as librdkafka and KafkaJS do: snappy-java's SnappyInputStream (every
// Java client and broker) falls back to raw snappy when the xerial magic is absent. We read both.

const AS_BUFFER = { asBuffer: true } as const;
const snappy = lazyAddon<typeof Snappy>('snappy');

export function compressSnappySync(input: Buffer): Buffer {
  try {
    return snappy().compressSync(input);
  } catch (error: unknown) {
    throw codecFailure('snappy', 'compression', error);
  }
}

export async function compressSnappy(input: Buffer): Promise<Buffer> {
  if (input.length < INLINE_BELOW_BYTES) return compressSnappySync(input);
  try {
    return await snappy().compress(input);
  } catch (error: unknown) {
    throw codecFailure('snappy', 'compression', error);
  }
}

/** The raw blocks to decompress and their total announced size, checked against `maxBytes`. */
function plan(input: Buffer, maxBytes: number): { blocks: Buffer[]; totalBytes: number } {
  const blocks = isXerialFramed(input) ? xerialBlocks(input) : [input];
  let totalBytes = 0;
  for (const block of blocks) totalBytes += snappyUncompressedLength(block);
  if (totalBytes > maxBytes) {
    throw new DecompressedSizeLimitError('snappy', maxBytes, `preambles announce ${totalBytes} bytes`);
  }
  return { blocks, totalBytes };
}

function checked(output: string | Buffer, expectedBytes: number): Buffer {
  if (typeof output === 'string' || output.length !== expectedBytes) {
    throw new CompressionError(
      `snappy block decompressed to a size other than its preamble's ${expectedBytes}`,
    );
  }
  return output;
}

export function decompressSnappySync(input: Buffer, maxBytes: number): Buffer {
  const { blocks, totalBytes } = plan(input, maxBytes);
  try {
    const outputs = blocks.map((block) =>
      checked(snappy().uncompressSync(block, AS_BUFFER), snappyUncompressedLength(block)),
    );
    return outputs.length === 1 ? outputs[0]! : Buffer.concat(outputs, totalBytes);
  } catch (error: unknown) {
    throw codecFailure('snappy', 'decompression', error);
  }
}

/** Xerial blocks are decompressed concurrently on the libuv thread pool. */
export async function decompressSnappy(input: Buffer, maxBytes: number): Promise<Buffer> {
  const { blocks, totalBytes } = plan(input, maxBytes);
  if (totalBytes < INLINE_BELOW_BYTES) return decompressSnappySync(input, maxBytes);
  try {
    const outputs = await Promise.all(
      blocks.map(async (block) =>
        checked(await snappy().uncompress(block, AS_BUFFER), snappyUncompressedLength(block)),
      ),
    );
    return outputs.length === 1 ? outputs[0]! : Buffer.concat(outputs, totalBytes);
  } catch (error: unknown) {
    throw codecFailure('snappy', 'decompression', error);
  }
}
