import { PyralogError } from '../../protocol/index.js';
import { SeededRandom } from '../../testing/index.js';
import type { RaftOptions } from '../core/raft-options.js';
import { Nemesis } from './nemesis.js';
import { SimCluster, type SimStats } from './sim-cluster.js';

export interface SimulationOptions {
  readonly seed: number;
  readonly nodes: 3 | 5;
  /** Virtual length of the fault phase. */
  readonly faultMs: number;
  /** Step budget of the fault phase (it ends at whichever of faultMs and maxSteps comes first). */
  readonly maxSteps: number;
}

export interface SimulationResult {
  readonly seed: number;
  readonly nodes: 3 | 5;
  readonly ok: boolean;
  readonly failure: string | undefined;
  readonly virtualMs: number;
  readonly traceHash: number;
  /** Virtual ms from healing to the first commit of a proposal made after healing. */
  readonly healToCommitMs: number | undefined;
  /** Virtual ms from that commit until every member applied it. */
  readonly catchUpMs: number | undefined;
  readonly stats: SimStats;
}

/** Election timeout of the simulated nodes (ms; each node draws in [T, 2T)). */
export const SIM_ELECTION_TIMEOUT_MS = 100;
/**
 * Liveness bound: once every fault healed (all nodes up, no partition, no loss, fast disks), a leader
 * is elected and a proposal made after healing commits within 20 election timeouts of virtual time,
 * and every member applies it within 20 more. Clock drift (rates 0.8–1.25) is not healed.
 */
export const LIVENESS_BOUND_MS = 20 * SIM_ELECTION_TIMEOUT_MS;
export const CATCH_UP_BOUND_MS = 20 * SIM_ELECTION_TIMEOUT_MS;

export class LivenessError extends PyralogError {
  readonly code = 'SIM_LIVENESS';
}

export const DEFAULT_SIMULATION: Omit<SimulationOptions, 'seed' | 'nodes'> = {
  faultMs: 3000,
  maxSteps: 60_000,
};

/** The node count a seed runs with when none is given: a mix of 3- and 5-node clusters. */
export function nodesForSeed(seed: number): 3 | 5 {
  return seed % 2 === 0 ? 3 : 5;
}

/**
 * Flow-control and snapshot tuning drawn per seed, so that seeds also cover tiny batches, a window of
 * one, frequent snapshots and one-byte chunks. The ranges keep throughput well above the clients'
 * rate, so a backlog built during faults drains within the liveness bound.
 */
export function tuningForSeed(seed: number): Partial<RaftOptions> {
  const random = new SeededRandom(seed ^ 0x5eed7a11);
  return {
    electionTimeoutMs: SIM_ELECTION_TIMEOUT_MS,
    maxAppendEntries: random.pick([4, 8, 16, 64]),
    maxAppendBytes: random.pick([512, 2048, 65_536]),
    maxInflightAppends: random.between(1, 8),
    snapshotThresholdBytes: random.pick([512, 2048, 16_384, 1_000_000]),
    snapshotChunkBytes: random.pick([1, 5, 64]),
    // Pipelined writes (several ready()s in flight) in three seeds of four.
    maxInflightWrites: random.pick([1, 2, 3, 8]),
    // Drawn last, so that the draws above stay what they were for each seed. Half the seeds bound the
    // window by bytes as well (down to less than one append), the others by count alone, up to 64.
    ...(random.between(0, 1) === 0
      ? { maxInflightAppendBytes: random.pick([100, 1024, 8192]) }
      : { maxInflightAppends: random.between(1, 64) }),
  };
}

/**
 * Whether a seed's nodes apply committed entries as soon as they commit (as RaftDriver does), or only
 * through ready() after their write: three seeds in four run the driver's way, the fourth keeps the
 * plain ready() path covered.
 */
export function applyEarlyForSeed(seed: number): boolean {
  return (seed >> 1) % 4 !== 1;
}

/**
 * One seeded run: clients propose and read throughout, the nemesis injects faults for the fault phase,
 * then everything heals and liveness is measured. Safety invariants are checked after every step.
 */
export function runSimulation(options: SimulationOptions): SimulationResult {
  const cluster = new SimCluster({
    seed: options.seed,
    voters: options.nodes,
    spares: 1,
    clockDrift: 0.1,
    raft: tuningForSeed(options.seed),
    applyEarly: applyEarlyForSeed(options.seed),
    // Half the seeds start a further write only by the driver's rule (RaftDriverOptions.pipelineAfterMs).
    pipelineAfterMs: options.seed % 4 < 2 ? 0 : 2,
  });
  const random = cluster.random.fork();
  const nemesis = new Nemesis(cluster, random);
  let faulting = true;
  const propose = () => {
    const leaders = cluster.leaders();
    const stale = leaders.length > 1 && random.chance(0.3) ? random.pick(leaders) : undefined;
    cluster.propose(random.between(4, 200), stale ?? cluster.leader());
    cluster.schedule(random.between(1, 20), propose);
  };
  const read = () => {
    const leader = cluster.leader();
    const target = leader !== undefined && random.chance(0.8) ? leader.id : random.pick(cluster.ids);
    cluster.readIndex(target);
    cluster.schedule(random.between(10, 100), read);
  };
  const injectFault = () => {
    if (!faulting) return;
    nemesis.act();
    cluster.schedule(random.between(5, 200), injectFault);
  };
  cluster.schedule(1, propose);
  cluster.schedule(50, read);
  cluster.schedule(random.between(50, 300), injectFault);
  let failure: string | undefined;
  let healToCommitMs: number | undefined;
  let catchUpMs: number | undefined;
  try {
    cluster.runUntil(
      () => cluster.nowMs >= options.faultMs || cluster.stats.steps >= options.maxSteps,
      options.faultMs,
    );
    faulting = false;
    nemesis.healAll();
    const healedAt = cluster.nowMs;
    if (!cluster.runUntil(() => cluster.latestCommittedProposalMs >= healedAt, LIVENESS_BOUND_MS)) {
      throw new LivenessError(`no proposal made after healing committed within ${LIVENESS_BOUND_MS} ms`);
    }
    healToCommitMs = cluster.nowMs - healedAt;
    const committedAt = cluster.nowMs;
    const target = cluster.checker.maxCommitted;
    const caughtUp = () => {
      const config = cluster.leader()?.raft?.status().config;
      if (config === undefined) return false;
      return [...config.voters, ...config.learners].every(
        (id) => (cluster.node(id).raft?.status().appliedIndex ?? 0) >= target,
      );
    };
    if (!cluster.runUntil(caughtUp, CATCH_UP_BOUND_MS)) {
      throw new LivenessError(`members did not all apply index ${target} within ${CATCH_UP_BOUND_MS} ms`);
    }
    catchUpMs = cluster.nowMs - committedAt;
  } catch (error: unknown) {
    if (!(error instanceof Error)) throw error;
    failure = `${error.name}: ${error.message} (at ${cluster.nowMs} ms, step ${cluster.stats.steps})`;
  }
  return {
    seed: options.seed,
    nodes: options.nodes,
    ok: failure === undefined,
    failure,
    virtualMs: cluster.nowMs,
    traceHash: cluster.traceHash,
    healToCommitMs,
    catchUpMs,
    stats: cluster.stats,
  };
}

/** The one-line command that replays a seed exactly. */
export function replayCommand(
  result: Pick<SimulationResult, 'seed' | 'nodes'>,
  options?: { faultMs: number; maxSteps: number },
): string {
  const extra =
    options === undefined ||
    (options.faultMs === DEFAULT_SIMULATION.faultMs && options.maxSteps === DEFAULT_SIMULATION.maxSteps)
      ? ''
      : ` --fault-ms ${options.faultMs} --steps ${options.maxSteps}`;
  return `npm run sim -- --seed ${result.seed} --nodes ${result.nodes}${extra}`;
}
