// Proves PendingProposals' bookkeeping: a proposal resolves when its own entry is applied, is rejected
// with ProposalLostError when another term's entry is applied at its index, and is rejected (not left
// waiting forever) when this node proposes again at its index in a later term.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ProposalLostError } from './driver-errors.js';
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
});
