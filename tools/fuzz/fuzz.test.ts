// The CI subset of the decoder fuzzer (tools/fuzz/main.ts runs the full million): a fixed seed's first
// inputs through every target. Proves each decoder returns or throws its typed error on hostile input,
// never reads past its window, and that the same seed replays the same inputs.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { inputRandom, newStats, runInput } from './fuzz-engine.js';
import { buildTargets } from './targets.js';

const INPUTS = Number(process.env['FUZZ_INPUTS'] ?? 15_000);
const SEED = 20261122;

describe('decoder fuzzing (CI subset)', () => {
  const targets = buildTargets(SEED, 1);

  it(`${INPUTS} mutated inputs over ${targets.length} decoders give only values or typed errors`, () => {
    const stats = newStats();
    for (let index = 0; index < INPUTS; index++) runInput(targets, SEED, index, stats);
    const report = stats.failures.map((f) => `#${f.index} ${f.target} (${f.mutator}): ${f.error}`);
    assert.deepEqual(report, [], `replay one with: npm run fuzz -- --seed ${SEED} --from <index> --inputs 1`);
    assert.equal(stats.inputs, INPUTS);
    assert.ok(stats.decodedOk > 0 && stats.expectedErrors > 0, 'inputs both decode and fail');
    for (const family of ['request-frame', 'record-batches', 'message-set']) {
      const hits = [...stats.byTarget]
        .filter(([name]) => name.startsWith(family))
        .reduce((n, [, c]) => n + c, 0);
      assert.ok(hits > INPUTS / 20, `${family} got ${hits} inputs`);
    }
  });

  it('an input depends only on the seed and its index', () => {
    assert.equal(inputRandom(SEED, 42).nextUint32(), inputRandom(SEED, 42).nextUint32());
    assert.notEqual(inputRandom(SEED, 42).nextUint32(), inputRandom(SEED, 43).nextUint32());
  });
});
