// Proves the client side of KIP-227: full first fetch, incremental fetches naming only changed partitions
// and forgotten ones, epochs that advance, and a full fetch again after a session error.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode, ZERO_UUID } from '../../protocol/index.js';
import { FetchSession, type FetchTarget } from './fetch-session.js';

function target(partition: number, fetchOffset: bigint): FetchTarget {
  return {
    topic: 't',
    topicId: ZERO_UUID,
    partition,
    fetchOffset,
    currentLeaderEpoch: -1,
    partitionMaxBytes: 100,
  };
}

describe('FetchSession', () => {
  it('opens with a full fetch, then sends only changed partitions with increasing epochs', () => {
    const session = new FetchSession();
    const first = session.build([target(0, 0n), target(1, 0n)], true);
    assert.deepEqual(
      [first.sessionId, first.sessionEpoch, first.isFull, first.toSend.length],
      [0, 0, true, 2],
    );
    session.onResponse({ errorCode: 0, sessionId: 77 });
    const second = session.build([target(0, 5n), target(1, 0n)], true);
    assert.deepEqual([second.sessionId, second.sessionEpoch, second.isFull], [77, 1, false]);
    assert.deepEqual(
      second.toSend.map((t) => [t.partition, t.fetchOffset]),
      [[0, 5n]],
    );
    session.onResponse({ errorCode: 0, sessionId: 77 });
    const third = session.build([target(0, 5n)], true);
    assert.equal(third.sessionEpoch, 2);
    assert.deepEqual(third.toSend, []);
    assert.deepEqual(
      third.toForget.map((t) => t.partition),
      [1],
    );
  });

  it('falls back to a full fetch after FETCH_SESSION_ID_NOT_FOUND or a failed request', () => {
    const session = new FetchSession();
    session.build([target(0, 0n)], true);
    session.onResponse({ errorCode: 0, sessionId: 9 });
    session.build([target(0, 1n)], true);
    session.onResponse({ errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND, sessionId: 0 });
    const again = session.build([target(0, 1n)], true);
    assert.deepEqual([again.sessionId, again.sessionEpoch, again.isFull], [0, 0, true]);
    session.onResponse({ errorCode: 0, sessionId: 10 });
    session.build([target(0, 2n)], true);
    session.reset();
    assert.equal(session.build([target(0, 2n)], true).isFull, true);
  });

  it('never uses a session below Fetch v7', () => {
    const session = new FetchSession();
    session.build([target(0, 0n)], false);
    session.onResponse({ errorCode: 0, sessionId: 0 });
    const next = session.build([target(0, 3n)], false);
    assert.deepEqual([next.sessionId, next.sessionEpoch, next.isFull], [0, -1, true]);
  });
});
