/** Version ranges of Kafka's JSON specs ("0+", "3-5", "7", "none") and the guards they turn into. */

/** Kafka versions are int16; an open range ("3+") ends here. */
export const MAX_VERSION = 0x7fff;

/** An inclusive, non-empty range of versions. `null` stands for the empty range ("none"). */
export interface Versions {
  readonly min: number;
  readonly max: number;
}

export function parseVersions(text: string, where: string): Versions | null {
  const trimmed = text.trim();
  if (trimmed === 'none') return null;
  const open = /^(\d+)\+$/.exec(trimmed);
  if (open) return { min: Number(open[1]), max: MAX_VERSION };
  const closed = /^(\d+)-(\d+)$/.exec(trimmed);
  if (closed) {
    const range = { min: Number(closed[1]), max: Number(closed[2]) };
    if (range.min > range.max) throw new Error(`${where}: empty version range "${text}"`);
    return range;
  }
  if (/^\d+$/.test(trimmed)) return { min: Number(trimmed), max: Number(trimmed) };
  throw new Error(`${where}: cannot parse version range "${text}"`);
}

export function formatVersions(range: Versions | null): string {
  if (range === null) return 'none';
  if (range.max === MAX_VERSION) return `${range.min}+`;
  return range.min === range.max ? `${range.min}` : `${range.min}-${range.max}`;
}

export function intersect(a: Versions | null, b: Versions | null): Versions | null {
  if (a === null || b === null) return null;
  const min = Math.max(a.min, b.min);
  const max = Math.min(a.max, b.max);
  return min <= max ? { min, max } : null;
}

/** The smallest range covering both. */
export function hull(a: Versions | null, b: Versions | null): Versions | null {
  if (a === null) return b;
  if (b === null) return a;
  return { min: Math.min(a.min, b.min), max: Math.max(a.max, b.max) };
}

export function covers(outer: Versions | null, inner: Versions | null): boolean {
  if (inner === null) return true;
  return outer !== null && outer.min <= inner.min && inner.max <= outer.max;
}

export function includes(range: Versions | null, version: number): boolean {
  return range !== null && range.min <= version && version <= range.max;
}

/** `range` minus `removed`, which must leave a single range (Kafka's tagged versions are open-ended). */
export function subtract(range: Versions | null, removed: Versions | null, where: string): Versions | null {
  const overlap = intersect(range, removed);
  if (range === null || overlap === null) return range;
  const below = overlap.min > range.min ? { min: range.min, max: overlap.min - 1 } : null;
  const above = overlap.max < range.max ? { min: overlap.max + 1, max: range.max } : null;
  if (below !== null && above !== null) throw new Error(`${where}: version range splits in two`);
  return below ?? above;
}

export function* eachVersion(range: Versions | null): Generator<number> {
  if (range === null) return;
  for (let version = range.min; version <= range.max; version++) yield version;
}

/**
 * A TypeScript condition on `version` that holds exactly for the versions of `range`, knowing that
 * `version` lies in `context`: 'true' or 'false' when the context decides it alone.
 */
export function guard(range: Versions | null, context: Versions): string {
  const inside = intersect(range, context);
  if (inside === null) return 'false';
  const parts: string[] = [];
  if (inside.min > context.min && inside.min === inside.max && inside.max < context.max) {
    return `version === ${inside.min}`;
  }
  if (inside.min > context.min) parts.push(`version >= ${inside.min}`);
  if (inside.max < context.max) parts.push(`version <= ${inside.max}`);
  return parts.length === 0 ? 'true' : parts.join(' && ');
}

/** The negation of `guard(range, context)`. */
export function notGuard(range: Versions | null, context: Versions): string {
  const inside = intersect(range, context);
  if (inside === null) return 'true';
  const parts: string[] = [];
  if (inside.min > context.min && inside.min === inside.max && inside.max < context.max) {
    return `version !== ${inside.min}`;
  }
  if (inside.min > context.min) parts.push(`version < ${inside.min}`);
  if (inside.max < context.max) parts.push(`version > ${inside.max}`);
  return parts.length === 0 ? 'false' : parts.join(' || ');
}

/** `a && b` with the constants folded. */
export function and(a: string, b: string): string {
  if (a === 'false' || b === 'false') return 'false';
  if (a === 'true') return b;
  if (b === 'true') return a;
  return `${wrapOr(a)} && ${wrapOr(b)}`;
}

function wrapOr(condition: string): string {
  return condition.includes('||') ? `(${condition})` : condition;
}

/**
 * An expression choosing among per-version values: `values(version)` for every version in `context`,
 * written as a chain of ternaries over the runs of equal values.
 */
export function perVersion(context: Versions, valueAt: (version: number) => string): string {
  const runs: Array<{ max: number; value: string }> = [];
  for (const version of eachVersion(context)) {
    const value = valueAt(version);
    const last = runs[runs.length - 1];
    if (last !== undefined && last.value === value) last.max = version;
    else runs.push({ max: version, value });
  }
  let expression = runs[runs.length - 1]!.value;
  for (let i = runs.length - 2; i >= 0; i--) {
    const run = runs[i]!;
    expression = `version <= ${run.max} ? ${run.value} : ${expression}`;
  }
  return expression;
}
