// Proves the server.properties parser reads Java's properties format as Kafka does: both separators
// and whitespace, comments, continuations, escapes, and the odd corners (empty values, keys alone).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { PropertiesSyntaxError, parseProperties } from './properties-parser.js';

function asObject(text: string): Record<string, string> {
  return Object.fromEntries(parseProperties(text).map((entry) => [entry.key, entry.value]));
}

describe('parseProperties', () => {
  it('reads key=value, key: value and key value, skipping comments and blank lines', () => {
    const text =
      '# comment\n! also a comment\n\n  node.id=1\nlisteners: PLAINTEXT://:9092\nlog.dirs /tmp/a\n';
    assert.deepStrictEqual(asObject(text), {
      'node.id': '1',
      listeners: 'PLAINTEXT://:9092',
      'log.dirs': '/tmp/a',
    });
  });

  it('keeps separators after the first one and trailing whitespace in the value', () => {
    assert.deepStrictEqual(asObject('a = b=c:d \nb::x'), { a: 'b=c:d ', b: ':x' });
  });

  it('joins continuation lines, dropping their leading whitespace, and reports the first line', () => {
    const entries = parseProperties('x=1\nlisteners=PLAINTEXT://:9092,\\\n    SSL://:9093\ny=2');
    assert.deepStrictEqual(entries[1], { key: 'listeners', value: 'PLAINTEXT://:9092,SSL://:9093', line: 2 });
    assert.deepStrictEqual(entries[2], { key: 'y', value: '2', line: 4 });
  });

  it('treats an even number of trailing backslashes as escaped backslashes, not a continuation', () => {
    assert.deepStrictEqual(asObject('path=C:\\\\dir\\\\\nnext=1'), { path: 'C:\\dir\\', next: '1' });
  });

  it('does not continue a comment line', () => {
    assert.deepStrictEqual(asObject('# comment \\\nkey=value'), { key: 'value' });
  });

  it('unescapes keys and values: \\t \\n \\uXXXX and escaped separators', () => {
    assert.deepStrictEqual(asObject('my\\=key\\ x=a\\tb\\n\\u00e9\\#'), { 'my=key x': 'a\tb\né#' });
  });

  it('gives an empty value to a key alone and to a key with a separator only', () => {
    assert.deepStrictEqual(asObject('alone\nempty=\n'), { alone: '', empty: '' });
  });

  it('accepts CRLF and CR line ends and a continuation at the end of the file', () => {
    assert.deepStrictEqual(asObject('a=1\r\nb=2\rc=3\\'), { a: '1', b: '2', c: '3' });
  });

  it('keeps duplicate keys in order so that the last one wins', () => {
    assert.deepStrictEqual(
      parseProperties('a=1\na=2').map((entry) => entry.value),
      ['1', '2'],
    );
  });

  it('rejects a malformed \\u escape with its line', () => {
    assert.throws(
      () => parseProperties('ok=1\nbad=\\u12'),
      (error: unknown) => {
        return error instanceof PropertiesSyntaxError && error.line === 2;
      },
    );
  });

  it('reads back any key and value written with escapes (property)', () => {
    const escapeProperty = (text: string, isKey: boolean): string =>
      [...text]
        .map((char, index) => {
          if (char === '\\') return '\\\\';
          if (char === '\n') return '\\n';
          if (char === '\r') return '\\r';
          if (char === '\t') return '\\t';
          if (char === '\f') return '\\f';
          if (isKey && (char === '=' || char === ':' || char === ' ')) return `\\${char}`;
          if ((isKey || index === 0) && (char === ' ' || char === '#' || char === '!')) return `\\${char}`;
          return char;
        })
        .join('');
    const entry = fc.record({ key: fc.string({ minLength: 1 }), value: fc.string() });
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 5 }), (entries) => {
        const text = entries
          .map(({ key, value }) => `${escapeProperty(key, true)}=${escapeProperty(value, false)}`)
          .join('\n');
        assert.deepStrictEqual(
          parseProperties(text).map(({ key, value }) => ({ key, value })),
          entries.map(({ key, value }) => ({ key, value })),
        );
      }),
      { numRuns: 500 },
    );
  });
});
