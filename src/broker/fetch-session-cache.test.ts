// FetchSessionCache on its own, with explicit times and a scripted id source: the bound on slots and
// Kafka's eviction preference (stale first, then the smallest evictable session if worth less).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type CachedPartition, FetchSessionCache } from './fetch-session-cache.js';

function partitions(count: number): Map<string, CachedPartition> {
  const map = new Map<string, CachedPartition>();
  for (let partition = 0; partition < count; partition += 1) {
    map.set(`t:${partition}`, {
      topic: 't',
      topicId: 'AAAAAAAAAAAAAAAAAAAAAA',
      partition,
      fetchOffset: 0n,
      partitionMaxBytes: 1024,
      currentLeaderEpoch: -1,
      lastFetchedEpoch: -1,
      highWatermark: -1n,
      lastStableOffset: -1n,
      logStartOffset: -1n,
    });
  }
  return map;
}

function counterIds(): () => number {
  let next = 0;
  return () => {
    next += 1;
    return next;
  };
}

function cache(maxEntries: number, evictionMs = 1000): FetchSessionCache {
  return new FetchSessionCache({ maxEntries, evictionMs, randomInt: counterIds() });
}

describe('FetchSessionCache', () => {
  it('creates sessions with positive unused ids and expected epoch 1', () => {
    const ids = [0, -5, 7, 7, 9];
    const sessions = new FetchSessionCache({ maxEntries: 10, randomInt: () => ids.shift() ?? 11 });
    const first = sessions.maybeCreate(0, false, false, partitions(1));
    const second = sessions.maybeCreate(0, false, false, partitions(1));
    assert.equal(first?.id, 7);
    assert.equal(second?.id, 9);
    assert.equal(first?.epoch, 1);
    assert.equal(sessions.size, 2);
  });

  it('creates no session when the cache has no slots (max.incremental.fetch.session.cache.slots=0)', () => {
    assert.equal(cache(0).maybeCreate(0, false, false, partitions(1)), undefined);
  });

  it('when full, refuses a consumer session while every session is young', () => {
    const sessions = cache(2);
    sessions.maybeCreate(0, false, false, partitions(1));
    sessions.maybeCreate(0, false, false, partitions(1));
    assert.equal(sessions.maybeCreate(500, false, false, partitions(5)), undefined);
    assert.equal(sessions.size, 2);
    assert.equal(sessions.evictions, 0);
  });

  it('evicts the least recently used session once it has been unused for evictionMs', () => {
    const sessions = cache(2);
    const a = sessions.maybeCreate(0, false, false, partitions(1))!;
    const b = sessions.maybeCreate(0, false, false, partitions(1))!;
    sessions.touch(a, 900);
    const c = sessions.maybeCreate(1500, false, false, partitions(1));
    assert.ok(c !== undefined);
    assert.equal(sessions.get(b.id), undefined);
    assert.equal(sessions.get(a.id), a);
    assert.equal(sessions.evictions, 1);
  });

  it('lets a follower (privileged) session evict the smallest young consumer session', () => {
    const sessions = cache(2);
    const big = sessions.maybeCreate(0, false, false, partitions(5))!;
    const small = sessions.maybeCreate(0, false, false, partitions(2))!;
    const follower = sessions.maybeCreate(10, true, false, partitions(1));
    assert.ok(follower !== undefined);
    assert.equal(sessions.get(small.id), undefined);
    assert.equal(sessions.get(big.id), big);
  });

  it('never lets a consumer evict a young follower session, nor a follower a young follower', () => {
    const sessions = cache(1);
    sessions.maybeCreate(0, true, false, partitions(1));
    assert.equal(sessions.maybeCreate(10, false, false, partitions(100)), undefined);
    assert.equal(sessions.maybeCreate(10, true, false, partitions(100)), undefined);
  });

  it('lets a consumer evict an old (used, not stale) session only when it holds more partitions', () => {
    const sessions = cache(1);
    const old = sessions.maybeCreate(0, false, false, partitions(3))!;
    sessions.touch(old, 1500);
    assert.equal(sessions.maybeCreate(1600, false, false, partitions(3)), undefined);
    assert.equal(sessions.maybeCreate(1600, false, false, partitions(2)), undefined);
    const bigger = sessions.maybeCreate(1600, false, false, partitions(4));
    assert.ok(bigger !== undefined);
    assert.equal(sessions.get(old.id), undefined);
  });

  it('removes a session by id', () => {
    const sessions = cache(2);
    const session = sessions.maybeCreate(0, false, false, partitions(1))!;
    assert.equal(sessions.remove(session.id), session);
    assert.equal(sessions.get(session.id), undefined);
    assert.equal(sessions.size, 0);
  });
});
