// Small pieces every TypeScript bench uses: its command-line options, percentiles of samples and the
// CPU and context switches of this process's threads, and the heap a piece of work allocates.
import { readdirSync, readFileSync } from 'node:fs';
import { GCProfiler, getHeapStatistics } from 'node:v8';

/** The value after `--<name>` on the command line, or `fallback` when absent. */
export function argument(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : (process.argv[at + 1] ?? fallback);
}

/** The `p`th percentile (0-100) of ascending `sorted` samples (nearest rank below); NaN when empty. */
export function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/**
 * CPU ms and context switches (voluntary: woken after blocking; involuntary: preempted) of this
 * process's threads so far, the main thread apart from the others: keys `cpuMs.main`,
 * `voluntary.others`, ... (Linux, from /proc/self/task).
 */
export function threadCounts(): Record<string, number> {
  const counts: Record<string, number> = {};
  const add = (key: string, value: number): void => {
    counts[key] = (counts[key] ?? 0) + value;
  };
  for (const tid of readdirSync('/proc/self/task')) {
    let stat: string;
    let status: string;
    try {
      stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      status = readFileSync(`/proc/self/task/${tid}/status`, 'utf8');
    } catch {
      continue; // the thread ended meanwhile
    }
    const kind = tid === String(process.pid) ? 'main' : 'others';
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    add(`cpuMs.${kind}`, (Number(fields[11]) + Number(fields[12])) * 10);
    add(`voluntary.${kind}`, Number(/^voluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0));
    add(`involuntary.${kind}`, Number(/^nonvoluntary_ctxt_switches:\s+(\d+)/m.exec(status)?.[1] ?? 0));
  }
  return counts;
}

/**
 * Runs `work` and measures the JS heap it allocated: growth of the used heap between collections,
 * summed over the GCs that ran meanwhile (each one's before-size less the previous after-size).
 */
export async function heapAllocatedBy(work: () => Promise<unknown>): Promise<{ bytes: number; gcs: number }> {
  const profiler = new GCProfiler();
  profiler.start();
  let usedBytes = getHeapStatistics().used_heap_size;
  await work();
  const { statistics } = profiler.stop();
  let bytes = 0;
  for (const entry of statistics) {
    bytes += Math.max(0, entry.beforeGC.heapStatistics.usedHeapSize - usedBytes);
    usedBytes = entry.afterGC.heapStatistics.usedHeapSize;
  }
  bytes += Math.max(0, getHeapStatistics().used_heap_size - usedBytes);
  return { bytes, gcs: statistics.length };
}
