// `npm run sim`: runs seeded simulations of the raft core and prints a summary (see --help).
// A failing seed prints the one-line command that replays it exactly.
import { parseArgs } from 'node:util';
import {
  DEFAULT_SIMULATION,
  LIVENESS_BOUND_MS,
  nodesForSeed,
  replayCommand,
  runSimulation,
  type SimulationResult,
} from './simulation.js';

const USAGE = `usage: npm run sim -- [--seeds N] [--seed S] [--nodes 3|5] [--steps N] [--fault-ms MS] [--verbose]
  --seeds N     number of seeds to run (default 100; with --seed alone, 1)
  --seed S      first seed (default 1; SIM_SEED in the environment does the same)
  --nodes 3|5   cluster size (default: even seeds 3 nodes, odd seeds 5)
  --steps N     step budget of each seed's fault phase (default ${DEFAULT_SIMULATION.maxSteps})
  --fault-ms MS virtual length of the fault phase (default ${DEFAULT_SIMULATION.faultMs})
  --verbose     one line per seed`;

function main(): number {
  const { values } = parseArgs({
    options: {
      seeds: { type: 'string' },
      seed: { type: 'string' },
      nodes: { type: 'string' },
      steps: { type: 'string' },
      'fault-ms': { type: 'string' },
      verbose: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    return 0;
  }
  const seedText = values.seed ?? process.env['SIM_SEED'];
  const firstSeed = integer(seedText ?? '1', 'seed');
  const count = integer(values.seeds ?? (seedText === undefined ? '100' : '1'), 'seeds');
  const fixedNodes = values.nodes === undefined ? undefined : integer(values.nodes, 'nodes');
  if (fixedNodes !== undefined && fixedNodes !== 3 && fixedNodes !== 5)
    throw new Error('--nodes must be 3 or 5');
  const faultMs = integer(values['fault-ms'] ?? String(DEFAULT_SIMULATION.faultMs), 'fault-ms');
  const maxSteps = integer(values.steps ?? String(DEFAULT_SIMULATION.maxSteps), 'steps');

  const started = performance.now();
  const failures: SimulationResult[] = [];
  const healToCommit: number[] = [];
  let virtualMs = 0;
  let steps = 0;
  let unsyncedLeaderCrashes = 0;
  let heartbeatResponsesDuringWrite = 0;
  let disconnectHints = 0;
  let appliedBeforeDurable = 0;
  let snapshotsDeferred = 0;
  let readsServedDuringWrite = 0;
  let pipelinedWrites = 0;
  let threeNodeSeeds = 0;
  let lastProgress = started;
  for (let seed = firstSeed; seed < firstSeed + count; seed++) {
    const nodes = fixedNodes ?? nodesForSeed(seed);
    if (nodes === 3) threeNodeSeeds++;
    const result = runSimulation({ seed, nodes, faultMs, maxSteps });
    virtualMs += result.virtualMs;
    steps += result.stats.steps;
    unsyncedLeaderCrashes += result.stats.leaderCrashesWithUnsyncedSent;
    heartbeatResponsesDuringWrite += result.stats.heartbeatResponsesDuringWrite;
    disconnectHints += result.stats.disconnectHints;
    appliedBeforeDurable += result.stats.appliedBeforeDurable;
    snapshotsDeferred += result.stats.snapshotsDeferred;
    readsServedDuringWrite += result.stats.readsServedDuringWrite;
    pipelinedWrites += result.stats.pipelinedWrites;
    if (result.healToCommitMs !== undefined) healToCommit.push(result.healToCommitMs);
    if (!result.ok) {
      failures.push(result);
      console.log(`FAIL seed=${seed} nodes=${nodes}: ${result.failure}`);
      console.log(`  replay: ${replayCommand(result, { faultMs, maxSteps })}`);
    } else if (values.verbose) {
      console.log(
        `ok seed=${seed} nodes=${nodes} virtual=${result.virtualMs}ms steps=${result.stats.steps} ` +
          `heal->commit=${result.healToCommitMs}ms catch-up=${result.catchUpMs}ms trace=${hex(result.traceHash)}`,
      );
    }
    if (performance.now() - lastProgress > 30_000) {
      lastProgress = performance.now();
      console.error(`... ${seed - firstSeed + 1}/${count} seeds, ${failures.length} failed`);
    }
  }
  const elapsedS = (performance.now() - started) / 1000;

  // Determinism: the first seed again must reproduce its trace exactly.
  const again = runSimulation({
    seed: firstSeed,
    nodes: fixedNodes ?? nodesForSeed(firstSeed),
    faultMs,
    maxSteps,
  });
  const first = runSimulation({
    seed: firstSeed,
    nodes: fixedNodes ?? nodesForSeed(firstSeed),
    faultMs,
    maxSteps,
  });
  const deterministic = again.traceHash === first.traceHash;

  healToCommit.sort((a, b) => a - b);
  const quantile = (q: number) =>
    healToCommit[Math.min(healToCommit.length - 1, Math.floor(q * healToCommit.length))];
  console.log(
    `raft sim: ${count} seeds (${threeNodeSeeds} with 3 nodes, ${count - threeNodeSeeds} with 5) in ${elapsedS.toFixed(1)} s; ` +
      `${(virtualMs / 1000).toFixed(0)} s of virtual time, ${steps} steps; ` +
      `${unsyncedLeaderCrashes} leader crashes with sent but unsynced entries, ` +
      `${heartbeatResponsesDuringWrite} heartbeat responses sent during a write, ` +
      `${disconnectHints} peer-disconnected hints, ` +
      `${appliedBeforeDurable} entries applied before durable locally (${snapshotsDeferred} snapshots deferred), ` +
      `${readsServedDuringWrite} reads answered during a write, ` +
      `${pipelinedWrites} writes issued while another was in flight`,
  );
  console.log(
    `liveness: heal -> first new commit p50 ${quantile(0.5)} ms, p99 ${quantile(0.99)} ms, max ${healToCommit.at(-1)} ms ` +
      `(bound ${LIVENESS_BOUND_MS} ms)`,
  );
  console.log(
    `determinism: seed ${firstSeed} replayed with ${deterministic ? 'the same' : 'A DIFFERENT'} trace hash ${hex(first.traceHash)}`,
  );
  console.log(
    `failures: ${failures.length}${failures.length > 0 ? ` (seeds ${failures.map((f) => f.seed).join(', ')})` : ''}`,
  );
  return failures.length === 0 && deterministic ? 0 : 1;
}

function integer(text: string, name: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < 0)
    throw new Error(`--${name} needs a non-negative integer, got ${text}`);
  return value;
}

function hex(value: number): string {
  return `0x${value.toString(16).padStart(8, '0')}`;
}

process.exitCode = main();
