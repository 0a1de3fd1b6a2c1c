import type { SeededRandom } from '../../src/testing/index.js';

/** Values that break naive length handling: zero, -1 (null), negatives, the int32 edges, huge counts. */
const HOSTILE_INT32 = [0, -1, -2, 0x7fffffff, -0x80000000, 0x7ffffffe, 0x10000, 0x00ffffff];
const HOSTILE_INT16 = [0, -1, -2, 0x7fff, -0x8000];
/** Varint encodings of huge unsigned values (compact lengths and counts). */
const HOSTILE_VARINTS = [
  [0xff, 0xff, 0xff, 0xff, 0x0f],
  [0xfe, 0xff, 0xff, 0xff, 0x07],
  [0x80, 0x80, 0x80, 0x80, 0x80, 0x01],
  [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01],
  [0x80, 0x80, 0x80, 0x08],
];

export type Mutator = (input: Buffer, random: SeededRandom) => Buffer;

export const randomBytes: Mutator = (_input, random) => {
  const out = Buffer.allocUnsafe(random.nextInt(257));
  for (let i = 0; i < out.length; i++) out[i] = random.nextInt(256);
  return out;
};

export const truncate: Mutator = (input, random) => input.subarray(0, random.nextInt(input.length + 1));

export const flipBits: Mutator = (input, random) => {
  const out = Buffer.from(input);
  if (out.length === 0) return out;
  const flips = 1 + random.nextInt(8);
  for (let i = 0; i < flips; i++) {
    const at = random.nextInt(out.length);
    out[at] = (out[at] ?? 0) ^ (1 << random.nextInt(8));
  }
  return out;
};

/** Overwrites a random position with an int32, int16 or varint chosen to break length checks. */
export const hostileLength: Mutator = (input, random) => {
  const out = Buffer.from(input);
  if (out.length < 2) return out;
  const at = random.nextInt(out.length - 1);
  const kind = random.nextInt(3);
  if (kind === 0 && at + 4 <= out.length) out.writeInt32BE(random.pick(HOSTILE_INT32), at);
  else if (kind === 1) out.writeInt16BE(random.pick(HOSTILE_INT16), at);
  else {
    const varint = random.pick(HOSTILE_VARINTS);
    for (let i = 0; i < varint.length && at + i < out.length; i++) out[at + i] = varint[i]!;
  }
  return out;
};

/** Deletes, duplicates or inserts a random run of bytes. */
export const splice: Mutator = (input, random) => {
  if (input.length === 0) return randomBytes(input, random);
  const at = random.nextInt(input.length);
  const size = 1 + random.nextInt(Math.min(32, input.length - at));
  switch (random.nextInt(3)) {
    case 0:
      return Buffer.concat([input.subarray(0, at), input.subarray(at + size)]);
    case 1:
      return Buffer.concat([input.subarray(0, at + size), input.subarray(at)]);
    default:
      return Buffer.concat([input.subarray(0, at), randomBytes(input, random), input.subarray(at)]);
  }
};

export const MUTATORS: ReadonlyArray<readonly [string, Mutator]> = [
  ['random-bytes', randomBytes],
  ['truncate', truncate],
  ['bit-flips', flipBits],
  ['hostile-length', hostileLength],
  ['splice', splice],
];
