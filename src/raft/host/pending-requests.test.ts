// Proves PendingProposals' bookkeeping: a proposal resolves when its own entry is applied, is rejected
// with ProposalLostError when another term's entry is applied at its index, and is rejected (not left
// waiting forever) when this node proposes again at its index in a later term, and that losing the
// leadership settles every uncommitted proposal of another term at once: lost when the log no longer
// holds it, outcome unknown (LeadershipLostError, a NotLeaderError) when it does.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LeadershipLostError, NotLeaderError, ProposalLostError } from './driver-errors.js';
import { PendingProposals } from './pending-requests.js';

const command = (index: number, term: number) =>
  ({ kind: 'command', index, term, data: new Uint8Array(4) }) as const;

describe('PendingProposals', () => {
  it('resolves with the result when its entry is applied, rejects when another term won the index', async () => {
    const pending = new PendingProposals();
    const mine = pending.add(5, 2);
    const lost = pending.add(6, 2);
    pending.applied(command(5, 2), Buffer.from('ok'));
    pending.applied(command(6, 3), Buffer.from('other'));
    assert.equal(Buffer.from((await mine).result).toString(), 'ok');
    await assert.rejects(lost, ProposalLostError);
    assert.equal(pending.size, 0);
  });

  it('rejects an earlier term proposal at an index this node proposes at again', async () => {
    const pending = new PendingProposals();
    const overwritten = pending.add(7, 2);
    const again = pending.add(7, 4);
    await assert.rejects(overwritten, ProposalLostError);
    pending.applied(command(7, 4), Buffer.from('new'));
    assert.equal(Buffer.from((await again).result).toString(), 'new');
  });

  it('settles the uncommitted proposals of a lost leadership at once, and keeps the rest', async () => {
    const pending = new PendingProposals();
    const committed = pending.add(3, 2);
    const stillInLog = pending.add(4, 2);
    const overwritten = pending.add(5, 2);
    const logTerms = new Map([
      [3, 2],
      [4, 2],
      [5, 3],
    ]);
    pending.leadershipChanged(undefined, 3, (index) => logTerms.get(index), 7);
    await assert.rejects(stillInLog, (error: unknown) => {
      assert.ok(error instanceof LeadershipLostError && error instanceof NotLeaderError);
      assert.equal(error.leaderId, 7);
      assert.match(error.message, /entry 4.*may still commit/);
      return true;
    });
    await assert.rejects(overwritten, ProposalLostError);
    assert.equal(pending.size, 1, 'the committed one settles when applied');
    pending.applied(command(3, 2), Buffer.from('ok'));
    assert.equal(Buffer.from((await committed).result).toString(), 'ok');
  });

  it('keeps the proposals of the term this node leads', async () => {
    const pending = new PendingProposals();
    const old = pending.add(4, 2);
    const current = pending.add(5, 4);
    pending.leadershipChanged(4, 3, () => 2, 1);
    await assert.rejects(old, LeadershipLostError);
    assert.equal(pending.size, 1);
    pending.applied(command(5, 4), Buffer.from('mine'));
    assert.equal(Buffer.from((await current).result).toString(), 'mine');
  });
});
