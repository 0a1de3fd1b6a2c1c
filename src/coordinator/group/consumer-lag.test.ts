// Lag is log end minus committed offset, clamped at zero, and undefined (null) for partitions without a commit.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { groupLag } from './consumer-lag.js';
import { OffsetStore } from './offset-store.js';

it('lag per partition: committed vs log end offset', () => {
  const store = new OffsetStore();
  const offset = { leaderEpoch: -1, metadata: '', commitTimestampMs: 0, expireTimestampMs: null };
  store.put('g', { topic: 't', partition: 0, offset: 5n, ...offset });
  store.put('g', { topic: 't', partition: 1, offset: 12n, ...offset });
  const lag = groupLag(store, 'g', new Map([['t', [10n, 10n, 3n]]]));
  assert.deepEqual(
    lag.map((l) => l.lag),
    [5n, 0n, null],
  );
  assert.equal(lag[2]?.committedOffset, -1n);
});
