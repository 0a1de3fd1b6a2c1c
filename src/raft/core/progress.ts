import { assert, assertNever } from './assert.js';

/**
 * How the leader currently feeds one follower:
 * - probe: one append at a time until a response tells where the logs match (after election or a reject);
 * - pipeline: optimistic, up to maxInflightAppends appends (and maxInflightAppendBytes of entries) in
 *   flight, `next` runs ahead of `match`;
 * - snapshot: the follower needs entries the leader compacted, so the snapshot is sent chunk by chunk.
 */
export type ReplicationMode =
  | { kind: 'probe'; paused: boolean }
  | { kind: 'pipeline'; inflight: InflightAppend[] }
  | {
      kind: 'snapshot';
      snapshotIndex: number;
      /** Next byte offset to send; one chunk is in flight at a time. */
      offset: number;
      awaiting: boolean;
    };

/** An append in flight while pipelining: its last index and the bytes of its entries (entryBytes). */
export interface InflightAppend {
  readonly lastIndex: number;
  readonly bytes: number;
}

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
  /** Entry bytes of the appends in flight while pipelining (the sum over mode.inflight). */
  #inflightBytes = 0;

  constructor(next: number, nowMs: number) {
    this.next = next;
    this.#waitingSinceMs = nowMs;
  }

  /**
   * Whether one more append may go out: a probe waits for its answer; a pipeline keeps fewer than
   * `maxInflight` appends and fewer than `maxInflightBytes` entry bytes in flight (an append always
   * fits when nothing is in flight, whatever its size).
   */
  canSendAppend(maxInflight: number, maxInflightBytes = Number.POSITIVE_INFINITY): boolean {
    switch (this.mode.kind) {
      case 'probe':
        return !this.mode.paused;
      case 'pipeline':
        return this.mode.inflight.length < maxInflight && this.#inflightBytes < maxInflightBytes;
      case 'snapshot':
        return false;
      default:
        return assertNever(this.mode);
    }
  }

  /** An append ending at `lastIndex` (prevLogIndex when empty), carrying `bytes` of entries, went out. */
  onAppendSent(lastIndex: number, nowMs: number, bytes = 0): void {
    switch (this.mode.kind) {
      case 'probe':
        this.mode.paused = true;
        this.#waitingSinceMs = nowMs;
        return;
      case 'pipeline':
        if (this.mode.inflight.length === 0) this.#waitingSinceMs = nowMs;
        if (lastIndex >= this.next) {
          this.mode.inflight.push({ lastIndex, bytes });
          this.#inflightBytes += bytes;
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
        this.#enterPipeline();
        break;
      case 'pipeline': {
        const inflight = this.mode.inflight;
        let acknowledged = 0;
        while (acknowledged < inflight.length && inflight[acknowledged]!.lastIndex <= matchIndex) {
          this.#inflightBytes -= inflight[acknowledged]!.bytes;
          acknowledged++;
        }
        if (acknowledged > 0) inflight.splice(0, acknowledged);
        break;
      }
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
    this.#enterProbe();
    this.#waitingSinceMs = nowMs;
    return true;
  }

  becomeProbe(nowMs: number): void {
    this.next = this.match + 1;
    this.#enterProbe();
    this.#waitingSinceMs = nowMs;
  }

  becomeSnapshot(snapshotIndex: number, nowMs: number): void {
    this.mode = { kind: 'snapshot', snapshotIndex, offset: 0, awaiting: false };
    this.#inflightBytes = 0;
    this.#waitingSinceMs = nowMs;
  }

  #enterProbe(): void {
    this.mode = { kind: 'probe', paused: false };
    this.#inflightBytes = 0;
  }

  #enterPipeline(): void {
    this.mode = { kind: 'pipeline', inflight: [] };
    this.#inflightBytes = 0;
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
