import { assert, assertNever } from './assert.js';

/**
 * How the leader currently feeds one follower:
 * - probe: one append at a time until a response tells where the logs match (after election or a reject);
 * - pipeline: optimistic, up to maxInflightAppends appends in flight, `next` runs ahead of `match`;
 * - snapshot: the follower needs entries the leader compacted, so the snapshot is sent chunk by chunk.
 */
export type ReplicationMode =
  | { kind: 'probe'; paused: boolean }
  | { kind: 'pipeline'; inflight: number[] }
  | {
      kind: 'snapshot';
      snapshotIndex: number;
      /** Next byte offset to send; one chunk is in flight at a time. */
      offset: number;
      awaiting: boolean;
    };

/** The leader's view of one follower or learner (Raft's nextIndex/matchIndex plus flow control). */
export class Progress {
  /** Highest index known durable on the follower and matching the leader's log. */
  match = 0;
  /** Next index to send. */
  next: number;
  mode: ReplicationMode = { kind: 'probe', paused: false };
  /** Any message from it since the last check-quorum round. */
  recentActive = true;
  /** Highest read-index sequence it acknowledged. */
  readAck = 0;
  /** Since when we wait for an answer to what is in flight (for stall detection). */
  #waitingSinceMs: number;

  constructor(next: number, nowMs: number) {
    this.next = next;
    this.#waitingSinceMs = nowMs;
  }

  canSendAppend(maxInflight: number): boolean {
    switch (this.mode.kind) {
      case 'probe':
        return !this.mode.paused;
      case 'pipeline':
        return this.mode.inflight.length < maxInflight;
      case 'snapshot':
        return false;
      default:
        return assertNever(this.mode);
    }
  }

  /** An append ending at `lastIndex` (prevLogIndex when empty) went out. */
  onAppendSent(lastIndex: number, nowMs: number): void {
    switch (this.mode.kind) {
      case 'probe':
        this.mode.paused = true;
        this.#waitingSinceMs = nowMs;
        return;
      case 'pipeline':
        if (this.mode.inflight.length === 0) this.#waitingSinceMs = nowMs;
        if (lastIndex >= this.next) {
          this.mode.inflight.push(lastIndex);
          this.next = lastIndex + 1;
        }
        return;
      case 'snapshot':
        assert(false, 'no appends while a snapshot is being sent');
        return;
      default:
        assertNever(this.mode);
    }
  }

  /** The follower holds everything up to `matchIndex`. Returns whether match moved. */
  onAppendAccepted(matchIndex: number, nowMs: number): boolean {
    if (matchIndex <= this.match) return false;
    this.match = matchIndex;
    this.next = Math.max(this.next, matchIndex + 1);
    this.#waitingSinceMs = nowMs;
    switch (this.mode.kind) {
      case 'probe':
        this.mode = { kind: 'pipeline', inflight: [] };
        break;
      case 'pipeline':
        this.mode.inflight = this.mode.inflight.filter((index) => index > matchIndex);
        break;
      case 'snapshot':
        if (matchIndex >= this.mode.snapshotIndex) this.becomeProbe(nowMs);
        break;
      default:
        assertNever(this.mode);
    }
    return true;
  }

  /**
   * The follower rejected an append whose prevLogIndex was `rejectedIndex`; `hintedNext` is where the
   * leader's hint search suggests to restart. Stale rejections (for appends older than the current
   * probe, or below match) are ignored. Returns whether next moved.
   */
  onAppendRejected(rejectedIndex: number, hintedNext: number, nowMs: number): boolean {
    switch (this.mode.kind) {
      case 'probe':
        if (rejectedIndex !== this.next - 1) return false;
        break;
      case 'pipeline':
        if (rejectedIndex <= this.match) return false;
        break;
      case 'snapshot':
        return false;
      default:
        return assertNever(this.mode);
    }
    const restartAt = Math.min(hintedNext, rejectedIndex);
    if (this.mode.kind === 'probe' && restartAt <= this.match) {
      // The follower no longer holds entries it acknowledged (storage lost them, or a delayed
      // rejection): believe it, or the same probe would bounce forever. Commit never moves back.
      this.match = Math.max(0, restartAt - 1);
    }
    // Restart strictly below the rejected prevLogIndex and strictly above what is known to match.
    this.next = Math.max(this.match + 1, restartAt);
    this.mode = { kind: 'probe', paused: false };
    this.#waitingSinceMs = nowMs;
    return true;
  }

  becomeProbe(nowMs: number): void {
    this.next = this.match + 1;
    this.mode = { kind: 'probe', paused: false };
    this.#waitingSinceMs = nowMs;
  }

  becomeSnapshot(snapshotIndex: number, nowMs: number): void {
    this.mode = { kind: 'snapshot', snapshotIndex, offset: 0, awaiting: false };
    this.#waitingSinceMs = nowMs;
  }

  /** A snapshot chunk went out or was answered. */
  touch(nowMs: number): void {
    this.#waitingSinceMs = nowMs;
  }

  /** Lets a paused probe go again (a heartbeat response proves the follower is reachable). */
  resume(): void {
    if (this.mode.kind === 'probe') this.mode.paused = false;
  }

  /** Something is in flight and nothing came back for `stallMs`: messages were probably lost. */
  isStalled(nowMs: number, stallMs: number): boolean {
    const waiting =
      (this.mode.kind === 'probe' && this.mode.paused) ||
      (this.mode.kind === 'pipeline' && this.mode.inflight.length > 0) ||
      (this.mode.kind === 'snapshot' && this.mode.awaiting);
    return waiting && nowMs - this.#waitingSinceMs >= stallMs;
  }
}
