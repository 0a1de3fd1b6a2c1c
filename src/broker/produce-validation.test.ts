// validateProduce without a broker: Kafka's LogValidator rules for one partition (timestamp bounds
// with record errors, compacted keys, recompression, legacy message sets, corrupt input).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  CompressionCodec,
  createRecordBatch,
  decodeRecordBatchSync,
  ErrorCode,
  encodeMessageSetSync,
  encodeRecordBatchSync,
  type RecordInput,
  TimestampType,
} from '../protocol/index.js';
import { type ProduceCheck, type ProduceRules, validateProduce } from './produce-validation.js';

const NOW = 1_700_000_000_000;
const NEVER = Number.MAX_SAFE_INTEGER;

const DEFAULT_RULES: ProduceRules = {
  maxMessageBytes: 1048588,
  usesLogAppendTime: false,
  timestampBeforeMaxMs: NEVER,
  timestampAfterMaxMs: 3600000,
  isCompacted: false,
  compressionType: 'producer',
};

function batch(records: RecordInput[], compression: CompressionCodec = CompressionCodec.none): Buffer {
  return encodeRecordBatchSync(createRecordBatch({ records, compression, timestamp: BigInt(NOW) }));
}

function values(...texts: string[]): RecordInput[] {
  return texts.map((text) => ({ key: Buffer.from(`k-${text}`), value: Buffer.from(text) }));
}

function accepted(check: ProduceCheck) {
  assert.equal(check.kind, 'accepted', check.kind === 'refused' ? check.message : '');
  return (check as Extract<ProduceCheck, { kind: 'accepted' }>).view;
}

function refused(check: ProduceCheck) {
  assert.equal(check.kind, 'refused');
  return check as Extract<ProduceCheck, { kind: 'refused' }>;
}

describe('validateProduce', () => {
  it('passes an in-range batch through untouched (no decoding on the hot path)', () => {
    const records = batch(values('a', 'b'));
    const view = accepted(validateProduce(records, 9, DEFAULT_RULES, NOW));
    assert.equal(view.buffer, records);
  });

  it('refuses records beyond message.timestamp.after.max.ms with INVALID_TIMESTAMP and their batch index', () => {
    const records = batch([
      { value: Buffer.from('now'), timestamp: BigInt(NOW) },
      { value: Buffer.from('future'), timestamp: BigInt(NOW + 2 * 3600000) },
    ]);
    const check = refused(validateProduce(records, 9, DEFAULT_RULES, NOW));
    assert.equal(check.errorCode, ErrorCode.INVALID_TIMESTAMP);
    assert.deepEqual(
      check.recordErrors.map((error) => error.batchIndex),
      [1],
    );
    assert.match(check.message, /1 record\(s\) rejected/);
  });

  it('refuses records older than message.timestamp.before.max.ms, including ones below the base timestamp', () => {
    const rules = { ...DEFAULT_RULES, timestampBeforeMaxMs: 60_000 };
    const records = batch([
      { value: Buffer.from('a'), timestamp: BigInt(NOW) },
      { value: Buffer.from('b'), timestamp: BigInt(NOW - 120_000) },
      { value: Buffer.from('c'), timestamp: BigInt(NOW - 1000) },
    ]);
    const check = refused(validateProduce(records, 9, rules, NOW));
    assert.equal(check.errorCode, ErrorCode.INVALID_TIMESTAMP);
    assert.deepEqual(
      check.recordErrors.map((error) => error.batchIndex),
      [1],
    );
  });

  it('skips the timestamp bounds for a LogAppendTime topic', () => {
    const records = batch([{ value: Buffer.from('old'), timestamp: 1n }]);
    const rules = { ...DEFAULT_RULES, usesLogAppendTime: true, timestampBeforeMaxMs: 1 };
    accepted(validateProduce(records, 9, rules, NOW));
  });

  it('refuses a record without a key on a compacted topic with INVALID_RECORD and its batch index', () => {
    const records = batch([
      { key: Buffer.from('k'), value: Buffer.from('a') },
      { key: null, value: Buffer.from('b') },
    ]);
    const check = refused(validateProduce(records, 9, { ...DEFAULT_RULES, isCompacted: true }, NOW));
    assert.equal(check.errorCode, ErrorCode.INVALID_RECORD);
    assert.deepEqual(check.recordErrors, [
      { batchIndex: 1, batchIndexErrorMessage: 'a compacted topic cannot accept a record without a key' },
    ]);
  });

  it('recompresses with the topic compression.type and keeps the records', () => {
    const records = batch(values('x', 'y'), CompressionCodec.none);
    const view = accepted(validateProduce(records, 9, { ...DEFAULT_RULES, compressionType: 'gzip' }, NOW));
    assert.equal(view.compression, CompressionCodec.gzip);
    const decoded = decodeRecordBatchSync(view);
    assert.deepEqual(
      decoded.records.map((record) => record.value?.toString()),
      ['x', 'y'],
    );
    const back = accepted(
      validateProduce(view.bytes, 9, { ...DEFAULT_RULES, compressionType: 'uncompressed' }, NOW),
    );
    assert.equal(back.compression, CompressionCodec.none);
  });

  it('converts a magic 1 message set of Produce v2 into one v2 batch with its timestamps', () => {
    const set = encodeMessageSetSync(
      [
        { offset: 0n, timestamp: BigInt(NOW), key: Buffer.from('k'), value: Buffer.from('v1') },
        { offset: 1n, timestamp: BigInt(NOW + 1), key: null, value: Buffer.from('v2') },
      ],
      { magic: 1, compression: CompressionCodec.gzip },
    );
    const view = accepted(validateProduce(set, 2, DEFAULT_RULES, NOW));
    const decoded = decodeRecordBatchSync(view);
    assert.equal(decoded.compression, CompressionCodec.gzip);
    assert.equal(decoded.timestampType, TimestampType.createTime);
    assert.deepEqual(
      decoded.records.map((record) => [
        record.value?.toString(),
        decoded.baseTimestamp + BigInt(record.timestampDelta),
      ]),
      [
        ['v1', BigInt(NOW)],
        ['v2', BigInt(NOW + 1)],
      ],
    );
  });

  it('converts a magic 0 message set of Produce v0 (no timestamps)', () => {
    const set = encodeMessageSetSync([{ offset: 0n, value: Buffer.from('old') }], { magic: 0 });
    const decoded = decodeRecordBatchSync(accepted(validateProduce(set, 0, DEFAULT_RULES, NOW)));
    assert.equal(decoded.baseTimestamp, -1n);
    assert.equal(decoded.records[0]?.value?.toString(), 'old');
  });

  it('refuses a legacy message set on Produce v3+ with INVALID_RECORD', () => {
    const set = encodeMessageSetSync([{ offset: 0n, value: Buffer.from('old') }], { magic: 1 });
    assert.equal(refused(validateProduce(set, 3, DEFAULT_RULES, NOW)).errorCode, ErrorCode.INVALID_RECORD);
  });

  it('refuses zstd below Produce v7 with UNSUPPORTED_COMPRESSION_TYPE', () => {
    const records = batch(values('z'), CompressionCodec.zstd);
    assert.equal(
      refused(validateProduce(records, 6, DEFAULT_RULES, NOW)).errorCode,
      ErrorCode.UNSUPPORTED_COMPRESSION_TYPE,
    );
    accepted(validateProduce(records, 7, DEFAULT_RULES, NOW));
  });

  it('answers CORRUPT_MESSAGE for a CRC mismatch, a truncated batch and no records', () => {
    const records = batch(values('a'));
    const flipped = Buffer.from(records);
    flipped[flipped.length - 1]! ^= 0xff;
    assert.equal(
      refused(validateProduce(flipped, 9, DEFAULT_RULES, NOW)).errorCode,
      ErrorCode.CORRUPT_MESSAGE,
    );
    assert.equal(
      refused(validateProduce(records.subarray(0, records.length - 3), 9, DEFAULT_RULES, NOW)).errorCode,
      ErrorCode.CORRUPT_MESSAGE,
    );
    assert.equal(refused(validateProduce(null, 9, DEFAULT_RULES, NOW)).errorCode, ErrorCode.CORRUPT_MESSAGE);
  });

  it('refuses a control batch (INVALID_RECORD) and a legacy set cut mid-message (CORRUPT_MESSAGE)', () => {
    const control = encodeRecordBatchSync(
      createRecordBatch({ records: [{ key: Buffer.alloc(4), value: Buffer.alloc(6) }], isControl: true }),
    );
    assert.equal(
      refused(validateProduce(control, 9, DEFAULT_RULES, NOW)).errorCode,
      ErrorCode.INVALID_RECORD,
    );
    const set = encodeMessageSetSync(
      [
        { offset: 0n, value: Buffer.from('a') },
        { offset: 1n, value: Buffer.from('b') },
      ],
      { magic: 1 },
    );
    const cut = set.subarray(0, set.length - 3);
    assert.equal(refused(validateProduce(cut, 2, DEFAULT_RULES, NOW)).errorCode, ErrorCode.CORRUPT_MESSAGE);
  });

  it('refuses two batches in one partition with INVALID_RECORD, and a batch over max.message.bytes', () => {
    const two = Buffer.concat([batch(values('a')), batch(values('b'))]);
    assert.equal(refused(validateProduce(two, 9, DEFAULT_RULES, NOW)).errorCode, ErrorCode.INVALID_RECORD);
    const big = batch(values('x'.repeat(500)));
    assert.equal(
      refused(validateProduce(big, 9, { ...DEFAULT_RULES, maxMessageBytes: 100 }, NOW)).errorCode,
      ErrorCode.MESSAGE_TOO_LARGE,
    );
  });
});
