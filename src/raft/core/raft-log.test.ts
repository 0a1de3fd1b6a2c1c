// Proves RaftLog's bookkeeping: conflict hints, config lookup, and — as a fast-check model test against
// an array standing for the disk — that `stableIndex` never claims an entry whose durable copy differs,
// whatever the interleaving of appends, truncating overwrites and slow writes.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { ClusterConfig, LogEntry } from './log-entry.js';
import { RaftLog } from './raft-log.js';

const CONFIG: ClusterConfig = { voters: [1, 2, 3], learners: [] };
const noop = (index: number, term: number): LogEntry => ({ kind: 'noop', index, term });

function logWithTerms(terms: number[]): RaftLog {
  return new RaftLog(
    { index: 0, term: 0, config: CONFIG },
    terms.map((term, i) => noop(i + 1, term)),
  );
}

describe('RaftLog', () => {
  it('hints the first index of the conflicting term, or its end when shorter', () => {
    const log = logWithTerms([1, 1, 2, 2, 2, 3]);
    assert.deepEqual(log.conflictHint(5), { hintIndex: 3, hintTerm: 2 });
    assert.deepEqual(log.conflictHint(9), { hintIndex: 7, hintTerm: 0 });
    assert.equal(log.lastIndexOfTerm(2, 6), 5);
    assert.equal(log.lastIndexOfTerm(2, 4), 4);
    assert.equal(log.lastIndexOfTerm(4, 6), undefined);
  });

  it('truncates a conflicting suffix and keeps matching entries', () => {
    const log = logWithTerms([1, 1, 1, 1]);
    assert.equal(log.appendFromLeader(1, [noop(2, 1), noop(3, 2)], 0), 3);
    assert.deepEqual(
      [1, 2, 3, 4].map((i) => log.term(i)),
      [1, 1, 2, undefined],
    );
    assert.throws(() => log.appendFromLeader(0, [noop(1, 5)], 1), /never overwrites committed/);
  });

  it('finds the configuration in force at any index and reverts it on truncation', () => {
    const log = logWithTerms([1]);
    const bigger: ClusterConfig = { voters: [1, 2, 3, 4], learners: [] };
    log.append({ kind: 'config', index: 2, term: 1, config: bigger });
    log.append(noop(3, 1));
    assert.deepEqual(log.latestConfig(), { config: bigger, index: 2 });
    assert.deepEqual(log.configAt(1), CONFIG);
    log.appendFromLeader(1, [noop(2, 2)], 0);
    assert.deepEqual(log.latestConfig(), { config: CONFIG, index: 0 });
  });

  it('compacts up to a stable snapshot and keeps the entries after it', () => {
    const log = logWithTerms([1, 1, 2, 2]);
    log.compact({ index: 2, term: 1, config: CONFIG });
    assert.equal(log.firstIndex, 3);
    assert.equal(log.term(2), 1);
    assert.equal(log.entry(2), undefined);
    assert.equal(log.term(4), 2);
  });

  type Op =
    | { kind: 'append' }
    | { kind: 'overwrite'; back: number; count: number }
    | { kind: 'startWrite' }
    | { kind: 'finishWrite' };
  const op: fc.Arbitrary<Op> = fc.oneof(
    fc.constant<Op>({ kind: 'append' }),
    fc.record({
      kind: fc.constant('overwrite' as const),
      back: fc.nat(6),
      count: fc.integer({ min: 1, max: 4 }),
    }),
    fc.constant<Op>({ kind: 'startWrite' }),
    fc.constant<Op>({ kind: 'finishWrite' }),
  );

  it('never counts as stable an entry whose durable copy differs (model test)', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), (ops) => {
        const log = logWithTerms([]);
        const disk: LogEntry[] = []; // disk[i - 1] is the durable entry at index i
        let inflight: LogEntry[] | undefined;
        let term = 1;
        for (const step of ops) {
          switch (step.kind) {
            case 'append':
              log.append(noop(log.lastIndex + 1, Math.max(term, log.lastTerm)));
              break;
            case 'overwrite': {
              // A new leader with a higher term overwrites the suffix after `prev`.
              const prev = Math.max(0, log.lastIndex - step.back);
              term = log.lastTerm + 1;
              const entries = Array.from({ length: step.count }, (_, i) => noop(prev + 1 + i, term));
              log.appendFromLeader(prev, entries, 0);
              break;
            }
            case 'startWrite':
              if (inflight === undefined) inflight = log.takeUnstable();
              break;
            case 'finishWrite':
              if (inflight === undefined) break;
              for (const entry of inflight) {
                disk.length = entry.index - 1;
                disk.push(entry);
              }
              inflight = undefined;
              log.markInflightStable();
              break;
          }
          for (let index = 1; index <= log.stableIndex; index++) {
            assert.equal(disk[index - 1]?.term, log.term(index), `stable entry ${index} matches the disk`);
          }
        }
      }),
      { numRuns: 500 },
    );
  });
});
