// DeadlineMap against a plain Map scanned in full: the same earliest deadline and due keys after any
// sequence of sets (new deadlines, same deadlines, none), deletes and clears (fast-check model test).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { DeadlineMap } from './deadline-map.js';

interface Value {
  readonly deadlineMs: number | null;
}

const deadlineOf = (value: Value): number | null => value.deadlineMs;

function scannedMinimum(model: ReadonlyMap<string, Value>): number | null {
  let next: number | null = null;
  for (const value of model.values()) {
    if (value.deadlineMs !== null && (next === null || value.deadlineMs < next)) next = value.deadlineMs;
  }
  return next;
}

type Operation =
  | { readonly kind: 'set'; readonly key: string; readonly deadlineMs: number | null }
  | { readonly kind: 'delete'; readonly key: string }
  | { readonly kind: 'clear' };

const key = fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f', 'g', 'h');
const operation: fc.Arbitrary<Operation> = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('set' as const),
      key,
      deadlineMs: fc.option(fc.integer({ min: 0, max: 50 })),
    }),
  },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('delete' as const), key }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('clear' as const) }) },
);

describe('DeadlineMap', () => {
  it('tracks the earliest deadline and the due keys as a full scan would', () => {
    fc.assert(
      fc.property(fc.array(operation, { maxLength: 400 }), fc.integer({ min: 0, max: 50 }), (ops, nowMs) => {
        const map = new DeadlineMap<Value>(deadlineOf);
        const model = new Map<string, Value>();
        for (const op of ops) {
          if (op.kind === 'set') {
            const value = { deadlineMs: op.deadlineMs };
            map.set(op.key, value);
            model.set(op.key, value);
          } else if (op.kind === 'delete') {
            assert.equal(map.delete(op.key), model.delete(op.key));
          } else {
            map.clear();
            model.clear();
          }
          assert.equal(map.nextDeadlineMs(), scannedMinimum(model));
        }
        assert.deepEqual([...map.entries()], [...model.entries()]);
        const due = [...model]
          .filter(([, v]) => v.deadlineMs !== null && v.deadlineMs <= nowMs)
          .map(([k]) => k);
        assert.deepEqual(map.dueKeys(nowMs).sort(), due.sort());
        for (const [k, v] of model) assert.equal(map.deadlineOf(k), v.deadlineMs);
      }),
    );
  });

  it('a key set again and again counts only its latest deadline', () => {
    const map = new DeadlineMap<Value>(deadlineOf);
    map.set('other', { deadlineMs: 1_000_000 });
    for (let deadlineMs = 0; deadlineMs < 10_000; deadlineMs++) map.set('busy', { deadlineMs });
    assert.equal(map.nextDeadlineMs(), 9_999);
    map.delete('busy');
    assert.equal(map.nextDeadlineMs(), 1_000_000);
    map.delete('other');
    assert.equal(map.nextDeadlineMs(), null);
  });
});
