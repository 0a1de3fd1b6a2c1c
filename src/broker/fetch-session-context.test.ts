// KIP-227 session rules without a broker: full, sessionless and incremental contexts, epochs,
// forgotten partitions, topic-id mismatches, and which partitions an incremental response carries.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode } from '../protocol/index.js';
import { FetchSessionCache } from './fetch-session-cache.js';
import {
  completeFetch,
  type FetchContext,
  type FetchSessionRequest,
  newFetchContext,
  nextEpoch,
  type PartitionOutcome,
  type RequestedPartition,
} from './fetch-session-context.js';

const ID_A = 'AAAAAAAAAAAAAAAAAAAAAQ';

function requested(partition: number, fetchOffset = 0n, topic = 'a'): RequestedPartition {
  return {
    topic,
    topicId: ID_A,
    partition,
    fetchOffset,
    partitionMaxBytes: 1024,
    currentLeaderEpoch: -1,
    lastFetchedEpoch: -1,
  };
}

function request(overrides: Partial<FetchSessionRequest>): FetchSessionRequest {
  return {
    sessionId: 0,
    sessionEpoch: 0,
    usesTopicIds: false,
    privileged: false,
    partitions: [],
    forgotten: [],
    ...overrides,
  };
}

function outcome(overrides: Partial<PartitionOutcome> = {}): PartitionOutcome {
  return {
    errorCode: ErrorCode.NONE,
    highWatermark: 10n,
    lastStableOffset: 10n,
    logStartOffset: 0n,
    recordsBytes: 0,
    ...overrides,
  };
}

function newCache(): FetchSessionCache {
  let next = 100;
  return new FetchSessionCache({ maxEntries: 10, randomInt: () => next++ });
}

function live(context: FetchContext): Exclude<FetchContext, { kind: 'error' }> {
  assert.notEqual(context.kind, 'error');
  return context as Exclude<FetchContext, { kind: 'error' }>;
}

/** Opens a session over partitions 0..count-1 of topic a, each answered with `outcome()`. */
function openSession(cache: FetchSessionCache, count: number): number {
  const partitions = Array.from({ length: count }, (_, index) => requested(index));
  const context = live(newFetchContext(cache, request({ partitions }), 0));
  const { sessionId } = completeFetch(
    cache,
    context,
    partitions.map(() => outcome()),
    0,
  );
  assert.ok(sessionId > 0);
  return sessionId;
}

describe('fetch session context', () => {
  it('epoch -1 without a session id is sessionless: nothing cached, session id 0', () => {
    const cache = newCache();
    const context = live(
      newFetchContext(cache, request({ sessionEpoch: -1, partitions: [requested(0)] }), 0),
    );
    assert.equal(context.kind, 'sessionless');
    assert.equal(completeFetch(cache, context, [outcome()], 0).sessionId, 0);
    assert.equal(cache.size, 0);
  });

  it('epoch 0 is a full fetch that opens a session expecting epoch 1', () => {
    const cache = newCache();
    const sessionId = openSession(cache, 2);
    assert.equal(cache.get(sessionId)?.epoch, 1);
    assert.equal(cache.get(sessionId)?.partitions.size, 2);
  });

  it('a full fetch naming an existing session closes it and opens another', () => {
    const cache = newCache();
    const first = openSession(cache, 1);
    const context = live(
      newFetchContext(cache, request({ sessionId: first, partitions: [requested(0)] }), 0),
    );
    const { sessionId } = completeFetch(cache, context, [outcome()], 0);
    assert.notEqual(sessionId, first);
    assert.equal(cache.get(first), undefined);
    assert.equal(cache.size, 1);
  });

  it('epoch -1 with a session id closes that session', () => {
    const cache = newCache();
    const sessionId = openSession(cache, 1);
    const context = newFetchContext(cache, request({ sessionId, sessionEpoch: -1 }), 0);
    assert.equal(context.kind, 'sessionless');
    assert.equal(cache.get(sessionId), undefined);
  });

  it('an unknown session id answers FETCH_SESSION_ID_NOT_FOUND', () => {
    const context = newFetchContext(newCache(), request({ sessionId: 42, sessionEpoch: 1 }), 0);
    assert.deepEqual(context, { kind: 'error', errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND });
  });

  it('a wrong or replayed epoch answers INVALID_FETCH_SESSION_EPOCH and leaves the session as it was', () => {
    const cache = newCache();
    const sessionId = openSession(cache, 1);
    assert.deepEqual(newFetchContext(cache, request({ sessionId, sessionEpoch: 2 }), 0), {
      kind: 'error',
      errorCode: ErrorCode.INVALID_FETCH_SESSION_EPOCH,
    });
    assert.equal(
      live(newFetchContext(cache, request({ sessionId, sessionEpoch: 1 }), 0)).kind,
      'incremental',
    );
    assert.equal(cache.get(sessionId)?.epoch, 2);
    assert.equal(newFetchContext(cache, request({ sessionId, sessionEpoch: 1 }), 0).kind, 'error');
  });

  it('a v13+ request on a session opened by name (or the reverse) answers FETCH_SESSION_TOPIC_ID_ERROR', () => {
    const cache = newCache();
    const sessionId = openSession(cache, 1);
    assert.deepEqual(newFetchContext(cache, request({ sessionId, sessionEpoch: 1, usesTopicIds: true }), 0), {
      kind: 'error',
      errorCode: ErrorCode.FETCH_SESSION_TOPIC_ID_ERROR,
    });
  });

  it('incremental requests add, update and forget partitions; the session reads all it holds', () => {
    const cache = newCache();
    const sessionId = openSession(cache, 2);
    const context = live(
      newFetchContext(
        cache,
        request({
          sessionId,
          sessionEpoch: 1,
          partitions: [requested(1, 7n), requested(5, 3n)],
          forgotten: [{ topic: 'a', topicId: ID_A, partition: 0 }],
        }),
        0,
      ),
    );
    assert.deepEqual(
      context.partitions.map((p) => [p.partition, p.fetchOffset]),
      [
        [1, 7n],
        [5, 3n],
      ],
    );
  });

  it('an incremental response carries only partitions with records, errors or changed offsets', () => {
    const cache = newCache();
    const sessionId = openSession(cache, 4);
    const context = live(newFetchContext(cache, request({ sessionId, sessionEpoch: 1 }), 0));
    const { included, sessionId: answered } = completeFetch(
      cache,
      context,
      [
        outcome(),
        outcome({ recordsBytes: 100 }),
        outcome({ errorCode: ErrorCode.OFFSET_OUT_OF_RANGE }),
        outcome({ highWatermark: 11n, lastStableOffset: 11n }),
      ],
      0,
    );
    assert.equal(answered, sessionId);
    assert.deepEqual(included, [false, true, true, true]);
    const again = live(newFetchContext(cache, request({ sessionId, sessionEpoch: 2 }), 0));
    const second = completeFetch(
      cache,
      again,
      again.partitions.map((p) =>
        outcome({
          highWatermark: p.partition === 3 ? 11n : 10n,
          lastStableOffset: p.partition === 3 ? 11n : 10n,
        }),
      ),
      0,
    );
    assert.deepEqual(second.included, [false, false, false, false]);
  });

  it('moves partitions that returned records to the end of the session (fairness)', () => {
    const cache = newCache();
    const sessionId = openSession(cache, 3);
    const context = live(newFetchContext(cache, request({ sessionId, sessionEpoch: 1 }), 0));
    completeFetch(cache, context, [outcome({ recordsBytes: 10 }), outcome(), outcome()], 0);
    const next = live(newFetchContext(cache, request({ sessionId, sessionEpoch: 2 }), 0));
    assert.deepEqual(
      next.partitions.map((p) => p.partition),
      [1, 2, 0],
    );
  });

  it('keys v13+ sessions by topic id, so a forgotten id removes its partitions whatever the name', () => {
    const cache = newCache();
    const full = live(
      newFetchContext(cache, request({ usesTopicIds: true, partitions: [requested(0, 0n, '')] }), 0),
    );
    const { sessionId } = completeFetch(cache, full, [outcome()], 0);
    const next = live(
      newFetchContext(
        cache,
        request({
          sessionId,
          sessionEpoch: 1,
          usesTopicIds: true,
          forgotten: [{ topic: 'renamed', topicId: ID_A, partition: 0 }],
        }),
        0,
      ),
    );
    assert.equal(next.partitions.length, 0);
  });

  it('wraps the epoch after the largest int32 to 1, never to 0 or -1', () => {
    assert.equal(nextEpoch(5), 6);
    assert.equal(nextEpoch(2147483647), 1);
  });
});
