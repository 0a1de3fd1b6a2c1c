/** Emits `encodeX(writer, version, value)`: every version of a struct in one function with version guards. */
import {
  type CodeBuilder,
  controlled,
  flatten,
  functionSignature,
  LINE_WIDTH,
  layoutCall,
} from './code-layout.js';
import { fieldFlexibleVersions, isNotDefaultCondition, isNullableType, presence } from './field-types.js';
import type { FieldSpec, FieldType, MessageSpec, StructSpec } from './model.js';
import { quote } from './names.js';
import { and, guard, intersect, notGuard, type Versions } from './versions.js';

/** Where a struct's code runs: its message, the struct, and the versions it may see. */
export interface StructContext {
  readonly message: MessageSpec;
  readonly struct: StructSpec;
  readonly versions: Versions;
}

export function structContext(message: MessageSpec, struct: StructSpec): StructContext {
  const versions = struct === message.root ? message.validVersions : struct.versions;
  if (versions === null) throw new Error(`${message.file}: struct ${struct.specName} has no versions`);
  return { message, struct, versions };
}

export function fieldWhere(context: StructContext, field: FieldSpec): string {
  return `${context.message.file} ${context.struct.specName}.${field.name}`;
}

export function fieldLabel(context: StructContext, field: FieldSpec): string {
  return quote(`${context.struct.typeName}.${field.property}`);
}

/**
 * Whether the field uses compact encodings in the versions of `versions`: a constant, the function's
 * `flexible` variable, or a guard when a field-level override differs from the message.
 */
export function compactCondition(context: StructContext, field: FieldSpec, versions: Versions): string {
  const condition = guard(fieldFlexibleVersions(context.message, field), versions);
  if (condition === 'true' || condition === 'false' || field.flexibleVersions !== undefined) return condition;
  return 'flexible';
}

export function nullableCondition(field: FieldSpec, versions: Versions): string {
  return guard(intersect(field.nullableVersions, field.versions), versions);
}

function call(fn: string, args: readonly string[], indent: number): string {
  return layoutCall('', fn, args, ';', indent);
}

function elementStatement(
  context: StructContext,
  type: FieldType,
  writer: string,
  compact: string,
  label: string,
): string {
  if (type.kind === 'struct') return `encode${type.struct.typeName}(${writer}, version, e);`;
  if (type.kind === 'array') throw new Error(`${context.message.file}: nested arrays`);
  return primitiveStatement(type.name, writer, 'e', compact, 'false', false, label);
}

function primitiveStatement(
  name: string,
  writer: string,
  access: string,
  compact: string,
  nullable: string,
  nullableType: boolean,
  label: string,
): string {
  switch (name) {
    case 'string':
      return nullableType
        ? call('writeNullableString', [writer, access, compact, nullable, label], 6)
        : call('writeString', [writer, access, compact, label], 6);
    case 'bytes':
    case 'records':
      return nullableType
        ? call('writeNullableBytes', [writer, access, compact, nullable, label], 6)
        : call('writeBytes', [writer, access, compact], 6);
    default:
      return `${writer}.${name}(${access});`;
  }
}

/** Statements writing the field's value with `writer`, valid in the versions of `versions`. */
function valueStatements(
  context: StructContext,
  field: FieldSpec,
  writer: string,
  versions: Versions,
): string[] {
  const access = `v.${field.property}`;
  const compact = compactCondition(context, field, versions);
  const nullable = nullableCondition(field, versions);
  const nullableType = isNullableType(field);
  const label = fieldLabel(context, field);
  const type = field.type;
  switch (type.kind) {
    case 'primitive':
      return [primitiveStatement(type.name, writer, access, compact, nullable, nullableType, label)];
    case 'struct': {
      const encode = `encode${type.struct.typeName}(${writer}, version, ${access});`;
      if (!nullableType) return [encode];
      return [
        call('writeStructPresence', [writer, `${access} !== null`, nullable, label], 4),
        controlled(`if (${access} !== null)`, encode),
      ];
    }
    case 'array': {
      const element = elementStatement(context, type.element, writer, compact, label);
      if (!nullableType) {
        return [
          `writeArrayLength(${writer}, ${access}.length, ${compact});`,
          controlled(`for (const e of ${access})`, element),
        ];
      }
      return [
        call('writeNullableArrayLength', [writer, access, compact, nullable, label], 4),
        controlled(`if (${access} !== null)`, controlled(`for (const e of ${access})`, element)),
      ];
    }
  }
}

function emitGuarded(code: CodeBuilder, condition: string, statements: readonly string[]): void {
  if (condition === 'false') return;
  if (condition === 'true') {
    for (const statement of statements) code.line(statement);
  } else if (statements.length === 1 && !statements[0]!.includes('\n')) {
    code.line(controlled(`if (${condition})`, statements[0]!));
  } else {
    code.block(`if (${condition}) {`, (body) => {
      for (const statement of statements) body.line(statement);
    });
  }
}

function emitField(code: CodeBuilder, context: StructContext, field: FieldSpec): void {
  const where = fieldWhere(context, field);
  const { present, regular } = presence(context.message, field, context.versions, where);
  if (regular !== null) {
    emitGuarded(code, guard(regular, context.versions), valueStatements(context, field, 'w', regular));
  }
  if (!field.ignorable) {
    const absent = notGuard(present, context.versions);
    const check = and(absent, isNotDefaultCondition(field, `v.${field.property}`, where));
    if (check !== 'false') {
      const statement = `throw nonDefaultFieldError(${fieldLabel(context, field)}, version);`;
      code.line(controlled(`if (${check})`, statement));
    }
  }
}

export interface TaggedField {
  readonly field: FieldSpec;
  readonly tag: number;
  readonly versions: Versions;
}

export function taggedFields(context: StructContext): TaggedField[] {
  const result: TaggedField[] = [];
  for (const field of context.struct.fields) {
    const { tagged } = presence(context.message, field, context.versions, fieldWhere(context, field));
    if (tagged !== null && field.tag !== null) result.push({ field, tag: field.tag, versions: tagged });
  }
  result.sort((a, b) => a.tag - b.tag);
  for (let i = 1; i < result.length; i++) {
    if (result[i]!.tag === result[i - 1]!.tag) {
      throw new Error(
        `${context.message.file}: tag ${result[i]!.tag} used twice in ${context.struct.specName}`,
      );
    }
  }
  return result;
}

function emitTaggedSection(code: CodeBuilder, context: StructContext): void {
  const flexibleVersions = intersect(context.message.flexibleVersions, context.versions);
  if (flexibleVersions === null) return;
  const fields = taggedFields(context);
  const body = (section: CodeBuilder): void => {
    if (fields.length === 0) {
      section.line('w.unsignedVarint(0);');
      return;
    }
    for (const { field, tag, versions } of fields) {
      const condition = and(
        guard(versions, flexibleVersions),
        isNotDefaultCondition(field, `v.${field.property}`, fieldWhere(context, field)),
      );
      section.line(`const tagged${tag} = ${condition};`);
    }
    section.line(
      layoutSum(
        'w.unsignedVarint',
        fields.map(({ tag }) => `(tagged${tag} ? 1 : 0)`),
        section.indent.length,
      ),
    );
    for (const { field, tag, versions } of fields) {
      const statements = valueStatements(context, field, 't', versions);
      const single = statements.length === 1 ? flatten(statements[0]!) : '\n';
      const line = `if (tagged${tag}) writeTaggedField(w, ${tag}, (t) => ${single.slice(0, -1)});`;
      if (!single.includes('\n') && section.indent.length + line.length <= LINE_WIDTH) {
        section.line(line);
      } else {
        section.block(`if (tagged${tag}) {`, (inner) => {
          inner.block(
            `writeTaggedField(w, ${tag}, (t) => {`,
            (write) => {
              for (const statement of statements) write.line(statement);
            },
            '});',
          );
        });
      }
    }
  };
  const condition = guard(flexibleVersions, context.versions);
  if (condition === 'true') body(code);
  else if (fields.length === 0) code.line('if (flexible) w.unsignedVarint(0);');
  else code.block('if (flexible) {', body);
}

export function emitEncoder(code: CodeBuilder, context: StructContext): void {
  const { message, struct } = context;
  const isRoot = struct === message.root;
  const signature = functionSignature(
    isRoot,
    `encode${struct.typeName}`,
    ['w: ByteWriter', 'version: number', `v: ${struct.typeName}`],
    'void',
  );
  code.block(signature, (body) => {
    if (isRoot) {
      const { min, max } = message.validVersions;
      body.line(`checkEncodeVersion(version, ${min}, ${max}, ${quote(message.name)});`);
    }
    const flexible = guard(message.flexibleVersions, context.versions);
    const placeholder = '\u0000flexible';
    body.line(placeholder);
    for (const field of struct.fields) emitField(body, context, field);
    emitTaggedSection(body, context);
    resolveFlexiblePlaceholder(body, placeholder, flexible);
  });
}

/**
 * Declares `const flexible = …` only in functions that use it: the body is generated first and the
 * placeholder line replaced (or dropped) afterwards.
 */
export function resolveFlexiblePlaceholder(code: CodeBuilder, placeholder: string, condition: string): void {
  code.replaceLine(placeholder, (rest) =>
    /(?<![.\w'])flexible\b/.test(rest) ? `const flexible = ${condition};` : null,
  );
}

/** `fn(a + b + …);`, one term per line when long. */
function layoutSum(fn: string, terms: readonly string[], indent: number): string {
  const flat = terms.length === 1 ? `${fn}(${terms[0]!.slice(1, -1)});` : `${fn}(${terms.join(' + ')});`;
  if (indent + flat.length <= LINE_WIDTH) return flat;
  return `${fn}(\n  ${terms.join(' +\n  ')},\n);`;
}
