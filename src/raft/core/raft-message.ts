import type { ClusterConfig, LogEntry, NodeId } from './log-entry.js';

interface Envelope {
  readonly from: NodeId;
  readonly to: NodeId;
  /** The sender's term; for `preVote` the term it would campaign in (its term + 1). */
  readonly term: number;
}

/**
 * Every message between Raft nodes, as plain objects. A later increment maps them onto Kafka's KRaft
 * RPCs (Vote, BeginQuorumEpoch, Fetch, FetchSnapshot); the core never sees bytes.
 */
export type RaftMessage =
  /** Would you vote for me at `term`? Changes no state on either side (thesis §9.6). */
  | (Envelope & { readonly kind: 'preVote'; readonly lastLogIndex: number; readonly lastLogTerm: number })
  | (Envelope & { readonly kind: 'preVoteResponse'; readonly granted: boolean })
  | (Envelope & {
      readonly kind: 'vote';
      readonly lastLogIndex: number;
      readonly lastLogTerm: number;
      /** Sent after TimeoutNow: voters drop leader stickiness for it (thesis §3.10). */
      readonly isTransfer: boolean;
    })
  | (Envelope & { readonly kind: 'voteResponse'; readonly granted: boolean })
  | (Envelope & {
      readonly kind: 'append';
      readonly prevLogIndex: number;
      readonly prevLogTerm: number;
      readonly entries: readonly LogEntry[];
      readonly leaderCommit: number;
    })
  | (Envelope & { readonly kind: 'appendResponse'; readonly success: true; readonly matchIndex: number })
  | (Envelope & {
      readonly kind: 'appendResponse';
      readonly success: false;
      /** The prevLogIndex of the rejected append. */
      readonly rejectedIndex: number;
      /** First index of `hintTerm` in the follower's log, or its last index + 1 when hintTerm is 0. */
      readonly hintIndex: number;
      /** The follower's term at rejectedIndex, or 0 when its log is shorter. */
      readonly hintTerm: number;
    })
  | (Envelope & {
      readonly kind: 'heartbeat';
      /** min(leader commit, the follower's known match): never beyond what it has verified. */
      readonly leaderCommit: number;
      /** Echoed back so that a read-index request knows a quorum confirmed leadership after it. */
      readonly readSeq: number;
    })
  | (Envelope & { readonly kind: 'heartbeatResponse'; readonly readSeq: number })
  | (Envelope & {
      readonly kind: 'installSnapshot';
      readonly snapshotIndex: number;
      readonly snapshotTerm: number;
      readonly config: ClusterConfig;
      /** Byte offset of `chunk` within the snapshot data. */
      readonly offset: number;
      readonly chunk: Uint8Array;
      readonly done: boolean;
    })
  | (Envelope & {
      readonly kind: 'installSnapshotResponse';
      readonly snapshotIndex: number;
      /** The offset the follower expects next (it may ask for a resend from an earlier one). */
      readonly nextOffset: number;
      /** The follower holds the whole snapshot (or already had everything it covers). */
      readonly done: boolean;
    })
  /** The leader asks a caught-up voter to start an election now (leadership transfer). */
  | (Envelope & { readonly kind: 'timeoutNow' });

export type RaftMessageKind = RaftMessage['kind'];

/** The message variant(s) of one kind. */
export type RaftMessageOf<K extends RaftMessageKind> = Extract<RaftMessage, { kind: K }>;
