/** Kafka's config types as DescribeConfigs v3+ reports them (ConfigType). */
export const ConfigType = {
  UNKNOWN: 0,
  BOOLEAN: 1,
  STRING: 2,
  INT: 3,
  SHORT: 4,
  LONG: 5,
  DOUBLE: 6,
  LIST: 7,
  CLASS: 8,
  PASSWORD: 9,
} as const;
export type ConfigTypeName = keyof typeof ConfigType;

/**
 * Kafka's dynamic update modes: `read-only` needs a restart; `per-broker` may be altered for one
 * broker (IncrementalAlterConfigs on BROKER `<id>`); `cluster-wide` may also be altered as the
 * cluster default (BROKER with the empty name). A key is marked dynamic only when Kafka marks it
 * so AND Pyralog applies a change without a restart.
 */
export type DynamicUpdateMode = 'read-only' | 'per-broker' | 'cluster-wide';

/**
 * One broker config key: its type, default (as Kafka prints it, null when there is none), doc, update
 * mode, and how a raw string becomes a value. `parse` returns the value or a problem description
 * naming what was expected (never throws).
 */
export interface ConfigDefinition<T> {
  readonly type: ConfigTypeName;
  readonly defaultText: string | null;
  readonly defaultValue: T;
  readonly doc: string;
  readonly dynamic: DynamicUpdateMode;
  parse(
    raw: string,
  ): { readonly ok: true; readonly value: T } | { readonly ok: false; readonly problem: string };
}

interface Spec {
  readonly doc: string;
  readonly dynamic?: DynamicUpdateMode;
}

type Parsed<T> = ReturnType<ConfigDefinition<T>['parse']>;
const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const fail = <T>(problem: string): Parsed<T> => ({ ok: false, problem });

const INT32 = { min: -(2 ** 31), max: 2 ** 31 - 1 };
const INT16 = { min: -(2 ** 15), max: 2 ** 15 - 1 };
const INT64_MAX = 9223372036854775807n;

function rangeText(min: number | undefined, max: number | undefined): string {
  if (min !== undefined && max !== undefined) return `between ${min} and ${max}`;
  if (min !== undefined) return `at least ${min}`;
  return `at most ${max}`;
}

function integerParser(
  kind: 'int' | 'short' | 'long',
  min: number | undefined,
  max: number | undefined,
): (raw: string) => Parsed<number> {
  const limits = kind === 'int' ? INT32 : kind === 'short' ? INT16 : undefined;
  return (raw) => {
    const text = raw.trim();
    if (!/^[+-]?\d+$/.test(text)) return fail(`expected ${kind === 'long' ? 'a long' : `an ${kind}`}`);
    const big = BigInt(text);
    if (limits !== undefined && (big < BigInt(limits.min) || big > BigInt(limits.max))) {
      return fail(`expected an ${kind} ${rangeText(limits.min, limits.max)}`);
    }
    if (big > INT64_MAX || big < -INT64_MAX - 1n) return fail('expected a long (64-bit)');
    // Longs beyond 2^53 only ever mean "never" (Long.MAX_VALUE defaults): they read as the largest
    // exact number, which no clock or counter reaches; the raw text is kept for DescribeConfigs.
    const value = big > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(big);
    if ((min !== undefined && value < min) || (max !== undefined && value > max)) {
      return fail(`must be ${rangeText(min, max)}`);
    }
    return ok(value);
  };
}

interface NumberSpec extends Spec {
  readonly min?: number;
  readonly max?: number;
}

function numberConfig(
  kind: 'int' | 'short' | 'long',
  spec: NumberSpec & { readonly default: number | null },
): ConfigDefinition<number | null> {
  const type = kind === 'int' ? 'INT' : kind === 'short' ? 'SHORT' : 'LONG';
  const parse = integerParser(kind, spec.min, spec.max);
  return {
    type,
    defaultText: spec.default === null ? null : String(spec.default),
    defaultValue: spec.default,
    doc: spec.doc,
    dynamic: spec.dynamic ?? 'read-only',
    parse,
  };
}

export function intConfig(spec: NumberSpec & { readonly default: number }): ConfigDefinition<number>;
export function intConfig(spec: NumberSpec & { readonly default: null }): ConfigDefinition<number | null>;
export function intConfig(
  spec: NumberSpec & { readonly default: number | null },
): ConfigDefinition<number | null> {
  return numberConfig('int', spec);
}

export function shortConfig(spec: NumberSpec & { readonly default: number }): ConfigDefinition<number> {
  return numberConfig('short', spec) as ConfigDefinition<number>;
}

/** A long; `defaultText` may spell a default beyond 2^53 (Long.MAX_VALUE) exactly. */
export function longConfig(
  spec: NumberSpec & { readonly default: number; readonly defaultText?: string },
): ConfigDefinition<number>;
export function longConfig(spec: NumberSpec & { readonly default: null }): ConfigDefinition<number | null>;
export function longConfig(
  spec: NumberSpec & { readonly default: number | null; readonly defaultText?: string },
): ConfigDefinition<number | null> {
  const definition = numberConfig('long', spec);
  return spec.defaultText === undefined ? definition : { ...definition, defaultText: spec.defaultText };
}

/** A double, e.g. `log.cleaner.min.cleanable.ratio`. */
export function doubleConfig(spec: NumberSpec & { readonly default: number }): ConfigDefinition<number> {
  return {
    type: 'DOUBLE',
    defaultText: String(spec.default),
    defaultValue: spec.default,
    doc: spec.doc,
    dynamic: spec.dynamic ?? 'read-only',
    parse: (raw) => {
      const text = raw.trim();
      const value = Number(text);
      if (text === '' || !Number.isFinite(value)) return fail('expected a double');
      if ((spec.min !== undefined && value < spec.min) || (spec.max !== undefined && value > spec.max)) {
        return fail(`must be ${rangeText(spec.min, spec.max)}`);
      }
      return ok(value);
    },
  };
}

export function booleanConfig(spec: Spec & { readonly default: boolean }): ConfigDefinition<boolean> {
  return {
    type: 'BOOLEAN',
    defaultText: String(spec.default),
    defaultValue: spec.default,
    doc: spec.doc,
    dynamic: spec.dynamic ?? 'read-only',
    // Kafka accepts true/false in any case, nothing else.
    parse: (raw) => {
      const text = raw.trim().toLowerCase();
      return text === 'true' ? ok(true) : text === 'false' ? ok(false) : fail('expected true or false');
    },
  };
}

interface StringSpec extends Spec {
  readonly oneOf?: readonly string[];
  readonly caseInsensitive?: boolean;
}

function stringParser(spec: StringSpec): (raw: string) => Parsed<string> {
  return (raw) => {
    const text = raw.trim();
    if (spec.oneOf === undefined) return ok(text);
    const match = spec.oneOf.find((choice) =>
      spec.caseInsensitive === true ? choice.toLowerCase() === text.toLowerCase() : choice === text,
    );
    return match === undefined ? fail(`expected one of ${spec.oneOf.join(', ')}`) : ok(match);
  };
}

export function stringConfig(spec: StringSpec & { readonly default: string }): ConfigDefinition<string>;
export function stringConfig(spec: StringSpec & { readonly default: null }): ConfigDefinition<string | null>;
export function stringConfig(
  spec: StringSpec & { readonly default: string | null },
): ConfigDefinition<string | null> {
  return {
    type: 'STRING',
    defaultText: spec.default,
    defaultValue: spec.default,
    doc: spec.doc,
    dynamic: spec.dynamic ?? 'read-only',
    parse: stringParser(spec),
  };
}

/** Comma-separated, items trimmed, empty items dropped (as Kafka's LIST type). */
export function splitList(raw: string): string[] {
  return raw
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
}

interface ListSpec extends StringSpec {
  readonly nonEmpty?: boolean;
}

export function listConfig(
  spec: ListSpec & { readonly default: readonly string[] },
): ConfigDefinition<readonly string[]>;
export function listConfig(
  spec: ListSpec & { readonly default: null },
): ConfigDefinition<readonly string[] | null>;
export function listConfig(
  spec: ListSpec & { readonly default: readonly string[] | null },
): ConfigDefinition<readonly string[] | null> {
  const item = stringParser(spec);
  return {
    type: 'LIST',
    defaultText: spec.default === null ? null : spec.default.join(','),
    defaultValue: spec.default,
    doc: spec.doc,
    dynamic: spec.dynamic ?? 'read-only',
    parse: (raw) => {
      const values: string[] = [];
      for (const text of splitList(raw)) {
        const parsed = item(text);
        if (!parsed.ok) return fail(`'${text}': ${parsed.problem}`);
        values.push(parsed.value);
      }
      if (spec.nonEmpty === true && values.length === 0) return fail('expected at least one item');
      return ok(Object.freeze(values));
    },
  };
}
