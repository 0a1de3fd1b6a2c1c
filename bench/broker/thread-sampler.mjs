// Samples a client process's threads every `everyMs` (latency-ab.mjs --trace): their CPU time and
// run-queue wait from /proc/<pid>/task/<tid>/schedstat, as [wall ms, run ms, wait ms of the threads
// other than the main one (librdkafka's), run ms, wait ms of the main one (the application's)] rows for
// tail-breakdown.mjs, and per thread name (librdkafka names its threads rdk:main, rdk:broker…) the
// totals over the sampled window, to show which thread of the load generator used or waited for a CPU.
import { readFileSync } from 'node:fs';
import { taskSchedstats } from './schedstat.mjs';

export function sampleThreads(pid, everyMs = 5) {
  const samples = [];
  const first = new Map();
  const last = new Map();
  const take = () => {
    let run = 0;
    let wait = 0;
    let mainRun = 0;
    let mainWait = 0;
    const threads = taskSchedstats(pid);
    if (threads.length === 0) return; // exited
    for (const { tid, runMs, waitMs } of threads) {
      if (tid === String(pid)) {
        mainRun = runMs;
        mainWait = waitMs;
      } else {
        run += runMs;
        wait += waitMs;
      }
      if (!first.has(tid)) {
        let name;
        try {
          name = readFileSync(`/proc/${pid}/task/${tid}/comm`, 'latin1').trim();
        } catch {
          continue; // the thread ended meanwhile
        }
        first.set(tid, {
          name,
          runMs: samples.length === 0 ? runMs : 0,
          waitMs: samples.length === 0 ? waitMs : 0,
        });
      }
      last.set(tid, { runMs, waitMs });
    }
    samples.push([performance.timeOrigin + performance.now(), run, wait, mainRun, mainWait]);
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    samples,
    /** Stops; per thread name, the CPU ms used and waited for while sampled. */
    stop() {
      clearInterval(timer);
      take();
      const byName = new Map();
      for (const [tid, { name, runMs, waitMs }] of first) {
        const end = last.get(tid);
        const sum = byName.get(name) ?? { threads: 0, runMs: 0, waitMs: 0 };
        sum.threads += 1;
        sum.runMs += end.runMs - runMs;
        sum.waitMs += end.waitMs - waitMs;
        byName.set(name, sum);
      }
      return byName;
    },
  };
}

/** One sampled thread (or same-named threads) as `name×count run/wait` (CPU ms used / waited for). */
export const threadUse = ([name, sum]) =>
  `${name}${sum.threads > 1 ? `×${sum.threads}` : ''} ${sum.runMs.toFixed(0)}/${sum.waitMs.toFixed(0)}`;
