#!/usr/bin/env node
// Latency A/B for issue #4: the shared workload's fixed-rate end-to-end latency (librdkafka
// rdkafka_performance: a consumer at the end of an empty topic, a producer paced at --rate msg/s of
// 1 KiB with acks=all and linger.ms=0, the same commands as ../shared/bench/broker-kafka.sh) run
// against each variant in turn, --rounds rounds, the order reversed every other round, so a load
// that changes during the run weighs on every variant alike. Before it, --warmup-secs of the same
// producer into another topic let the broker's JIT compile the paths (outside the measured window). A variant is a build (a dist/ copy)
// plus Node flags. Each broker carries window-hook.mjs, which counts what the broker did while the
// producer ran: heap bytes allocated per message, scavenges and their pauses, bytes they kept
// alive, CPU ms per 1,000 messages and event-loop delay. Those count work and hold on a loaded
// machine; the latency percentiles next to them do not, so every line carries the load average.
//
// Usage (after `npm run build`):
//   node bench/broker/latency-ab.mjs [--rate 10000] [--secs 8] [--rounds 2] [--warmup-secs 3]
//        [--variant "name|dist dir|node flags|key=value,..."]... [--flush-mode durable|kafka] [--perf DIR]
//        [--syscalls]
//        [--pin-broker CPUS --pin-client CPUS]
// Without --variant the one variant is "current|dist|". A variant's optional fourth field is broker
// overrides (each passed as `--override key=value`), e.g. the same build with and without
// `pyralog.log.dsync.segments.enable=false`. Copy dist/ aside (cp -r dist /tmp/dist-a)
// before a change to compare the build before it with the one after. --perf DIR records the broker
// with `perf record -g` while the producer runs (DIR/<variant>-<round>.data; add --perf-basic-prof to
// the variant's Node flags to name JavaScript frames in `perf report`). --syscalls counts the broker's
// system calls per request while the producer runs (`perf stat` tracepoints, main thread and the
// others apart: all, read, write (libuv's eventfd wake-ups among them), writev, pwritev, fdatasync,
// futex, epoll_pwait). Every line also gives context switches per request, main thread and others
// apart (voluntary: the thread blocked, so each is a wake-up; involuntary: it was preempted).
// --pin-broker / --pin-client keep the broker (all its threads) and rdkafka_performance on the given
// CPUs with taskset, as main.mjs does (NOT the default; every line then says PINNED). --trace also loads
// tail-hook.mjs into the broker, samples the producer's and consumer's threads (thread-sampler.mjs)
// and prints, per round, where the slowest 1% of the latencies went (tail-breakdown.mjs).
// --produce N replaces the paced producer and its consumer with the shared workload's throughput
// producer (N x 1 KiB, acks=all, linger.ms=5, batch.num.messages=10000, as broker-kafka.sh; no
// consumer): each line then gives its MB/s and the broker's CPU seconds per GB produced (main thread
// and the others), beside the same per-request counts, e.g. the page-cache produce of two builds:
//   node bench/broker/latency-ab.mjs --produce 1000000 --warmup-secs 0 --rounds 6 --flush-mode kafka \
//        --variant "old|/work/builds/<sha>/dist|" --variant "new|dist|" [--syscalls]
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { flag, option, options } from './arguments.mjs';
import {
  delay,
  latencyConsumer,
  loadavg,
  onCpus,
  overOneMs,
  pacedProducer as pacedProducerAt,
  percentile,
  requestCounts,
  throughputProducer,
} from './paced-latency.mjs';
import { startPyralog } from './pyralog-process.mjs';
import { machineCpu } from './schedstat.mjs';
import { sharedBenchCopy } from './shared-bench.mjs';
import { tailBreakdown } from './tail-breakdown.mjs';
import { sampleThreads, threadUse } from './thread-sampler.mjs';

const run = promisify(execFile);
const ROOT = new URL('../..', import.meta.url).pathname;
const OUT = join(ROOT, 'bench/.out');
const HOOK = join(ROOT, 'bench/broker/window-hook.mjs');
const TAIL_HOOK = join(ROOT, 'bench/broker/tail-hook.mjs');

const rate = Number(option('rate', '10000'));
const secs = Number(option('secs', '8'));
const rounds = Number(option('rounds', '2'));
const warmupSecs = Number(option('warmup-secs', '3'));
const flushMode = option('flush-mode', 'durable');
const perfDir = option('perf', undefined);
const trace = flag('trace');
const syscalls = flag('syscalls');
const pinBroker = option('pin-broker', undefined);
const pinClient = option('pin-client', undefined);
const produceOption = option('produce', undefined);
const produceMsgs = produceOption === undefined ? undefined : Number(produceOption);
if (produceMsgs !== undefined && trace) throw new Error('--trace needs the paced producer, not --produce');
const pinning =
  pinBroker === undefined && pinClient === undefined
    ? 'not pinned'
    : `PINNED: broker on CPUs ${pinBroker ?? 'any'}, rdkafka_performance on CPUs ${pinClient ?? 'any'}`;
/** rdkafka_performance with `args`, on --pin-client's CPUs if given. */
const client = (perf, args) => onCpus(perf, args, pinClient);
/** What `--syscalls` counts with `perf stat` (tracepoints), per thread, while the producer runs. */
const SYSCALL_EVENTS = ['all', 'read', 'write', 'writev', 'pwritev', 'fdatasync', 'futex', 'epoll_pwait'];
const syscallEvent = (name) => (name === 'all' ? 'raw_syscalls:sys_enter' : `syscalls:sys_enter_${name}`);
const variants = (options('variant').length === 0 ? ['current|dist|'] : options('variant')).map((spec) => {
  const [name, dist = 'dist', flags = '', overrides = ''] = spec.split('|');
  return {
    name,
    cli: join(resolve(ROOT, dist), 'pyralog.js'),
    nodeArgs: flags.split(' ').filter((flag) => flag !== ''),
    overrides: overrides.split(',').filter((override) => override !== ''),
  };
});

const statusKiB = (pid, field) =>
  Number(new RegExp(`${field}:\\s+(\\d+)`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);

/** The shared workload's latency producer (paced-latency.mjs) at --rate. */
const pacedProducer = (boot, topic, count) => pacedProducerAt(boot, topic, count, rate);

/** One latency run against a fresh broker of `variant`: the percentiles and the broker's window. */
async function measure(variant, perf, round) {
  const dir = await mkdtemp(join(OUT, 'data-'));
  const windowFile = join(dir, 'window.jsonl');
  const tailFile = join(dir, 'tail.json');
  const broker = await startPyralog(dir, {
    cli: variant.cli,
    nodeArgs: ['--import', HOOK, ...(trace ? ['--import', TAIL_HOOK] : []), ...variant.nodeArgs],
    extraArgs: [
      '--flush-mode',
      flushMode,
      ...variant.overrides.flatMap((override) => ['--override', override]),
    ],
    env: { ...process.env, BENCH_WINDOW_OUT: windowFile, BENCH_TAIL_OUT: tailFile },
  });
  try {
    if (pinBroker !== undefined) await run('taskset', ['-a', '-p', '-c', pinBroker, String(broker.pid)]);
    const boot = broker.bootstrap;
    const topic = `lat-ab-${round}-${variant.name}`;
    await run(...client(perf, ['-P', '-t', topic, '-p', '0', '-b', boot, '-s', '1024', '-c', '1', '-q']));
    const latencyFile = join(dir, 'latency.txt');
    const expected = produceMsgs ?? Math.floor(rate * secs);
    // --produce: the throughput producer alone, no consumer reading the topic meanwhile.
    const consumer =
      produceMsgs !== undefined
        ? undefined
        : spawn(...client(perf, latencyConsumer(boot, topic, expected, latencyFile)), { stdio: 'ignore' });
    const consumed =
      consumer === undefined ? Promise.resolve() : new Promise((done) => consumer.once('exit', done));
    await delay(2000);
    const idleRssMiB = statusKiB(broker.pid, 'VmRSS') / 1024;
    // The broker's JIT compiles the paths of this workload in its first seconds: outside the window.
    if (warmupSecs > 0) {
      // As broker-kafka.sh, a producer that exits with an error (a slow broker's timeouts) is no failure here.
      await run(...client(perf, pacedProducer(boot, `${topic}-warmup`, rate * warmupSecs))).catch(() => {});
    }
    const countsBefore = await requestCounts(broker.admin);
    process.kill(broker.pid, 'SIGUSR2');
    const recorder =
      perfDir === undefined
        ? undefined
        : spawn(
            'perf',
            [
              'record',
              '-F',
              '999',
              '-g',
              '-p',
              `${broker.pid}`,
              '-o',
              join(perfDir, `${variant.name}-${round}.data`),
            ],
            {
              stdio: 'ignore',
            },
          );
    // Taken at spawn: a perf that exits early (a bad option, no permission) must not hang the round.
    const recorded = recorder === undefined ? undefined : new Promise((done) => recorder.once('exit', done));
    const consumerThreads = trace ? sampleThreads(consumer.pid) : undefined;
    const cpuBefore = machineCpu();
    const syscallFile = join(dir, 'syscalls.csv');
    const counter = syscalls
      ? spawn(
          'perf',
          [
            'stat',
            '-x',
            ',',
            '--per-thread',
            '-o',
            syscallFile,
            ...SYSCALL_EVENTS.flatMap((name) => ['-e', syscallEvent(name)]),
            '-p',
            `${broker.pid}`,
          ],
          { stdio: 'ignore' },
        )
      : undefined;
    const counted = counter === undefined ? undefined : new Promise((done) => counter.once('exit', done));
    const producerArgs =
      produceMsgs === undefined
        ? pacedProducer(boot, topic, expected)
        : throughputProducer(boot, topic, expected);
    const producing = run(...client(perf, producerArgs), {
      maxBuffer: 16 * 1024 * 1024,
    });
    const producerThreads = trace ? sampleThreads(producing.child.pid) : undefined;
    const producerKill = setTimeout(() => producing.child.kill(), (secs + 60) * 1000);
    // A producer stopped at its deadline (a machine too loaded to send the messages in time, e.g.
    // pinned to one busy CPU) leaves the round with fewer messages than expected, not a crash.
    const produced = await producing.catch((error) => {
      if (error.killed !== true) throw error;
      console.log(`# ${variant.name}: the producer did not finish in ${secs + 60} s and was stopped`);
      return undefined;
    });
    // rdkafka_performance's last summary: "% N messages produced (B bytes), D delivered ... in T ms: R msgs/s and X MB/s".
    const summary =
      produced === undefined || produceMsgs === undefined
        ? undefined
        : [
            ...`${produced.stdout}${produced.stderr}`.matchAll(
              /% \d+ messages produced \((\d+) bytes\), (\d+) delivered .*? in (\d+)ms: \d+ msgs\/s and ([\d.]+) MB\/s/g,
            ),
          ].at(-1);
    const throughput =
      summary === undefined
        ? undefined
        : {
            messages: Number(summary[2]),
            bytes: Number(summary[1]),
            ms: Number(summary[3]),
            mbPerS: Number(summary[4]),
          };
    clearTimeout(producerKill);
    const producerUse = producerThreads?.stop();
    const cpuDuring = machineCpu().map((ticks, i) => ticks - cpuBefore[i]);
    const deadline = setTimeout(() => consumer?.kill('SIGINT'), 20_000);
    await consumed;
    clearTimeout(deadline);
    const consumerUse = consumerThreads?.stop();
    process.kill(broker.pid, 'SIGUSR2');
    if (recorder !== undefined) {
      recorder.kill('SIGINT');
      await recorded;
    }
    let syscallCounts;
    if (counter !== undefined) {
      counter.kill('SIGINT');
      await counted;
      syscallCounts = parseSyscallCounts(await readFile(syscallFile, 'utf8'), broker.pid);
    }
    const countsAfter = await requestCounts(broker.admin);
    const requests = (api) => (countsAfter[api] ?? 0) - (countsBefore[api] ?? 0);
    const produces = requests('Produce');
    const fetches = requests('Fetch');
    const peakRssMiB = statusKiB(broker.pid, 'VmHWM') / 1024;
    let windowLines = [];
    for (let tries = 0; windowLines.length < 2 && tries < 100; tries += 1) {
      await delay(50);
      windowLines = (await readFile(windowFile, 'utf8').catch(() => '')).split('\n').filter(Boolean);
    }
    const window = { ...JSON.parse(windowLines[1]), syscalls: syscallCounts };
    const inOrder =
      consumer === undefined
        ? []
        : (await readFile(latencyFile, 'utf8')).split('\n').filter(Boolean).map(Number);
    const latencies = [...inOrder].sort((a, b) => a - b);
    let breakdown;
    if (trace) {
      let tail;
      for (let tries = 0; tail === undefined && tries < 100; tries += 1) {
        await delay(50);
        // The hook may still be writing the file (several MB): a partial file is read again later.
        tail = await readFile(tailFile, 'utf8').then(parseOrUndefined, () => undefined);
      }
      breakdown = [
        ...tailBreakdown({
          trace: tail,
          partitionDir: join(dir, `${topic}-0`),
          latenciesUs: inOrder,
          firstOffset: 1,
          clients: { producer: producerThreads.samples, consumer: consumerThreads.samples },
        }),
        `  producer threads (CPU ms used / waited for a CPU in ${sampled(producerThreads)} ms): ${threadLine(producerUse)}`,
        `  consumer threads (same, in ${sampled(consumerThreads)} ms): ${threadLine(consumerUse)}`,
        `  machine while the producer ran (/proc/stat): ${[
          'user',
          'nice',
          'system',
          'idle',
          'iowait',
          'irq',
          'softirq',
          'steal',
        ]
          .map(
            (name, i) =>
              `${name} ${((100 * cpuDuring[i]) / cpuDuring.reduce((a, b) => a + b, 0)).toFixed(0)}%`,
          )
          .join(
            ' ',
          )} (steal: the hypervisor ran something else on our virtual CPUs; a thread is then neither running nor waiting in its schedstat)`,
      ];
    }
    return {
      expected,
      received: throughput?.messages ?? latencies.length,
      latencies,
      throughput,
      window,
      idleRssMiB,
      peakRssMiB,
      produces,
      fetches,
      breakdown,
    };
  } finally {
    await broker.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * `perf stat -x, --per-thread` output as `{ 'writev.main': n, 'writev.others': n, ... }`: each
 * SYSCALL_EVENTS entry counted for the broker's main thread (tid = pid) and its other threads.
 */
function parseSyscallCounts(csv, pid) {
  const counts = {};
  for (const name of SYSCALL_EVENTS) for (const kind of ['main', 'others']) counts[`${name}.${kind}`] = 0;
  for (const row of csv.split('\n')) {
    const [thread, count, , event] = row.split(',');
    const name = SYSCALL_EVENTS.find((candidate) => syscallEvent(candidate) === event);
    if (name === undefined || thread === undefined || !/^\d+$/.test(count ?? '')) continue;
    const kind = thread.endsWith(`-${pid}`) ? 'main' : 'others';
    counts[`${name}.${kind}`] += Number(count);
  }
  return counts;
}

function parseOrUndefined(text) {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

const sampled = ({ samples }) => (samples.at(-1)[0] - samples[0][0]).toFixed(0);

function threadLine(use) {
  return [...use]
    .filter(([, sum]) => sum.runMs + sum.waitMs >= 1)
    .sort((a, b) => b[1].runMs - a[1].runMs)
    .map(threadUse)
    .join(', ');
}

/** The window's broker CPU seconds per GB produced: the process, its main thread and the others. */
function cpuPerGB(w, bytes) {
  const perGB = (ms) => (ms / 1000 / (bytes / 1e9)).toFixed(3);
  return `broker CPU ${perGB(w.cpuMs)} s/GB (${Object.entries(w.threadMs)
    .map(([kind, ms]) => `${kind} ${perGB(ms)}`)
    .join(', ')})`;
}

/** `counts` (an object of counters) divided by the window's requests, e.g. `main.voluntary 2.31`. */
function perRequest(counts, result) {
  const requests = result.produces + result.fetches;
  return Object.entries(counts ?? {})
    .map(([name, count]) => `${name} ${(count / requests).toFixed(2)}`)
    .join(' ');
}

function line(variant, result, loadBefore) {
  const { window: w, latencies, expected } = result;
  const us = (q) => (latencies.length === 0 ? 'n/a' : (percentile(latencies, q) / 1000).toFixed(2));
  const name = `${variant.name.padEnd(12)}${pinning === 'not pinned' ? '' : ' PINNED'}`;
  return [
    result.throughput === undefined
      ? `${name} p50 ${us(50)} p99 ${us(99)} p99.9 ${us(99.9)} ms, over 1 ms ${overOneMs(latencies)} (${result.received}/${expected})`
      : `${name} produce ${result.throughput.mbPerS.toFixed(1)} MB/s (${result.received}/${expected}) | ${cpuPerGB(w, result.throughput.bytes)}`,
    `produces ${result.produces} fetches ${result.fetches}`,
    `alloc ${(w.allocatedBytes / (result.produces + result.fetches) / 1024).toFixed(2)} KiB/request (young ${(w.youngAllocatedBytes / (result.produces + result.fetches) / 1024).toFixed(2)})`,
    `scavenges ${w.scavenges} (${w.scavengeMs.toFixed(0)} ms, kept ${(w.survivedBytes / w.scavenges / 1024 || 0).toFixed(0)} KiB each)`,
    `mark-compacts ${w.markCompacts} (${w.markCompactMs.toFixed(0)} ms), other GC work ${w.otherGcs} (${w.otherGcMs.toFixed(0)} ms)`,
    `cpu ${((w.cpuMs / (result.produces + result.fetches)) * 1000).toFixed(0)} µs/request (${Object.entries(
      w.threadMs,
    )
      .map(([kind, ms]) => `${kind} ${((ms / (result.produces + result.fetches)) * 1000).toFixed(0)}`)
      .join(', ')})`,
    `switches/request ${perRequest(w.switchCounts, result)}`,
    ...(w.syscalls === undefined ? [] : [`syscalls/request ${perRequest(w.syscalls, result)}`]),
    `loop delay p99 ${w.loopDelayP99Ms.toFixed(1)} max ${w.loopDelayMaxMs.toFixed(1)} ms`,
    `rss idle ${result.idleRssMiB.toFixed(1)} peak ${result.peakRssMiB.toFixed(0)} MiB`,
    `[loadavg ${loadBefore} → ${loadavg()}]`,
  ].join(' | ');
}

mkdirSync(OUT, { recursive: true });
if (perfDir !== undefined) mkdirSync(perfDir, { recursive: true });
const perf = join(await sharedBenchCopy(), 'bin/rdkafka_performance');
console.log(
  `# latency A/B, ${new Date().toISOString()}, node ${process.version}, ${rate} msg/s for ${secs} s, ${rounds} round(s), flush ${flushMode}, processes ${pinning}`,
);
for (const variant of variants)
  console.log(
    `#   ${variant.name}: ${variant.cli} ${variant.nodeArgs.join(' ')} [${variant.overrides.join(',')}]`,
  );
const all = new Map(variants.map((variant) => [variant.name, []]));
for (let round = 0; round < rounds; round += 1) {
  const order = round % 2 === 0 ? variants : [...variants].reverse();
  for (const variant of order) {
    const loadBefore = loadavg();
    const result = await measure(variant, perf, round);
    all.get(variant.name).push(result);
    console.log(line(variant, result, loadBefore));
    if (result.breakdown !== undefined) console.log(result.breakdown.join('\n'));
  }
}
if (rounds > 1) {
  console.log('# all rounds pooled');
  for (const variant of variants) {
    const results = all.get(variant.name);
    const pooled = {
      expected: results.reduce((sum, r) => sum + r.expected, 0),
      received: results.reduce((sum, r) => sum + r.received, 0),
      latencies: results.flatMap((r) => r.latencies).sort((a, b) => a - b),
      // --produce: summed bytes and times, so MB/s is the pooled rate (what the medians line adds below).
      throughput:
        produceMsgs === undefined
          ? undefined
          : Object.fromEntries(
              ['messages', 'bytes', 'ms'].map((key) => [
                key,
                results.reduce((total, r) => total + (r.throughput?.[key] ?? 0), 0),
              ]),
            ),
      idleRssMiB: Math.max(...results.map((r) => r.idleRssMiB)),
      peakRssMiB: Math.max(...results.map((r) => r.peakRssMiB)),
      produces: results.reduce((sum, r) => sum + r.produces, 0),
      fetches: results.reduce((sum, r) => sum + r.fetches, 0),
      window: Object.fromEntries(
        Object.keys(results[0].window).map((key) => [
          key,
          results[0].window[key] === undefined
            ? undefined // a group not counted (syscalls without --syscalls)
            : key === 'threadMs' || key === 'switchCounts' || key === 'syscalls'
              ? Object.fromEntries(
                  Object.keys(results[0].window[key]).map((kind) => [
                    kind,
                    results.reduce((sum, r) => sum + (r.window[key][kind] ?? 0), 0),
                  ]),
                )
              : key.startsWith('loopDelay')
                ? Math.max(...results.map((r) => r.window[key]))
                : results.reduce((sum, r) => sum + r.window[key], 0),
        ]),
      ),
    };
    if (pooled.throughput !== undefined) {
      pooled.throughput.mbPerS = pooled.throughput.bytes / 1e3 / pooled.throughput.ms;
      const rates = results.map((r) => r.throughput?.mbPerS ?? 0).sort((x, y) => x - y);
      const perGB = results
        .map((r) => r.window.cpuMs / 1000 / (r.throughput.bytes / 1e9))
        .sort((x, y) => x - y);
      const mid = (sorted) => sorted[Math.floor(sorted.length / 2)].toFixed(sorted === rates ? 1 : 3);
      console.log(
        `${variant.name.padEnd(12)} medians of ${results.length}: produce ${mid(rates)} MB/s (${rates.map((x) => x.toFixed(0)).join(' ')}), broker CPU ${mid(perGB)} s/GB (${perGB.map((x) => x.toFixed(3)).join(' ')})`,
      );
    }
    console.log(line(variant, pooled, '(pooled)'));
  }
}
