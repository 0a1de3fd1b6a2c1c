import { PyralogError } from '../../protocol/index.js';

/** A Raft invariant was broken: going on could lose or corrupt committed data, so the caller must stop. */
export class RaftInvariantError extends PyralogError {
  readonly code = 'RAFT_INVARIANT';
}

/** A caller broke the RaftNode contract (e.g. `ready()` twice without `advance()`). */
export class RaftUsageError extends PyralogError {
  readonly code = 'RAFT_USAGE';
}

/** Throws RaftInvariantError when `condition` is false; `why` says what must hold and why. */
export function assert(condition: boolean, why: string): asserts condition {
  if (!condition) throw new RaftInvariantError(why);
}

/** Ends every `switch` over a discriminated union: adding a variant becomes a compile error. */
export function assertNever(value: never): never {
  throw new RaftInvariantError(`unexpected variant ${JSON.stringify(value)}`);
}
