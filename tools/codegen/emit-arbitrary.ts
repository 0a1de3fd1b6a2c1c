/**
 * Emits fast-check arbitraries: `arbitraryX(version)` yields values valid for that version (fields the
 * version lacks hold their default, null only where the version allows it), for round-trip tests.
 */
import { CodeBuilder, functionSignature, LINE_WIDTH } from './code-layout.js';
import { fieldWhere, type StructContext, structContext } from './emit-encoder.js';
import { banner, descriptorName } from './emit-module.js';
import { defaultExpression, presence } from './field-types.js';
import type { FieldSpec, FieldType, MessageSpec } from './model.js';
import { compareNames } from './names.js';
import { guard, intersect } from './versions.js';

const PRIMITIVE_ARBITRARIES: Record<string, string> = {
  bool: 'arbBool',
  int8: 'arbInt8',
  int16: 'arbInt16',
  uint16: 'arbUint16',
  int32: 'arbInt32',
  uint32: 'arbUint32',
  int64: 'arbInt64',
  float64: 'arbFloat64',
  uuid: 'arbUuid',
  string: 'arbString',
  bytes: 'arbBytes',
  records: 'arbRecords',
};

function baseArbitrary(type: FieldType): string {
  switch (type.kind) {
    case 'primitive':
      return PRIMITIVE_ARBITRARIES[type.name]!;
    case 'struct':
      return `arbitrary${type.struct.typeName}(version)`;
    case 'array':
      return `arbArray(${baseArbitrary(type.element)})`;
  }
}

/** The arbitrary of a field: `value` where the version has the field, `fallback` (its default) elsewhere. */
function fieldArbitrary(
  context: StructContext,
  field: FieldSpec,
): { condition: string; value: string; fallback: string } {
  const where = fieldWhere(context, field);
  const { present } = presence(context.message, field, context.versions, where);
  const fallback = `fc.constant(${defaultExpression(field, where)})`;
  if (present === null) return { condition: 'false', value: fallback, fallback };
  const nullable = guard(intersect(field.nullableVersions, field.versions), present);
  const base = baseArbitrary(field.type);
  let value: string;
  if (nullable === 'true') value = `fc.option(${base}, { nil: null })`;
  else if (nullable === 'false') value = base;
  else value = `nullableIf(${nullable}, ${base})`;
  return { condition: guard(present, context.versions), value, fallback };
}

function propertyLine(context: StructContext, field: FieldSpec, indent: number): string {
  const { condition, value, fallback } = fieldArbitrary(context, field);
  const head = `${field.property}:`;
  const expression =
    condition === 'true' ? value : condition === 'false' ? fallback : `${condition} ? ${value} : ${fallback}`;
  if (indent + head.length + expression.length + 2 <= LINE_WIDTH) return `${head} ${expression},`;
  if (indent + expression.length + 3 <= LINE_WIDTH || condition === 'true' || condition === 'false') {
    return `${head}\n  ${expression},`;
  }
  return `${head} ${condition}\n  ? ${value}\n  : ${fallback},`;
}

function emitStructArbitrary(code: CodeBuilder, context: StructContext): void {
  const { message, struct } = context;
  code.block(
    functionSignature(
      struct === message.root,
      `arbitrary${struct.typeName}`,
      ['version: number'],
      `fc.Arbitrary<${struct.typeName}>`,
    ),
    (body) => {
      if (struct.fields.length === 0) {
        body.line(`return arbStruct<${struct.typeName}>({});`);
        return;
      }
      body.block(
        `return arbStruct<${struct.typeName}>({`,
        (literal) => {
          for (const field of struct.fields)
            literal.line(propertyLine(context, field, literal.indent.length));
        },
        '});',
      );
    },
  );
}

const PRIMITIVE_HELPERS = ['arbArray', 'arbStruct', 'nullableIf', ...Object.values(PRIMITIVE_ARBITRARIES)];

export function emitArbitraryModule(message: MessageSpec): string {
  const code = new CodeBuilder();
  const structs = [message.root, ...message.structs];
  structs.forEach((struct, index) => {
    if (index > 0) code.line();
    emitStructArbitrary(code, structContext(message, struct));
  });
  const body = code.toString();
  const helpers = [...new Set(PRIMITIVE_HELPERS)]
    .filter((helper) => new RegExp(`\\b${helper}\\b`).test(body))
    .sort();
  const types = structs.map((struct) => `type ${struct.typeName}`);
  const defaults = structs
    .filter((struct) => new RegExp(`\\bdefault${struct.typeName}\\(`).test(body))
    .map((struct) => `default${struct.typeName}`);
  const imported = [...defaults, ...types].sort((a, b) =>
    compareNames(a.replace('type ', ''), b.replace('type ', '')),
  );
  const lines = [banner(message.file), '', "import fc from 'fast-check';"];
  lines.push(importList(imported, `../${message.module}.js`));
  if (helpers.length > 0) lines.push(importList(helpers, './primitives.js'));
  return `${lines.join('\n')}\n\n${body}\n`;
}

function importList(names: readonly string[], from: string): string {
  const flat = `import { ${names.join(', ')} } from '${from}';`;
  if (flat.length <= 110) return flat;
  return `import {\n${names.map((name) => `  ${name},`).join('\n')}\n} from '${from}';`;
}

export function emitArbitraryPrimitives(): string {
  return `${banner('its own template (tools/codegen/emit-arbitrary.ts)')}

import fc from 'fast-check';
import type { Uuid } from '../../primitives/index.js';

// Shared arbitraries of the spec's primitive types. Sizes stay small so that round-tripping every
// message at every version stays quick; strings take any Unicode code point.
export const arbBool = fc.boolean();
export const arbInt8 = fc.integer({ min: -0x80, max: 0x7f });
export const arbInt16 = fc.integer({ min: -0x8000, max: 0x7fff });
export const arbUint16 = fc.integer({ min: 0, max: 0xffff });
export const arbInt32 = fc.integer({ min: -0x80000000, max: 0x7fffffff });
export const arbUint32 = fc.integer({ min: 0, max: 0xffffffff });
export const arbInt64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
export const arbFloat64 = fc.double();
export const arbUuid: fc.Arbitrary<Uuid> = fc
  .uint8Array({ minLength: 16, maxLength: 16 })
  .map((bytes) => Buffer.from(bytes).toString('base64url'));
export const arbString = fc.string({ unit: 'binary', maxLength: 12 });
export const arbBytes = fc.uint8Array({ maxLength: 24 }).map((bytes) => Buffer.from(bytes));
export const arbRecords = fc.uint8Array({ maxLength: 64 }).map((bytes) => Buffer.from(bytes));

/** Plain objects (fc.record alone may give them a null prototype, which deepStrictEqual tells apart). */
export function arbStruct<T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> {
  return fc.record<T>(model, { noNullPrototype: true });
}

export function arbArray<T>(element: fc.Arbitrary<T>): fc.Arbitrary<T[]> {
  return fc.array(element, { maxLength: 3 });
}

/** \`arbitrary\`, or null as well when \`nullable\`. */
export function nullableIf<T>(nullable: boolean, arbitrary: fc.Arbitrary<T>): fc.Arbitrary<T | null> {
  return nullable ? fc.option(arbitrary, { nil: null }) : arbitrary;
}
`;
}

export function emitArbitraryIndex(messages: readonly MessageSpec[]): string {
  const lines = [banner('every spec (one arbitrary module each)'), ''];
  lines.push("import type fc from 'fast-check';");
  lines.push("import type { MessageDescriptor } from '../../message-codec/index.js';");
  for (const message of messages)
    lines.push(`import { ${descriptorName(message)} } from '../${message.module}.js';`);
  for (const message of messages) {
    lines.push(`import { arbitrary${message.name} } from './${message.module}.js';`);
  }
  lines.push('');
  for (const message of messages)
    lines.push(`export { arbitrary${message.name} } from './${message.module}.js';`);
  lines.push('');
  lines.push('/** A message descriptor with the arbitrary of its values at a given version. */');
  lines.push('export interface MessageArbitrary {');
  lines.push('  readonly descriptor: MessageDescriptor<unknown>;');
  lines.push('  readonly arbitrary: (version: number) => fc.Arbitrary<unknown>;');
  lines.push('}');
  lines.push('');
  lines.push('/** Every generated message, for tests that cover them all. */');
  lines.push('export const messageArbitraries: readonly MessageArbitrary[] = [');
  for (const message of messages) {
    lines.push(`  { descriptor: ${descriptorName(message)}, arbitrary: arbitrary${message.name} },`);
  }
  lines.push('];');
  return `${lines.join('\n')}\n`;
}
