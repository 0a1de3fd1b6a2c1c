import type { SeededRandom } from '../../testing/index.js';
import type { NodeId } from '../core/log-entry.js';
import type { SimCluster } from './sim-cluster.js';

type FaultKind =
  | 'isolate'
  | 'partition'
  | 'oneWay'
  | 'healNetwork'
  | 'crash'
  | 'crashLeaderMidWrite'
  | 'restart'
  | 'slowDisk'
  | 'networkQuality'
  | 'clockDrift'
  | 'membership'
  | 'transfer'
  | 'snapshot'
  | 'connectionReset';

const WEIGHTS: readonly [FaultKind, number][] = [
  ['isolate', 2],
  ['partition', 2],
  ['oneWay', 2],
  ['healNetwork', 3],
  ['crash', 3],
  ['crashLeaderMidWrite', 2],
  ['restart', 1],
  ['slowDisk', 2],
  ['networkQuality', 2],
  ['clockDrift', 1],
  ['membership', 3],
  ['transfer', 1],
  ['snapshot', 1],
  ['connectionReset', 2],
];
const TOTAL_WEIGHT = WEIGHTS.reduce((sum, [, weight]) => sum + weight, 0);

/**
 * Injects one random fault per call: partitions (symmetric, isolating, one-way), crashes and restarts
 * (a crash tears the write in progress; some hit a leader on a slow disk mid-write), slow disks, lossy/duplicating/reordering links, clock drift,
 * connection resets (the transport's peerDisconnected hint while the peer is alive, mostly the leader),
 * and operator actions that must stay safe under faults (membership changes, leadership transfer,
 * forced snapshots). Membership keeps between minVoters and maxVoters voters.
 */
export class Nemesis {
  readonly #cluster: SimCluster;
  readonly #random: SeededRandom;
  readonly #minVoters: number;
  readonly #maxVoters: number;

  constructor(cluster: SimCluster, random: SeededRandom) {
    this.#cluster = cluster;
    this.#random = random;
    const initial = cluster.options.voters;
    this.#minVoters = Math.max(3, initial - 1);
    this.#maxVoters = initial + 1;
  }

  act(): FaultKind {
    const kind = this.#pickKind();
    const cluster = this.#cluster;
    const random = this.#random;
    const ids = cluster.ids;
    switch (kind) {
      case 'isolate':
        cluster.isolate(random.pick(ids));
        break;
      case 'partition': {
        const shuffled = random.shuffle(ids);
        const cut = random.between(1, shuffled.length - 1);
        cluster.network.partition([shuffled.slice(0, cut), shuffled.slice(cut)]);
        break;
      }
      case 'oneWay': {
        const links = random.between(1, 2);
        for (let i = 0; i < links; i++) {
          const from = random.pick(ids);
          const to = random.pick(ids.filter((id) => id !== from));
          cluster.network.blockOneWay(from, to);
        }
        break;
      }
      case 'healNetwork':
        cluster.network.heal();
        break;
      case 'crash': {
        const alive = ids.filter((id) => cluster.node(id).isAlive);
        if (alive.length === 0) break;
        const victim = random.pick(alive);
        cluster.crash(victim);
        // Quick restarts come back within the same term, where a forgotten vote would show.
        const downMs = random.chance(0.5) ? random.between(1, 30) : random.between(30, 800);
        cluster.schedule(downMs, () => cluster.restart(victim));
        break;
      }
      case 'crashLeaderMidWrite': {
        // The leader sends entries before its own write of them completes (PERSISTENCE.md): crash it
        // while such a write is in flight, so its followers may hold entries its own disk lost.
        const leader = cluster.leader();
        if (leader === undefined) break;
        if (leader.disk.delayMs === 0) leader.disk.delayMs = random.between(5, 60);
        cluster.schedule(random.between(1, 30), () => {
          if (!leader.isAlive) return;
          cluster.crash(leader.id);
          cluster.schedule(random.between(1, 300), () => cluster.restart(leader.id));
          // Sometimes a follower goes down with it (one power cut): the entries that follower stored
          // are then out of reach, and an election among the rest shows whether anything was counted
          // as committed on the strength of the leader's unsynced copy.
          const others = ids.filter((id) => id !== leader.id && cluster.node(id).isAlive);
          if (others.length === 0 || !random.chance(0.5)) return;
          const follower = random.pick(others);
          cluster.crash(follower);
          cluster.schedule(random.between(100, 800), () => cluster.restart(follower));
        });
        break;
      }
      case 'restart': {
        const dead = ids.filter((id) => !cluster.node(id).isAlive);
        if (dead.length > 0) cluster.restart(random.pick(dead));
        break;
      }
      case 'connectionReset': {
        // A connection closes while both ends live: the follower must not depose a healthy leader for it.
        const alive = ids.filter((id) => cluster.node(id).isAlive);
        if (alive.length < 2) break;
        const node = random.pick(alive);
        const leaderId = cluster.node(node).raft?.status().leaderId;
        const peer = leaderId !== undefined && random.chance(0.7) ? leaderId : random.pick(ids);
        if (peer !== node) cluster.peerDisconnected(node, peer);
        break;
      }
      case 'slowDisk': {
        const disk = cluster.node(random.pick(ids)).disk;
        // A whole-device stall (writes pile up in flight behind it), or each write slowed.
        if (random.chance(0.3)) disk.stalledUntilMs = cluster.nowMs + random.between(5, 100);
        else disk.delayMs = random.chance(0.3) ? 0 : random.between(1, 60);
        break;
      }
      case 'networkQuality':
        cluster.setNetwork({
          lossRate: random.chance(0.3) ? 0 : random.nextFloat() * 0.25,
          duplicateRate: random.chance(0.5) ? 0 : random.nextFloat() * 0.1,
          minDelayMs: random.between(1, 5),
          maxDelayMs: random.between(5, 60),
        });
        break;
      case 'clockDrift':
        cluster.setClockRate(random.pick(ids), 0.8 + random.nextFloat() * 0.45);
        break;
      case 'membership':
        this.#changeMembership();
        // A second change right away must be refused while the first is uncommitted.
        if (random.chance(0.3)) this.#changeMembership();
        break;
      case 'transfer': {
        const leader = cluster.leader();
        const status = leader?.raft?.status();
        if (leader?.raft === undefined || status === undefined) break;
        const others = status.config.voters.filter((id) => id !== leader.id);
        if (others.length > 0) leader.raft.transferLeadership(random.pick(others));
        break;
      }
      case 'snapshot':
        cluster.node(random.pick(ids)).raft?.requestSnapshot();
        break;
    }
    return kind;
  }

  /** Ends the fault phase: whole network, calm links, every node up, fast disks. */
  healAll(): void {
    this.#cluster.healAll();
    for (const id of this.#cluster.ids) this.#cluster.node(id).disk.delayMs = this.#random.between(0, 2);
  }

  #changeMembership(): void {
    const cluster = this.#cluster;
    const random = this.#random;
    const config = cluster.leader()?.raft?.status().config;
    if (config === undefined) return;
    const outsiders: NodeId[] = cluster.ids.filter(
      (id) => !config.voters.includes(id) && !config.learners.includes(id),
    );
    const options: (() => void)[] = [];
    if (outsiders.length > 0) {
      options.push(() => cluster.proposeConfigChange({ kind: 'addLearner', nodeId: random.pick(outsiders) }));
      if (config.voters.length < this.#maxVoters) {
        options.push(() => cluster.proposeConfigChange({ kind: 'addVoter', nodeId: random.pick(outsiders) }));
      }
    }
    if (config.learners.length > 0) {
      if (config.voters.length < this.#maxVoters) {
        options.push(() =>
          cluster.proposeConfigChange({ kind: 'promoteLearner', nodeId: random.pick(config.learners) }),
        );
      }
      options.push(() =>
        cluster.proposeConfigChange({ kind: 'removeServer', nodeId: random.pick(config.learners) }),
      );
    }
    if (config.voters.length > this.#minVoters) {
      options.push(() =>
        cluster.proposeConfigChange({ kind: 'removeServer', nodeId: random.pick(config.voters) }),
      );
    }
    if (options.length > 0) random.pick(options)();
  }

  #pickKind(): FaultKind {
    let roll = this.#random.nextInt(TOTAL_WEIGHT);
    for (const [kind, weight] of WEIGHTS) {
      if (roll < weight) return kind;
      roll -= weight;
    }
    return 'healNetwork';
  }
}
