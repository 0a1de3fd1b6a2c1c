#!/usr/bin/env node
// Consume A/B for issue #4: one broker per variant (each `pyralog start` with its own
// `--override key=value` set), the same N records of 1 KiB produced into each once with the shared
// workload's producer settings, then the shared workload's consumer (rdkafka_performance -C, one
// partition, from the beginning) run against the variants in turn, `--runs` rounds: so a load that
// changes during the run weighs on every variant alike. Prints MB/s per consume with the load next
// to it, the CPU seconds the broker and the consumer process each used, and a median per variant.
//
// Usage (after `npm run build`):
//   node bench/broker/consume-ab.mjs [--msgs 1000000] [--runs 3] [--flush-mode kafka]
//        [--variant "name=key=value,key=value"]... [--variant "name|dist dir|node flags|key=value,..."]...
//        [--node-args "--flag ..."] [--cpu-prof DIR] [--perf DIR] [--pin-broker CPUS --pin-client CPUS]
//        [--trace]
// Without --variant the one variant is "default" (no overrides). A variant written with `|` is a
// build as in latency-ab.mjs: a dist/ directory (copy dist/ aside, beside a package.json and a
// node_modules link, before a change), Node flags for that broker alone, and optional overrides; so
// the build before a change and the one after it are measured in alternating rounds. --pin-broker/--pin-client run the
// broker and the consumer under `taskset -c CPUS` (e.g. 0 and 1): a labelled, non-default setting
// that keeps the two from competing for one core; figures with and without it are not comparable.
// --perf DIR records each broker with `perf record -g` while it serves a consume
// (DIR/<variant>-<round>.data; the broker's main thread is the tid equal to its pid, e.g. `perf report
// -i FILE --tid PID`; add --perf-basic-prof to the Node flags to name JavaScript frames).
// --trace loads trace-hook.mjs into each broker (see main.mjs) and prints its summary per variant:
// per-stage Fetch times, and the client's part of each round trip (previous written→received).
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { option, options } from './arguments.mjs';
import { throughputProducer } from './paced-latency.mjs';
import { startPyralog } from './pyralog-process.mjs';
import { sharedBenchCopy } from './shared-bench.mjs';

const run = promisify(execFile);
const delay = (ms) => new Promise((done) => setTimeout(done, ms));
const ROOT = new URL('../..', import.meta.url).pathname;
const OUT = join(ROOT, 'bench/.out');

const msgs = Number(option('msgs', '1000000'));
const runs = Number(option('runs', '3'));
const flushMode = option('flush-mode', 'kafka');
const cpuProfDir = option('cpu-prof', undefined);
const perfDir = option('perf', undefined);
const pinBroker = option('pin-broker', undefined);
const pinClient = option('pin-client', undefined);
const trace = process.argv.includes('--trace');
const extraNodeArgs = option('node-args', '')
  .split(' ')
  .filter((arg) => arg !== '');
const listOf = (text, separator) => text.split(separator).filter((item) => item !== '');
const variants = (options('variant').length === 0 ? ['default='] : options('variant')).map((spec) => {
  if (spec.includes('|')) {
    const [name, dist = 'dist', flags = '', overrides = ''] = spec.split('|');
    return {
      name,
      cli: join(resolve(ROOT, dist), 'pyralog.js'),
      nodeArgs: listOf(flags, ' '),
      overrides: listOf(overrides, ','),
    };
  }
  const at = spec.indexOf('=');
  return {
    name: spec.slice(0, at),
    cli: undefined,
    nodeArgs: [],
    overrides: listOf(spec.slice(at + 1), ','),
  };
});

const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
/** User plus system CPU seconds of a live process (and its threads). */
const cpuSeconds = (pid) => {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};
/** CPU seconds of the process's main thread alone (tid = pid); the rest is libuv's pool and V8's helpers. */
const mainThreadCpuSeconds = (pid) => {
  const fields = readFileSync(`/proc/${pid}/task/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
};
const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const pinned = (cpus, command, args) =>
  cpus === undefined ? [command, args] : ['taskset', ['-c', cpus, command, ...args]];

async function perf(copy, args) {
  const [command, full] = pinned(pinClient, join(copy, 'bin/rdkafka_performance'), args);
  // `time` reports the client's own CPU seconds (user and system) on stderr's last line.
  const child = spawn('/usr/bin/time', ['-f', 'cpu %U %S', command, ...full], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  const code = await new Promise((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`rdkafka_performance exited with ${code}: ${output.slice(-500)}`);
  const cpu = /cpu ([\d.]+) ([\d.]+)\s*$/.exec(output);
  return { output, clientCpuSeconds: cpu === null ? Number.NaN : Number(cpu[1]) + Number(cpu[2]) };
}

/** `perf record -g` of the variant's broker until stop() (once perf wrote its header, so that it records). */
async function startPerf(variant, round) {
  const output = join(perfDir, `${variant.name}-${round}.data`);
  const recorder = spawn('perf', ['record', '-F', '999', '-g', '-p', `${variant.broker.pid}`, '-o', output], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const exited = new Promise((done) => recorder.once('exit', done));
  for (let tries = 0; tries < 100 && !existsSync(output); tries += 1) await delay(20);
  return {
    async stop() {
      recorder.kill('SIGINT');
      await exited;
    },
  };
}

mkdirSync(OUT, { recursive: true });
if (perfDir !== undefined) mkdirSync(perfDir, { recursive: true });
const copy = await sharedBenchCopy();
console.log(
  `# consume A/B, ${new Date().toISOString()}, node ${process.version}, ${msgs} x 1 KiB, ${runs} round(s), flush mode ${flushMode}` +
    (pinBroker === undefined && pinClient === undefined
      ? ', processes not pinned'
      : `, PINNED: broker on CPUs ${pinBroker ?? 'any'}, consumer on CPUs ${pinClient ?? 'any'}`),
);
const started = [];
try {
  for (const variant of variants) {
    const dir = await mkdtemp(join(OUT, 'data-'));
    const nodeArgs = [...extraNodeArgs, ...variant.nodeArgs];
    if (cpuProfDir !== undefined) nodeArgs.push('--cpu-prof', `--cpu-prof-dir=${cpuProfDir}`);
    const extraArgs = ['--flush-mode', flushMode, ...variant.overrides.flatMap((o) => ['--override', o])];
    const traceOut = join(OUT, `trace-consume-${variant.name}-${Date.now()}.txt`);
    if (trace) nodeArgs.push('--import', join(ROOT, 'bench/broker/trace-hook.mjs'));
    const env = trace ? { ...process.env, BENCH_TRACE_OUT: traceOut } : process.env;
    const broker = await startPyralog(dir, { extraArgs, nodeArgs, env, cli: variant.cli });
    if (pinBroker !== undefined) await run('taskset', ['-a', '-p', '-c', pinBroker, String(broker.pid)]);
    started.push({
      ...variant,
      dir,
      broker,
      figures: [],
      cpu: { broker: [], main: [], consumer: [] },
      traceOut,
    });
    const topic = `consume-ab-${process.pid}`;
    const produced = await perf(copy, throughputProducer(broker.bootstrap, topic, msgs));
    const line = /% \d+ messages produced .*/.exec(produced.output)?.[0] ?? 'no produce summary';
    const build = variant.cli === undefined ? '' : ` ${variant.cli} ${variant.nodeArgs.join(' ')}`;
    console.log(
      `${variant.name}${build} [${variant.overrides.join(',')}] produced: ${line}   [loadavg ${loadavg()}]`,
    );
  }
  for (let round = 1; round <= runs; round += 1) {
    // Every other round in reverse order, so that no variant always runs right after the same one.
    for (const variant of round % 2 === 1 ? started : [...started].reverse()) {
      const recorder = perfDir === undefined ? undefined : await startPerf(variant, round);
      const brokerBefore = cpuSeconds(variant.broker.pid);
      const mainBefore = mainThreadCpuSeconds(variant.broker.pid);
      const consumed = await perf(copy, [
        '-C',
        '-t',
        `consume-ab-${process.pid}`,
        '-p',
        '0',
        '-b',
        variant.broker.bootstrap,
        '-o',
        'beginning',
        '-c',
        String(msgs),
        '-e',
        '-q',
      ]);
      const brokerCpu = cpuSeconds(variant.broker.pid) - brokerBefore;
      const mainCpu = mainThreadCpuSeconds(variant.broker.pid) - mainBefore;
      await recorder?.stop();
      const m = /% (\d+) messages \((\d+) bytes\) consumed in (\d+)ms: (\d+) msgs\/s \(([\d.]+) MB\/s\)/.exec(
        consumed.output,
      );
      if (m === null) throw new Error(`no consume summary: ${consumed.output.slice(-500)}`);
      const mbPerS = Number(m[5]);
      variant.figures.push(mbPerS);
      const gb = Number(m[2]) / 1e9;
      variant.cpu.broker.push(brokerCpu / gb);
      variant.cpu.main.push(mainCpu / gb);
      variant.cpu.consumer.push(consumed.clientCpuSeconds / gb);
      console.log(
        `round ${round} ${variant.name}: consume ${mbPerS.toFixed(0)} MB/s (${m[1]} msgs in ${m[3]} ms); ` +
          `broker CPU ${(brokerCpu / gb).toFixed(2)} s/GB (main thread ${(mainCpu / gb).toFixed(2)}), consumer CPU ${(consumed.clientCpuSeconds / gb).toFixed(2)} s/GB   [loadavg ${loadavg()}]`,
      );
    }
  }
  for (const variant of started) {
    console.log(
      `${variant.name}: consume median ${median(variant.figures).toFixed(0)} MB/s (min ${Math.min(...variant.figures).toFixed(0)}, max ${Math.max(...variant.figures).toFixed(0)}, n=${variant.figures.length}); ` +
        `CPU s/GB medians: broker ${median(variant.cpu.broker).toFixed(2)} (main thread ${median(variant.cpu.main).toFixed(2)}), consumer ${median(variant.cpu.consumer).toFixed(2)}   [loadavg ${loadavg()}]`,
    );
  }
} finally {
  for (const variant of started) {
    await variant.broker.stop();
    await rm(variant.dir, { recursive: true, force: true });
    if (trace) console.log(`\n## trace of ${variant.name}\n${await readFile(variant.traceOut, 'utf8')}`);
  }
}
