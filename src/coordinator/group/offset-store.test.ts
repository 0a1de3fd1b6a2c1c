// OffsetStore's bookkeeping (nested by topic and partition, with a count per group) against a plain
// array model, and OffsetCommitKeyCache's keys against freshly encoded ones, with its bound.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import fc from 'fast-check';
import { decodeGroupRecord, encodeGroupRecord, OffsetCommitKeyCache } from './group-record-codec.js';
import { offsetCommitRecord } from './group-store-records.js';
import { type CommittedOffset, OffsetStore } from './offset-store.js';

const offset = (topic: string, partition: number, value: bigint): CommittedOffset => ({
  topic,
  partition,
  offset: value,
  leaderEpoch: -1,
  metadata: '',
  commitTimestampMs: 0,
  expireTimestampMs: null,
});

it('OffsetStore agrees with a model under random puts and deletes', () => {
  const command = fc.record({
    put: fc.boolean(),
    group: fc.constantFrom('g1', 'g2'),
    topic: fc.constantFrom('a', 'b', 'c'),
    partition: fc.integer({ min: 0, max: 3 }),
    value: fc.bigInt({ min: 0n, max: 100n }),
  });
  fc.assert(
    fc.property(fc.array(command, { maxLength: 60 }), (commands) => {
      const store = new OffsetStore();
      const model = new Map<string, CommittedOffset>();
      for (const c of commands) {
        const key = `${c.group}/${c.topic}/${c.partition}`;
        if (c.put) {
          const o = offset(c.topic, c.partition, c.value);
          store.put(c.group, o);
          model.set(key, o);
        } else {
          store.delete(c.group, c.topic, c.partition);
          model.delete(key);
        }
      }
      for (const group of ['g1', 'g2']) {
        const expected = [...model]
          .filter(([k]) => k.startsWith(`${group}/`))
          .map(([, o]) => o)
          .sort((a, b) => (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : a.partition - b.partition));
        assert.deepEqual(store.list(group), expected);
        assert.equal(store.count(group), expected.length);
        assert.equal(store.hasGroup(group), expected.length > 0);
        assert.equal(store.groupIds().includes(group), expected.length > 0);
        for (const o of expected) assert.equal(store.get(group, o.topic, o.partition), o);
      }
    }),
  );
});

it('a cached offset commit key is the bytes the codec writes, and the cache starts again past its bound', () => {
  const cache = new OffsetCommitKeyCache(3);
  for (const [group, topic, partition] of [
    ['g', 't', 0],
    ['g', 't', 1],
    ['g', 'u', 0],
    ['h', 't', 0],
    ['g', 't', 0],
  ] as const) {
    const record = offsetCommitRecord(group, offset(topic, partition, 5n));
    const cached = encodeGroupRecord(record, cache);
    const fresh = encodeGroupRecord(record);
    assert.deepEqual(cached.key, fresh.key);
    assert.deepEqual(cached.value, fresh.value);
    assert.deepEqual(decodeGroupRecord(cached.key, cached.value), record);
    assert.ok(cache.size <= 3);
  }
  const record = offsetCommitRecord('g', offset('t', 0, 1n));
  assert.equal(
    encodeGroupRecord(record, cache).key,
    encodeGroupRecord(record, cache).key,
    'served from the cache',
  );
});
