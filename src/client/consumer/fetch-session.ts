// The client side of a KIP-227 incremental fetch session with one broker (pure state, no I/O).
import { ErrorCode, type FetchResponse, type Uuid } from '../../protocol/index.js';

/** What one partition's fetch asks for. */
export interface FetchTarget {
  readonly topic: string;
  readonly topicId: Uuid;
  readonly partition: number;
  readonly fetchOffset: bigint;
  readonly currentLeaderEpoch: number;
  readonly partitionMaxBytes: number;
}

/** The session part of the next Fetch request. */
export interface FetchSessionRequest {
  readonly sessionId: number;
  readonly sessionEpoch: number;
  /** Partitions to send: all of them in a full fetch, only new or changed ones in an incremental fetch. */
  readonly toSend: readonly FetchTarget[];
  /** Partitions the session should drop (incremental fetches only). */
  readonly toForget: readonly FetchTarget[];
  readonly isFull: boolean;
}

function keyOf(target: FetchTarget): string {
  return `${target.partition}:${target.topic}`;
}

function sameRequest(a: FetchTarget, b: FetchTarget): boolean {
  return (
    a.fetchOffset === b.fetchOffset &&
    a.partitionMaxBytes === b.partitionMaxBytes &&
    a.currentLeaderEpoch === b.currentLeaderEpoch &&
    a.topicId === b.topicId
  );
}

/**
 * Kafka's FetchSessionHandler in short: the first fetch is full (session id 0, epoch 0: "create a
 * session"); when the broker answers with a session id, later fetches name that id with epoch 1, 2, ...
 * and list only partitions added or changed since the previous request, plus the ones to forget. After a
 * session error (FETCH_SESSION_ID_NOT_FOUND, INVALID_FETCH_SESSION_EPOCH) or any failed request the next
 * fetch is full again. `supportsSessions` is false below Fetch v7: every fetch is then full.
 */
export class FetchSession {
  private sessionId = 0;
  private nextEpoch = 0;
  /** What the broker's session holds, as of the last request it answered. */
  private sessionPartitions = new Map<string, FetchTarget>();
  private pending: Map<string, FetchTarget> | undefined;

  /** The session fields and partitions of the next request for `wanted` partitions. */
  build(wanted: readonly FetchTarget[], supportsSessions: boolean): FetchSessionRequest {
    const next = new Map(wanted.map((target) => [keyOf(target), target]));
    this.pending = next;
    if (!supportsSessions || this.sessionId === 0 || this.nextEpoch === 0) {
      return {
        sessionId: 0,
        // Epoch 0 asks for a new session; -1 (FINAL_EPOCH) asks for none (pre-session versions ignore it).
        sessionEpoch: supportsSessions ? 0 : -1,
        toSend: wanted,
        toForget: [],
        isFull: true,
      };
    }
    const toSend = wanted.filter((target) => {
      const known = this.sessionPartitions.get(keyOf(target));
      return known === undefined || !sameRequest(known, target);
    });
    const toForget = [...this.sessionPartitions.values()].filter((target) => !next.has(keyOf(target)));
    return { sessionId: this.sessionId, sessionEpoch: this.nextEpoch, toSend, toForget, isFull: false };
  }

  /** Advances the session after an answer to the request `build` made last. */
  onResponse(response: Pick<FetchResponse, 'errorCode' | 'sessionId'>): void {
    const sent = this.pending ?? new Map<string, FetchTarget>();
    this.pending = undefined;
    if (
      response.errorCode === ErrorCode.FETCH_SESSION_ID_NOT_FOUND ||
      response.errorCode === ErrorCode.INVALID_FETCH_SESSION_EPOCH ||
      response.sessionId === 0
    ) {
      this.reset();
      return;
    }
    if (this.sessionId !== response.sessionId) {
      this.sessionId = response.sessionId;
      this.nextEpoch = 1;
    } else {
      // Epochs wrap from MAX_INT to 1 (0 is for new sessions).
      this.nextEpoch = this.nextEpoch >= 0x7fffffff ? 1 : this.nextEpoch + 1;
    }
    this.sessionPartitions = sent;
  }

  /** The request failed (timeout, closed connection): start over with a full fetch. */
  reset(): void {
    this.sessionId = 0;
    this.nextEpoch = 0;
    this.sessionPartitions = new Map();
    this.pending = undefined;
  }

  /** The broker's session id, 0 when there is none. */
  get id(): number {
    return this.sessionId;
  }
}
