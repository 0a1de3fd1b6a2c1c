// Loaded into a measured broker with `node --import bench/broker/trace-hook.mjs` (main.mjs --trace):
// subscribes to the broker's diagnostics channels (per-request stage marks, group commits, fsyncs),
// watches the main thread for stalls, GC pauses and event-loop delay, and on exit writes a text
// summary to $BENCH_TRACE_OUT. A stall is a gap of more than STALL_MS between two ticks of a 2 ms
// interval timer; /proc/self/task/<pid>/schedstat tells how much of the gap the main thread spent
// running (our own work: see the CPU profile) and how much waiting for a CPU (other processes).
import { subscribe } from 'node:diagnostics_channel';
import { closeSync, openSync, readSync, writeFileSync } from 'node:fs';
import { monitorEventLoopDelay, PerformanceObserver, performance } from 'node:perf_hooks';

const OUT = process.env.BENCH_TRACE_OUT;
const STALL_MS = 8;
const API_NAMES = { 0: 'Produce', 1: 'Fetch', 2: 'ListOffsets', 3: 'Metadata', 18: 'ApiVersions' };

const requests = new Map(); // `${connection} ${api}` -> marks[][]
subscribe('pyralog:request-trace', (trace) => {
  const key = `${trace.connectionId} ${API_NAMES[trace.apiKey] ?? `api${trace.apiKey}`}`;
  const list = requests.get(key);
  if (list === undefined) requests.set(key, [trace.marks]);
  else list.push(trace.marks);
});
const groups = [];
subscribe('pyralog:group-commit', (trace) => groups.push(trace));
const syncs = [];
subscribe('pyralog:log-sync', (trace) => syncs.push(trace));

const gcs = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    gcs.push({ startMs: entry.startTime, durationMs: entry.duration, kind: entry.detail?.kind ?? 0 });
  }
}).observe({ entryTypes: ['gc'] });

const delay = monitorEventLoopDelay({ resolution: 1 });
delay.enable();

const schedFd = openSync(`/proc/self/task/${process.pid}/schedstat`, 'r');
const schedBuffer = Buffer.alloc(128);
/** [ns on CPU, ns waiting on a run queue] of the main thread. */
function sched() {
  const n = readSync(schedFd, schedBuffer, 0, schedBuffer.length, 0);
  const [run, wait] = schedBuffer.toString('latin1', 0, n).split(' ');
  return [Number(run) / 1e6, Number(wait) / 1e6];
}
const stalls = [];
let last = performance.now();
let [lastRun, lastWait] = sched();
setInterval(() => {
  const now = performance.now();
  const [run, wait] = sched();
  if (now - last > STALL_MS) {
    stalls.push({ atMs: last, gapMs: now - last, runMs: run - lastRun, waitMs: wait - lastWait });
  }
  last = now;
  lastRun = run;
  lastWait = wait;
}, 2).unref();

function pct(sorted, p) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))];
}
const f = (ms) => (Number.isNaN(ms) ? '-' : ms < 10 ? ms.toFixed(2) : ms.toFixed(1));
function dist(values) {
  const sorted = Float64Array.from(values).sort();
  return `p50 ${f(pct(sorted, 50))} p99 ${f(pct(sorted, 99))} p99.9 ${f(pct(sorted, 99.9))} max ${f(sorted.at(-1) ?? NaN)} (n=${sorted.length})`;
}
const overlapping = (startMs, endMs) =>
  gcs.filter((gc) => gc.startMs < endMs && gc.startMs + gc.durationMs > startMs);

function summary() {
  const lines = [`trace summary (ms; times since process start, performance.now())`];
  lines.push(
    `event-loop delay: p50 ${f(delay.percentile(50) / 1e6)} p99 ${f(delay.percentile(99) / 1e6)} max ${f(delay.max / 1e6)}`,
  );
  lines.push(`\n## requests per connection and API (stage → next stage; total = received → written)`);
  for (const [key, list] of requests) {
    if (list.length < 20) continue;
    const pairs = new Map();
    const totals = [];
    // With one request in flight per connection (a consumer's fetches), this is the client's part
    // of each round trip: from our response written to its next request read.
    const gaps = [];
    for (let i = 1; i < list.length; i += 1) gaps.push(list[i][0][1] - list[i - 1].at(-1)[1]);
    for (const marks of list) {
      const perRequest = new Map();
      for (let i = 1; i < marks.length; i += 1) {
        const label = `${marks[i - 1][0]}→${marks[i][0]}`;
        perRequest.set(label, (perRequest.get(label) ?? 0) + marks[i][1] - marks[i - 1][1]);
      }
      for (const [label, ms] of perRequest) {
        const values = pairs.get(label);
        if (values === undefined) pairs.set(label, [ms]);
        else values.push(ms);
      }
      totals.push(marks.at(-1)[1] - marks[0][1]);
    }
    lines.push(`${key}: total ${dist(totals)}`);
    lines.push(`    ${'previous written→received'.padEnd(28)} ${dist(gaps)}`);
    for (const [label, values] of pairs) lines.push(`    ${label.padEnd(28)} ${dist(values)}`);
    const slowest = list
      .map((marks) => ({ marks, total: marks.at(-1)[1] - marks[0][1] }))
      .sort((a, b) => b.total - a.total)
      .slice(0, 5);
    for (const { marks, total } of slowest) {
      const steps = marks.map(([stage, at], i) =>
        i === 0 ? `@${f(at)}` : `${stage} +${f(at - marks[i - 1][1])}`,
      );
      const gc = overlapping(marks[0][1], marks.at(-1)[1]).map((g) => f(g.durationMs));
      lines.push(
        `    slow ${f(total)}: ${steps.join(', ')}${gc.length > 0 ? `; GC inside: ${gc.join(', ')}` : ''}`,
      );
    }
  }
  lines.push(`\n## group commits and fsyncs per partition dir`);
  const dirs = new Set([...groups.map((g) => g.dir), ...syncs.map((s) => s.dir)]);
  for (const dir of dirs) {
    const own = groups.filter((g) => g.dir === dir);
    if (own.length < 20) continue;
    const name = dir.split('/').at(-1);
    lines.push(
      `${name}: ${own.length} group commits, ${f(own.reduce((n, g) => n + g.batches, 0) / own.length)} batches each`,
    );
    lines.push(`    queued→started   ${dist(own.map((g) => g.startedMs - g.queuedMs))}`);
    lines.push(`    started→written  ${dist(own.map((g) => g.writtenMs - g.startedMs))}`);
    const ownSyncs = syncs.filter((s) => s.dir === dir);
    lines.push(`    fsync            ${dist(ownSyncs.map((s) => s.endedMs - s.startedMs))}`);
  }
  lines.push(`\n## GC pauses (kind 1 scavenge, 2 mark-compact, 4 incremental, 8 weak callbacks)`);
  const kinds = new Map();
  for (const gc of gcs) kinds.set(gc.kind, [...(kinds.get(gc.kind) ?? []), gc.durationMs]);
  for (const [kind, values] of kinds)
    lines.push(`kind ${kind}: ${dist(values)}, total ${f(values.reduce((a, b) => a + b, 0))}`);
  lines.push(`\n## main-thread stalls > ${STALL_MS} ms: ${stalls.length}`);
  const runSum = stalls.reduce((n, s) => n + Math.min(s.runMs, s.gapMs), 0);
  const waitSum = stalls.reduce((n, s) => n + Math.min(s.waitMs, s.gapMs), 0);
  const gapSum = stalls.reduce((n, s) => n + s.gapMs, 0);
  lines.push(
    `stalled ${f(gapSum)} ms in all: main thread running ${f(runSum)}, waiting for a CPU ${f(waitSum)}, neither (blocked or idle timer slack) ${f(gapSum - runSum - waitSum)}`,
  );
  const own = stalls.filter((stall) => stall.runMs > STALL_MS);
  lines.push(
    `longest stalls (waiting for a CPU included), then the ${own.length} with over ${STALL_MS} ms of own running time:`,
  );
  const longest = [...stalls].sort((a, b) => b.gapMs - a.gapMs).slice(0, 10);
  for (const stall of [...longest, ...own.sort((a, b) => b.runMs - a.runMs).slice(0, 10)]) {
    const gc = overlapping(stall.atMs, stall.atMs + stall.gapMs).map(
      (g) => `${f(g.durationMs)} (kind ${g.kind})`,
    );
    lines.push(
      `  @${f(stall.atMs)} gap ${f(stall.gapMs)}: running ${f(stall.runMs)}, waiting for CPU ${f(stall.waitMs)}${gc.length > 0 ? `, GC ${gc.join(' ')}` : ''}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

process.once('exit', () => {
  closeSync(schedFd);
  if (OUT !== undefined) writeFileSync(OUT, summary());
});
