// Do pipelined writes pay off on this disk? FileRaftStorage driven like a node's driver at a fixed rate
// (open loop, one 100 B entry per --interval-ms, as a follower receiving appends at 1,000/s): entries
// that arrive while a write is in flight are batched into the next ready(); with --inflight N up to N
// writes (append + fsync) are in flight at once (pipelinedPersist), else the next batch waits for the
// fsync in flight. Prints entry latency (arrival → durable) p50/p99/max and fsyncs issued per variant,
// alternating the variants in rounds so that disk noise hits them alike. The simulator cannot answer
// this: it depends on whether the device serves concurrent fdatasyncs of one file in parallel.
// Usage: node --import tsx bench/raft-storage/pipelined.ts [--seconds 3] [--rounds 2] [--interval-ms 1]
//        [--dir /path/on/the/disk]
import { mkdtemp, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { pipelinedPersist } from '../../src/raft/host/raft-storage.js';
import type { LogEntry } from '../../src/raft/index.js';
import { FileRaftStorage } from '../../src/raft/index.js';
import { NodeFileSystem } from '../../src/storage/index.js';
import { percentile } from '../bench-support.js';

const { values } = parseArgs({
  options: {
    seconds: { type: 'string' },
    rounds: { type: 'string' },
    'interval-ms': { type: 'string' },
    dir: { type: 'string' },
  },
});
const seconds = Number(values.seconds ?? '3');
const rounds = Number(values.rounds ?? '2');
const intervalMs = Number(values['interval-ms'] ?? '1');
const root = await mkdtemp(join(values.dir ?? tmpdir(), 'pyralog-bench-raft-pipelined-'));

async function run(inflight: number, dir: string): Promise<{ latencies: number[]; writes: number }> {
  const storage = await FileRaftStorage.open(new NodeFileSystem(), dir);
  await storage.load();
  const persist = pipelinedPersist(storage);
  const data = new Uint8Array(100);
  let index = 0;
  const waiting: { index: number; atMs: number }[] = [];
  const latencies: number[] = [];
  let inFlight = 0;
  let writes = 0;
  const pump = (): void => {
    while (inFlight < inflight && waiting.length > 0) {
      const batch = waiting.splice(0);
      const entries: LogEntry[] = batch.map((b) => ({ kind: 'command', index: b.index, term: 1, data }));
      inFlight++;
      writes++;
      const ready = {
        hardState: undefined,
        snapshot: undefined,
        entries,
        messages: [],
        committed: [],
        readStates: [],
        shouldSnapshot: false,
      };
      void persist(ready).then(() => {
        const now = performance.now();
        for (const b of batch) latencies.push(now - b.atMs);
        inFlight--;
        pump();
      });
    }
  };
  const start = performance.now();
  let arrived = 0;
  while (performance.now() - start < seconds * 1000) {
    const due = Math.floor((performance.now() - start) / intervalMs);
    for (; arrived < due; arrived++) waiting.push({ index: ++index, atMs: performance.now() });
    pump();
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  while (inFlight > 0 || waiting.length > 0) {
    pump();
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await storage.close();
  return { latencies: latencies.sort((a, b) => a - b), writes };
}

try {
  console.log(
    `FileRaftStorage, one 100 B entry every ${intervalMs} ms for ${seconds} s, batched while writes are in flight`,
  );
  let n = 0;
  for (let round = 0; round < rounds; round++) {
    for (const inflight of [1, 2, 4]) {
      const { latencies, writes } = await run(inflight, join(root, `run-${n++}`));
      const f = (v: number): string => v.toFixed(2);
      console.log(
        `  ${inflight} write(s) in flight: arrival → durable p50 ${f(percentile(latencies, 50))} ms, p99 ${f(percentile(latencies, 99))} ms, ` +
          `max ${f(latencies.at(-1) ?? Number.NaN)} ms; ${writes} writes for ${latencies.length} entries (load ${loadavg()[0]!.toFixed(1)})`,
      );
    }
  }
} finally {
  await rm(root, { recursive: true, force: true });
}
