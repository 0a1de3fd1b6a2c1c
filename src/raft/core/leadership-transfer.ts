import { campaign } from './election.js';
import { maybeSendTimeoutNow, sendAppend } from './leader-replication.js';
import type { NodeId } from './log-entry.js';
import { isVoter } from './membership.js';
import { isSelfVoter, latestConfig, type NodeState } from './node-state.js';
import type { RaftMessageOf } from './raft-message.js';

export type TransferResult =
  | { ok: true }
  | { ok: false; reason: 'notLeader' | 'invalidTarget' | 'inProgress' };

/**
 * Leadership transfer (thesis §3.10): the leader stops taking proposals, brings the target up to date,
 * then sends TimeoutNow so the target campaigns at once (its vote requests bypass leader stickiness).
 * Aborted after one election timeout, when proposals are accepted again.
 */
export function transferLeadership(state: NodeState, target: NodeId): TransferResult {
  const role = state.role;
  if (role.kind !== 'leader') return { ok: false, reason: 'notLeader' };
  if (target === state.id || !isVoter(latestConfig(state), target))
    return { ok: false, reason: 'invalidTarget' };
  if (role.transfer !== undefined) return { ok: false, reason: 'inProgress' };
  const progress = role.progress.get(target);
  if (progress === undefined) return { ok: false, reason: 'invalidTarget' };
  role.transfer = {
    target,
    deadlineMs: state.nowMs + state.options.electionTimeoutMs,
    timeoutNowSent: false,
  };
  maybeSendTimeoutNow(state, role, target, progress);
  if (!role.transfer.timeoutNowSent) sendAppend(state, target, progress, false);
  return { ok: true };
}

export function tickTransfer(state: NodeState): void {
  const role = state.role;
  if (role.kind === 'leader' && role.transfer !== undefined && state.nowMs >= role.transfer.deadlineMs) {
    role.transfer = undefined;
  }
}

/** The target side: campaign right away, skipping pre-vote (the leader vouched for our log). */
export function handleTimeoutNow(state: NodeState, _message: RaftMessageOf<'timeoutNow'>): void {
  if (state.role.kind === 'leader' || !isSelfVoter(state)) return;
  campaign(state, 'vote', true);
}
