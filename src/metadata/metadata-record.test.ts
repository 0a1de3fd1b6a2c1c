// Proves the KRaft record framing: every generated metadata record at every version survives
// encode → decode, the frame bytes are Kafka's (frame version 1, type, version as unsigned varints),
// and bad frames fail with typed errors, never with an untyped exception.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { messageArbitraries } from '../protocol/generated/arbitraries/index.js';
import { ByteWriter, DecodeError, metadataRecordDescriptor } from '../protocol/index.js';
import {
  MetadataFrameError,
  UnknownMetadataRecordTypeError,
  UnsupportedMetadataRecordVersionError,
} from './metadata-errors.js';
import { testUuid } from './metadata-fixtures.js';
import {
  decodeMetadataRecord,
  encodeMetadataRecord,
  isMetadataDecodeFailure,
  type MetadataRecord,
} from './metadata-record.js';

const recordArbitraries = messageArbitraries.filter(
  ({ descriptor }) =>
    descriptor.type === 'metadata' &&
    descriptor.apiKey !== undefined &&
    metadataRecordDescriptor(descriptor.apiKey) === descriptor,
);

describe('metadata record framing', () => {
  it('covers every registered metadata record type', () => {
    assert.ok(recordArbitraries.length >= 25, `only ${recordArbitraries.length} record types`);
  });

  for (const { descriptor, arbitrary } of recordArbitraries) {
    it(`round-trips ${descriptor.name} at every version`, () => {
      const { min, max } = descriptor.validVersions;
      const arb = fc
        .integer({ min, max })
        .chain((version) => arbitrary(version).map((data) => ({ version, data })));
      fc.assert(
        fc.property(arb, ({ version, data }) => {
          const record = { type: descriptor.apiKey, version, data } as MetadataRecord;
          const decoded = decodeMetadataRecord(encodeMetadataRecord(record));
          assert.deepStrictEqual(decoded, record);
        }),
        { numRuns: 30 },
      );
    });
  }

  it('writes frame version 1, the record type and the version before the body', () => {
    const topicId = testUuid(7);
    const bytes = encodeMetadataRecord({ type: 2, version: 0, data: { name: 'a', topicId } });
    assert.deepStrictEqual([...bytes.subarray(0, 3)], [1, 2, 0]);
    // Body: compact string "a" (length+1 = 2), 16 bytes of uuid, empty tagged fields.
    assert.deepStrictEqual([...bytes.subarray(3, 5)], [2, 0x61]);
    assert.equal(bytes.length, 3 + 2 + 16 + 1);
  });

  it('rejects an unknown record type, an unsupported version and a wrong frame version', () => {
    const frame = (frameVersion: number, type: number, version: number): Buffer =>
      new ByteWriter().unsignedVarint(frameVersion).unsignedVarint(type).unsignedVarint(version).toBuffer();
    assert.throws(() => decodeMetadataRecord(frame(1, 6, 0)), UnknownMetadataRecordTypeError);
    assert.throws(() => decodeMetadataRecord(frame(1, 2, 9)), UnsupportedMetadataRecordVersionError);
    assert.throws(() => decodeMetadataRecord(frame(0, 2, 0)), MetadataFrameError);
    assert.throws(() => decodeMetadataRecord(frame(1, 2, 0)), DecodeError);
    assert.throws(
      () => encodeMetadataRecord({ type: 2, version: 3, data: { name: 'a', topicId: testUuid(1) } }),
      UnsupportedMetadataRecordVersionError,
    );
  });

  it('rejects trailing bytes after the record body', () => {
    const bytes = encodeMetadataRecord({ type: 20, version: 0, data: {} });
    assert.throws(() => decodeMetadataRecord(Buffer.concat([bytes, Buffer.from([0])])), MetadataFrameError);
  });

  it('answers arbitrary bytes with a record or a typed decode failure', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.integer({ min: 0, max: 27 }), (body, type) => {
        const bytes = Buffer.concat([Buffer.from([1, type, 0]), body]);
        try {
          decodeMetadataRecord(bytes);
        } catch (error: unknown) {
          assert.ok(isMetadataDecodeFailure(error), String(error));
        }
      }),
      { numRuns: 2000 },
    );
  });
});
