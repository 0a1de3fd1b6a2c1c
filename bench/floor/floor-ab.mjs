#!/usr/bin/env node
// The floor of the latency target: the shared workload's fixed-rate end-to-end latency
// (rdkafka_performance, a consumer at the end of a fresh topic, a producer paced at --rate msg/s of
// 1 KiB with acks=all and linger.ms=0, the same commands as ../broker/latency-ab.mjs) against the
// floor responder (floor-responder.ts: the least a Node.js process does to serve that workload) in
// each durability mode, and against the real broker (`pyralog start`, flush mode durable) in the
// same alternation: --rounds rounds, the order reversed every other round, so a load that changes
// during the run weighs on every target alike. Before each window, --warmup-secs of the same
// producer into another topic warm up the JIT. Per target and pooled over the rounds: p50 / p99 /
// p99.9 and the share above 1 ms (the target's p99), the requests in the window, the target's CPU
// per request (main thread and the others, from /proc/<pid>/task/*/schedstat) and the time its
// threads waited for a CPU per request (runnable, not running), rdkafka_performance's producer and
// consumer threads' CPU used / waited (ms, sampled every 250 ms), and the load average around it.
//
// Usage (after `npm run build`, for the broker's dist/):
//   flock /tmp/bench.lock node bench/floor/floor-ab.mjs [--rate 10000] [--secs 10] [--rounds 3]
//        [--warmup-secs 3] [--modes none,pool,dsync,sync] [--no-broker] [--broker-dist dist]
// A mode may carry options after `+`: `ff` runs the responder with --fetch-first (woken fetches
// answered before the produces that woke them), `retain=N` keeps N bytes per partition in memory
// instead of 256 KiB (--retained-bytes), `copy` keeps a copy of each batch instead of the view of
// the request (--copy), e.g. `sync+ff+retain=1048576`.
//        [--pin-target CPUS --pin-client CPUS] [--floor-node-args "--max-semi-space-size=64 ..."]
// --pin-target / --pin-client keep the target (all its threads) and rdkafka_performance on the given
// CPUs with taskset: a diagnostic (every line then says PINNED), not the workload's default.
import { execFile, spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { promisify } from 'node:util';
import { build, stop as stopEsbuild } from 'esbuild';
import { flag, option } from '../broker/arguments.mjs';
import {
  delay,
  latencyConsumer,
  loadavg,
  onCpus,
  overOneMs,
  pacedProducer,
  percentile,
  requestCounts,
} from '../broker/paced-latency.mjs';
import { startPyralog } from '../broker/pyralog-process.mjs';
import { machineCpu, processSchedstat, schedstatDelta } from '../broker/schedstat.mjs';
import { sharedBenchCopy } from '../broker/shared-bench.mjs';
import { sampleThreads, threadUse } from '../broker/thread-sampler.mjs';

const run = promisify(execFile);
const ROOT = new URL('../..', import.meta.url).pathname;
const OUT = join(ROOT, 'bench/.out');
const RESPONDER = join(OUT, 'floor/responder.mjs');

const rate = Number(option('rate', '10000'));
const secs = Number(option('secs', '10'));
const rounds = Number(option('rounds', '3'));
const warmupSecs = Number(option('warmup-secs', '3'));
const modes = option('modes', 'none,pool,dsync,sync').split(',');
const brokerDist = resolve(ROOT, option('broker-dist', 'dist'));
/** Node flags for the floor responder's process (e.g. a larger young generation), none by default. */
const floorNodeArgs = option('floor-node-args', '')
  .split(' ')
  .filter((arg) => arg !== '');
const pinTarget = option('pin-target', undefined);
const pinClient = option('pin-client', undefined);
const pinning =
  pinTarget === undefined && pinClient === undefined
    ? 'not pinned'
    : `PINNED: target on CPUs ${pinTarget ?? 'any'}, rdkafka_performance on CPUs ${pinClient ?? 'any'}`;
/** rdkafka_performance with `args`, on --pin-client's CPUs if given. */
const client = (perf, args) => onCpus(perf, args, pinClient);

/** The floor responder in `mode` (with its `+` options), its own process (a bundle, as the broker's): counts on SIGUSR2. */
async function startFloor(mode, dir) {
  const [durability, ...variants] = mode.split('+');
  const args = ['--mode', durability, '--dir', dir];
  for (const variant of variants) {
    if (variant === 'ff') args.push('--fetch-first');
    else if (variant === 'copy') args.push('--copy');
    else if (variant.startsWith('retain=')) args.push('--retained-bytes', variant.slice('retain='.length));
    else throw new Error(`unknown floor option ${variant} in ${mode}`);
  }
  const child = spawn(process.execPath, [...floorNodeArgs, RESPONDER, ...args], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise((done) => child.once('exit', done));
  const replies = [];
  createInterface({ input: child.stdout }).on('line', (line) => replies.shift()?.(JSON.parse(line)));
  const nextLine = () => new Promise((done) => replies.push(done));
  const ready = await Promise.race([
    nextLine(),
    exited.then((code) => Promise.reject(new Error(`the floor responder exited with ${code}`))),
  ]);
  return {
    bootstrap: ready.bootstrap,
    pid: child.pid,
    async counts() {
      const reply = nextLine();
      child.kill('SIGUSR2');
      const { counts } = await reply;
      return {
        produces: counts.Produce ?? 0,
        fetches: counts.Fetch ?? 0,
        groups: counts.groups,
        gcs: counts.gcs,
        gcMs: counts.gcMs,
      };
    },
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

/** `pyralog start` of --broker-dist, acks=all answered after fsync (flush mode durable, the default). */
async function startBroker(dir) {
  const broker = await startPyralog(dir, {
    cli: join(brokerDist, 'pyralog.js'),
    extraArgs: ['--flush-mode', 'durable'],
  });
  return {
    bootstrap: broker.bootstrap,
    pid: broker.pid,
    async counts() {
      const counts = await requestCounts(broker.admin);
      return { produces: counts.Produce ?? 0, fetches: counts.Fetch ?? 0 };
    },
    stop: () => broker.stop(),
  };
}

const targets = [
  ...modes.map((mode) => ({ name: `floor ${mode}`, start: (dir) => startFloor(mode, dir) })),
  ...(flag('no-broker') ? [] : [{ name: 'pyralog', start: startBroker }]),
];

/** The machine's CPU time over a window by kind, in % of both CPUs (steal: the hypervisor ran something else). */
function machineLine(before, after) {
  const delta = after.map((ticks, i) => ticks - before[i]);
  const all = delta.reduce((a, b) => a + b, 0);
  const share = (i) => `${((100 * delta[i]) / all).toFixed(0)}%`;
  return `machine user ${share(0)} system ${share(2)} softirq ${share(6)} idle ${share(3)} iowait ${share(4)} steal ${share(7)}`;
}

/** Per thread name of a sampled client, CPU ms used / waited for: the total first, then the busiest threads. */
function clientLine(use) {
  const threads = [...use].sort((a, b) => b[1].runMs - a[1].runMs);
  const total = threads.reduce((sum, [, t]) => [sum[0] + t.runMs, sum[1] + t.waitMs], [0, 0]);
  return `${total[0].toFixed(0)}/${total[1].toFixed(0)} (${threads.slice(0, 3).map(threadUse).join(', ')})`;
}

/** One latency window against a fresh `target`: percentiles, requests, CPU and CPU waits. */
async function measure(target, perf, round) {
  const dir = await mkdtemp(join(OUT, 'floor-data-'));
  const server = await target.start(dir);
  try {
    if (pinTarget !== undefined) await run('taskset', ['-a', '-p', '-c', pinTarget, String(server.pid)]);
    const boot = server.bootstrap;
    const topic = `floor-${round}-${target.name.replace(' ', '-')}`;
    await run(...client(perf, ['-P', '-t', topic, '-p', '0', '-b', boot, '-s', '1024', '-c', '1', '-q']));
    const latencyFile = join(dir, 'latency.txt');
    const expected = Math.floor(rate * secs);
    const consumer = spawn(...client(perf, latencyConsumer(boot, topic, expected, latencyFile)), {
      stdio: 'ignore',
    });
    const consumed = new Promise((done) => consumer.once('exit', done));
    await delay(2000);
    if (warmupSecs > 0) {
      // As latency-ab.mjs, a warm-up producer that exits with an error is no failure.
      await run(...client(perf, pacedProducer(boot, `${topic}-warmup`, rate * warmupSecs, rate))).catch(
        () => {},
      );
    }
    const countsBefore = await server.counts();
    const cpuBefore = processSchedstat(server.pid);
    const machineBefore = machineCpu();
    const consumerThreads = sampleThreads(consumer.pid, 250);
    const producing = run(...client(perf, pacedProducer(boot, topic, expected, rate)), {
      maxBuffer: 16 * 1024 * 1024,
    });
    const producerThreads = sampleThreads(producing.child.pid, 250);
    const producerKill = setTimeout(() => producing.child.kill(), (secs + 60) * 1000);
    await producing.catch((error) => {
      if (error.killed !== true) throw error;
      console.log(`# ${target.name}: the producer did not finish in ${secs + 60} s and was stopped`);
    });
    clearTimeout(producerKill);
    const producerUse = producerThreads.stop();
    const cpu = schedstatDelta(cpuBefore, processSchedstat(server.pid));
    const machine = machineLine(machineBefore, machineCpu());
    const countsAfter = await server.counts();
    const deadline = setTimeout(() => consumer.kill('SIGINT'), 20_000);
    await consumed;
    clearTimeout(deadline);
    const consumerUse = consumerThreads.stop();
    const latencies = (await readFile(latencyFile, 'utf8').catch(() => ''))
      .split('\n')
      .filter(Boolean)
      .map(Number)
      .sort((a, b) => a - b);
    return {
      expected,
      latencies,
      produces: countsAfter.produces - countsBefore.produces,
      fetches: countsAfter.fetches - countsBefore.fetches,
      groups: countsAfter.groups === undefined ? undefined : countsAfter.groups - countsBefore.groups,
      gc:
        countsAfter.gcs === undefined
          ? undefined
          : {
              gcs: countsAfter.gcs - countsBefore.gcs,
              gcMs: countsAfter.gcMs - countsBefore.gcMs,
            },
      cpu,
      clients: `producer ${clientLine(producerUse)}, consumer ${clientLine(consumerUse)}`,
      machine,
    };
  } finally {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

function line(name, result, load) {
  const { latencies, cpu } = result;
  const ms = (q) => (latencies.length === 0 ? 'n/a' : (percentile(latencies, q) / 1000).toFixed(2));
  const requests = result.produces + result.fetches;
  const perRequest = (msValue) => ((msValue / requests) * 1000).toFixed(1);
  return [
    `${name.padEnd(12)}${pinning === 'not pinned' ? '' : ' PINNED'} p50 ${ms(50)} p99 ${ms(99)} p99.9 ${ms(99.9)} ms, over 1 ms ${overOneMs(latencies)} (${latencies.length}/${result.expected})`,
    `produces ${result.produces} fetches ${result.fetches}${result.groups === undefined ? '' : ` groups ${result.groups}`}`,
    ...(result.gc === undefined ? [] : [`gc pauses ${result.gc.gcs} (${result.gc.gcMs.toFixed(0)} ms)`]),
    `cpu µs/request main ${perRequest(cpu.main.runMs)} others ${perRequest(cpu.others.runMs)} (${cpu.others.threads} threads)`,
    `waited for a CPU µs/request main ${perRequest(cpu.main.waitMs)} others ${perRequest(cpu.others.waitMs)}`,
    `timeslices/request main ${(cpu.main.slices / requests).toFixed(2)} others ${(cpu.others.slices / requests).toFixed(2)}`,
    `clients CPU ms used/waited: ${result.clients}`,
    result.machine,
    `[loadavg ${load}]`,
  ].join(' | ');
}

function pool(results) {
  const sum = (pick) => results.reduce((total, r) => total + pick(r), 0);
  const cpu = {};
  for (const kind of ['main', 'others']) {
    cpu[kind] = {};
    for (const key of Object.keys(results[0].cpu[kind])) {
      cpu[kind][key] = key === 'threads' ? results[0].cpu[kind][key] : sum((r) => r.cpu[kind][key]);
    }
  }
  return {
    expected: sum((r) => r.expected),
    latencies: results.flatMap((r) => r.latencies).sort((a, b) => a - b),
    produces: sum((r) => r.produces),
    fetches: sum((r) => r.fetches),
    groups: results[0].groups === undefined ? undefined : sum((r) => r.groups),
    gc:
      results[0].gc === undefined
        ? undefined
        : {
            gcs: sum((r) => r.gc.gcs),
            gcMs: sum((r) => r.gc.gcMs),
          },
    cpu,
    clients: '(per round above)',
    machine: 'machine (per round above)',
  };
}

mkdirSync(join(OUT, 'floor'), { recursive: true });
await build({
  entryPoints: [join(ROOT, 'bench/floor/responder-main.ts')],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  outfile: RESPONDER,
  logLevel: 'warning',
});
// esbuild's service process would otherwise stay and wake up during the windows.
await stopEsbuild();
const perf = join(await sharedBenchCopy(), 'bin/rdkafka_performance');
console.log(
  `# floor A/B, ${new Date().toISOString()}, node ${process.version}, ${rate} msg/s of 1 KiB for ${secs} s, ${rounds} round(s), warm-up ${warmupSecs} s, ${pinning}`,
);
console.log(
  `#   targets: ${targets.map((target) => target.name).join(', ')} (broker: ${brokerDist}; floor node flags: ${floorNodeArgs.join(' ') || 'none'})`,
);
const all = new Map(targets.map((target) => [target.name, []]));
for (let round = 0; round < rounds; round += 1) {
  const order = round % 2 === 0 ? targets : [...targets].reverse();
  for (const target of order) {
    const loadBefore = loadavg();
    const result = await measure(target, perf, round);
    all.get(target.name).push(result);
    console.log(line(target.name, result, `${loadBefore} → ${loadavg()}`));
  }
}
console.log('# all rounds pooled');
for (const target of targets) console.log(line(target.name, pool(all.get(target.name)), loadavg()));
