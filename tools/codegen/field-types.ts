/** What each spec type becomes in TypeScript: its type, its default, its default check, its minimum size. */
import type { FieldSpec, FieldType, MessageSpec, PrimitiveName, StructSpec } from './model.js';
import { quote } from './names.js';
import { covers, includes, intersect, subtract, type Versions } from './versions.js';

const NUMBER_RANGES: Partial<Record<PrimitiveName, readonly [number, number]>> = {
  int8: [-0x80, 0x7f],
  int16: [-0x8000, 0x7fff],
  uint16: [0, 0xffff],
  int32: [-0x80000000, 0x7fffffff],
  uint32: [0, 0xffffffff],
};

const FIXED_SIZES: Partial<Record<PrimitiveName, number>> = {
  bool: 1,
  int8: 1,
  int16: 2,
  uint16: 2,
  int32: 4,
  uint32: 4,
  int64: 8,
  float64: 8,
  uuid: 16,
};

export const ZERO_UUID_LITERAL = "'AAAAAAAAAAAAAAAAAAAAAA'";

/** Nullable in some version: the TypeScript type then includes null. `records` always may be null. */
export function isNullableType(field: FieldSpec): boolean {
  return (
    field.nullableVersions !== null || (field.type.kind === 'primitive' && field.type.name === 'records')
  );
}

export function typeExpression(type: FieldType): string {
  switch (type.kind) {
    case 'array':
      return `${typeExpression(type.element)}[]`;
    case 'struct':
      return type.struct.typeName;
    case 'primitive':
      switch (type.name) {
        case 'int64':
          return 'bigint';
        case 'bool':
          return 'boolean';
        case 'string':
          return 'string';
        case 'uuid':
          return 'Uuid';
        case 'bytes':
          return 'Buffer';
        case 'records':
          return 'Buffer';
        default:
          return 'number';
      }
  }
}

export function fieldTypeExpression(field: FieldSpec): string {
  return typeExpression(field.type) + (isNullableType(field) ? ' | null' : '');
}

/** The flexible versions of this field: the message's, narrowed by a field override. */
export function fieldFlexibleVersions(message: MessageSpec, field: FieldSpec): Versions | null {
  return field.flexibleVersions === undefined
    ? message.flexibleVersions
    : intersect(message.flexibleVersions, field.flexibleVersions);
}

/** Where a field is present (P), tagged (T) and in the fixed part (G = P - T), within `context`. */
export interface FieldPresence {
  readonly present: Versions | null;
  readonly tagged: Versions | null;
  readonly regular: Versions | null;
}

export function presence(
  message: MessageSpec,
  field: FieldSpec,
  context: Versions,
  where: string,
): FieldPresence {
  const present = intersect(field.versions, context);
  const tagged = intersect(field.taggedVersions, present);
  if (!covers(message.flexibleVersions, tagged)) {
    throw new Error(`${where}: tagged in versions that are not flexible`);
  }
  return { present, tagged, regular: subtract(present, tagged, where) };
}

/** The value a field takes where it is absent: the spec's `default`, else its type's. */
export function defaultExpression(field: FieldSpec, where: string): string {
  const text = field.defaultText;
  const type = field.type;
  if (text === 'null') {
    if (!isNullableType(field)) throw new Error(`${where}: default null on a field that is never nullable`);
    return 'null';
  }
  if (text === undefined) {
    // As Kafka's own generator: without an explicit "null" default, a nullable field still defaults
    // to its type's default ("", [], 0): that is what a version lacking the field decodes to, and
    // what the "non-default value in a version without the field" check compares with.
    return typeDefault(type);
  }
  if (type.kind !== 'primitive') throw new Error(`${where}: unsupported default ${text}`);
  switch (type.name) {
    case 'bool':
      if (text !== 'true' && text !== 'false') throw new Error(`${where}: bad bool default ${text}`);
      return text;
    case 'int64': {
      const value = BigInt(text);
      if (value < -(2n ** 63n) || value >= 2n ** 63n) throw new Error(`${where}: int64 default out of range`);
      return `${value}n`;
    }
    case 'float64': {
      const value = Number(text);
      if (Number.isNaN(value)) throw new Error(`${where}: bad float64 default ${text}`);
      return String(value);
    }
    case 'string':
      return quote(text);
    case 'uuid':
    case 'bytes':
    case 'records':
      throw new Error(`${where}: unsupported ${type.name} default ${text}`);
    default: {
      const value = Number(text);
      const range = NUMBER_RANGES[type.name]!;
      if (!Number.isInteger(value) || value < range[0] || value > range[1]) {
        throw new Error(`${where}: ${type.name} default ${text} out of range`);
      }
      return String(value);
    }
  }
}

function typeDefault(type: FieldType): string {
  switch (type.kind) {
    case 'array':
      return '[]';
    case 'struct':
      return `default${type.struct.typeName}()`;
    case 'primitive':
      switch (type.name) {
        case 'bool':
          return 'false';
        case 'int64':
          return '0n';
        case 'string':
          return "''";
        case 'uuid':
          return ZERO_UUID_LITERAL;
        case 'bytes':
        case 'records':
          return 'Buffer.alloc(0)';
        default:
          return '0';
      }
  }
}

/** A condition true when `access` holds the field's default value. */
export function isDefaultCondition(field: FieldSpec, access: string, where: string): string {
  const value = defaultExpression(field, where);
  if (value === 'null') return `${access} === null`;
  const orNull = isNullableType(field) ? `${access} !== null && ` : '';
  if (value === '[]' || value === 'Buffer.alloc(0)') return `${orNull}${access}.length === 0`;
  if (value.startsWith('default')) return `${orNull}isDefault${value.slice('default'.length, -2)}(${access})`;
  return `${access} === ${value}`;
}

/** A condition true when `access` holds something other than the field's default value. */
export function isNotDefaultCondition(field: FieldSpec, access: string, where: string): string {
  const value = defaultExpression(field, where);
  if (value === 'null') return `${access} !== null`;
  const orNull = isNullableType(field) ? `${access} === null || ` : '';
  const wrap = (condition: string): string => (orNull === '' ? condition : `(${orNull}${condition})`);
  if (value === '[]' || value === 'Buffer.alloc(0)') return wrap(`${access}.length !== 0`);
  if (value.startsWith('default')) return wrap(`!isDefault${value.slice('default'.length, -2)}(${access})`);
  return `${access} !== ${value}`;
}

/** The fewest bytes a value of `type` takes at `version` (nullable struct markers aside). */
export function minimumSize(
  message: MessageSpec,
  type: FieldType,
  compact: boolean,
  version: number,
): number {
  switch (type.kind) {
    case 'array':
      return compact ? 1 : 4;
    case 'struct':
      return structMinimumSize(message, type.struct, version);
    case 'primitive': {
      const fixed = FIXED_SIZES[type.name];
      if (fixed !== undefined) return fixed;
      if (type.name === 'string') return compact ? 1 : 2;
      return compact ? 1 : 4;
    }
  }
}

export function structMinimumSize(message: MessageSpec, struct: StructSpec, version: number): number {
  let size = includes(message.flexibleVersions, version) ? 1 : 0;
  for (const field of struct.fields) {
    if (!includes(field.versions, version) || includes(field.taggedVersions, version)) continue;
    if (field.type.kind === 'struct' && includes(field.nullableVersions, version)) size += 1;
    else
      size += minimumSize(
        message,
        field.type,
        includes(fieldFlexibleVersions(message, field), version),
        version,
      );
  }
  return size;
}
