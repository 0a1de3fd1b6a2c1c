import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eventually } from './eventually.js';

describe('eventually', () => {
  it('returns the first defined value, retrying probes that throw', async () => {
    let calls = 0;
    const value = await eventually(
      'the third call',
      () => {
        calls += 1;
        if (calls === 1) throw new Error('not yet');
        return calls === 3 ? 'ready' : undefined;
      },
      { intervalMs: 1 },
    );
    assert.equal(value, 'ready');
    assert.equal(calls, 3);
  });

  it('rejects after the timeout, naming what it waited for and the last error', async () => {
    await assert.rejects(
      eventually(
        'a value that never comes',
        () => {
          throw new Error('still broken');
        },
        { timeoutMs: 20, intervalMs: 1 },
      ),
      /timed out after 20 ms waiting for a value that never comes: Error: still broken/,
    );
  });
});
