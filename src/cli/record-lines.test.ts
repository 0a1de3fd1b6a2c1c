// parseRecordLine follows kafka-console-producer's LineMessageReader: headers first, then the key,
// then the value; a missing separator is an error naming the line; null.marker makes nulls.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { lineFormatProblem, parseRecordLine, RecordLineError } from './record-lines.js';

const HEADERS = { delimiter: '\t', separator: ',', keySeparator: ':' };

test('without key or header parsing the whole line is the value and the key is null', () => {
  assert.deepEqual(parseRecordLine('a:b\tc', {}, 1), { key: null, value: 'a:b\tc', headers: [] });
  assert.deepEqual(parseRecordLine('', {}, 1), { key: null, value: '', headers: [] });
});

test('a key separator splits at its first occurrence; the value keeps later ones', () => {
  assert.deepEqual(parseRecordLine('k:v:w', { keySeparator: ':' }, 1), {
    key: 'k',
    value: 'v:w',
    headers: [],
  });
  assert.deepEqual(parseRecordLine(':v', { keySeparator: ':' }, 1), { key: '', value: 'v', headers: [] });
  assert.deepEqual(parseRecordLine('k::v', { keySeparator: '::' }, 1), { key: 'k', value: 'v', headers: [] });
});

test('a line without the key separator is an error naming its line number', () => {
  assert.throws(
    () => parseRecordLine('no separator', { keySeparator: ':' }, 7),
    (error: unknown) => {
      assert.ok(error instanceof RecordLineError);
      assert.match(error.message, /^line 7: no key separator ":"/);
      return true;
    },
  );
});

test('headers come first, split by separator and key separator; a header without a value is null', () => {
  assert.deepEqual(parseRecordLine('h1:v1,h2:,h3\tk:value', { keySeparator: ':', headers: HEADERS }, 1), {
    key: 'k',
    value: 'value',
    headers: [
      { key: 'h1', value: 'v1' },
      { key: 'h2', value: '' },
      { key: 'h3', value: null },
    ],
  });
  assert.deepEqual(parseRecordLine('\tvalue', { headers: HEADERS }, 1), {
    key: null,
    value: 'value',
    headers: [],
  });
  assert.throws(
    () => parseRecordLine('h:v value', { headers: HEADERS }, 3),
    /^RecordLineError: line 3: no headers delimiter "\\t"/,
  );
});

test('the null marker turns a key, a value or a header value into null', () => {
  const format = { keySeparator: '=', headers: HEADERS, nullMarker: 'NULL' };
  assert.deepEqual(parseRecordLine('h:NULL\tNULL=NULL', format, 1), {
    key: null,
    value: null,
    headers: [{ key: 'h', value: null }],
  });
  assert.deepEqual(parseRecordLine('\tNULLx=xNULL', format, 1), {
    key: 'NULLx',
    value: 'xNULL',
    headers: [],
  });
});

test('separators must be non-empty and distinguishable', () => {
  assert.equal(lineFormatProblem({ keySeparator: ':' }), undefined);
  assert.equal(lineFormatProblem({ keySeparator: '' }), '--key-separator must not be empty');
  assert.equal(
    lineFormatProblem({ keySeparator: '\t', headers: HEADERS }),
    '--key-separator and --headers-delimiter must differ',
  );
  assert.equal(
    lineFormatProblem({ headers: { ...HEADERS, separator: '\t' } }),
    '--headers-delimiter and --headers-separator must differ',
  );
});
