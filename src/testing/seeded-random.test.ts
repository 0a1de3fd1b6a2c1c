// Proves that SeededRandom is reproducible per seed, differs across seeds and stays within its bounds.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { SeededRandom } from './seeded-random.js';
import { VirtualClock } from './virtual-clock.js';

describe('SeededRandom', () => {
  it('replays the same sequence for the same seed', () => {
    const a = new SeededRandom(42);
    const b = new SeededRandom(42);
    for (let i = 0; i < 1000; i++) assert.equal(a.nextUint32(), b.nextUint32());
  });

  it('gives different sequences for neighbouring seeds', () => {
    const a = new SeededRandom(1);
    const b = new SeededRandom(2);
    const same = Array.from({ length: 100 }, () => a.nextUint32() === b.nextUint32()).filter(Boolean).length;
    assert.ok(same < 3);
  });

  it('keeps nextInt within [0, bound) and roughly uniform', () => {
    const random = new SeededRandom(7);
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 40_000; i++) {
      const value = random.nextInt(4);
      assert.ok(value >= 0 && value < 4);
      counts[value] = (counts[value] ?? 0) + 1;
    }
    for (const count of counts) assert.ok(count > 9_000 && count < 11_000, `count ${count}`);
  });
});

describe('VirtualClock', () => {
  it('moves forward only', () => {
    const clock = new VirtualClock(10);
    clock.advanceBy(5);
    assert.equal(clock.nowMs(), 15);
    assert.throws(() => clock.advanceTo(3), RangeError);
  });
});
