// Invariant checks for the group coordinator core: a failed check is a bug, never a Kafka error.

/** Thrown when a coordinator invariant does not hold; continuing would hand out wrong assignments or offsets. */
export class GroupInvariantError extends Error {
  readonly code = 'GROUP_INVARIANT';
}

export function assert(condition: boolean, why: string): asserts condition {
  if (!condition) throw new GroupInvariantError(why);
}

export function assertNever(value: never): never {
  throw new GroupInvariantError(`unexpected variant: ${JSON.stringify(value)}`);
}
