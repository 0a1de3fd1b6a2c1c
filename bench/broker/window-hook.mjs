// Loaded into a measured broker with `node --import bench/broker/window-hook.mjs` (latency-ab.mjs):
// on each SIGUSR2 appends one JSON line to $BENCH_WINDOW_OUT with what the process did since the
// previous SIGUSR2 (or since it loaded): bytes allocated on the V8 heap, young (scavenge) and full
// (mark-compact) collections with their summed pauses, the other GC work GCProfiler reports apart
// (incremental marking steps, weak callbacks) with its time, the bytes scavenges kept alive (copied or
// promoted: what makes a scavenge slow), CPU time used, event-loop delay percentiles. These count
// work, so they stay meaningful on a loaded machine where latency figures do not.
import { appendFileSync, readdirSync, readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { GCProfiler, getHeapSpaceStatistics, getHeapStatistics } from 'node:v8';

const OUT = process.env.BENCH_WINDOW_OUT;
// V8's GCType flags, as GCProfiler reports them.
const SCAVENGE = 'Scavenge';
const MARK_COMPACT = 'MarkSweepCompact';

let profiler = new GCProfiler();
profiler.start();
let windowUsedBytes = getHeapStatistics().used_heap_size;
let windowYoungBytes = youngUsedNow();
let windowCpu = process.cpuUsage();
let windowThreads = threadCpuMs();
let windowSwitches = threadSwitches();
const loopDelay = monitorEventLoopDelay({ resolution: 1 });
loopDelay.enable();

function summarize() {
  const { statistics } = profiler.stop();
  let allocatedBytes = 0;
  let usedBytes = windowUsedBytes;
  let youngBytes = windowYoungBytes;
  let youngAllocatedBytes = 0;
  const gc = {
    scavenges: 0,
    scavengeMs: 0,
    survivedBytes: 0,
    markCompacts: 0,
    markCompactMs: 0,
    otherGcs: 0,
    otherGcMs: 0,
  };
  for (const entry of statistics) {
    const before = entry.beforeGC.heapStatistics.usedHeapSize;
    const after = entry.afterGC.heapStatistics.usedHeapSize;
    allocatedBytes += Math.max(0, before - usedBytes);
    usedBytes = after;
    youngAllocatedBytes += Math.max(0, newSpaceUsed(entry.beforeGC) - youngBytes);
    youngBytes = newSpaceUsed(entry.afterGC);
    if (entry.gcType === SCAVENGE) {
      gc.scavenges += 1;
      gc.scavengeMs += entry.cost / 1000;
      gc.survivedBytes += newSpaceUsed(entry.afterGC) + Math.max(0, oldGrowth(entry));
    } else if (entry.gcType === MARK_COMPACT) {
      gc.markCompacts += 1;
      gc.markCompactMs += entry.cost / 1000;
    } else {
      gc.otherGcs += 1;
      gc.otherGcMs += entry.cost / 1000;
    }
  }
  const nowUsed = getHeapStatistics().used_heap_size;
  allocatedBytes += Math.max(0, nowUsed - usedBytes);
  const nowYoung = youngUsedNow();
  youngAllocatedBytes += Math.max(0, nowYoung - youngBytes);
  const cpu = process.cpuUsage(windowCpu);
  const threads = threadCpuMs();
  const threadMs = {};
  for (const [name, ms] of Object.entries(threads)) threadMs[name] = ms - (windowThreads[name] ?? 0);
  windowThreads = threads;
  const switches = threadSwitches();
  const switchCounts = {};
  for (const [key, count] of Object.entries(switches)) switchCounts[key] = count - (windowSwitches[key] ?? 0);
  windowSwitches = switches;
  const line = {
    allocatedBytes,
    youngAllocatedBytes,
    ...gc,
    cpuMs: (cpu.user + cpu.system) / 1000,
    threadMs,
    switchCounts,
    loopDelayP50Ms: loopDelay.percentile(50) / 1e6,
    loopDelayP99Ms: loopDelay.percentile(99) / 1e6,
    loopDelayMaxMs: loopDelay.max / 1e6,
  };
  profiler = new GCProfiler();
  profiler.start();
  windowUsedBytes = nowUsed;
  windowYoungBytes = nowYoung;
  windowCpu = process.cpuUsage();
  loopDelay.reset();
  return line;
}

/**
 * CPU ms used so far by the main thread and by all other threads together (libuv's pool doing file
 * I/O, V8's GC helpers: Node 20 names them all `node`), from /proc/self/task/<tid>/stat's utime +
 * stime in clock ticks of 10 ms.
 */
function threadCpuMs() {
  const byName = {};
  for (const tid of readdirSync('/proc/self/task')) {
    let stat;
    try {
      stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
    } catch {
      continue; // the thread ended meanwhile
    }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const kind = tid === String(process.pid) ? 'main' : 'others';
    byName[kind] = (byName[kind] ?? 0) + (Number(fields[11]) + Number(fields[12])) * 10;
  }
  return byName;
}

/**
 * Context switches so far of the main thread and of all other threads together, from
 * /proc/self/task/<tid>/status: `voluntary` (the thread blocked: each one is a later wakeup, e.g.
 * the main thread in epoll_wait, a libuv pool thread waiting for work) and `involuntary` (the
 * scheduler took the CPU away from a runnable thread). Keys: main.voluntary, others.involuntary, ...
 * Threads that ended during a window are not counted, so `others` is a lower bound there.
 */
function threadSwitches() {
  const counts = {};
  for (const tid of readdirSync('/proc/self/task')) {
    let status;
    try {
      status = readFileSync(`/proc/self/task/${tid}/status`, 'utf8');
    } catch {
      continue; // the thread ended meanwhile
    }
    const kind = tid === String(process.pid) ? 'main' : 'others';
    for (const [field, name] of [
      ['voluntary_ctxt_switches', 'voluntary'],
      ['nonvoluntary_ctxt_switches', 'involuntary'],
    ]) {
      const value = Number(new RegExp(`^${field}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
      counts[`${kind}.${name}`] = (counts[`${kind}.${name}`] ?? 0) + value;
    }
  }
  return counts;
}

function youngUsedNow() {
  return getHeapSpaceStatistics().find((entry) => entry.space_name === 'new_space')?.space_used_size ?? 0;
}

function space(stats, name) {
  return stats.heapSpaceStatistics.find((entry) => entry.spaceName === name)?.spaceUsedSize ?? 0;
}
const newSpaceUsed = (stats) => space(stats, 'new_space');
const oldGrowth = (entry) => space(entry.afterGC, 'old_space') - space(entry.beforeGC, 'old_space');

process.on('SIGUSR2', () => {
  if (OUT !== undefined) appendFileSync(OUT, `${JSON.stringify(summarize())}\n`);
});
