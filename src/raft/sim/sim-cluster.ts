import { SeededRandom, VirtualClock } from '../../testing/index.js';
import { assert, assertNever } from '../core/assert.js';
import type { LogEntry, NodeId } from '../core/log-entry.js';
import type { ConfigChange } from '../core/membership.js';
import type { RaftMessage } from '../core/raft-message.js';
import { type ProposeResult, RaftNode, type RaftStatus } from '../core/raft-node.js';
import type { RaftOptions } from '../core/raft-options.js';
import type { RaftReady } from '../core/raft-ready.js';
import type { ReadState } from '../core/read-index.js';
import { EventQueue } from './event-queue.js';
import { InvariantChecker, type ObservedNode } from './invariant-checker.js';
import { SimDisk } from './sim-disk.js';
import { CALM_NETWORK, type NetworkQuality, SimNetwork } from './sim-network.js';
import { SimNode } from './sim-node.js';
import { mixNumber, proposalIdOf, SimStateMachine } from './sim-state-machine.js';

export interface SimClusterOptions {
  readonly seed: number;
  /** Initial voters, ids 1..voters. */
  readonly voters: number;
  /** Extra nodes (ids after the voters) that run but are not members until added. */
  readonly spares: number;
  /** Node timer granularity in each node's own clock. */
  readonly tickMs: number;
  readonly raft: Partial<Omit<RaftOptions, 'id' | 'bootstrapConfig'>>;
  /** Give each node a random clock offset and rate in [1 - drift, 1 + drift]. */
  readonly clockDrift: number;
  /**
   * Apply committed entries as soon as they commit (RaftNode.takeCommitted, as the driver does), also
   * while a write is in flight and before they are durable locally; false: only through ready().
   */
  readonly applyEarly: boolean;
  /**
   * RaftDriver's rule for a further write while others are in flight (RaftDriverOptions.pipelineAfterMs):
   * when as many entries wait as the newest write in flight carries, or the oldest is this old (virtual
   * ms). 0: at once.
   */
  readonly pipelineAfterMs: number;
}

export const DEFAULT_SIM_OPTIONS: SimClusterOptions = {
  seed: 1,
  voters: 3,
  spares: 0,
  tickMs: 5,
  raft: {
    electionTimeoutMs: 100,
    heartbeatIntervalMs: 20,
    appendStallTimeoutMs: 100,
    maxAppendBytes: 2048,
    maxAppendEntries: 64,
    maxInflightAppends: 4,
    snapshotThresholdBytes: 16 * 1024,
    snapshotChunkBytes: 5,
    maxUncommittedEntries: 2000,
  },
  clockDrift: 0,
  applyEarly: true,
  pipelineAfterMs: 0,
};

type SimEvent =
  | { readonly kind: 'deliver'; readonly message: RaftMessage }
  | { readonly kind: 'tick'; readonly node: NodeId; readonly incarnation: number }
  | { readonly kind: 'diskDone'; readonly node: NodeId; readonly incarnation: number }
  | { readonly kind: 'call'; readonly run: () => void };

export interface SimStats {
  steps: number;
  messagesSent: number;
  messagesDropped: number;
  proposals: number;
  crashes: number;
  elections: number;
  snapshotsTaken: number;
  snapshotsInstalled: number;
  configChanges: number;
  readsServed: number;
  /** Crashes of a leader that had sent entries beyond its durable log (thesis §10.2.1, PERSISTENCE.md). */
  leaderCrashesWithUnsyncedSent: number;
  /** Heartbeat responses a follower sent while its own write was in flight (they need only the term). */
  heartbeatResponsesDuringWrite: number;
  /** peerDisconnected hints delivered (a crash closes the victim's connections; resets while both live). */
  disconnectHints: number;
  /** Entries applied before they were durable on the applying node (applyEarly). */
  appliedBeforeDurable: number;
  /** Snapshots asked for again because the applied index was beyond the durable log. */
  snapshotsDeferred: number;
  /** Read-index answers served (takeReadStates) while the serving node had a write in flight. */
  readsServedDuringWrite: number;
  /** Writes handed to a disk while an earlier write of that node was still in flight (maxInflightWrites). */
  pipelinedWrites: number;
}

const MAX_QUEUED_EVENTS = 200_000;
const MAX_READY_ROUNDS_PER_STEP = 16;

/**
 * A deterministic cluster: one seeded PRNG drives the network, disks, clocks and faults; time is
 * virtual and advances from event to event. Every step (one event) is followed by the invariant checks,
 * and folds into `traceHash`, so two runs of a seed can be compared exactly.
 */
export class SimCluster {
  readonly options: SimClusterOptions;
  readonly random: SeededRandom;
  readonly network: SimNetwork;
  readonly checker = new InvariantChecker();
  readonly nodes = new Map<NodeId, SimNode>();
  readonly stats: SimStats = {
    steps: 0,
    messagesSent: 0,
    messagesDropped: 0,
    proposals: 0,
    crashes: 0,
    elections: 0,
    snapshotsTaken: 0,
    snapshotsInstalled: 0,
    configChanges: 0,
    readsServed: 0,
    leaderCrashesWithUnsyncedSent: 0,
    heartbeatResponsesDuringWrite: 0,
    disconnectHints: 0,
    appliedBeforeDurable: 0,
    readsServedDuringWrite: 0,
    snapshotsDeferred: 0,
    pipelinedWrites: 0,
  };
  /** Proposal id → virtual time it was accepted by a leader. */
  readonly proposedAtMs = new Map<number, number>();
  /** Proposal id → virtual time the node that accepted it applied it (where a client gets its answer). */
  readonly answeredAtMs = new Map<number, number>();
  readonly #proposerOf = new Map<number, NodeId>();
  traceHash = 0x12345678;
  readonly #clock = new VirtualClock();
  #nextProposalId = 1;
  #nextReadId = 1;
  readonly #queue = new EventQueue<SimEvent>(MAX_QUEUED_EVENTS);
  #lastLeaderTerm = 0;

  constructor(options: Partial<SimClusterOptions> & { seed: number }) {
    this.options = {
      ...DEFAULT_SIM_OPTIONS,
      ...options,
      raft: { ...DEFAULT_SIM_OPTIONS.raft, ...options.raft },
    };
    this.random = new SeededRandom(this.options.seed);
    this.network = new SimNetwork(this.random.fork());
    const total = this.options.voters + this.options.spares;
    for (let id = 1; id <= total; id++) {
      const drift = this.options.clockDrift;
      const rate = drift > 0 ? 1 - drift + this.random.nextFloat() * 2 * drift : 1;
      const offset = drift > 0 ? this.random.nextInt(1_000_000) : 0;
      this.nodes.set(id, new SimNode(id, this.random.fork(), offset, rate));
    }
    for (const node of this.nodes.values()) this.#start(node);
  }

  get nowMs(): number {
    return this.#clock.nowMs();
  }

  get ids(): NodeId[] {
    return [...this.nodes.keys()];
  }

  node(id: NodeId): SimNode {
    const node = this.nodes.get(id);
    assert(node !== undefined, `no simulated node ${id}`);
    return node;
  }

  status(id: NodeId): RaftStatus | undefined {
    return this.node(id).raft?.status();
  }

  /** The live leader with the highest term (a deposed one may linger until it hears of the new term). */
  leader(): SimNode | undefined {
    let best: SimNode | undefined;
    let bestTerm = -1;
    for (const node of this.nodes.values()) {
      const status = node.raft?.status();
      if (status?.role === 'leader' && status.term > bestTerm) {
        best = node;
        bestTerm = status.term;
      }
    }
    return best;
  }

  /** Every live node that believes it leads (several during a partition, in different terms). */
  leaders(): SimNode[] {
    return [...this.nodes.values()].filter((node) => node.raft?.status().role === 'leader');
  }

  /** Runs `run` at virtual time now + delayMs, as one step of its own. */
  schedule(delayMs: number, run: () => void): void {
    this.#queue.push(this.nowMs + delayMs, { kind: 'call', run });
  }

  /** Processes the next event; false when nothing is left to do. */
  step(): boolean {
    const next = this.#queue.pop();
    if (next === undefined) return false;
    assert(next.atMs >= this.nowMs, 'virtual time never goes back');
    this.#clock.advanceTo(next.atMs);
    this.stats.steps++;
    this.traceHash = mixNumber(mixNumber(this.traceHash, next.atMs), eventCode(next.item));
    this.#handle(next.item);
    for (const node of this.nodes.values()) this.#pump(node);
    this.#checkInvariants();
    return true;
  }

  /** Steps until virtual time reaches `untilMs` (events at exactly that time included). */
  runUntilTime(untilMs: number): void {
    for (;;) {
      const at = this.#queue.peekTime();
      if (at === undefined || at > untilMs) break;
      this.step();
    }
    this.#clock.advanceTo(Math.max(this.nowMs, untilMs));
  }

  runFor(durationMs: number): void {
    this.runUntilTime(this.nowMs + durationMs);
  }

  /** Steps until `condition` holds, for at most `timeoutMs` of virtual time; returns whether it held. */
  runUntil(condition: () => boolean, timeoutMs: number): boolean {
    const deadline = this.nowMs + timeoutMs;
    while (!condition()) {
      const at = this.#queue.peekTime();
      if (at === undefined || at > deadline) return false;
      this.step();
    }
    return true;
  }

  // ---- faults ----

  /** Crashes node `id`; the write in flight keeps `keptSteps` of its steps (default: a random prefix). */
  crash(id: NodeId, keptSteps?: number): void {
    const node = this.node(id);
    if (node.raft === undefined) return;
    if (node.writes.length > 0) {
      // The crash tears the writes in progress: only a prefix of their steps, in order, reached the disk.
      let total = 0;
      for (const { work } of node.writes) total += SimDisk.stepsOf(work);
      let kept = Math.min(keptSteps ?? node.random.nextInt(total + 1), total);
      for (const { work } of node.writes) {
        const steps = SimDisk.stepsOf(work);
        node.disk.writeTorn(work, Math.min(kept, steps));
        kept -= Math.min(kept, steps);
      }
    }
    const status = node.raft.status();
    const sent = node.highestSentEntry;
    if (status.role === 'leader' && sent?.term === status.term && sent.index > node.disk.lastIndex) {
      this.stats.leaderCrashesWithUnsyncedSent++;
    }
    node.writes.length = 0;
    node.raft = undefined;
    node.incarnation++;
    this.stats.crashes++;
    // A dead process's connections close at once: every live peer hears of it a moment later.
    for (const other of this.ids) {
      if (other !== id) this.schedule(this.random.between(1, 5), () => this.peerDisconnected(other, id));
    }
  }

  /**
   * The transport's hint to node `id` that its connection from `peer` closed: after `peer` crashed, or
   * (a connection reset, a fault) while both are alive. Only liveness may depend on it.
   */
  peerDisconnected(id: NodeId, peer: NodeId): void {
    const raft = this.node(id).raft;
    if (raft === undefined) return;
    this.stats.disconnectHints++;
    raft.tick(this.localTimeMs(this.node(id)));
    raft.peerDisconnected(peer);
  }

  restart(id: NodeId): void {
    const node = this.node(id);
    if (node.raft === undefined) this.#start(node);
  }

  isolate(id: NodeId): void {
    this.network.partition([[id], this.ids.filter((other) => other !== id)]);
  }

  /** Changes a node's clock rate (drift) without making its clock jump. */
  setClockRate(id: NodeId, rate: number): void {
    const node = this.node(id);
    const localNow = this.localTimeMs(node);
    node.clockRate = rate;
    node.clockOffsetMs = localNow - this.nowMs * rate;
  }

  setNetwork(quality: NetworkQuality): void {
    this.network.quality = quality;
  }

  /** Heals partitions, calms the network and restarts every crashed node. Disks stay as they are. */
  healAll(): void {
    this.network.heal();
    this.network.quality = CALM_NETWORK;
    for (const node of this.nodes.values()) this.restart(node.id);
  }

  // ---- clients ----

  /**
   * Proposes a fresh command of `bytes` bytes (>= 4) at `at` (default: the current leader); returns its
   * id if accepted. Proposing at a deposed leader that does not know it yet makes divergent logs.
   */
  propose(bytes = 8, at: SimNode | undefined = this.leader()): number | undefined {
    const leader = at;
    if (leader?.raft === undefined) return undefined;
    const id = this.#nextProposalId++;
    const data = new Uint8Array(Math.max(4, bytes));
    new DataView(data.buffer).setUint32(0, id);
    const result = leader.raft.propose(data);
    if (!result.ok) return undefined;
    this.proposedAtMs.set(id, this.nowMs);
    this.#proposerOf.set(id, leader.id);
    this.stats.proposals++;
    return id;
  }

  proposeConfigChange(change: ConfigChange): ProposeResult | undefined {
    const result = this.leader()?.raft?.proposeConfigChange(change);
    if (result?.ok === true) this.stats.configChanges++;
    return result;
  }

  /** Issues a read-index request at node `id`; the checker verifies the answer. Returns the request id. */
  readIndex(id: NodeId): number {
    const requestId = this.#nextReadId++;
    this.checker.onReadRequested(requestId);
    this.node(id).raft?.readIndex(requestId);
    return requestId;
  }

  /** Whether the committed history holds proposal `id`. */
  isCommitted(proposalId: number): boolean {
    return this.#committedProposals.has(proposalId);
  }

  readonly #committedProposals = new Set<number>();
  /** The latest acceptance time of any proposal applied somewhere (liveness: did new work commit?). */
  latestCommittedProposalMs = Number.NEGATIVE_INFINITY;
  /** Reads answered as ready, in order. */
  readonly appliedReads: { requestId: number; index: number; node: NodeId }[] = [];

  // ---- internals ----

  localTimeMs(node: SimNode): number {
    return Math.floor(node.clockOffsetMs + this.nowMs * node.clockRate);
  }

  #start(node: SimNode): void {
    const options = this.options;
    node.highestSentEntry = undefined;
    const persisted = node.disk.recover();
    const voters = Array.from({ length: options.voters }, (_, i) => i + 1);
    node.raft = new RaftNode(
      { id: node.id, bootstrapConfig: { voters, learners: [] }, ...options.raft },
      persisted,
      node.random,
      this.localTimeMs(node),
    );
    const snapshot = persisted.snapshot;
    node.machine = snapshot === undefined ? new SimStateMachine() : SimStateMachine.restore(snapshot.data);
    this.checker.onStart(node.id, snapshot?.index ?? 0);
    if (snapshot !== undefined) this.checker.onRestore(node.id, snapshot.index, node.machine.hash);
    this.#scheduleTick(node);
  }

  #scheduleTick(node: SimNode): void {
    const interval = Math.max(1, Math.round(this.options.tickMs / node.clockRate));
    this.#queue.push(this.nowMs + interval, { kind: 'tick', node: node.id, incarnation: node.incarnation });
  }

  #handle(event: SimEvent): void {
    switch (event.kind) {
      case 'deliver': {
        const target = this.nodes.get(event.message.to);
        this.traceHash = mixNumber(this.traceHash, messageCode(event.message));
        target?.raft?.receive(event.message);
        return;
      }
      case 'tick': {
        const node = this.node(event.node);
        if (node.incarnation !== event.incarnation || node.raft === undefined) return;
        node.raft.tick(this.localTimeMs(node));
        this.#scheduleTick(node);
        return;
      }
      case 'diskDone': {
        const node = this.node(event.node);
        if (node.incarnation !== event.incarnation) return;
        const write = node.writes.shift();
        assert(write !== undefined && write.doneAtMs <= this.nowMs, 'disk writes complete in order');
        this.#complete(node, write.work);
        return;
      }
      case 'call':
        event.run();
        return;
      default:
        assertNever(event);
    }
  }

  /**
   * Hands the node's pending work to its disk: at once on a fast, idle disk; else after `delayMs` (and
   * any device stall), never before the writes already in flight (up to maxInflightWrites of them).
   */
  #pump(node: SimNode): void {
    for (let round = 0; round < MAX_READY_ROUNDS_PER_STEP; round++) {
      const raft = node.raft;
      if (raft === undefined) return;
      this.#sendEarly(node, raft);
      if (this.options.applyEarly) {
        this.#applyCommitted(node, raft, raft.takeCommitted());
        this.#serveReads(node, raft.takeReadStates(), node.writes.length > 0);
      }
      if (!raft.hasReady() || this.#holdBehindWriteInFlight(node, raft)) return;
      const work = raft.ready();
      this.checker.onReady(raft, work);
      const disk = node.disk;
      const previousDoneMs = node.writes.at(-1)?.doneAtMs;
      if (disk.delayMs === 0 && previousDoneMs === undefined && disk.stalledUntilMs <= this.nowMs) {
        this.#complete(node, work);
        continue;
      }
      const delay = disk.delayMs === 0 ? 0 : node.random.between(Math.ceil(disk.delayMs / 2), disk.delayMs);
      const startMs = Math.max(this.nowMs, disk.stalledUntilMs, disk.serial ? (previousDoneMs ?? 0) : 0);
      const doneAtMs = Math.max(startMs + delay, previousDoneMs ?? 0);
      if (previousDoneMs !== undefined) this.stats.pipelinedWrites++;
      node.writes.push({ work, startedAtMs: this.nowMs, doneAtMs });
      this.#queue.push(doneAtMs, { kind: 'diskDone', node: node.id, incarnation: node.incarnation });
    }
  }

  /** RaftDriver's rule (pipelineAfterMs): whether the next write waits for the writes in flight. */
  #holdBehindWriteInFlight(node: SimNode, raft: RaftNode): boolean {
    const oldest = node.writes[0];
    if (oldest === undefined || this.options.pipelineAfterMs === 0) return false;
    const status = raft.status();
    let written = status.stableIndex;
    for (const { work } of node.writes) written = Math.max(written, work.entries.at(-1)?.index ?? 0);
    const newest = node.writes.at(-1)?.work.entries.length ?? 0;
    if (status.lastIndex - written >= Math.max(1, newest)) return false;
    const dueMs = oldest.startedAtMs + this.options.pipelineAfterMs;
    if (dueMs <= this.nowMs) return false;
    if (!node.pipelineWakeQueued) {
      node.pipelineWakeQueued = true;
      this.#queue.push(dueMs, {
        kind: 'call',
        run: () => {
          node.pipelineWakeQueued = false;
        },
      });
    }
    return true;
  }

  /** The write is durable: now send, apply and advance, in the order the contract asks. */
  #complete(node: SimNode, work: RaftReady): void {
    const raft = node.raft;
    assert(raft !== undefined, 'only a live node completes a write');
    node.disk.write(work);
    for (const message of work.messages) {
      this.checker.onSend(node.disk, message);
      this.#send(message);
    }
    if (work.snapshot?.restore === true) {
      node.machine = SimStateMachine.restore(work.snapshot.snapshot.data);
      assert(node.machine.appliedIndex === work.snapshot.snapshot.index, 'snapshot data matches its index');
      this.checker.onRestore(node.id, node.machine.appliedIndex, node.machine.hash);
      this.stats.snapshotsInstalled++;
    }
    this.#applyCommitted(node, raft, work.committed);
    this.#serveReads(node, work.readStates);
    raft.advance(work);
    const status = raft.status();
    assert(status.appliedIndex === node.machine.appliedIndex, 'raft and the state machine agree on applied');
    if (work.shouldSnapshot && node.machine.appliedIndex > status.snapshotIndex) {
      // As the driver: a snapshot covers only entries durable here, else it is asked again later.
      if (node.machine.appliedIndex > status.stableIndex) {
        raft.requestSnapshot();
        this.stats.snapshotsDeferred++;
      } else if (raft.compact(node.machine.appliedIndex, node.machine.snapshotData())) {
        this.stats.snapshotsTaken++;
      }
    }
  }

  /** Read-index answers, from a ready() or taken early (as the driver does, with applyEarly). */
  #serveReads(node: SimNode, states: readonly ReadState[], duringWrite = false): void {
    for (const read of states) {
      if (read.kind === 'ready') {
        if (duringWrite) this.stats.readsServedDuringWrite++;
        this.checker.onReadReady(node.id, read.requestId, read.index);
        this.appliedReads.push({ requestId: read.requestId, index: read.index, node: node.id });
        this.stats.readsServed++;
      } else {
        this.checker.onReadDone(read.requestId);
      }
    }
  }

  #applyCommitted(node: SimNode, raft: RaftNode, entries: readonly LogEntry[]): void {
    if (entries.length === 0) return;
    const status = raft.status();
    for (const entry of entries) {
      node.machine.apply(entry);
      this.checker.onApply(node.id, status.term, entry, node.machine.hash);
      if (entry.index > status.stableIndex) this.stats.appliedBeforeDurable++;
      if (entry.kind === 'command') {
        const id = proposalIdOf(entry.data);
        this.#committedProposals.add(id);
        if (this.#proposerOf.get(id) === node.id && !this.answeredAtMs.has(id)) {
          this.answeredAtMs.set(id, this.nowMs);
        }
        const proposedAt = this.proposedAtMs.get(id);
        if (proposedAt !== undefined) {
          this.latestCommittedProposalMs = Math.max(this.latestCommittedProposalMs, proposedAt);
        }
      }
    }
  }

  /** What a leader may send before its write completes (also while one is in flight), as the driver does. */
  #sendEarly(node: SimNode, raft: RaftNode): void {
    for (const message of raft.takeEarlyMessages()) {
      this.checker.onSend(node.disk, message);
      if (message.kind === 'heartbeatResponse' && node.writes.length > 0)
        this.stats.heartbeatResponsesDuringWrite++;
      const last = message.kind === 'append' ? message.entries.at(-1) : undefined;
      const known = node.highestSentEntry;
      if (last !== undefined && (known?.term !== message.term || known.index < last.index)) {
        node.highestSentEntry = { index: last.index, term: message.term };
      }
      this.#send(message);
    }
  }

  #send(message: RaftMessage): void {
    this.stats.messagesSent++;
    const delays = this.network.route(message);
    if (delays.length === 0) this.stats.messagesDropped++;
    for (const delay of delays) {
      if (!this.#queue.push(this.nowMs + delay, { kind: 'deliver', message })) this.stats.messagesDropped++;
    }
  }

  #checkInvariants(): void {
    const observed: ObservedNode[] = [];
    let hash = this.traceHash;
    for (const node of this.nodes.values()) {
      if (node.raft === undefined) continue;
      const status = node.raft.status();
      observed.push({ id: node.id, raft: node.raft, status });
      hash = mixNumber(mixNumber(mixNumber(hash, status.term), status.commitIndex), status.lastIndex);
      if (status.role === 'leader' && status.term > this.#lastLeaderTerm) {
        this.#lastLeaderTerm = status.term;
        this.stats.elections++;
      }
    }
    this.traceHash = hash;
    this.checker.afterStep(observed);
  }
}

function eventCode(event: SimEvent): number {
  switch (event.kind) {
    case 'deliver':
      return 1;
    case 'tick':
      return 2 + event.node * 8;
    case 'diskDone':
      return 3 + event.node * 8;
    case 'call':
      return 4;
    default:
      return assertNever(event);
  }
}

const MESSAGE_CODES: Record<RaftMessage['kind'], number> = {
  preVote: 1,
  preVoteResponse: 2,
  vote: 3,
  voteResponse: 4,
  append: 5,
  appendResponse: 6,
  heartbeat: 7,
  heartbeatResponse: 8,
  installSnapshot: 9,
  installSnapshotResponse: 10,
  timeoutNow: 11,
};

function messageCode(message: RaftMessage): number {
  return MESSAGE_CODES[message.kind] + 16 * message.from + 256 * message.to + 4096 * message.term;
}
