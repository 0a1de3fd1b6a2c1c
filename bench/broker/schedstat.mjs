// CPU used and CPU waited for by a process's threads (/proc/<pid>/task/<tid>/schedstat: ns on a CPU,
// ns runnable but waiting in a run queue, timeslices). taskSchedstats reads each thread once
// (thread-sampler.mjs samples them); processSchedstat sums them, the main thread apart from the
// others, so a window's difference of two readings says what the process cost and how long its
// wake-ups queued. machineCpu: the whole machine's CPU ticks by kind (/proc/stat).
import { readdirSync, readFileSync } from 'node:fs';

/**
 * Every thread of `pid` now, as `{ tid, runMs, waitMs, slices }` (threads that ended meanwhile are
 * left out); an empty list once the process exited.
 */
export function taskSchedstats(pid) {
  let tids;
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return [];
  }
  const threads = [];
  for (const tid of tids) {
    try {
      const [run, wait, slices] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'latin1')
        .trim()
        .split(' ')
        .map(Number);
      threads.push({ tid, runMs: run / 1e6, waitMs: wait / 1e6, slices });
    } catch {
      // the thread ended meanwhile
    }
  }
  return threads;
}

/** `{ main: { runMs, waitMs, slices }, others: { ..., threads } }` of `pid` now. */
export function processSchedstat(pid) {
  const total = {
    main: { runMs: 0, waitMs: 0, slices: 0 },
    others: { runMs: 0, waitMs: 0, slices: 0, threads: 0 },
  };
  for (const { tid, runMs, waitMs, slices } of taskSchedstats(pid)) {
    const kind = tid === String(pid) ? total.main : total.others;
    kind.runMs += runMs;
    kind.waitMs += waitMs;
    kind.slices += slices;
    if (kind === total.others) kind.threads += 1;
  }
  return total;
}

/** `after` less `before`, field by field (threads: as in `after`). */
export function schedstatDelta(before, after) {
  const delta = {};
  for (const kind of ['main', 'others']) {
    delta[kind] = {};
    for (const [key, value] of Object.entries(after[kind])) {
      delta[kind][key] = key === 'threads' ? value : value - before[kind][key];
    }
  }
  return delta;
}

/** The machine's CPU ticks: user nice system idle iowait irq softirq steal (/proc/stat's first line). */
export const machineCpu = () =>
  readFileSync('/proc/stat', 'latin1').split('\n')[0].trim().split(/\s+/).slice(1, 9).map(Number);
