/**
 * Big-endian int64 reads and writes that allocate no intermediate BigInts. Node's
 * Buffer.readBigInt64BE and writeBigInt64BE build their value from several BigInt operations (a few
 * heap objects per call); offsets, timestamps and producer ids go through them on every produce and
 * fetch. Values within ±(2^53 - 1), nearly all of them, take a path through one double instead; the
 * rest use Node's exact methods. The bytes are the same either way.
 */

const TWO_POW_32 = 2 ** 32;
/** The high word of a value within ±(2^53 - 1) lies in [-2^21, 2^21). */
const SAFE_HIGH_WORD = 2 ** 21;

/** The int64 at `offset` (big-endian, two's complement). Allocates only the result. */
export function readInt64BE(buffer: Buffer, offset: number): bigint {
  const high = buffer.readInt32BE(offset);
  if (high < -SAFE_HIGH_WORD || high >= SAFE_HIGH_WORD) return buffer.readBigInt64BE(offset);
  // Exact: |high * 2^32 + low| < 2^53.
  return BigInt(high * TWO_POW_32 + buffer.readUInt32BE(offset + 4));
}

/**
 * The int64 at `offset` plus `addend` (a safe integer), as one BigInt: a batch's last offset is its
 * base offset plus lastOffsetDelta, and building it from `readInt64BE(...) + BigInt(delta)` allocates
 * three BigInts. Values within ±(2^53 - 1) add as doubles; the rest use Node's exact BigInt methods.
 */
export function readInt64BEPlus(buffer: Buffer, offset: number, addend: number): bigint {
  const high = buffer.readInt32BE(offset);
  if (high >= -SAFE_HIGH_WORD && high < SAFE_HIGH_WORD) {
    // Exact when the true sum is a safe integer; rounding is monotonic, so a sum past ±(2^53 - 1)
    // never rounds back into the safe range.
    const sum = high * TWO_POW_32 + buffer.readUInt32BE(offset + 4) + addend;
    if (Number.isSafeInteger(sum)) return BigInt(sum);
  }
  return buffer.readBigInt64BE(offset) + BigInt(addend);
}

/** Writes `value` (int64 range, else RangeError as Node's) at `offset`; returns the offset after it. */
export function writeInt64BE(buffer: Buffer, value: bigint, offset: number): number {
  const number = Number(value);
  if (!Number.isSafeInteger(number)) return buffer.writeBigInt64BE(value, offset);
  const high = Math.floor(number / TWO_POW_32);
  // The low word first: an offset too close to the end throws before anything is written.
  const end = buffer.writeUInt32BE(number - high * TWO_POW_32, offset + 4);
  buffer.writeInt32BE(high, offset);
  return end;
}
