import { PyralogError } from '../../protocol/index.js';
import type { NodeId } from '../core/log-entry.js';

/** A proposal or read was made at a node that does not lead: retry at `leaderId` when known. */
export class NotLeaderError extends PyralogError {
  readonly code = 'NOT_LEADER';
  constructor(readonly leaderId: NodeId | undefined) {
    super(`not the leader${leaderId === undefined ? '' : `; the leader is ${leaderId}`}`);
  }
}

/**
 * This node stopped leading (a newer term began) before the proposal's entry was known to commit: it
 * may still commit through the new leader, or be overwritten; this node cannot tell. Kafka answers an
 * acks=all produce waiting on a deposed leader the same way (NOT_LEADER_OR_FOLLOWER): retry at
 * `leaderId`, knowing the first attempt may have taken effect.
 */
export class LeadershipLostError extends NotLeaderError {
  constructor(leaderId: NodeId | undefined, index: number, term: number) {
    super(leaderId);
    this.message = `leadership of term ${term} lost before entry ${index} committed (it may still commit); ${this.message}`;
  }
}

/** The leader refused the proposal for now (back-pressure, a transfer or a pending config change). */
export class ProposalRefusedError extends PyralogError {
  readonly code = 'PROPOSAL_REFUSED';
  constructor(readonly reason: string) {
    super(`proposal refused: ${reason}`);
  }
}

/**
 * The proposal's entry was overwritten by a newer leader's (its index committed with another term), or
 * replaced by an installed snapshot: it did not commit as proposed, or this node cannot tell. Retry.
 */
export class ProposalLostError extends PyralogError {
  readonly code = 'PROPOSAL_LOST';
}

/** A read-index request failed (leadership lost, no commit in this term yet, overloaded): retry. */
export class ReadIndexFailedError extends PyralogError {
  readonly code = 'READ_INDEX_FAILED';
}

/** The driver stopped (shutdown or a storage failure) before the request finished. */
export class DriverStoppedError extends PyralogError {
  readonly code = 'DRIVER_STOPPED';
}
