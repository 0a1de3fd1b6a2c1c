import { PyralogError } from '../protocol/index.js';
import type { ConfigOrigin } from './config-source.js';

/** One thing wrong with the broker configuration, with where the bad value came from. */
export interface ConfigProblem {
  readonly key: string;
  /** The raw value as given, or null when the problem is a missing value. */
  readonly value: string | null;
  readonly origin: ConfigOrigin;
  /** The file line, variable or flag that set it; null for defaults. */
  readonly where: string | null;
  readonly message: string;
}

function describeProblem(problem: ConfigProblem): string {
  const value = problem.value === null ? '' : `=${JSON.stringify(problem.value)}`;
  const where = problem.where === null ? problem.origin : `${problem.origin} ${problem.where}`;
  return `${problem.key}${value} (from ${where}): ${problem.message}`;
}

/** The configuration cannot start a broker; `problems` lists every problem found, not just the first. */
export class BrokerConfigError extends PyralogError {
  readonly code = 'INVALID_BROKER_CONFIG';

  constructor(readonly problems: readonly ConfigProblem[]) {
    super(
      `invalid broker configuration (${problems.length} problem${problems.length === 1 ? '' : 's'}):\n` +
        problems.map((problem) => `  - ${describeProblem(problem)}`).join('\n'),
    );
  }
}
