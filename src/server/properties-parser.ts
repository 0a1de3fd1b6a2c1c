import { PyralogError } from '../protocol/index.js';

/** One `key=value` of a properties file, with the line where its logical line starts (1-based). */
export interface PropertyEntry {
  readonly key: string;
  readonly value: string;
  readonly line: number;
}

/**
 * Parses Java's `.properties` format as Kafka reads server.properties (java.util.Properties.load):
 * - lines end at `\n`, `\r\n` or `\r`; blank lines and lines whose first non-blank character is `#`
 *   or `!` are skipped (a comment never continues onto the next line);
 * - a line ending in an odd number of backslashes continues on the next line, whose leading
 *   whitespace is dropped;
 * - the key ends at the first unescaped `=`, `:` or whitespace; whitespace around one `=` or `:`
 *   separator is skipped; the rest of the line is the value, trailing whitespace included;
 * - escapes in keys and values: `\t \n \r \f`, `\uXXXX`, and `\` before any other character stands
 *   for that character (so `\=`, `\:`, `\#`, `\ `, `\\`).
 * Entries are returned in file order; a key given twice appears twice (the last one wins when
 * loaded). Throws PropertiesSyntaxError only for a malformed `\u` escape, as Java does.
 */
export function parseProperties(text: string): PropertyEntry[] {
  const entries: PropertyEntry[] = [];
  const lines = text.split(/\r\n|\r|\n/);
  for (let index = 0; index < lines.length; index += 1) {
    const startLine = index + 1;
    let logical = trimStart(lines[index] ?? '');
    if (logical === '' || logical.startsWith('#') || logical.startsWith('!')) continue;
    while (endsWithContinuation(logical) && index + 1 < lines.length) {
      index += 1;
      logical = logical.slice(0, -1) + trimStart(lines[index] ?? '');
    }
    if (endsWithContinuation(logical)) logical = logical.slice(0, -1);
    entries.push(splitEntry(logical, startLine));
  }
  return entries;
}

/** A `\u` escape without four hex digits. */
export class PropertiesSyntaxError extends PyralogError {
  readonly code = 'PROPERTIES_SYNTAX';

  constructor(
    message: string,
    readonly line: number,
  ) {
    super(`line ${line}: ${message}`);
  }
}

const WHITESPACE = new Set([' ', '\t', '\f']);

function trimStart(line: string): string {
  let start = 0;
  while (start < line.length && WHITESPACE.has(line[start] ?? '')) start += 1;
  return line.slice(start);
}

function endsWithContinuation(line: string): boolean {
  let backslashes = 0;
  for (let i = line.length - 1; i >= 0 && line[i] === '\\'; i -= 1) backslashes += 1;
  return backslashes % 2 === 1;
}

function splitEntry(logical: string, line: number): PropertyEntry {
  let keyEnd = 0;
  while (keyEnd < logical.length) {
    const char = logical[keyEnd] ?? '';
    if (char === '\\') keyEnd += 2;
    else if (char === '=' || char === ':' || WHITESPACE.has(char)) break;
    else keyEnd += 1;
  }
  keyEnd = Math.min(keyEnd, logical.length);
  let valueStart = keyEnd;
  while (valueStart < logical.length && WHITESPACE.has(logical[valueStart] ?? '')) valueStart += 1;
  if (logical[valueStart] === '=' || logical[valueStart] === ':') valueStart += 1;
  while (valueStart < logical.length && WHITESPACE.has(logical[valueStart] ?? '')) valueStart += 1;
  return {
    key: unescapeProperty(logical.slice(0, keyEnd), line),
    value: unescapeProperty(logical.slice(valueStart), line),
    line,
  };
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = { t: '\t', n: '\n', r: '\r', f: '\f' };

function unescapeProperty(text: string, line: number): string {
  if (!text.includes('\\')) return text;
  let out = '';
  for (let i = 0; i < text.length; i += 1) {
    const char = text[i] ?? '';
    if (char !== '\\') {
      out += char;
      continue;
    }
    i += 1;
    const next = text[i];
    if (next === undefined) break;
    if (next === 'u') {
      const hex = text.slice(i + 1, i + 5);
      if (!/^[0-9a-fA-F]{4}$/.test(hex))
        throw new PropertiesSyntaxError(`malformed \\u escape '\\u${hex}'`, line);
      out += String.fromCharCode(Number.parseInt(hex, 16));
      i += 4;
    } else {
      out += SIMPLE_ESCAPES[next] ?? next;
    }
  }
  return out;
}
