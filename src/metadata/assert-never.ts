/** Marks a switch as exhaustive: the compiler rejects a missing case, and a value from a newer build throws. */
export function assertNever(value: never): never {
  throw new Error(
    `unexpected value ${JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? `${v}` : v))}`,
  );
}
