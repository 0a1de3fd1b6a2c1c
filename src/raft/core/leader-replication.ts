import { assert, assertNever } from './assert.js';
import { entryBytes, type NodeId } from './log-entry.js';
import { quorumValue, replicationTargets } from './membership.js';
import { becomeFollower, type LeaderRole, latestConfig, type NodeState, send } from './node-state.js';
import { Progress } from './progress.js';
import type { RaftMessageOf } from './raft-message.js';
import { sendSnapshotChunk } from './snapshot-transfer.js';

/**
 * Sends one append to `peer` if its flow control allows: entries from `next` (batched up to
 * maxAppendBytes/maxAppendEntries), or an empty probe when `allowEmpty`. Falls back to the snapshot
 * when the entry before `next` was compacted away. Returns whether a message went out.
 */
export function sendAppend(state: NodeState, peer: NodeId, progress: Progress, allowEmpty: boolean): boolean {
  const { maxInflightAppends, maxInflightAppendBytes } = state.options;
  if (!progress.canSendAppend(maxInflightAppends, maxInflightAppendBytes)) return false;
  const prevLogIndex = progress.next - 1;
  const prevLogTerm = state.log.term(prevLogIndex);
  if (prevLogTerm === undefined) {
    assert(prevLogIndex < state.log.firstIndex, `next ${progress.next} lies beyond the leader's log`);
    sendSnapshotChunk(state, peer, progress);
    return true;
  }
  const { maxAppendBytes, maxAppendEntries } = state.options;
  const entries = state.log.slice(progress.next, state.log.lastIndex, maxAppendBytes, maxAppendEntries);
  if (entries.length === 0 && !allowEmpty) return false;
  send(state, {
    kind: 'append',
    from: state.id,
    to: peer,
    term: state.term,
    prevLogIndex,
    prevLogTerm,
    entries,
    leaderCommit: state.commitIndex,
  });
  let bytes = 0;
  for (const entry of entries) bytes += entryBytes(entry);
  progress.onAppendSent(entries.at(-1)?.index ?? prevLogIndex, state.nowMs, bytes);
  return true;
}

/** Sends what flow control allows: one probe, or appends up to the in-flight window while pipelining. */
export function replicate(state: NodeState, peer: NodeId, progress: Progress): void {
  for (let sent = 0; sent < state.options.maxInflightAppends; sent++) {
    if (!sendAppend(state, peer, progress, false)) return;
    if (progress.mode.kind !== 'pipeline') return;
  }
}

export function broadcastAppend(state: NodeState, role: LeaderRole): void {
  for (const [peer, progress] of role.progress) replicate(state, peer, progress);
}

/** Keeps one Progress per replication target of the latest configuration (it changes on append). */
export function syncProgress(state: NodeState, role: LeaderRole): void {
  const targets = replicationTargets(latestConfig(state), state.id);
  for (const peer of targets) {
    if (!role.progress.has(peer)) role.progress.set(peer, new Progress(state.log.lastIndex + 1, state.nowMs));
  }
  for (const peer of [...role.progress.keys()]) if (!targets.includes(peer)) role.progress.delete(peer);
}

export function handleAppendResponse(
  state: NodeState,
  role: LeaderRole,
  message: RaftMessageOf<'appendResponse'>,
) {
  const progress = role.progress.get(message.from);
  if (progress === undefined) return;
  progress.recentActive = true;
  if (message.success) {
    assert(message.matchIndex <= state.log.lastIndex, 'a follower cannot match beyond the leader log');
    if (progress.onAppendAccepted(message.matchIndex, state.nowMs)) {
      maybeCommit(state, role);
      if (state.role !== role) return;
    }
    maybeSendTimeoutNow(state, role, message.from, progress);
    replicate(state, message.from, progress);
    return;
  }
  const hintedNext = nextFromHint(state, message.rejectedIndex, message.hintIndex, message.hintTerm);
  if (progress.onAppendRejected(message.rejectedIndex, hintedNext, state.nowMs)) {
    sendAppend(state, message.from, progress, true);
  }
}

/** `peer` now holds the snapshot: commit what that allows, then resume appends right after it. */
export function resumeAfterSnapshot(state: NodeState, role: LeaderRole, peer: NodeId): void {
  const progress = role.progress.get(peer);
  if (maybeCommit(state, role) && state.role !== role) return;
  if (progress !== undefined) sendAppend(state, peer, progress, true);
}

/**
 * Fast backtracking: if the leader has entries of the follower's conflicting term, the logs agree up to
 * the leader's last entry of that term; otherwise the follower's whole run of that term is suspect.
 */
function nextFromHint(state: NodeState, rejectedIndex: number, hintIndex: number, hintTerm: number): number {
  if (hintTerm === 0) return hintIndex;
  const lastOfTerm = state.log.lastIndexOfTerm(hintTerm, rejectedIndex);
  return lastOfTerm === undefined ? hintIndex : lastOfTerm + 1;
}

/**
 * Advances commitIndex to what a majority of voters hold durably, counting only an entry of the
 * current term (§5.4.2; earlier ones commit with it). The leader counts itself with its stable index,
 * never with entries still on their way to its disk.
 */
export function maybeCommit(state: NodeState, role: LeaderRole): boolean {
  const { voters } = latestConfig(state);
  const matches = voters.map((id) =>
    id === state.id ? state.log.stableIndex : (role.progress.get(id)?.match ?? 0),
  );
  const candidate = quorumValue(matches);
  if (candidate <= state.commitIndex || state.log.term(candidate) !== state.term) return false;
  state.commitIndex = candidate;
  role.hasCommittedInTerm = true;
  const latest = state.log.latestConfig();
  if (!voters.includes(state.id) && latest.index <= state.commitIndex) {
    // Thesis §4.2.2: a leader removed from the configuration steps down once the removal committed,
    // handing over to a voter holding its whole log so that nobody waits for an election timeout.
    const successor = voters.find((id) => role.progress.get(id)?.match === state.log.lastIndex);
    if (successor !== undefined)
      send(state, { kind: 'timeoutNow', from: state.id, to: successor, term: state.term });
    becomeFollower(state, state.term, undefined);
    return true;
  }
  // Tell idle followers the new commit index now rather than at the next heartbeat.
  for (const [peer, progress] of role.progress) {
    if (progress.mode.kind === 'pipeline' && progress.mode.inflight.length === 0) {
      sendAppend(state, peer, progress, true);
    }
  }
  return true;
}

export function broadcastHeartbeat(state: NodeState, role: LeaderRole): void {
  role.heartbeatDueMs = state.nowMs + state.options.heartbeatIntervalMs;
  for (const [peer, progress] of role.progress) {
    send(state, {
      kind: 'heartbeat',
      from: state.id,
      to: peer,
      term: state.term,
      leaderCommit: Math.min(state.commitIndex, progress.match),
      readSeq: state.readSeq,
    });
  }
}

export function handleHeartbeatResponse(
  state: NodeState,
  role: LeaderRole,
  message: RaftMessageOf<'heartbeatResponse'>,
): void {
  const progress = role.progress.get(message.from);
  if (progress === undefined) return;
  progress.recentActive = true;
  progress.readAck = Math.max(progress.readAck, message.readSeq);
  confirmReads(state, role);
  if (progress.mode.kind === 'probe') {
    progress.resume();
    sendAppend(state, message.from, progress, true);
  } else {
    replicate(state, message.from, progress);
  }
}

/** Releases the read-index requests whose heartbeat round a majority of voters answered. */
function confirmReads(state: NodeState, role: LeaderRole): void {
  if (role.reads.size === 0) return;
  const { voters } = latestConfig(state);
  const acks = voters.map((id) => (id === state.id ? state.readSeq : (role.progress.get(id)?.readAck ?? 0)));
  state.readStates.push(...role.reads.confirm(quorumValue(acks)));
}

/** Read-index request: see ReadIndexQueue. Answers through ready().readStates. */
export function requestReadIndex(state: NodeState, requestId: number): void {
  const role = state.role;
  if (role.kind !== 'leader') {
    state.readStates.push({ kind: 'failed', requestId, reason: 'notLeader' });
    return;
  }
  if (!role.hasCommittedInTerm) {
    state.readStates.push({ kind: 'failed', requestId, reason: 'notReady' });
    return;
  }
  state.readSeq++;
  if (!role.reads.add(requestId, state.commitIndex, state.readSeq)) {
    state.readStates.push({ kind: 'failed', requestId, reason: 'overloaded' });
    return;
  }
  state.needsReadRound = true;
  confirmReads(state, role);
}

/** Heartbeats, and a new probe for followers whose in-flight messages seem lost. */
export function tickReplication(state: NodeState, role: LeaderRole): void {
  if (state.nowMs >= role.heartbeatDueMs) broadcastHeartbeat(state, role);
  for (const [peer, progress] of role.progress) {
    if (!progress.isStalled(state.nowMs, state.options.appendStallTimeoutMs)) continue;
    const mode = progress.mode;
    switch (mode.kind) {
      case 'probe':
        progress.resume();
        sendAppend(state, peer, progress, true);
        break;
      case 'pipeline':
        progress.becomeProbe(state.nowMs);
        sendAppend(state, peer, progress, true);
        break;
      case 'snapshot':
        mode.awaiting = false;
        sendSnapshotChunk(state, peer, progress);
        break;
      default:
        assertNever(mode);
    }
  }
}

/** Leadership transfer: once the target holds our whole log, tell it to campaign now. */
export function maybeSendTimeoutNow(
  state: NodeState,
  role: LeaderRole,
  peer: NodeId,
  progress: Progress,
): void {
  const transfer = role.transfer;
  if (transfer === undefined || transfer.target !== peer || transfer.timeoutNowSent) return;
  if (progress.match !== state.log.lastIndex) return;
  transfer.timeoutNowSent = true;
  send(state, { kind: 'timeoutNow', from: state.id, to: peer, term: state.term });
}
