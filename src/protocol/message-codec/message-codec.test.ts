// Proves the field encodings the generated codecs rely on: Kafka's classic and compact lengths, the
// null markers, the 32767-byte string limit, counts checked before allocation (including the cap for
// elements that may be empty), and tagged-field windows that are skipped or must be used exactly.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ByteReader, ByteWriter, DecodeError, EncodeError } from '../primitives/index.js';
import {
  MAX_EMPTY_ELEMENT_COUNT,
  readArray,
  readNullableBytes,
  readNullableString,
  readString,
  readTaggedFields,
  writeNullableBytes,
  writeNullableString,
  writeString,
  writeTaggedField,
} from './index.js';

const reader = (bytes: number[]): ByteReader => new ByteReader(Buffer.from(bytes));

describe('strings', () => {
  it('use an int16 length classically and length + 1 as a varint when compact', () => {
    const writer = new ByteWriter();
    writeString(writer, 'hé', false, 's');
    writeString(writer, 'hé', true, 's');
    writeNullableString(writer, null, false, true, 's');
    writeNullableString(writer, null, true, true, 's');
    assert.deepEqual([...writer.toBuffer()], [0, 3, 0x68, 0xc3, 0xa9, 4, 0x68, 0xc3, 0xa9, 0xff, 0xff, 0]);
    const back = reader([0, 3, 0x68, 0xc3, 0xa9, 4, 0x68, 0xc3, 0xa9, 0xff, 0xff, 0]);
    assert.equal(readString(back, false, 's'), 'hé');
    assert.equal(readString(back, true, 's'), 'hé');
    assert.equal(readNullableString(back, false, true, 's'), null);
    assert.equal(readNullableString(back, true, true, 's'), null);
  });

  it('refuse null where the version is not nullable', () => {
    assert.throws(() => writeNullableString(new ByteWriter(), null, true, false, 's'), EncodeError);
    assert.throws(() => readString(reader([0xff, 0xff]), false, 's'), DecodeError);
    assert.throws(() => readNullableString(reader([0]), true, false, 's'), DecodeError);
  });

  it('hold at most 32767 bytes and never a negative length other than -1', () => {
    assert.throws(() => writeString(new ByteWriter(), 'x'.repeat(0x8000), true, 's'), EncodeError);
    assert.throws(() => readString(reader([0x81, 0x80, 0x02]), true, 's'), DecodeError);
    assert.throws(() => readNullableString(reader([0xff, 0xfe]), false, true, 's'), DecodeError);
    assert.throws(() => readString(reader([0, 5, 0x61]), false, 's'), DecodeError);
  });
});

describe('bytes', () => {
  it('come back as views of the input', () => {
    const input = Buffer.from([0, 0, 0, 2, 7, 8]);
    const view = readNullableBytes(new ByteReader(input), false, true, 'b');
    assert.ok(view !== null);
    assert.equal(view.buffer, input.buffer);
    const writer = new ByteWriter();
    writeNullableBytes(writer, null, false, true, 'b');
    writeNullableBytes(writer, null, true, true, 'b');
    assert.deepEqual([...writer.toBuffer()], [0xff, 0xff, 0xff, 0xff, 0]);
  });
});

describe('arrays', () => {
  it('check the count against the bytes that remain before allocating', () => {
    let calls = 0;
    const read = (): number => ++calls;
    assert.throws(() => readArray(reader([0x7f, 0xff, 0xff, 0xff, 0, 0]), false, 4, 'a', read), DecodeError);
    assert.throws(() => readArray(reader([0xff, 0xff, 0xff, 0xff, 0x0f]), true, 1, 'a', read), DecodeError);
    assert.equal(calls, 0);
  });

  it('cap the count of elements that may encode as nothing', () => {
    const count = MAX_EMPTY_ELEMENT_COUNT + 1;
    const bytes = [(count >>> 24) & 0xff, (count >>> 16) & 0xff, (count >>> 8) & 0xff, count & 0xff];
    assert.throws(() => readArray(reader(bytes), false, 0, 'a', () => 0), DecodeError);
    assert.equal(readArray(reader([0, 0, 0, 3]), false, 0, 'a', () => 0).length, 3);
  });
});

describe('tagged fields', () => {
  it('hand each field over in a window of its size and skip unknown ones', () => {
    const writer = new ByteWriter();
    writer.unsignedVarint(2);
    writeTaggedField(writer, 0, (field) => field.int32(9));
    writeTaggedField(writer, 5, (field) => field.int8(1));
    const bytes = writer.toBuffer();
    assert.deepEqual([...bytes], [2, 0, 4, 0, 0, 0, 9, 5, 1, 1]);
    const seen: number[] = [];
    const input = new ByteReader(bytes);
    readTaggedFields(input, 'x', (tag, field) => {
      if (tag !== 0) return false;
      seen.push(field.int32());
      return true;
    });
    assert.deepEqual(seen, [9]);
    assert.equal(input.remaining, 0);
  });

  it('require a known field to use all of its declared size', () => {
    const input = reader([1, 0, 2, 0, 0]);
    assert.throws(() => readTaggedFields(input, 'x', (_tag, field) => field.int8() >= 0), DecodeError);
    assert.throws(() => readTaggedFields(reader([1, 0, 9, 0]), 'x'), DecodeError);
  });
});
