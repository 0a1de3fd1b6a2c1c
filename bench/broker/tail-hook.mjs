// Loaded into a measured broker with `node --import bench/broker/tail-hook.mjs` (latency-ab.mjs
// --trace): between the first and the second SIGUSR2 it records, on performance.now()'s clock, every
// Produce and Fetch request's stages (`pyralog:request-trace`), every group commit and fsync
// (`pyralog:group-commit`, `pyralog:log-sync`), every GC pause (PerformanceObserver 'gc'), and every
// 2 ms the main thread's CPU time and run-queue wait (/proc/self/task/<pid>/schedstat): a sample
// late by more than 2 ms is event-loop delay. On the second SIGUSR2 it writes all of it as one JSON
// to $BENCH_TAIL_OUT, with performance.timeOrigin to put the times on the wall clock the clients use.
// tail-breakdown.mjs joins it with the clients' per-message latencies.
import { subscribe } from 'node:diagnostics_channel';
import { closeSync, openSync, readSync, writeFileSync } from 'node:fs';
import { PerformanceObserver, performance } from 'node:perf_hooks';

const OUT = process.env.BENCH_TAIL_OUT;
let recording = false;
let done = false;
const requests = [];
const groups = [];
const syncs = [];
const gcs = [];
const sched = [];

subscribe('pyralog:request-trace', (trace) => {
  if (recording && (trace.apiKey === 0 || trace.apiKey === 1)) {
    requests.push({ connection: trace.connectionId, api: trace.apiKey, marks: trace.marks });
  }
});
subscribe('pyralog:group-commit', (trace) => {
  if (recording) groups.push(trace);
});
subscribe('pyralog:log-sync', (trace) => {
  if (recording) syncs.push(trace);
});
new PerformanceObserver((list) => {
  if (!recording) return;
  for (const entry of list.getEntries()) {
    gcs.push({ startMs: entry.startTime, durationMs: entry.duration, kind: entry.detail?.kind ?? 0 });
  }
}).observe({ entryTypes: ['gc'] });

const schedFd = openSync(`/proc/self/task/${process.pid}/schedstat`, 'r');
const schedBuffer = Buffer.alloc(128);
/** [performance.now(), ms on a CPU, ms waiting on a run queue] of the main thread. */
function sample() {
  const n = readSync(schedFd, schedBuffer, 0, schedBuffer.length, 0);
  const [run, wait] = schedBuffer.toString('latin1', 0, n).split(' ');
  return [performance.now(), Number(run) / 1e6, Number(wait) / 1e6];
}
let timer;

process.on('SIGUSR2', () => {
  if (done) return;
  if (!recording) {
    recording = true;
    sched.push(sample());
    timer = setInterval(() => sched.push(sample()), 2);
    return;
  }
  recording = false;
  done = true;
  clearInterval(timer);
  sched.push(sample());
  closeSync(schedFd);
  if (OUT !== undefined) {
    writeFileSync(
      OUT,
      JSON.stringify({ timeOrigin: performance.timeOrigin, requests, groups, syncs, gcs, sched }),
    );
  }
});
