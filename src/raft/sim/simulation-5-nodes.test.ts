// Proves Raft's safety invariants and the liveness bound on 5-node clusters over 250 seeds of random
// faults (see simulation-3-nodes.test.ts); also that a seed replays to the same trace exactly.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_SIMULATION, runSimulation } from './simulation.js';
import { runSeeds } from './simulation-runs.js';

describe('raft simulation, 5 nodes', () => {
  it('keeps every invariant and recovers after healing on 250 seeds', () => {
    runSeeds(5, 2_000, 250, 2_000);
  });

  it('replays a seed exactly: same trace hash, and a different seed gives a different trace', () => {
    const run = (seed: number) => runSimulation({ seed, nodes: 5, ...DEFAULT_SIMULATION });
    const first = run(77);
    const second = run(77);
    assert.equal(first.traceHash, second.traceHash);
    assert.deepEqual(first.stats, second.stats);
    assert.notEqual(run(78).traceHash, first.traceHash);
  });
});
