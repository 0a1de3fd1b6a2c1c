// How `pyralog consume` prints a record: a `--format` template with named placeholders, and the
// JSON-lines object of `--output json`. Pure functions of the record.
import type { ConsumerRecord } from '../client/index.js';
import { PyralogError } from '../protocol/index.js';

/** Placeholders of a `--format` template, each written `{name}`. */
export const FORMAT_FIELDS = {
  topic: 'the topic name',
  partition: 'the partition number',
  offset: 'the record offset',
  timestamp: 'the record timestamp, milliseconds since the epoch',
  timestampType: 'CreateTime or LogAppendTime',
  key: 'the key as UTF-8 text ("null" for a null key)',
  value: 'the value as UTF-8 text ("null" for a null value)',
  keySize: 'the key length in bytes (-1 for null)',
  valueSize: 'the value length in bytes (-1 for null)',
  headers: 'the headers as key:value,key:value (empty when none)',
  leaderEpoch: 'the partition leader epoch of its batch',
} as const satisfies Record<string, string>;

export type FormatField = keyof typeof FORMAT_FIELDS;

/** A template that cannot be compiled: an unknown placeholder or an unmatched brace. */
export class FormatTemplateError extends PyralogError {
  readonly code = 'BAD_FORMAT_TEMPLATE';
}

type Part = { readonly text: string } | { readonly field: FormatField };

const ESCAPES: Readonly<Record<string, string>> = { n: '\n', t: '\t', r: '\r', '\\': '\\' };

/**
 * Compiles a template such as `{partition}:{offset} {key}={value}` into a function that renders one
 * record (without a trailing newline). `{{` and `}}` are literal braces; `\n`, `\t`, `\r` and `\\` are
 * escapes, so that a shell argument can hold them. Throws FormatTemplateError.
 */
export function compileFormat(template: string): (record: ConsumerRecord) => string {
  const parts: Part[] = [];
  let text = '';
  for (let i = 0; i < template.length; i += 1) {
    const char = template[i]!;
    const next = template[i + 1];
    if (char === '\\' && next !== undefined && ESCAPES[next] !== undefined) {
      text += ESCAPES[next];
      i += 1;
    } else if ((char === '{' && next === '{') || (char === '}' && next === '}')) {
      text += char;
      i += 1;
    } else if (char === '{') {
      const end = template.indexOf('}', i);
      if (end < 0) throw new FormatTemplateError(`unmatched '{' at position ${i} of the format`);
      const name = template.slice(i + 1, end);
      if (!Object.hasOwn(FORMAT_FIELDS, name)) {
        throw new FormatTemplateError(
          `unknown placeholder {${name}} in the format; known: ${Object.keys(FORMAT_FIELDS)
            .map((field) => `{${field}}`)
            .join(' ')}`,
        );
      }
      if (text !== '') parts.push({ text });
      text = '';
      parts.push({ field: name as FormatField });
      i = end;
    } else if (char === '}') {
      throw new FormatTemplateError(`unmatched '}' at position ${i} of the format (write }} for a brace)`);
    } else {
      text += char;
    }
  }
  if (text !== '') parts.push({ text });
  const compiled = parts.map((part) => ('text' in part ? () => part.text : renderField(part.field)));
  return (record) => {
    let out = '';
    for (const render of compiled) out += render(record);
    return out;
  };
}

function renderField(field: FormatField): (record: ConsumerRecord) => string {
  switch (field) {
    case 'topic':
      return (r) => r.topic;
    case 'partition':
      return (r) => String(r.partition);
    case 'offset':
      return (r) => String(r.offset);
    case 'timestamp':
      return (r) => String(r.timestamp);
    case 'timestampType':
      return (r) => r.timestampType;
    case 'key':
      return (r) => text(r.key);
    case 'value':
      return (r) => text(r.value);
    case 'keySize':
      return (r) => String(r.key?.length ?? -1);
    case 'valueSize':
      return (r) => String(r.value?.length ?? -1);
    case 'headers':
      return (r) => r.headers.map((h) => `${h.key}:${text(h.value)}`).join(',');
    case 'leaderEpoch':
      return (r) => String(r.leaderEpoch);
  }
}

function text(bytes: Buffer | null): string {
  return bytes === null ? 'null' : bytes.toString('utf8');
}

/**
 * The JSON-lines form of `--output json`: every field of the record, key, value and header values as
 * UTF-8 text (null when null), offset and timestamp as numbers (exact up to 2^53).
 */
export function recordJson(record: ConsumerRecord): string {
  return JSON.stringify({
    topic: record.topic,
    partition: record.partition,
    offset: Number(record.offset),
    timestamp: Number(record.timestamp),
    timestampType: record.timestampType,
    leaderEpoch: record.leaderEpoch,
    key: record.key === null ? null : record.key.toString('utf8'),
    value: record.value === null ? null : record.value.toString('utf8'),
    headers: record.headers.map((h) => ({
      key: h.key,
      value: h.value === null ? null : h.value.toString('utf8'),
    })),
  });
}
