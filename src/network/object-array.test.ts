// objectArray's arrays start with V8's object elements kind, which a `[]` only reaches at its first
// push of an object (checked with V8's %HasObjectElements, enabled for this test process only), and
// behave as any array.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { objectArray } from './object-array.js';

setFlagsFromString('--allow-natives-syntax');
const hasObjectElements = new Function('array', 'return %HasObjectElements(array);') as (
  array: unknown[],
) => boolean;

describe('objectArray', () => {
  it('has the object elements kind before anything is pushed, where [] has not', () => {
    assert.equal(hasObjectElements([]), false);
    assert.equal(hasObjectElements(objectArray()), true);
  });

  it('is a fresh empty array each time, usable as any array', () => {
    const first = objectArray<{ n: number }>();
    const second = objectArray<{ n: number }>();
    assert.notEqual(first, second);
    assert.equal(first.length, 0);
    first.push({ n: 1 }, { n: 2 });
    assert.deepEqual(
      first.map((item) => item.n),
      [1, 2],
    );
    assert.equal(second.length, 0);
  });
});
