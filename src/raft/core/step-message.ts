import { assertNever } from './assert.js';
import { handlePreVote, handlePreVoteResponse, handleVote, handleVoteResponse } from './election.js';
import { handleAppend, handleHeartbeat, rejectStaleLeader } from './follower-replication.js';
import { handleAppendResponse, handleHeartbeatResponse, resumeAfterSnapshot } from './leader-replication.js';
import { handleTimeoutNow } from './leadership-transfer.js';
import { becomeFollower, isInLeaderLease, type NodeState } from './node-state.js';
import type { RaftMessage } from './raft-message.js';
import { handleInstallSnapshot, handleInstallSnapshotResponse } from './snapshot-transfer.js';

/**
 * Routes one incoming message (Raft's "rules for all servers", §5.1): a newer term moves this node to
 * it first (except for pre-votes, whose term is only proposed, and for vote requests while a leader is
 * alive), an older term is answered so its sender catches up, then the message goes to its handler.
 */
export function stepMessage(state: NodeState, message: RaftMessage): void {
  if (message.to !== state.id || message.from === state.id) return;
  if (message.term > state.term) {
    if (!moveToNewerTerm(state, message)) return;
  } else if (message.term < state.term) {
    answerOlderTerm(state, message);
    return;
  }
  dispatch(state, message);
}

/** Returns false when the message must be ignored altogether. */
function moveToNewerTerm(state: NodeState, message: RaftMessage): boolean {
  switch (message.kind) {
    case 'preVote':
      return true; // its term is only proposed
    case 'preVoteResponse':
      if (!message.granted) becomeFollower(state, message.term, undefined);
      return true;
    case 'vote':
      // Thesis §4.2.3: while a leader is alive, a vote request is a disruption (a removed server, or
      // a node back from a partition) unless the leader itself asked for it (transfer).
      if (!message.isTransfer && isInLeaderLease(state)) return false;
      becomeFollower(state, message.term, undefined);
      return true;
    case 'append':
    case 'heartbeat':
    case 'installSnapshot':
    case 'timeoutNow':
      becomeFollower(state, message.term, message.from);
      return true;
    case 'voteResponse':
    case 'appendResponse':
    case 'heartbeatResponse':
    case 'installSnapshotResponse':
      becomeFollower(state, message.term, undefined);
      return true;
    default:
      return assertNever(message);
  }
}

function answerOlderTerm(state: NodeState, message: RaftMessage): void {
  switch (message.kind) {
    case 'append':
    case 'heartbeat':
    case 'installSnapshot':
      rejectStaleLeader(state, message);
      return;
    case 'preVote':
      handlePreVote(state, message);
      return;
    case 'vote':
      handleVote(state, message);
      return;
    case 'preVoteResponse':
      handlePreVoteResponse(state, message);
      return;
    case 'voteResponse':
    case 'appendResponse':
    case 'heartbeatResponse':
    case 'installSnapshotResponse':
    case 'timeoutNow':
      return;
    default:
      assertNever(message);
  }
}

function dispatch(state: NodeState, message: RaftMessage): void {
  const role = state.role;
  switch (message.kind) {
    case 'preVote':
      handlePreVote(state, message);
      return;
    case 'preVoteResponse':
      handlePreVoteResponse(state, message);
      return;
    case 'vote':
      handleVote(state, message);
      return;
    case 'voteResponse':
      handleVoteResponse(state, message);
      return;
    case 'append':
      handleAppend(state, message);
      return;
    case 'heartbeat':
      handleHeartbeat(state, message);
      return;
    case 'installSnapshot':
      handleInstallSnapshot(state, message);
      return;
    case 'timeoutNow':
      handleTimeoutNow(state, message);
      return;
    case 'appendResponse':
      if (role.kind === 'leader') handleAppendResponse(state, role, message);
      return;
    case 'heartbeatResponse':
      if (role.kind === 'leader') handleHeartbeatResponse(state, role, message);
      return;
    case 'installSnapshotResponse':
      if (role.kind === 'leader' && handleInstallSnapshotResponse(state, role, message)) {
        resumeAfterSnapshot(state, role, message.from);
      }
      return;
    default:
      assertNever(message);
  }
}
