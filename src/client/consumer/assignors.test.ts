// Proves the client-side assignors: range and roundrobin split as Kafka's do, cooperative-sticky keeps owned
// partitions, balances, and never hands a partition over in the round its owner gives it up.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type AssignorMemberInput,
  cooperativeStickyClientAssignor,
  rangeClientAssignor,
  roundRobinClientAssignor,
} from './assignors.js';

function member(
  memberId: string,
  topics: string[],
  owned: Record<string, number[]> = {},
): AssignorMemberInput {
  return { memberId, topics, ownedPartitions: new Map(Object.entries(owned)) };
}

function plain(result: Map<string, Map<string, number[]>>): Record<string, Record<string, number[]>> {
  return Object.fromEntries(
    [...result].map(([id, topics]) => [
      id,
      Object.fromEntries([...topics].map(([t, ps]) => [t, [...ps].sort()])),
    ]),
  );
}

const counts = new Map([
  ['a', 3],
  ['b', 3],
]);

describe('client assignors', () => {
  it('range gives each member contiguous ranges per topic, the first members one more', () => {
    const result = rangeClientAssignor.assign([member('m2', ['a', 'b']), member('m1', ['a', 'b'])], counts);
    assert.deepEqual(plain(result), { m1: { a: [0, 1], b: [0, 1] }, m2: { a: [2], b: [2] } });
  });

  it('roundrobin deals partitions in turn across topics', () => {
    const result = roundRobinClientAssignor.assign(
      [member('m2', ['a', 'b']), member('m1', ['a', 'b'])],
      counts,
    );
    assert.deepEqual(plain(result), { m1: { a: [0, 2], b: [1] }, m2: { a: [1], b: [0, 2] } });
  });

  it('roundrobin skips members not subscribed to a topic', () => {
    const result = roundRobinClientAssignor.assign([member('m1', ['a']), member('m2', ['b'])], counts);
    assert.deepEqual(plain(result), { m1: { a: [0, 1, 2] }, m2: { b: [0, 1, 2] } });
  });

  it('cooperative-sticky keeps owned partitions and withholds the ones that must move for one round', () => {
    const first = cooperativeStickyClientAssignor.assign([member('m1', ['a', 'b'])], counts);
    assert.deepEqual(plain(first), { m1: { a: [0, 1, 2], b: [0, 1, 2] } });
    // m2 joins: m1 keeps its quota (3), the 3 others are revoked from m1 but not yet given to m2.
    const second = cooperativeStickyClientAssignor.assign(
      [member('m1', ['a', 'b'], { a: [0, 1, 2], b: [0, 1, 2] }), member('m2', ['a', 'b'])],
      counts,
    );
    assert.deepEqual(plain(second), { m1: { a: [0, 1, 2] }, m2: {} });
    // Follow-up round: m1 owns only its kept partitions, so m2 receives the freed ones.
    const third = cooperativeStickyClientAssignor.assign(
      [member('m1', ['a', 'b'], { a: [0, 1, 2] }), member('m2', ['a', 'b'])],
      counts,
    );
    assert.deepEqual(plain(third), { m1: { a: [0, 1, 2] }, m2: { b: [0, 1, 2] } });
  });

  it('every assignor assigns each subscribed partition exactly once', () => {
    const members = [member('x', ['a']), member('y', ['a', 'b']), member('z', ['b'])];
    for (const assignor of [rangeClientAssignor, roundRobinClientAssignor, cooperativeStickyClientAssignor]) {
      const seen = new Map<string, string>();
      for (const [id, topics] of assignor.assign(members, counts)) {
        for (const [topic, partitions] of topics) {
          for (const p of partitions) {
            assert.equal(seen.has(`${topic}:${p}`), false, `${assignor.name} gave ${topic}:${p} twice`);
            assert.ok(members.find((m) => m.memberId === id)?.topics.includes(topic));
            seen.set(`${topic}:${p}`, id);
          }
        }
      }
      assert.equal(seen.size, 6, assignor.name);
    }
  });
});
