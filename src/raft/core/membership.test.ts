// Proves that every accepted configuration change moves at most one voter, so that any majority of
// the old voters and any majority of the new ones intersect (thesis §4.1), and that invalid changes
// are refused with a reason.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { ClusterConfig } from './log-entry.js';
import { applyConfigChange, type ConfigChange, quorumSize, quorumValue } from './membership.js';

const change: fc.Arbitrary<ConfigChange> = fc.record({
  kind: fc.constantFrom('addVoter', 'addLearner', 'promoteLearner', 'removeServer'),
  nodeId: fc.integer({ min: 1, max: 7 }),
});

function majoritiesIntersect(before: readonly number[], after: readonly number[]): boolean {
  const shared = before.filter((id) => after.includes(id)).length;
  // The worst case: a majority of `before` avoiding as many shared voters as it can, same for `after`.
  const avoidBefore = Math.max(0, quorumSize(before.length) - (before.length - shared));
  const avoidAfter = Math.max(0, quorumSize(after.length) - (after.length - shared));
  return avoidBefore + avoidAfter > shared;
}

describe('membership', () => {
  it('keeps majorities of consecutive configurations intersecting', () => {
    fc.assert(
      fc.property(fc.array(change, { maxLength: 40 }), (changes) => {
        let config: ClusterConfig = { voters: [1, 2, 3], learners: [] };
        for (const next of changes) {
          const result = applyConfigChange(config, next);
          if (!result.ok) continue;
          assert.ok(majoritiesIntersect(config.voters, result.config.voters), JSON.stringify([config, next]));
          assert.ok(result.config.voters.length >= 1);
          assert.equal(
            result.config.voters.some((id) => result.config.learners.includes(id)),
            false,
            'a node is a voter or a learner, not both',
          );
          config = result.config;
        }
      }),
    );
  });

  it('refuses changes that make no sense', () => {
    const config: ClusterConfig = { voters: [1], learners: [2] };
    assert.equal(applyConfigChange(config, { kind: 'removeServer', nodeId: 1 }).ok, false);
    assert.equal(applyConfigChange(config, { kind: 'addVoter', nodeId: 2 }).ok, false);
    assert.equal(applyConfigChange(config, { kind: 'promoteLearner', nodeId: 1 }).ok, false);
    assert.deepEqual(applyConfigChange(config, { kind: 'promoteLearner', nodeId: 2 }), {
      ok: true,
      config: { voters: [1, 2], learners: [] },
    });
  });

  it('computes the index a majority reached', () => {
    assert.equal(quorumValue([5, 3, 9]), 5);
    assert.equal(quorumValue([5, 3, 9, 1]), 3);
    assert.equal(quorumValue([7]), 7);
  });
});
