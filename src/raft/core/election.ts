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

/**
 * Grants a pre-vote when a real vote would be granted and no live leader is known, unless this node
 * is itself pre-campaigning for the same term with a stronger claim (see outranks).
 */
export function handlePreVote(state: NodeState, message: RaftMessageOf<'preVote'>): void {
  const granted =
    message.term > state.term &&
    !isInLeaderLease(state) &&
    state.log.isUpToDate(message.lastLogIndex, message.lastLogTerm) &&
    !outranks(state, message);
  send(state, {
    kind: 'preVoteResponse',
    from: state.id,
    to: message.from,
    term: granted ? message.term : state.term,
    granted,
  });
  if (
    !granted &&
    state.role.kind === 'follower' &&
    message.term > state.term &&
    !isInLeaderLease(state) &&
    !state.log.isUpToDate(message.lastLogIndex, message.lastLogTerm) &&
    isSelfVoter(state)
  ) {
    // Someone whose log is behind ours wants a new leader, and we have not heard one for a whole
    // election timeout either: we are the better candidate, and our own timer would fire within one
    // more timeout anyway. Pre-vote now instead of leaving the cluster leaderless until then (a node
    // restarted just before the leader died is behind, and usually the first to time out).
    campaign(state, 'preVote', false);
  }
}

/**
 * Two nodes whose election timers fire within a message delay of each other (both heard the dead
 * leader last at the same moment) would grant each other's pre-vote, both become candidates, each vote
 * for itself and split the vote: in a 3-node cluster with one node down that costs a whole extra
 * election timeout. So a pre-candidate for the same term grants only a candidacy that ranks above its
 * own (a more up-to-date log, or an equally up-to-date one from a lower id), unless that node already
 * refused its own pre-vote. The top-ranked of the simultaneous pre-candidates is never refused for
 * this reason, and pre-votes change no state, so neither safety nor liveness depends on it; only the
 * split becomes unlikely.
 */
function outranks(state: NodeState, message: RaftMessageOf<'preVote'>): boolean {
  const role = state.role;
  if (role.kind !== 'preCandidate' || message.term !== state.term + 1) return false;
  // It already refused us (it still heard the leader, say): holding out against it would only stall
  // both until our next timeout.
  if (role.rejections.has(message.from)) return false;
  const log = state.log;
  if (message.lastLogTerm !== log.lastTerm) return log.lastTerm > message.lastLogTerm;
  if (message.lastLogIndex !== log.lastIndex) return log.lastIndex > message.lastLogIndex;
  return state.id < message.from;
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
