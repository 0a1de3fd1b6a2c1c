import { assert } from './assert.js';
import { becomeFollower, type NodeState, resetElectionTimer, send } from './node-state.js';
import type { RaftMessage, RaftMessageOf } from './raft-message.js';

/** A message from the leader of our term: follow it and restart the election timer. */
export function acknowledgeLeader(state: NodeState, message: RaftMessage): void {
  assert(message.term === state.term, 'leader messages are handled in their own term');
  assert(state.role.kind !== 'leader', `two leaders in term ${state.term}: ${state.id} and ${message.from}`);
  if (state.role.kind !== 'follower' || state.role.leaderId !== message.from) {
    becomeFollower(state, message.term, message.from);
  }
  state.leaderContactMs = state.nowMs;
  resetElectionTimer(state);
}

/**
 * AppendEntries (§5.3): accept if our log holds prevLogIndex with prevLogTerm, else reject with a hint
 * for fast backtracking. The success response leaves only after the entries are durable (it goes out
 * with the next ready(), after storage wrote everything in memory).
 */
export function handleAppend(state: NodeState, message: RaftMessageOf<'append'>): void {
  acknowledgeLeader(state, message);
  let prevLogIndex = message.prevLogIndex;
  let entries = message.entries;
  if (prevLogIndex < state.commitIndex) {
    // The committed prefix matches the leader's by Leader Completeness: skip it (it may be compacted).
    const skip = Math.min(entries.length, state.commitIndex - prevLogIndex);
    const lastSkipped = entries[skip - 1];
    assert(
      lastSkipped === undefined ||
        state.log.term(lastSkipped.index) === undefined ||
        state.log.term(lastSkipped.index) === lastSkipped.term,
      'a committed entry matches the leader',
    );
    entries = entries.slice(skip);
    prevLogIndex += skip;
    if (entries.length === 0) {
      respondSuccess(state, message.from, state.commitIndex);
      return;
    }
  } else if (state.log.term(prevLogIndex) !== message.prevLogTerm) {
    const { hintIndex, hintTerm } = state.log.conflictHint(prevLogIndex);
    send(state, {
      kind: 'appendResponse',
      from: state.id,
      to: message.from,
      term: state.term,
      success: false,
      rejectedIndex: message.prevLogIndex,
      hintIndex,
      hintTerm,
    });
    return;
  }
  const lastNewIndex = state.log.appendFromLeader(prevLogIndex, entries, state.commitIndex);
  state.commitIndex = Math.max(state.commitIndex, Math.min(message.leaderCommit, lastNewIndex));
  respondSuccess(state, message.from, lastNewIndex);
}

/**
 * Acknowledgements are cumulative, so one still waiting in the outbox for the same leader and term is
 * replaced rather than joined by another: with many small appends arriving during one write (one per
 * burst of proposals, up to the leader's window), a single acknowledgement of the highest index leaves
 * with that ready instead of one per append. Both would leave together, after the same fsync.
 */
function respondSuccess(state: NodeState, leader: number, matchIndex: number): void {
  const last = state.outbox.at(-1);
  if (last?.kind === 'appendResponse' && last.success && last.to === leader && last.term === state.term) {
    state.outbox[state.outbox.length - 1] = { ...last, matchIndex: Math.max(last.matchIndex, matchIndex) };
    return;
  }
  send(state, {
    kind: 'appendResponse',
    from: state.id,
    to: leader,
    term: state.term,
    success: true,
    matchIndex,
  });
}

/** Heartbeats carry the commit index (capped by what the leader verified we hold) and read rounds. */
export function handleHeartbeat(state: NodeState, message: RaftMessageOf<'heartbeat'>): void {
  acknowledgeLeader(state, message);
  state.commitIndex = Math.max(state.commitIndex, Math.min(message.leaderCommit, state.log.lastIndex));
  send(state, {
    kind: 'heartbeatResponse',
    from: state.id,
    to: message.from,
    term: state.term,
    readSeq: message.readSeq,
  });
}

/** A leader of an older term: answer with our term so it steps down. */
export function rejectStaleLeader(state: NodeState, message: RaftMessage): void {
  send(state, { kind: 'heartbeatResponse', from: state.id, to: message.from, term: state.term, readSeq: 0 });
}
