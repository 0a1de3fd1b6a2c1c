// Proves the leader's per-follower flow control: probe → pipeline on the first success, a bounded
// in-flight window (by count and by bytes), stale rejections ignored, fallback to probing after a rejection or a stall, and
// recovery when a follower lost entries it had acknowledged (no endless probe ping-pong).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Progress } from './progress.js';

describe('Progress', () => {
  it('probes one append at a time, then pipelines within the window', () => {
    const progress = new Progress(11, 0);
    assert.equal(progress.canSendAppend(2), true);
    progress.onAppendSent(10, 0);
    assert.equal(progress.canSendAppend(2), false, 'a probe waits for its answer');
    assert.equal(progress.onAppendAccepted(10, 1), true);
    assert.equal(progress.mode.kind, 'pipeline');
    progress.onAppendSent(15, 1);
    progress.onAppendSent(20, 1);
    assert.equal(progress.canSendAppend(2), false, 'two in flight fill a window of two');
    assert.equal(progress.next, 21);
    progress.onAppendAccepted(15, 2);
    assert.equal(progress.canSendAppend(2), true);
  });

  it('bounds the pipeline by the bytes in flight too, but always lets one append go', () => {
    const progress = new Progress(11, 0);
    progress.onAppendSent(10, 0);
    progress.onAppendAccepted(10, 0);
    progress.onAppendSent(12, 0, 600);
    assert.equal(progress.canSendAppend(8, 1000), true, '600 of 1,000 bytes in flight');
    progress.onAppendSent(20, 0, 500);
    assert.equal(progress.canSendAppend(8, 1000), false, '1,100 bytes in flight fill a budget of 1,000');
    progress.onAppendAccepted(12, 1);
    assert.equal(progress.canSendAppend(8, 1000), true, 'the acknowledged 600 bytes are free again');
    progress.onAppendAccepted(20, 2);
    progress.onAppendSent(21, 2, 5000);
    assert.equal(progress.canSendAppend(8, 1000), false, 'one large append alone is allowed, no second');
    progress.becomeProbe(3);
    progress.onAppendSent(20, 3);
    progress.onAppendAccepted(21, 4);
    assert.equal(progress.canSendAppend(8, 1000), true, 'a probe leaves no bytes counted behind');
  });

  it('ignores stale rejections and falls back to probing from the hint on a fresh one', () => {
    const progress = new Progress(11, 0);
    progress.onAppendSent(10, 0);
    progress.onAppendAccepted(10, 0);
    progress.onAppendSent(20, 0);
    assert.equal(progress.onAppendRejected(8, 5, 1), false, 'below match: stale');
    assert.equal(progress.onAppendRejected(10, 12, 1), false, 'at match while pipelining: stale');
    progress.onAppendSent(30, 1);
    assert.equal(progress.onAppendRejected(20, 14, 1), true);
    assert.deepEqual(progress.mode, { kind: 'probe', paused: false });
    assert.equal(progress.next, 14);
  });

  it('probes again when in-flight appends go unanswered for the stall timeout', () => {
    const progress = new Progress(1, 0);
    progress.onAppendSent(0, 0);
    progress.onAppendAccepted(5, 0);
    progress.onAppendSent(9, 100);
    assert.equal(progress.isStalled(150, 100), false);
    assert.equal(progress.isStalled(200, 100), true);
    progress.becomeProbe(200);
    assert.equal(progress.next, 6);
  });

  it('believes a follower that lost acknowledged entries instead of probing the same index forever', () => {
    const progress = new Progress(1, 0);
    progress.onAppendSent(0, 0);
    progress.onAppendAccepted(264, 0);
    progress.becomeProbe(1); // next = 265
    assert.equal(progress.onAppendRejected(264, 260, 2), true);
    assert.equal(progress.match, 259);
    assert.equal(progress.next, 260);
  });
});
