// CPU used and CPU waited for by a process's threads (/proc/<pid>/task/<tid>/schedstat: ns on a CPU,
// ns runnable but waiting in a run queue, timeslices), the main thread apart from the others, so a
// window's difference of two readings says what the process cost and how long its wake-ups queued.
import { readdirSync, readFileSync } from 'node:fs';

/** `{ main: { runMs, waitMs, slices }, others: { ..., threads } }` of `pid` now. */
export function processSchedstat(pid) {
  const total = {
    main: { runMs: 0, waitMs: 0, slices: 0 },
    others: { runMs: 0, waitMs: 0, slices: 0, threads: 0 },
  };
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    let fields;
    try {
      fields = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'latin1').trim().split(' ').map(Number);
    } catch {
      continue; // the thread ended meanwhile
    }
    const kind = tid === String(pid) ? total.main : total.others;
    kind.runMs += fields[0] / 1e6;
    kind.waitMs += fields[1] / 1e6;
    kind.slices += fields[2];
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
