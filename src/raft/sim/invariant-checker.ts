import { PyralogError } from '../../protocol/index.js';
import type { LogEntry, NodeId } from '../core/log-entry.js';
import type { RaftMessage } from '../core/raft-message.js';
import type { RaftNode, RaftStatus } from '../core/raft-node.js';
import type { RaftReady } from '../core/raft-ready.js';
import type { SimDisk } from './sim-disk.js';
import { entryFingerprint } from './sim-state-machine.js';

/** A safety property of Raft was violated in a simulated run. */
export class SimulationInvariantError extends PyralogError {
  readonly code = 'SIM_INVARIANT';
}

function violated(name: string, detail: string): never {
  throw new SimulationInvariantError(`${name}: ${detail}`);
}

/** A live node as the checker sees it after a step. */
export interface ObservedNode {
  readonly id: NodeId;
  readonly raft: RaftNode;
  readonly status: RaftStatus;
}

/**
 * Raft's safety properties (§5.2, Figure 3), checked after every simulation step:
 * - election safety: at most one leader per term, over the whole run;
 * - log matching: an (index, term) pair names one entry with one predecessor term, on every node;
 * - leader completeness: a leader of term T holds every entry committed in a term below T;
 * - state-machine safety: every node applies the same entry at an index, reaching the same state;
 * - committed entries never change: the global committed history only grows;
 * - read-index linearizability: a read's index covers everything committed before it was requested;
 * - persistence contract: no message leaves before the term, vote and entries it depends on are durable,
 *   and a node keeps the entries it acknowledged for as long as the term of the acknowledgement lasts.
 */
export class InvariantChecker {
  readonly #leaderOfTerm = new Map<number, NodeId>();
  /** Fingerprint and (upper bound of the) term of commitment per committed index, from 1. */
  readonly #committed: string[] = [''];
  readonly #committedTerm: number[] = [0];
  readonly #appliedHash = new Map<number, number>();
  readonly #entryAt = new Map<string, string>();
  readonly #checkedCommit = new Map<NodeId, number>();
  readonly #readFloor = new Map<number, number>();
  /** For acknowledgements: the term of the acknowledged entry when its ready() was handed out. */
  readonly #termsAtReady = new WeakMap<RaftMessage, number>();
  /** Per node, the highest index it acknowledged (appendResponse) in a term. */
  readonly #acknowledged = new Map<NodeId, { term: number; index: number }>();
  #leaders: ObservedNode[] = [];

  get maxCommitted(): number {
    return this.#committed.length - 1;
  }

  /** The fingerprint of the committed entry at `index`, if known. */
  committedAt(index: number): string | undefined {
    return this.#committed[index];
  }

  afterStep(nodes: readonly ObservedNode[]): void {
    this.#leaders = nodes.filter((node) => node.status.role === 'leader');
    for (const leader of this.#leaders) {
      const { term, id } = leader.status;
      const known = this.#leaderOfTerm.get(term);
      if (known === undefined) {
        this.#leaderOfTerm.set(term, id);
        this.#checkLeaderCompleteness(leader);
      } else if (known !== id) {
        violated('election safety', `nodes ${known} and ${id} both led term ${term}`);
      }
    }
    for (const node of nodes) {
      this.#recordCommits(node);
      this.#checkAcknowledged(node);
    }
  }

  #noteAcknowledged(id: NodeId, term: number, index: number): void {
    const known = this.#acknowledged.get(id);
    if (known === undefined || known.term < term || (known.term === term && known.index < index)) {
      this.#acknowledged.set(id, { term, index });
    }
  }

  /**
   * Within the term of an acknowledgement, the node keeps what it acknowledged (the leader counted it):
   * only a later leader may truncate uncommitted entries.
   */
  #checkAcknowledged(node: ObservedNode): void {
    const known = this.#acknowledged.get(node.id);
    if (known === undefined || known.term !== node.status.term) return;
    if (node.status.lastIndex < known.index) {
      violated(
        'acknowledged entries kept',
        `node ${node.id} acknowledged ${known.index} in term ${known.term} but its log ends at ${node.status.lastIndex}`,
      );
    }
  }

  /** A node (re)started from its durable state: its commit index starts at its snapshot again. */
  onStart(id: NodeId, snapshotIndex: number): void {
    this.#checkedCommit.set(id, snapshotIndex);
  }

  /** Entries a node hands to storage: check log matching on every one. */
  onReady(raft: RaftNode, work: RaftReady): void {
    for (const message of work.messages) {
      const index =
        message.kind === 'appendResponse' && message.success
          ? message.matchIndex
          : message.kind === 'installSnapshotResponse' && message.done
            ? message.snapshotIndex
            : undefined;
      const term = index === undefined ? undefined : raft.term(index);
      if (term !== undefined) this.#termsAtReady.set(message, term);
    }
    let prevTerm = work.entries[0] === undefined ? 0 : raft.term(work.entries[0].index - 1);
    for (const entry of work.entries) {
      if (prevTerm === undefined)
        violated('log matching', `no term before entry ${entry.index} on ${raft.id}`);
      const key = `${entry.index}:${entry.term}`;
      const value = `${entryFingerprint(entry)}<${prevTerm}`;
      const known = this.#entryAt.get(key);
      if (known === undefined) this.#entryAt.set(key, value);
      else if (known !== value)
        violated('log matching', `node ${raft.id} has ${value} at ${key}, another has ${known}`);
      prevTerm = entry.term;
    }
  }

  /**
   * The persistence contract, checked on every message as it leaves: the term, vote, entries or
   * snapshot it reports are durable on the sender — unless the sender durably moved on to a later term
   * meanwhile (a reply can be overtaken by newer state, exactly as a reply delayed by the network can:
   * Raft's proof needs the state to have been durable when the reply was produced, which the later,
   * durable term guarantees for votes, and the write order guarantees for entries).
   */
  onSend(disk: SimDisk, message: RaftMessage): void {
    if (message.kind === 'preVote' || message.kind === 'preVoteResponse') return; // nothing durable
    const durable = disk.hardState;
    const where = `node ${message.from} sent ${message.kind} of term ${message.term}`;
    if (durable.term < message.term) violated('persistence', `${where} with durable term ${durable.term}`);
    if (durable.term > message.term) return;
    const durablyHolds = (index: number) => {
      // The term the entry had when the write was handed out (memory may have moved on since).
      const term = this.#termsAtReady.get(message);
      return term === undefined ? (disk.snapshot?.index ?? 0) >= index : disk.holds(index, term);
    };
    switch (message.kind) {
      case 'vote':
        if (durable.votedFor !== message.from)
          violated('persistence', `${where} before its own vote was durable`);
        return;
      case 'voteResponse':
        if (message.granted && durable.votedFor !== message.to) {
          violated('persistence', `${where} granting a vote that is not durable`);
        }
        return;
      case 'appendResponse':
        if (!message.success) return;
        if (!durablyHolds(message.matchIndex)) {
          violated('persistence', `${where} acknowledging ${message.matchIndex} before it was durable`);
        }
        this.#noteAcknowledged(message.from, message.term, message.matchIndex);
        return;
      case 'installSnapshotResponse':
        if (!message.done) return;
        if (!durablyHolds(message.snapshotIndex)) {
          violated(
            'persistence',
            `${where} acknowledging snapshot ${message.snapshotIndex} before it was durable`,
          );
        }
        this.#noteAcknowledged(message.from, message.term, message.snapshotIndex);
        return;
      default:
        return;
    }
  }

  onApply(id: NodeId, term: number, entry: LogEntry, hashAfter: number): void {
    this.#recordCommitted(entry.index, entryFingerprint(entry), term, `node ${id} applied`);
    this.#checkState(id, entry.index, hashAfter);
  }

  /** A node loaded a snapshot into its state machine. */
  onRestore(id: NodeId, index: number, hash: number): void {
    this.#checkState(id, index, hash);
  }

  onReadRequested(requestId: number): void {
    this.#readFloor.set(requestId, this.maxCommitted);
  }

  onReadReady(id: NodeId, requestId: number, index: number): void {
    const floor = this.#readFloor.get(requestId);
    if (floor === undefined) violated('read index', `unknown read ${requestId} answered by ${id}`);
    if (index < floor)
      violated('read index', `node ${id} answered read ${requestId} at ${index} < committed ${floor}`);
    this.#readFloor.delete(requestId);
  }

  onReadDone(requestId: number): void {
    this.#readFloor.delete(requestId);
  }

  #checkState(id: NodeId, index: number, hash: number): void {
    const known = this.#appliedHash.get(index);
    if (known === undefined) this.#appliedHash.set(index, hash);
    else if (known !== hash)
      violated('state machine safety', `node ${id} reached state ${hash} at ${index}, others ${known}`);
  }

  #recordCommits(node: ObservedNode): void {
    const { id, commitIndex, snapshotIndex, term } = node.status;
    const checked = this.#checkedCommit.get(id) ?? 0;
    if (commitIndex < checked)
      violated('commit monotonicity', `node ${id} commit went from ${checked} to ${commitIndex}`);
    for (let index = Math.max(checked, snapshotIndex) + 1; index <= commitIndex; index++) {
      const entry = node.raft.entry(index);
      if (entry === undefined) violated('commit', `node ${id} committed ${index} beyond its log`);
      this.#recordCommitted(index, entryFingerprint(entry), term, `node ${id} committed`);
    }
    this.#checkedCommit.set(id, commitIndex);
  }

  #recordCommitted(index: number, fingerprint: string, term: number, who: string): void {
    const known = this.#committed[index];
    if (known !== undefined) {
      if (known !== fingerprint)
        violated('committed entry changed', `${who} ${fingerprint} at ${index}, was ${known}`);
      return;
    }
    if (index !== this.#committed.length) {
      violated('committed history', `${who} ${index} while only ${this.#committed.length - 1} are known`);
    }
    this.#committed.push(fingerprint);
    this.#committedTerm.push(term);
    for (const leader of this.#leaders) {
      if (leader.status.term > term) this.#checkLeaderHas(leader, index);
    }
  }

  #checkLeaderCompleteness(leader: ObservedNode): void {
    const from = leader.status.snapshotIndex + 1;
    for (let index = from; index < this.#committed.length; index++) {
      if ((this.#committedTerm[index] ?? 0) < leader.status.term) this.#checkLeaderHas(leader, index);
    }
  }

  #checkLeaderHas(leader: ObservedNode, index: number): void {
    if (index <= leader.status.snapshotIndex) return;
    const entry = leader.raft.entry(index);
    const expected = this.#committed[index];
    if (entry === undefined || entryFingerprint(entry) !== expected) {
      violated(
        'leader completeness',
        `leader ${leader.status.id} of term ${leader.status.term} lacks committed ${expected} at ${index}`,
      );
    }
  }
}
