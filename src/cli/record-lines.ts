// How `pyralog produce` turns one input line into a record: kafka-console-producer's LineMessageReader
// rules (parse.key/key.separator, parse.headers/headers.delimiter/headers.separator/
// headers.key.separator, null.marker), as pure functions.
import { PyralogError } from '../protocol/index.js';

/** A line that does not have the shape the options ask for; the message names the line number. */
export class RecordLineError extends PyralogError {
  readonly code = 'BAD_RECORD_LINE';
}

export interface HeaderFormat {
  /** Between the headers part and the rest of the line (`headers.delimiter`, default a tab). */
  readonly delimiter: string;
  /** Between two headers (`headers.separator`, default ','). */
  readonly separator: string;
  /** Between a header's key and value (`headers.key.separator`, default ':'). */
  readonly keySeparator: string;
}

export interface LineFormat {
  /** Set: every line is `key<separator>value` (`parse.key=true`); a line without it is an error. */
  readonly keySeparator?: string;
  /** Set: every line starts with headers, then `delimiter` (`parse.headers=true`). */
  readonly headers?: HeaderFormat;
  /** A key, value or header value equal to this is null (`null.marker`). */
  readonly nullMarker?: string;
}

export interface LineRecord {
  readonly key: string | null;
  readonly value: string | null;
  readonly headers: readonly { readonly key: string; readonly value: string | null }[];
}

/**
 * Parses one line (without its line terminator). The headers part comes first, then the key, then the
 * value, as Kafka's console producer reads `h1:v1,h2:v2<TAB>key<TAB>value`. A header without its key
 * separator has a null value. Throws RecordLineError naming `lineNumber` (1-based).
 */
export function parseRecordLine(line: string, format: LineFormat, lineNumber: number): LineRecord {
  let rest = line;
  let headers: LineRecord['headers'] = [];
  if (format.headers !== undefined) {
    const at = rest.indexOf(format.headers.delimiter);
    if (at < 0) {
      throw new RecordLineError(
        `line ${lineNumber}: no headers delimiter ${JSON.stringify(format.headers.delimiter)}`,
      );
    }
    headers = parseHeaders(rest.slice(0, at), format.headers, format.nullMarker);
    rest = rest.slice(at + format.headers.delimiter.length);
  }
  let key: string | null = null;
  if (format.keySeparator !== undefined) {
    const at = rest.indexOf(format.keySeparator);
    if (at < 0) {
      throw new RecordLineError(
        `line ${lineNumber}: no key separator ${JSON.stringify(format.keySeparator)}`,
      );
    }
    key = orNull(rest.slice(0, at), format.nullMarker);
    rest = rest.slice(at + format.keySeparator.length);
  }
  return { key, value: orNull(rest, format.nullMarker), headers };
}

function parseHeaders(text: string, format: HeaderFormat, nullMarker: string | undefined) {
  if (text === '') return [];
  return text.split(format.separator).map((entry) => {
    const at = entry.indexOf(format.keySeparator);
    if (at < 0) return { key: entry, value: null };
    return {
      key: entry.slice(0, at),
      value: orNull(entry.slice(at + format.keySeparator.length), nullMarker),
    };
  });
}

function orNull(text: string, nullMarker: string | undefined): string | null {
  return nullMarker !== undefined && text === nullMarker ? null : text;
}

/**
 * Checks that the separators can be told apart (as Kafka's console producer does): each non-empty,
 * and the key separator, headers delimiter and headers separator pairwise different. Returns a
 * message for the first problem, or undefined.
 */
export function lineFormatProblem(format: LineFormat): string | undefined {
  const named: [string, string | undefined][] = [
    ['--key-separator', format.keySeparator],
    ['--headers-delimiter', format.headers?.delimiter],
    ['--headers-separator', format.headers?.separator],
    ['--headers-key-separator', format.headers?.keySeparator],
  ];
  for (const [flag, value] of named) if (value === '') return `${flag} must not be empty`;
  const [key, delimiter, separator] = named.map(([, value]) => value);
  if (format.headers !== undefined && key !== undefined && key === delimiter)
    return '--key-separator and --headers-delimiter must differ';
  if (format.headers !== undefined && delimiter === separator)
    return '--headers-delimiter and --headers-separator must differ';
  return undefined;
}
