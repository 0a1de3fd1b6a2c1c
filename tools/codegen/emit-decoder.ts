/** Emits `decodeX(reader, version)`: every version of a struct in one function with version guards. */
import { type CodeBuilder, functionSignature, LINE_WIDTH, layoutCall } from './code-layout.js';
import {
  compactCondition,
  fieldLabel,
  fieldWhere,
  nullableCondition,
  resolveFlexiblePlaceholder,
  type StructContext,
  taggedFields,
} from './emit-encoder.js';
import { defaultExpression, isNullableType, minimumSize, presence } from './field-types.js';
import type { FieldSpec, FieldType, MessageSpec } from './model.js';
import { quote } from './names.js';
import { guard, includes, intersect, notGuard, perVersion, type Versions } from './versions.js';

/** The fewest bytes one element takes, per version: bounds an array count before allocating. */
function elementMinimumSize(
  message: MessageSpec,
  field: FieldSpec,
  element: FieldType,
  versions: Versions,
): string {
  return perVersion(versions, (version) => {
    const compact = includes(
      field.flexibleVersions === undefined
        ? message.flexibleVersions
        : intersect(message.flexibleVersions, field.flexibleVersions),
      version,
    );
    return String(minimumSize(message, element, compact, version));
  });
}

function primitiveRead(
  name: string,
  reader: string,
  compact: string,
  nullable: string,
  nullableType: boolean,
  label: string,
): { fn: string; args: string[] } {
  switch (name) {
    case 'string':
      return nullableType
        ? { fn: 'readNullableString', args: [reader, compact, nullable, label] }
        : { fn: 'readString', args: [reader, compact, label] };
    case 'bytes':
    case 'records':
      return nullableType
        ? { fn: 'readNullableBytes', args: [reader, compact, nullable, label] }
        : { fn: 'readBytes', args: [reader, compact, label] };
    default:
      return { fn: `${reader}.${name}`, args: [] };
  }
}

/** A call reading the field's value with `reader`, valid in the versions of `versions`. */
function readCall(
  context: StructContext,
  field: FieldSpec,
  reader: string,
  versions: Versions,
): { fn: string; args: string[]; head?: string; tail?: string } {
  const compact = compactCondition(context, field, versions);
  const nullable = nullableCondition(field, versions);
  const nullableType = isNullableType(field);
  const label = fieldLabel(context, field);
  const type = field.type;
  switch (type.kind) {
    case 'primitive':
      return primitiveRead(type.name, reader, compact, nullable, nullableType, label);
    case 'struct': {
      const decode = { fn: `decode${type.struct.typeName}`, args: [reader, 'version'] };
      if (!nullableType) return decode;
      return { ...decode, head: `readStructPresence(${reader}, ${nullable}) ? `, tail: ' : null' };
    }
    case 'array': {
      const element = type.element;
      let read: string;
      if (element.kind === 'struct') read = `() => decode${element.struct.typeName}(${reader}, version)`;
      else if (element.kind === 'primitive') {
        const elementRead = primitiveRead(element.name, reader, compact, 'false', false, label);
        read = `() => ${elementRead.fn}(${elementRead.args.join(', ')})`;
      } else throw new Error(`${context.message.file}: nested arrays`);
      const size = elementMinimumSize(context.message, field, element, versions);
      return nullableType
        ? { fn: 'readNullableArray', args: [reader, compact, nullable, size, label, read] }
        : { fn: 'readArray', args: [reader, compact, size, label, read] };
    }
  }
}

function render(read: ReturnType<typeof readCall>, head: string, tail: string, indent: number): string {
  if (read.head === undefined) return layoutCall(head, read.fn, read.args, tail, indent);
  // A nullable struct: `present ? decode : null`, one branch per line when long.
  const call = `${read.fn}(${read.args.join(', ')})`;
  const flat = `${head}${read.head}${call}${read.tail ?? ''}${tail}`;
  if (indent + flat.length <= LINE_WIDTH) return flat;
  return `${head}${read.head.replace(/ \? $/, '')}\n  ? ${call}\n  : ${(read.tail ?? '').replace(/^ : /, '')}${tail}`;
}

/** One property of the object literal: read in the versions with the field in place, default elsewhere. */
function propertyLine(context: StructContext, field: FieldSpec): string {
  const where = fieldWhere(context, field);
  const { regular } = presence(context.message, field, context.versions, where);
  const head = `${field.property}: `;
  const fallback = defaultExpression(field, where);
  if (regular === null) return `${head}${fallback},`;
  const condition = guard(regular, context.versions);
  const read = readCall(context, field, 'r', regular);
  if (condition === 'true') return render(read, head, ',', 4);
  const wrap = (text: string): string => (read.head !== undefined ? `(${text})` : text);
  const inner = render(read, '', '', 6);
  const flat = `${head}${condition} ? ${wrap(inner)} : ${fallback},`;
  if (4 + flat.length <= 110 && !inner.includes('\n')) return flat;
  const broken = render(read, '', '', 8);
  if (!broken.includes('\n') && 6 + condition.length + broken.length + fallback.length + 7 <= 110) {
    return `${head.trimEnd()}\n  ${condition} ? ${wrap(broken)} : ${fallback},`;
  }
  return `${head.trimEnd()}\n  ${condition}\n    ? ${wrap(broken).replace(/\n/g, '\n    ')}\n    : ${fallback},`;
}

function emitTaggedSection(code: CodeBuilder, context: StructContext): void {
  const flexibleVersions = intersect(context.message.flexibleVersions, context.versions);
  if (flexibleVersions === null) return;
  const fields = taggedFields(context);
  const label = quote(context.struct.typeName);
  let statement: string;
  if (fields.length === 0) {
    statement = `readTaggedFields(r, ${label});`;
  } else {
    const lines: string[] = [`readTaggedFields(r, ${label}, (tag, t) => {`, '  switch (tag) {'];
    for (const { field, tag, versions } of fields) {
      lines.push(`    case ${tag}:`);
      const absent = notGuard(versions, flexibleVersions);
      if (absent !== 'false') lines.push(`      if (${absent}) return false;`);
      const assignment = render(
        readCall(context, field, 't', versions),
        `value.${field.property} = `,
        ';',
        6,
      );
      lines.push(`      ${assignment.replace(/\n/g, '\n      ')}`, '      return true;');
    }
    lines.push('    default:', '      return false;', '  }', '});');
    statement = lines.join('\n');
  }
  const condition = guard(flexibleVersions, context.versions);
  if (condition === 'true') code.line(statement);
  else if (!statement.includes('\n')) code.line(`if (flexible) ${statement}`);
  else code.block('if (flexible) {', (body) => body.line(statement));
}

export function emitDecoder(code: CodeBuilder, context: StructContext): void {
  const { message, struct } = context;
  const isRoot = struct === message.root;
  const signature = functionSignature(
    isRoot,
    `decode${struct.typeName}`,
    ['r: ByteReader', 'version: number'],
    struct.typeName,
  );
  const hasTaggedSection = intersect(message.flexibleVersions, context.versions) !== null;
  code.block(signature, (body) => {
    if (isRoot) {
      const { min, max } = message.validVersions;
      body.line(`checkDecodeVersion(version, ${min}, ${max}, ${quote(message.name)});`);
    }
    const placeholder = '\u0000flexible';
    body.line(placeholder);
    const open = hasTaggedSection ? `const value: ${struct.typeName} = {` : 'return {';
    if (struct.fields.length === 0) body.line(`${open}};`);
    else {
      body.block(
        open,
        (literal) => {
          for (const field of struct.fields) literal.line(propertyLine(context, field));
        },
        '};',
      );
    }
    if (hasTaggedSection) {
      emitTaggedSection(body, context);
      body.line('return value;');
    }
    resolveFlexiblePlaceholder(body, placeholder, guard(message.flexibleVersions, context.versions));
  });
}
