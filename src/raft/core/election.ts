import { assert } from './assert.js';
import { syncProgress } from './leader-replication.js';
import { isVoter, quorumSize } from './membership.js';
import {
  becomeFollower,
  isInLeaderLease,
  isSelfVoter,
  type LeaderRole,
  latestConfig,
  leaderId,
  type NodeState,
  resetElectionTimer,
  send,
  setTerm,
} from './node-state.js';
import type { RaftMessageOf } from './raft-message.js';
import { ReadIndexQueue } from './read-index.js';

/**
 * Elections (§5.2) with pre-vote (thesis §9.6): a node whose election timer fires first asks whether it
 * could win without touching any term; only then does it bump its term. A partitioned node therefore
 * cannot force the cluster into a new term when it comes back.
 */
export function tickElection(state: NodeState): void {
  if (state.nowMs < state.electionDeadlineMs) return;
  if (!isSelfVoter(state)) {
    // Learners and removed servers never campaign.
    resetElectionTimer(state);
    return;
  }
  campaign(state, 'preVote', false);
}

export function campaign(state: NodeState, kind: 'preVote' | 'vote', isTransfer: boolean): void {
  resetElectionTimer(state);
  if (kind === 'preVote') {
    state.role = { kind: 'preCandidate', grants: new Set([state.id]), rejections: new Set() };
  } else {
    setTerm(state, state.term + 1);
    state.votedFor = state.id;
    state.role = { kind: 'candidate', grants: new Set([state.id]), rejections: new Set() };
  }
  if (countVoters(state, state.role.grants) >= quorumSize(latestConfig(state).voters.length)) {
    if (kind === 'preVote') campaign(state, 'vote', isTransfer);
    else becomeLeader(state);
    return;
  }
  const lastLogIndex = state.log.lastIndex;
  const lastLogTerm = state.log.lastTerm;
  for (const voter of latestConfig(state).voters) {
    if (voter === state.id) continue;
    if (kind === 'preVote') {
      send(state, { kind, from: state.id, to: voter, term: state.term + 1, lastLogIndex, lastLogTerm });
    } else {
      send(state, {
        kind,
        from: state.id,
        to: voter,
        term: state.term,
        lastLogIndex,
        lastLogTerm,
        isTransfer,
      });
    }
  }
}

/** Grants a pre-vote when a real vote would be granted and no live leader is known. */
export function handlePreVote(state: NodeState, message: RaftMessageOf<'preVote'>): void {
  const granted =
    message.term > state.term &&
    !isInLeaderLease(state) &&
    state.log.isUpToDate(message.lastLogIndex, message.lastLogTerm);
  send(state, {
    kind: 'preVoteResponse',
    from: state.id,
    to: message.from,
    term: granted ? message.term : state.term,
    granted,
  });
}

export function handlePreVoteResponse(state: NodeState, message: RaftMessageOf<'preVoteResponse'>): void {
  if (state.role.kind !== 'preCandidate') return;
  if (message.granted && message.term !== state.term + 1) return;
  (message.granted ? state.role.grants : state.role.rejections).add(message.from);
  decide(state, state.role.grants, state.role.rejections, 'preVote');
}

/** §5.2/§5.4.1: one vote per term, for a candidate whose log is at least as up to date as ours. */
export function handleVote(state: NodeState, message: RaftMessageOf<'vote'>): void {
  assert(message.term <= state.term, 'a vote request of a newer term moved us to it first');
  const canVote =
    state.votedFor === message.from || (state.votedFor === undefined && leaderId(state) === undefined);
  const granted =
    message.term === state.term && canVote && state.log.isUpToDate(message.lastLogIndex, message.lastLogTerm);
  if (granted) {
    state.votedFor = message.from;
    resetElectionTimer(state);
  }
  send(state, { kind: 'voteResponse', from: state.id, to: message.from, term: state.term, granted });
}

export function handleVoteResponse(state: NodeState, message: RaftMessageOf<'voteResponse'>): void {
  if (state.role.kind !== 'candidate' || message.term !== state.term) return;
  (message.granted ? state.role.grants : state.role.rejections).add(message.from);
  decide(state, state.role.grants, state.role.rejections, 'vote');
}

function decide(
  state: NodeState,
  grants: Set<number>,
  rejections: Set<number>,
  kind: 'preVote' | 'vote',
): void {
  const quorum = quorumSize(latestConfig(state).voters.length);
  if (countVoters(state, grants) >= quorum) {
    if (kind === 'preVote') campaign(state, 'vote', false);
    else becomeLeader(state);
  } else if (countVoters(state, rejections) >= quorum) {
    becomeFollower(state, state.term, undefined);
  }
}

function countVoters(state: NodeState, ids: Set<number>): number {
  const config = latestConfig(state);
  let count = 0;
  for (const id of ids) if (isVoter(config, id)) count++;
  return count;
}

/**
 * Takes the lead: every follower starts in probe mode at our last index + 1, and a no-op of the new
 * term is appended, since entries of earlier terms commit only through one of the current term (§5.4.2).
 */
function becomeLeader(state: NodeState): void {
  assert(state.role.kind === 'candidate', 'only a candidate becomes leader');
  const role: LeaderRole = {
    kind: 'leader',
    progress: new Map(),
    heartbeatDueMs: state.nowMs,
    checkQuorumDueMs: state.nowMs + state.options.electionTimeoutMs,
    transfer: undefined,
    reads: new ReadIndexQueue(state.options.maxPendingReads),
    hasCommittedInTerm: false,
  };
  state.role = role;
  syncProgress(state, role);
  state.log.append({ kind: 'noop', index: state.log.lastIndex + 1, term: state.term });
  state.needsBroadcast = true;
}

/**
 * Check-quorum: a leader that heard from no majority of voters during the last election timeout steps
 * down, so that a partitioned leader stops serving (and the others' leader stickiness expires with it).
 */
export function checkQuorum(state: NodeState): void {
  const role = state.role;
  if (role.kind !== 'leader' || state.nowMs < role.checkQuorumDueMs) return;
  role.checkQuorumDueMs = state.nowMs + state.options.electionTimeoutMs;
  const { voters } = latestConfig(state);
  let active = 0;
  for (const voter of voters) {
    if (voter === state.id || role.progress.get(voter)?.recentActive === true) active++;
  }
  for (const progress of role.progress.values()) progress.recentActive = false;
  if (active < quorumSize(voters.length)) becomeFollower(state, state.term, undefined);
}
