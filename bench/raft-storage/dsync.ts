// One FileRaftStorage persist (appendEntries + sync of one ready()) with O_DSYNC segments against
// plain writes + fdatasync, A/B in one process: blocks of persists alternate between two stores on the
// same disk, so both variants see the same load. Per variant: persist latency p50/p90/p99 and, from
// /proc (thread-counters.ts), CPU, wake-ups and run-queue wait per persist of the main thread and of
// the other threads (the libuv pool runs the writes and fsyncs). With `--paced`, a persist starts on a
// timer every millisecond (as at 1,000 puts/s: the main thread sleeps in between), else back to back.
// Usage: node --import tsx bench/raft-storage/dsync.ts [--persists 4000] [--block 100] [--bytes 100]
//        [--paced] [--dir /path/on/the/disk]
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { FileRaftStorage, type LogEntry } from '../../src/raft/index.js';
import { NodeFileSystem } from '../../src/storage/index.js';
import { percentile } from '../bench-support.js';
import { describeCounters, type ProcessCounters, sampleProcess } from '../raft/thread-counters.js';

const { values } = parseArgs({
  options: {
    persists: { type: 'string' },
    block: { type: 'string' },
    bytes: { type: 'string' },
    paced: { type: 'boolean' },
    dir: { type: 'string' },
  },
});
const persists = Number(values.persists ?? '4000');
const block = Number(values.block ?? '100');
const data = new Uint8Array(Number(values.bytes ?? '100')).fill(0x5a);
const root = await mkdtemp(join(values.dir ?? tmpdir(), 'pyralog-bench-raft-dsync-'));

interface Variant {
  readonly name: string;
  readonly storage: FileRaftStorage;
  next: number;
  readonly latencies: number[];
  readonly totals: ProcessCounters;
}

async function variant(name: string, dsync: boolean): Promise<Variant> {
  const storage = await FileRaftStorage.open(new NodeFileSystem(), join(root, name), { dsync });
  await storage.load();
  const zero = { runNs: 0, waitNs: 0, wakeUps: 0 };
  return { name, storage, next: 1, latencies: [], totals: { main: { ...zero }, others: { ...zero } } };
}

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 1));

async function persistOnce(v: Variant): Promise<void> {
  const entries: LogEntry[] = [{ kind: 'command', index: v.next++, term: 1, data }];
  const start = performance.now();
  await v.storage.appendEntries(entries);
  await v.storage.sync();
  v.latencies.push(performance.now() - start);
}

function accumulate(into: ProcessCounters, before: ProcessCounters, after: ProcessCounters): void {
  for (const group of ['main', 'others'] as const) {
    into[group].runNs += after[group].runNs - before[group].runNs;
    into[group].waitNs += after[group].waitNs - before[group].waitNs;
    into[group].wakeUps += after[group].wakeUps - before[group].wakeUps;
  }
}

const variants = [await variant('dsync', true), await variant('fdatasync', false)];
try {
  // Warm-up: the JIT, the segment files and their first zero-ahead writes.
  for (const v of variants) for (let i = 0; i < 200; i++) await persistOnce(v);
  for (const v of variants) v.latencies.length = 0;
  for (let done = 0; done < persists; done += block) {
    for (const v of variants) {
      const before = sampleProcess(process.pid);
      for (let i = 0; i < block; i++) {
        if (values.paced === true) await tick();
        await persistOnce(v);
      }
      accumulate(v.totals, before, sampleProcess(process.pid));
    }
  }
  const zero = { runNs: 0, waitNs: 0, wakeUps: 0 };
  const none = { main: zero, others: zero };
  for (const v of variants) {
    const sorted = [...v.latencies].sort((a, b) => a - b);
    const p = (q: number): string => percentile(sorted, q).toFixed(3);
    console.log(
      `${v.name.padEnd(9)} ${data.length} B persists${values.paced === true ? ', paced 1/ms' : ''}: ` +
        `p50 ${p(50)} ms, p90 ${p(90)} ms, p99 ${p(99)} ms (${sorted.length} samples, load ${loadavg()[0]!.toFixed(1)})`,
    );
    console.log(describeCounters(v.name, none, v.totals, sorted.length).replace('per put', 'per persist'));
  }
} finally {
  for (const v of variants) await v.storage.close();
  await rm(root, { recursive: true, force: true });
}
