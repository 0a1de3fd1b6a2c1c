import assert from 'node:assert/strict';
import { DEFAULT_SIMULATION, replayCommand, runSimulation } from './simulation.js';

/**
 * Runs `count` seeds of one cluster size and fails with every failing seed's replay command. Shared by
 * the 3- and 5-node simulation tests, which the test runner runs in parallel.
 */
export function runSeeds(nodes: 3 | 5, firstSeed: number, count: number, faultMs: number): void {
  const failures: string[] = [];
  for (let seed = firstSeed; seed < firstSeed + count; seed++) {
    const result = runSimulation({ seed, nodes, faultMs, maxSteps: DEFAULT_SIMULATION.maxSteps });
    if (!result.ok) {
      failures.push(
        `${result.failure}\n  replay: ${replayCommand(result, { faultMs, maxSteps: DEFAULT_SIMULATION.maxSteps })}`,
      );
    }
  }
  assert.deepEqual(failures, [], `${failures.length} of ${count} seeds failed:\n${failures.join('\n')}`);
}
