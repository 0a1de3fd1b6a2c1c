import { assert } from './assert.js';
import { acknowledgeLeader } from './follower-replication.js';
import type { NodeId } from './log-entry.js';
import { type LeaderRole, type NodeState, send } from './node-state.js';
import type { Progress } from './progress.js';
import type { RaftMessageOf } from './raft-message.js';
import { SnapshotReceiver } from './snapshot-receiver.js';

/**
 * InstallSnapshot (§7) for a follower behind the leader's first index: the latest durable snapshot goes
 * out in chunks of snapshotChunkBytes, one in flight at a time, each answered with the offset the
 * follower expects next (so a lost chunk is resent, and a restarted follower restarts from 0).
 */
export function sendSnapshotChunk(state: NodeState, peer: NodeId, progress: Progress): void {
  const snapshot = state.snapshot;
  assert(snapshot !== undefined, 'a compacted log has a durable snapshot');
  if (progress.mode.kind !== 'snapshot' || progress.mode.snapshotIndex !== snapshot.index) {
    progress.becomeSnapshot(snapshot.index, state.nowMs);
  }
  const mode = progress.mode;
  assert(mode.kind === 'snapshot', 'progress is in snapshot mode');
  if (mode.awaiting) return;
  const end = Math.min(mode.offset + state.options.snapshotChunkBytes, snapshot.data.byteLength);
  send(state, {
    kind: 'installSnapshot',
    from: state.id,
    to: peer,
    term: state.term,
    snapshotIndex: snapshot.index,
    snapshotTerm: snapshot.term,
    config: snapshot.config,
    offset: mode.offset,
    chunk: snapshot.data.subarray(mode.offset, end),
    done: end >= snapshot.data.byteLength,
  });
  mode.awaiting = true;
  progress.touch(state.nowMs);
}

/** Returns true when the follower now holds the snapshot, so appends can resume after it. */
export function handleInstallSnapshotResponse(
  state: NodeState,
  role: LeaderRole,
  message: RaftMessageOf<'installSnapshotResponse'>,
): boolean {
  const progress = role.progress.get(message.from);
  if (progress === undefined) return false;
  progress.recentActive = true;
  const mode = progress.mode;
  if (mode.kind !== 'snapshot' || mode.snapshotIndex !== message.snapshotIndex) return false;
  if (message.done) return progress.onAppendAccepted(message.snapshotIndex, state.nowMs);
  mode.offset = message.nextOffset;
  mode.awaiting = false;
  sendSnapshotChunk(state, message.from, progress);
  return false;
}

/**
 * Follower side: collects chunks; the last one replaces the whole log with the snapshot, which the
 * caller persists and restores into its state machine (ready().snapshot with restore = true).
 */
export function handleInstallSnapshot(state: NodeState, message: RaftMessageOf<'installSnapshot'>): void {
  acknowledgeLeader(state, message);
  const respond = (nextOffset: number, done: boolean) =>
    send(state, {
      kind: 'installSnapshotResponse',
      from: state.id,
      to: message.from,
      term: state.term,
      snapshotIndex: message.snapshotIndex,
      nextOffset,
      done,
    });
  if (message.snapshotIndex <= state.commitIndex) {
    // Everything it covers is committed here already: the log matches the leader's up to there.
    state.receiver = undefined;
    respond(0, true);
    return;
  }
  if (state.log.term(message.snapshotIndex) === message.snapshotTerm) {
    // Our log already holds the snapshot's last entry, hence (log matching) everything before it, and
    // possibly entries after it that we acknowledged: keep them all (§7), and learn the commit index.
    // Replacing the log here would drop acknowledged entries, and the leader's match for us with them.
    state.receiver = undefined;
    state.commitIndex = message.snapshotIndex;
    respond(0, true);
    return;
  }
  if (message.offset === 0) {
    state.receiver = new SnapshotReceiver({
      index: message.snapshotIndex,
      term: message.snapshotTerm,
      config: message.config,
    });
  }
  const receiver = state.receiver;
  if (receiver === undefined || !receiver.isFor(message.snapshotIndex, message.snapshotTerm)) {
    respond(0, false);
    return;
  }
  if (message.offset !== receiver.nextOffset) {
    respond(receiver.nextOffset, false);
    return;
  }
  receiver.append(message.offset, message.chunk);
  if (!message.done) {
    respond(receiver.nextOffset, false);
    return;
  }
  const snapshot = receiver.finish();
  state.receiver = undefined;
  state.log.restore({ index: snapshot.index, term: snapshot.term, config: snapshot.config });
  state.commitIndex = snapshot.index;
  state.pendingSnapshot = { snapshot, restore: true };
  respond(receiver.nextOffset, true);
}
