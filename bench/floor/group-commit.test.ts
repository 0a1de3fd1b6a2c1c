// GroupCommit starts one flush per group and puts what arrives during a flush into the next group,
// answering in submission order: driven here by a hand-run schedule and flush.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { GroupCommit } from './group-commit.js';

it('records added while a group flushes go together in the next group, answered in order', () => {
  const flushes: { chunks: Buffer[]; finished: (error?: Error) => void }[] = [];
  const scheduled: (() => void)[] = [];
  const commit = new GroupCommit(
    (chunks, finished) => flushes.push({ chunks, finished }),
    (start) => scheduled.push(start),
  );
  const answered: string[] = [];
  const add = (name: string): void => commit.add(Buffer.from(name), () => answered.push(name));
  add('a');
  add('b');
  assert.equal(scheduled.length, 1, 'one start for the records of one read');
  scheduled.shift()!();
  add('c');
  add('d');
  assert.equal(scheduled.length, 0, 'no start while a group flushes');
  assert.deepEqual(flushes[0]!.chunks.map(String), ['a', 'b']);
  flushes[0]!.finished();
  assert.deepEqual(answered, ['a', 'b']);
  scheduled.shift()!();
  assert.deepEqual(flushes[1]!.chunks.map(String), ['c', 'd']);
  flushes[1]!.finished(new Error('disk gone'));
  assert.deepEqual(answered, ['a', 'b', 'c', 'd']);
  assert.equal(commit.groups, 2);
});
