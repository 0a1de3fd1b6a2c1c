// compileFormat renders every placeholder of a consumed record, handles escapes and literal braces,
// and rejects unknown placeholders and unmatched braces; recordJson carries every field.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConsumerRecord } from '../client/index.js';
import { compileFormat, FormatTemplateError, recordJson } from './record-format.js';

const RECORD: ConsumerRecord = {
  topic: 'orders',
  partition: 2,
  offset: 41n,
  timestamp: 1_700_000_000_123n,
  timestampType: 'CreateTime',
  key: Buffer.from('k1'),
  value: Buffer.from('héllo'),
  headers: [
    { key: 'a', value: Buffer.from('1') },
    { key: 'b', value: null },
  ],
  leaderEpoch: 3,
};

test('every placeholder renders its field', () => {
  const render = compileFormat(
    '{topic} {partition} {offset} {timestamp} {timestampType} {key} {value} {keySize} {valueSize} {headers} {leaderEpoch}',
  );
  assert.equal(render(RECORD), 'orders 2 41 1700000000123 CreateTime k1 héllo 2 6 a:1,b:null 3');
});

test('null keys and values print null with size -1; no headers print nothing', () => {
  const render = compileFormat('[{key}|{value}|{keySize}|{valueSize}|{headers}]');
  assert.equal(render({ ...RECORD, key: null, value: null, headers: [] }), '[null|null|-1|-1|]');
});

test('escapes and doubled braces are literal text', () => {
  assert.equal(compileFormat('{{{key}}}\\t{value}\\n\\\\')(RECORD), '{k1}\théllo\n\\');
  assert.equal(compileFormat('plain text')(RECORD), 'plain text');
});

test('unknown placeholders and unmatched braces are rejected when compiling', () => {
  assert.throws(
    () => compileFormat('{nope}'),
    (error: unknown) => {
      assert.ok(error instanceof FormatTemplateError);
      assert.match(error.message, /unknown placeholder \{nope\}.*\{offset\}/);
      return true;
    },
  );
  assert.throws(() => compileFormat('{value'), /unmatched '\{' at position 0/);
  assert.throws(() => compileFormat('value}'), /unmatched '\}' at position 5/);
});

test('recordJson holds every field with text keys, values and headers', () => {
  assert.deepEqual(JSON.parse(recordJson(RECORD)), {
    topic: 'orders',
    partition: 2,
    offset: 41,
    timestamp: 1_700_000_000_123,
    timestampType: 'CreateTime',
    leaderEpoch: 3,
    key: 'k1',
    value: 'héllo',
    headers: [
      { key: 'a', value: '1' },
      { key: 'b', value: null },
    ],
  });
  assert.equal(JSON.parse(recordJson({ ...RECORD, key: null, value: null })).key, null);
});
