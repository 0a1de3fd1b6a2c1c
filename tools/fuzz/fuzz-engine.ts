import { SeededRandom } from '../../src/testing/index.js';
import { MUTATORS } from './mutators.js';
import type { FuzzTarget } from './targets.js';

/** Input `index` of a run depends only on (seed, index), so any single input replays on its own. */
export function inputRandom(seed: number, index: number): SeededRandom {
  return new SeededRandom(Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b));
}

/** Guard bytes after every input: a decoder that reads them has read past its window. */
const GUARD = Buffer.from([0x7f, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff]);

export interface FuzzFailure {
  readonly index: number;
  readonly target: string;
  readonly mutator: string;
  readonly error: string;
  readonly inputHex: string;
}

/** FuzzStats as a worker posts it (a Map does not survive structured cloning as we want). */
export type PostedFuzzStats = Omit<FuzzStats, 'byTarget'> & { byTarget: Array<[string, number]> };

export interface FuzzStats {
  inputs: number;
  decodedOk: number;
  expectedErrors: number;
  failures: FuzzFailure[];
  slowestMs: number;
  slowest: { target: string; mutator: string; index: number } | null;
  byTarget: Map<string, number>;
}

export function newStats(): FuzzStats {
  return {
    inputs: 0,
    decodedOk: 0,
    expectedErrors: 0,
    failures: [],
    slowestMs: 0,
    slowest: null,
    byTarget: new Map(),
  };
}

function pickWeighted(targets: readonly FuzzTarget[], draw: number): FuzzTarget {
  const total = targets.reduce((sum, target) => sum + target.weight, 0);
  let left = draw * total;
  for (const target of targets) {
    left -= target.weight;
    if (left < 0) return target;
  }
  return targets[targets.length - 1]!;
}

/** Builds input `index` (a mutation of a seed of one target) and feeds it to that target's decoder. */
export function runInput(
  targets: readonly FuzzTarget[],
  seed: number,
  index: number,
  stats: FuzzStats,
): void {
  const random = inputRandom(seed, index);
  const target = pickWeighted(targets, random.nextFloat());
  const [mutatorName, mutate] = random.pick(MUTATORS);
  const seedInput = target.seeds.length > 0 ? random.pick(target.seeds) : Buffer.alloc(0);
  let input = mutate(seedInput, random);
  // Stack a second mutation now and then: corrupt lengths inside already truncated input, and so on.
  if (random.chance(0.25)) input = random.pick(MUTATORS)[1](input, random);
  const buffer = Buffer.concat([input, GUARD]);
  const started = performance.now();
  try {
    target.decode(buffer, input.length);
    stats.decodedOk++;
  } catch (error: unknown) {
    if (target.isExpectedError(error)) stats.expectedErrors++;
    else if (stats.failures.length < 50) {
      stats.failures.push({
        index,
        target: target.name,
        mutator: mutatorName,
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
        inputHex: input.subarray(0, 256).toString('hex'),
      });
    }
  }
  const elapsedMs = performance.now() - started;
  if (elapsedMs > stats.slowestMs) {
    stats.slowestMs = elapsedMs;
    stats.slowest = { target: target.name, mutator: mutatorName, index };
  }
  stats.inputs++;
  stats.byTarget.set(target.name, (stats.byTarget.get(target.name) ?? 0) + 1);
}
