// Proves that commit/abort marker batches are built as Kafka's WriteTxnMarkers writes them and that
// control record keys and values round-trip, tolerate newer versions and reject malformed bytes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  ControlRecordType,
  createEndTxnMarkerBatch,
  decodeControlRecordKey,
  decodeEndTxnMarker,
  decodeRecordBatchSync,
  encodeControlRecordKey,
  encodeEndTxnMarker,
  encodeRecordBatchSync,
  MalformedRecordError,
  RecordBatchView,
} from './index.js';

describe('control records', () => {
  it('encodes commit and abort marker batches that decode back', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(ControlRecordType.commit, ControlRecordType.abort),
        fc.bigInt({ min: 0n, max: 2n ** 62n }),
        fc.integer({ min: 0, max: 32767 }),
        fc.integer({ min: 0, max: 2 ** 31 - 1 }),
        (type, producerId, producerEpoch, coordinatorEpoch) => {
          const batch = createEndTxnMarkerBatch({
            type,
            producerId,
            producerEpoch,
            coordinatorEpoch,
            timestamp: 1_700_000_000_000n,
            baseOffset: 42n,
          });
          const view = RecordBatchView.at(encodeRecordBatchSync(batch));
          view.validate({ isProduce: true });
          assert.equal(view.isControl, true);
          assert.equal(view.isTransactional, true);
          assert.equal(view.attributes, 0x30);
          assert.equal(view.producerId, producerId);
          const decoded = decodeRecordBatchSync(view);
          const record = decoded.records[0]!;
          assert.deepEqual(decodeControlRecordKey(record.key), { version: 0, type });
          assert.deepEqual(decodeEndTxnMarker(record.value), { version: 0, coordinatorEpoch });
        },
      ),
      { numRuns: 50 },
    );
  });

  it('writes the bytes Kafka writes', () => {
    assert.deepEqual([...encodeControlRecordKey({ version: 0, type: 1 })], [0, 0, 0, 1]);
    assert.deepEqual([...encodeEndTxnMarker({ version: 0, coordinatorEpoch: 258 })], [0, 0, 0, 0, 1, 2]);
  });

  it('reads newer versions as version 0 and keeps unknown types', () => {
    assert.deepEqual(decodeControlRecordKey(Buffer.from([0, 1, 0, 9, 0xff])), { version: 1, type: 9 });
    assert.deepEqual(decodeEndTxnMarker(Buffer.from([0, 1, 0, 0, 0, 7, 0])), {
      version: 1,
      coordinatorEpoch: 7,
    });
  });

  it('rejects null, short and negative-version keys and values', () => {
    for (const bytes of [null, Buffer.from([0, 0, 0]), Buffer.from([0xff, 0xff, 0, 0])]) {
      assert.throws(() => decodeControlRecordKey(bytes), MalformedRecordError);
    }
    for (const bytes of [null, Buffer.from([0, 0, 0, 0, 0]), Buffer.from([0x80, 0, 0, 0, 0, 0])]) {
      assert.throws(() => decodeEndTxnMarker(bytes), MalformedRecordError);
    }
  });
});
