// Proves, over random valid record sequences, that an image does not depend on how records were
// batched (one delta per record or one delta for all), and that a snapshot of an image, encoded
// with the KRaft framing and replayed into an empty image, gives an equal image.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { replay } from './metadata-fixtures.js';
import { emptyMetadataImage } from './metadata-image.js';
import { decodeMetadataRecord, encodeMetadataRecord } from './metadata-record.js';
import { loadMetadataSnapshot, takeMetadataSnapshot } from './metadata-snapshot.js';
import { opsArbitrary, validRecords } from './valid-records.test-support.js';

describe('metadata replay properties', () => {
  it('applying records one by one or as one batch gives the same image', () => {
    fc.assert(
      fc.property(opsArbitrary, (ops) => {
        const records = validRecords(ops);
        const empty = emptyMetadataImage('c');
        const oneByOne = records.reduce((image, record) => replay(image, [record]), empty);
        assert.deepStrictEqual(oneByOne, replay(empty, records));
      }),
      { numRuns: 300 },
    );
  });

  it('a snapshot, framed and replayed into an empty image, gives an equal image', () => {
    fc.assert(
      fc.property(opsArbitrary, (ops) => {
        const image = replay(emptyMetadataImage('c'), validRecords(ops));
        const snapshot = takeMetadataSnapshot(image);
        const reread = snapshot.records.map((record) => decodeMetadataRecord(encodeMetadataRecord(record)));
        assert.deepStrictEqual(loadMetadataSnapshot('c', { ...snapshot, records: reread }), image);
      }),
      { numRuns: 300 },
    );
  });
});
