/**
 * An empty array that already has V8's elements kind for objects. A `[]` starts as an array of small
 * integers and changes kind (its hidden class) at its first push of an object; code optimized on
 * arrays that made the change long ago meets a fresh one, kept per connection or per pool, as an
 * unknown shape and is thrown away ("wrong map", then "not a Smi" at the push): each new client
 * connection cost the broker's request path two deoptimizations. An array made with one object in
 * it and emptied keeps the object kind from the start.
 */
export function objectArray<T extends object>(): T[] {
  const array: (T | null)[] = [null];
  array.pop();
  return array as T[];
}
