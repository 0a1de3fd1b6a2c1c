// Proves that every primitive round-trips through ByteWriter/ByteReader, that encodings match
// Kafka's (varint/zigzag byte patterns) and that truncated or hostile input raises DecodeError only.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ByteReader, ByteWriter, DecodeError, ZERO_COPY_THRESHOLD, ZERO_UUID } from './index.js';

describe('primitives', () => {
  it('round-trips fixed-width values, varints and varlongs', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -128, max: 127 }),
        fc.integer({ min: -32768, max: 32767 }),
        fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }),
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
        fc.double({ noNaN: true }),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        fc.string(),
        (i8, i16, i32, i64, f64, u32, text) => {
          const writer = new ByteWriter(1);
          writer.int8(i8).int16(i16).int32(i32).int64(i64).float64(f64);
          writer.unsignedVarint(u32).varint(i32).varlong(i64).uint32(u32).utf8(text);
          const reader = new ByteReader(writer.toBuffer());
          assert.equal(reader.int8(), i8);
          assert.equal(reader.int16(), i16);
          assert.equal(reader.int32(), i32);
          assert.equal(reader.int64(), i64);
          assert.equal(Object.is(reader.float64(), f64), true);
          assert.equal(reader.unsignedVarint(), u32);
          assert.equal(reader.varint(), i32);
          assert.equal(reader.varlong(), i64);
          assert.equal(reader.uint32(), u32);
          assert.equal(reader.utf8(Buffer.byteLength(text)), text);
          assert.equal(reader.remaining, 0);
        },
      ),
    );
  });

  it('encodes zigzag varints as Kafka does', () => {
    const cases: Array<[number, number[]]> = [
      [0, [0x00]],
      [-1, [0x01]],
      [1, [0x02]],
      [-64, [0x7f]],
      [64, [0x80, 0x01]],
      [2 ** 31 - 1, [0xfe, 0xff, 0xff, 0xff, 0x0f]],
      [-(2 ** 31), [0xff, 0xff, 0xff, 0xff, 0x0f]],
    ];
    for (const [value, bytes] of cases) {
      assert.deepEqual([...new ByteWriter().varint(value).toBuffer()], bytes, `varint ${value}`);
      assert.equal(new ByteReader(Buffer.from(bytes)).varint(), value);
    }
  });

  it('varlongNumber agrees with varlong within the safe range and rejects beyond it', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (value) => {
        const bytes = new ByteWriter().varlong(value).toBuffer();
        const safe = value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER);
        if (safe) assert.equal(new ByteReader(bytes).varlongNumber(), Number(value));
        else assert.throws(() => new ByteReader(bytes).varlongNumber(), DecodeError);
      }),
    );
  });

  it('varlongNumber is exact at the edges of the safe range', () => {
    const edges = [
      2n ** 49n - 1n,
      2n ** 49n,
      2n ** 52n + 1n,
      2n ** 53n - 1n,
      -(2n ** 53n - 1n),
      -(2n ** 52n) - 3n,
    ];
    for (const value of edges) {
      assert.equal(new ByteReader(new ByteWriter().varlong(value).toBuffer()).varlongNumber(), Number(value));
    }
  });

  it('round-trips UUIDs in Kafka string form', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (raw) => {
        const uuid = Buffer.from(raw).toString('base64url');
        const bytes = new ByteWriter().uuid(uuid).toBuffer();
        assert.deepEqual([...bytes], [...raw]);
        assert.equal(new ByteReader(bytes).uuid(), uuid);
      }),
    );
    assert.equal(new ByteReader(Buffer.alloc(16)).uuid(), ZERO_UUID);
  });

  it('references large byte views instead of copying them', () => {
    const big = Buffer.alloc(ZERO_COPY_THRESHOLD, 7);
    const chunks = new ByteWriter().int32(big.length).bytes(big).int8(1).toChunks();
    assert.equal(chunks.length, 3);
    assert.equal(chunks[1], big);
  });

  it('never reads past the end: any truncation raises DecodeError', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 12 }), fc.integer({ min: 0, max: 9 }), (raw, op) => {
        const reader = new ByteReader(Buffer.from(raw));
        try {
          for (let i = 0; i < 4; i++) {
            [
              () => reader.int64(),
              () => reader.int32(),
              () => reader.unsignedVarint(),
              () => reader.varint(),
              () => reader.varlong(),
              () => reader.varlongNumber(),
              () => reader.uuid(),
              () => reader.bytes(reader.checkedLength(reader.int16(), 'bytes')),
              () => reader.checkedCount(reader.int32(), 4, 1000, 'array'),
              () => reader.float64(),
            ][op]!();
          }
        } catch (error: unknown) {
          assert.ok(error instanceof DecodeError, String(error));
        }
        assert.ok(reader.offset <= raw.length);
      }),
    );
  });

  it('rejects over-long varints', () => {
    assert.throws(
      () => new ByteReader(Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0x01])).unsignedVarint(),
      DecodeError,
    );
    assert.throws(() => new ByteReader(Buffer.alloc(11, 0xff)).varlong(), DecodeError);
  });
});
