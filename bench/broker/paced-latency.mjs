// The shared workload's fixed-rate latency run with librdkafka's rdkafka_performance, as pieces the
// latency benches share (latency-ab.mjs against builds of the broker, ../floor/floor-ab.mjs against
// the floor responder): the paced producer's and the latency consumer's arguments, percentiles of
// the consumer's -A file, the load average and the broker's request counters; and the workload's
// throughput producer (latency-ab.mjs --produce, consume-ab.mjs, ../cli/main.mjs).
import { readFileSync } from 'node:fs';

export const loadavg = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

export const delay = (ms) => new Promise((done) => setTimeout(done, ms));

/**
 * The command running rdkafka_performance `perf` with `args`, on the CPUs `cpus` (taskset execs it:
 * the same pid) when given, as [command, args] for spawn/execFile.
 */
export const onCpus = (perf, args, cpus) =>
  cpus === undefined ? [perf, args] : ['taskset', ['-c', cpus, perf, ...args]];

/** The `q`th percentile (0-100) of ascending `sorted` samples (nearest rank). */
export const percentile = (sorted, q) =>
  sorted[Math.min(sorted.length - 1, Math.round((q / 100) * (sorted.length - 1)))];

/** The share of ascending `sorted` latencies (µs) above 1 ms, the target's p99: at most 1.00% meets it. */
export function overOneMs(sorted) {
  if (sorted.length === 0) return 'n/a';
  let below = 0;
  while (below < sorted.length && sorted[below] <= 1000) below += 1;
  return `${(((sorted.length - below) / sorted.length) * 100).toFixed(2)}%`;
}

/** The shared workload's latency producer: `count` messages of 1 KiB at `rate` msg/s, acks=all, linger.ms=0. */
export function pacedProducer(boot, topic, count, rate) {
  return ['-P', '-t', topic, '-p', '0', '-b', boot, '-s', '1024', '-c', `${count}`, '-r', `${rate}`].concat([
    '-l',
    '-a',
    '-1',
    '-X',
    'linger.ms=0',
    '-q',
  ]);
}

/**
 * The shared workload's throughput producer (../shared/bench/broker-kafka.sh's produce step): `count`
 * messages of 1 KiB, acks=all, linger.ms=5, batch.num.messages=10000.
 */
export function throughputProducer(boot, topic, count) {
  return ['-P', '-t', topic, '-p', '0', '-b', boot, '-s', '1024', '-c', `${count}`, '-a', '-1'].concat([
    '-X',
    'linger.ms=5',
    '-X',
    'batch.num.messages=10000',
    '-q',
  ]);
}

/** Its consumer: from the end of the partition, `count` messages, each one's latency (µs) a line of `latencyFile`. */
export function latencyConsumer(boot, topic, count, latencyFile) {
  return [
    '-C',
    '-t',
    topic,
    '-p',
    '0',
    '-b',
    boot,
    '-o',
    'end',
    '-l',
    '-A',
    latencyFile,
    '-c',
    `${count}`,
    '-q',
  ];
}

/** Requests the broker received so far, by API name (its admin listener's /metrics). */
export async function requestCounts(admin) {
  const text = await (await fetch(`${admin}/metrics`)).text();
  const counts = {};
  for (const match of text.matchAll(
    /^kafka_network_requestmetrics_requests_total\{request="(\w+)"\} (\d+)/gm,
  )) {
    counts[match[1]] = Number(match[2]);
  }
  return counts;
}
