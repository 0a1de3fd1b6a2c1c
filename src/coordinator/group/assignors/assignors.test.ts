// Property tests of the KIP-848 server-side assignors over random members, subscriptions and topic sizes:
// every partition of a subscribed topic is assigned exactly once to a subscriber; uniform balances
// homogeneous groups within one and keeps partitions of surviving members; range assigns contiguous ranges.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import type { AssignorInput, AssignorMember, TopicPartitions } from './assignor.js';
import { rangeAssignor } from './range.js';
import { uniformAssignor } from './uniform.js';

const topicsArb = fc.dictionary(fc.constantFrom('A', 'B', 'C', 'D'), fc.integer({ min: 0, max: 12 }), {
  minKeys: 1,
});

function inputArb(homogeneous: boolean): fc.Arbitrary<AssignorInput> {
  return topicsArb.chain((topics) => {
    const ids = Object.keys(topics);
    const sub = fc.subarray(ids, { minLength: 1 });
    return fc
      .record({
        count: fc.integer({ min: 1, max: 7 }),
        subs: fc.array(sub, { minLength: 7, maxLength: 7 }),
      })
      .map(({ count, subs }) => {
        const members: AssignorMember[] = [];
        for (let i = 0; i < count; i++) {
          members.push({
            memberId: `m${i}`,
            subscribedTopicIds: new Set(homogeneous ? ids : (subs[i] ?? ids)),
          });
        }
        return { members, topics: new Map(Object.entries(topics)), previous: new Map() };
      });
  });
}

function checkExactlyOnce(input: AssignorInput, result: Map<string, TopicPartitions>): void {
  const seen = new Set<string>();
  for (const [memberId, topics] of result) {
    const member = input.members.find((m) => m.memberId === memberId);
    for (const [topicId, list] of topics) {
      assert.ok(member?.subscribedTopicIds.has(topicId), 'assigned only to subscribers');
      for (const p of list) {
        const key = `${topicId}:${p}`;
        assert.ok(!seen.has(key), `partition ${key} assigned twice`);
        seen.add(key);
      }
    }
  }
  for (const [topicId, count] of input.topics) {
    if (!input.members.some((m) => m.subscribedTopicIds.has(topicId))) continue;
    for (let p = 0; p < count; p++)
      assert.ok(seen.has(`${topicId}:${p}`), `partition ${topicId}:${p} unassigned`);
  }
}

const sizes = (result: Map<string, TopicPartitions>): number[] =>
  [...result.values()].map((topics) => [...topics.values()].reduce((n, l) => n + l.length, 0));

describe('assignors', () => {
  for (const [name, assignor] of [
    ['uniform', uniformAssignor],
    ['range', rangeAssignor],
  ] as const) {
    it(`${name}: every partition assigned exactly once among subscribed members`, () => {
      fc.assert(
        fc.property(fc.boolean().chain(inputArb), (input) => checkExactlyOnce(input, assignor(input))),
      );
    });
  }

  it('uniform: homogeneous subscriptions are balanced within one, also starting from a previous target', () => {
    fc.assert(
      fc.property(inputArb(true), fc.integer({ min: 0, max: 6 }), (input, drop) => {
        const first = uniformAssignor(input);
        checkExactlyOnce(input, first);
        const s = sizes(first);
        assert.ok(Math.max(...s) - Math.min(...s) <= 1);
        // A member leaves: the survivors keep what they had and stay balanced.
        const members = input.members.filter((_, i) => i !== drop % input.members.length);
        if (members.length === 0) return;
        const next = uniformAssignor({ ...input, members, previous: first });
        checkExactlyOnce({ ...input, members }, next);
        const t = sizes(next);
        assert.ok(Math.max(...t) - Math.min(...t) <= 1);
        for (const m of members) {
          const before = first.get(m.memberId) ?? new Map();
          const after = next.get(m.memberId) ?? new Map();
          for (const [topicId, list] of before)
            for (const p of list) assert.ok(after.get(topicId)?.includes(p), 'sticky');
        }
      }),
    );
  });

  it('range: each subscriber gets a contiguous range per topic, sizes differing by at most one', () => {
    fc.assert(
      fc.property(inputArb(false), (input) => {
        const result = rangeAssignor(input);
        for (const [topicId, count] of input.topics) {
          const lists = [...result.values()].map((t) => t.get(topicId) ?? []).filter((l) => l.length > 0);
          for (const l of lists) assert.equal(l.at(-1)! - l[0]! + 1, l.length, 'contiguous');
          const subs = input.members.filter((m) => m.subscribedTopicIds.has(topicId)).length;
          if (subs > 0)
            assert.ok(
              lists.every(
                (l) => l.length === Math.floor(count / subs) || l.length === Math.ceil(count / subs),
              ),
            );
        }
      }),
    );
  });
});
