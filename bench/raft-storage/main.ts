// FileRaftStorage on the real disk: how many log entries per second a node can make durable when each
// ready() is one appendEntries + sync (fsync), for 100 B and 16 KiB entries and batches of 1, 16 and
// 256 entries, with the persist latency p50/p99; beside a raw baseline from the same run (one write +
// fdatasync of the same bytes on a bare file handle). Prints one line per figure.
// Usage: npm run bench:raft-storage [-- --seconds 2 --dir /path/on/the/disk/to/test --zero-ahead-bytes N]
// (--zero-ahead-bytes: FileRaftStorage's zeroAheadBytes, 0 = off, to compare the two on one disk)
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import type { LogEntry } from '../../src/raft/index.js';
import { FileRaftStorage } from '../../src/raft/index.js';
import { NodeFileSystem } from '../../src/storage/index.js';
import { percentile } from '../bench-support.js';

const { values } = parseArgs({
  options: { seconds: { type: 'string' }, dir: { type: 'string' }, 'zero-ahead-bytes': { type: 'string' } },
});
const zeroAhead = values['zero-ahead-bytes'];
const seconds = Number(values.seconds ?? '2');
const root = await mkdtemp(join(values.dir ?? tmpdir(), 'pyralog-bench-raft-storage-'));

interface Result {
  readonly entriesPerSecond: number;
  readonly mbPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

/** Runs `persist` back to back for `seconds`; each call makes `batch` entries of `bytes` durable. */
async function measure(batch: number, bytes: number, persist: () => Promise<void>): Promise<Result> {
  const latencies: number[] = [];
  const start = performance.now();
  const deadline = start + seconds * 1000;
  let now = start;
  while (now < deadline) {
    const before = performance.now();
    await persist();
    now = performance.now();
    latencies.push(now - before);
  }
  const elapsedS = (now - start) / 1000;
  latencies.sort((a, b) => a - b);
  const entries = latencies.length * batch;
  return {
    entriesPerSecond: entries / elapsedS,
    mbPerSecond: (entries * bytes) / 1e6 / elapsedS,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
  };
}

function report(name: string, result: Result): void {
  console.log(
    `${name}: ${Math.round(result.entriesPerSecond).toLocaleString('en')} entries/s, ` +
      `${result.mbPerSecond.toFixed(1)} MB/s, persist p50 ${result.p50Ms.toFixed(2)} ms p99 ${result.p99Ms.toFixed(2)} ms`,
  );
}

async function benchStorage(batch: number, bytes: number): Promise<Result> {
  const dir = join(root, `store-${batch}-${bytes}`);
  const storage = await FileRaftStorage.open(
    new NodeFileSystem(),
    dir,
    zeroAhead === undefined ? {} : { zeroAheadBytes: Number(zeroAhead) },
  );
  await storage.load();
  const data = new Uint8Array(bytes).fill(0x5a);
  let next = 1;
  const result = await measure(batch, bytes, async () => {
    const entries: LogEntry[] = [];
    for (let i = 0; i < batch; i++) entries.push({ kind: 'command', index: next++, term: 1, data });
    await storage.appendEntries(entries);
    await storage.sync();
  });
  await storage.close();
  return result;
}

async function benchRaw(batch: number, bytes: number): Promise<Result> {
  const file = await open(join(root, `raw-${batch}-${bytes}`), 'w');
  const chunk = Buffer.alloc(batch * (bytes + 25), 0x5a);
  let position = 0;
  const result = await measure(batch, bytes, async () => {
    await file.write(chunk, 0, chunk.length, position);
    position += chunk.length;
    await file.datasync();
  });
  await file.close();
  return result;
}

try {
  for (const bytes of [100, 16 * 1024]) {
    for (const batch of [1, 16, 256]) {
      report(`FileRaftStorage append+sync ${bytes} B x ${batch}`, await benchStorage(batch, bytes));
      report(`raw write+fdatasync   ${bytes} B x ${batch}`, await benchRaw(batch, bytes));
    }
  }
} finally {
  await rm(root, { recursive: true, force: true });
}
