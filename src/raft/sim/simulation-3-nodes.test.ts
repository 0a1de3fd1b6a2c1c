// Proves Raft's safety invariants and the liveness bound on 3-node clusters over 300 seeds of random
// faults (loss, duplication, reordering, partitions, crashes with torn writes, slow disks, clock drift,
// membership changes, transfers); any failure names the command that replays its seed.
import { describe, it } from 'node:test';
import { runSeeds } from './simulation-runs.js';

describe('raft simulation, 3 nodes', () => {
  it('keeps every invariant and recovers after healing on 300 seeds', () => {
    runSeeds(3, 1_000, 300, 2_000);
  });
});
