// Per-process thread counters from /proc (Linux), to compare builds by what they cost rather than by
// wall-clock latency alone, which a loaded 2-core machine compresses: CPU time, run-queue wait and
// wake-ups (voluntary context switches: a thread that slept until something woke it) of the main
// thread apart from every other thread of the process (the libuv thread pool doing file writes and
// fsyncs, V8's GC and compiler threads), from /proc/<pid>/task/<tid>/schedstat and status.
import { readdirSync, readFileSync } from 'node:fs';

export interface ThreadGroupCounters {
  /** On-CPU time, ns. */
  runNs: number;
  /** Time runnable but waiting for a CPU, ns. */
  waitNs: number;
  /** Voluntary context switches: the thread blocked and was woken later. */
  wakeUps: number;
}

export interface ProcessCounters {
  readonly main: ThreadGroupCounters;
  readonly others: ThreadGroupCounters;
}

function threadCounters(pid: number, tid: string): ThreadGroupCounters | undefined {
  try {
    const [run, wait] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ');
    const status = readFileSync(`/proc/${pid}/task/${tid}/status`, 'utf8');
    const switches = /^voluntary_ctxt_switches:\s+(\d+)$/m.exec(status)?.[1];
    return { runNs: Number(run), waitNs: Number(wait), wakeUps: Number(switches ?? 0) };
  } catch {
    return undefined; // the thread ended meanwhile
  }
}

/** The counters of every thread of `pid` now, the main thread (tid = pid) apart. */
export function sampleProcess(pid: number): ProcessCounters {
  const main = { runNs: 0, waitNs: 0, wakeUps: 0 };
  const others = { runNs: 0, waitNs: 0, wakeUps: 0 };
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    const counters = threadCounters(pid, tid);
    if (counters === undefined) continue;
    const group = tid === String(pid) ? main : others;
    group.runNs += counters.runNs;
    group.waitNs += counters.waitNs;
    group.wakeUps += counters.wakeUps;
  }
  return { main, others };
}

/**
 * One line: per unit of work (a put) between two samples, CPU ms, wake-ups and mean run-queue wait per
 * wake-up of the main thread, then the same for the other threads. A thread that ended between the
 * samples drops out of the second one, so the other threads' figures are a lower bound then.
 */
export function describeCounters(
  label: string,
  before: ProcessCounters,
  after: ProcessCounters,
  units: number,
): string {
  const part = (name: string, a: ThreadGroupCounters, b: ThreadGroupCounters): string => {
    const wakeUps = b.wakeUps - a.wakeUps;
    const waitNs = b.waitNs - a.waitNs;
    return (
      `${name} CPU ${((b.runNs - a.runNs) / 1e6 / units).toFixed(3)} ms, ` +
      `${(wakeUps / units).toFixed(2)} wake-ups, ` +
      `run-queue wait ${(waitNs / 1e6 / units).toFixed(3)} ms`
    );
  };
  return `  ${label} per put: ${part('main thread', before.main, after.main)}; ${part('other threads', before.others, after.others)}`;
}
