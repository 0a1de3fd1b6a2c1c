// fdatasync latency after an append, on a growing file versus over a region already written with
// zeros and fsynced (what the zero-ahead of the active segment, src/storage/zero-ahead.ts, gives the
// durable acks=all path). On ext4 an append that grows the file changes its size (and often its
// extents), so each fdatasync must commit the journal; an overwrite of allocated, already durable
// blocks changes no metadata, so fdatasync only writes the data pages.
// The two cases alternate in `--rounds` rounds so a swing in the machine's load hits both.
// Then the same through PartitionLog: durable appends of one batch of `--bytes` at `--rate` per
// second for `--seconds` (split over the rounds), append-to-durable latency with zero-ahead off and
// on (the broker's acks=all path at a moderate rate, without the network).
// Usage: node --import tsx bench/storage/fdatasync.ts [--appends 2000] [--bytes 1024] [--rounds 4]
//   [--rate 2000] [--seconds 8] [--dir /tmp]
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRecordBatch, encodeRecordBatchSync } from '../../src/protocol/index.js';
import { DEFAULT_BROKER_STORAGE_CONFIG } from '../../src/storage/index.js';
import { argument, percentile } from '../bench-support.js';
import { openBenchLog } from './bench-log.js';

const appends = Number(argument('appends', '2000'));
const bytes = Number(argument('bytes', '1024'));
const rounds = Number(argument('rounds', '4'));
const parent = argument('dir', tmpdir());
const appendRate = Number(argument('rate', '2000'));
const seconds = Number(argument('seconds', '8'));
const ZERO_CHUNK = 1 << 20;

/** `count` appends of `bytes` each followed by its fdatasync; returns each fdatasync's ms. */
async function appendAndSync(path: string, count: number, zeroFirst: boolean): Promise<number[]> {
  const handle = await open(path, 'w+');
  try {
    if (zeroFirst) {
      const zeros = Buffer.alloc(ZERO_CHUNK);
      for (let at = 0; at < count * bytes; at += ZERO_CHUNK) await handle.write(zeros, 0, ZERO_CHUNK, at);
      await handle.sync();
    }
    const payload = Buffer.alloc(bytes, 0x61);
    const latencies: number[] = [];
    for (let index = 0; index < count; index += 1) {
      await handle.write(payload, 0, bytes, index * bytes);
      const start = performance.now();
      await handle.datasync();
      latencies.push(performance.now() - start);
    }
    return latencies;
  } finally {
    await handle.close();
  }
}

function line(label: string, samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, value) => sum + value, 0) / sorted.length;
  const figures = [50, 90, 99, 99.9].map((p) => `p${p} ${percentile(sorted, p).toFixed(3)} ms`);
  return `${label} ${figures.join(', ')}, max ${sorted.at(-1)!.toFixed(3)} ms, mean ${mean.toFixed(3)} ms (${sorted.length} fdatasyncs)`;
}

/** Paced durable appends of one small batch each; returns each append's ms from call to durable. */
async function logLatencies(dir: string, zeroAheadMaxBytes: number, durationMs: number): Promise<number[]> {
  const log = await openBenchLog(dir, {}, { zeroAheadMaxBytes });
  const value = Buffer.alloc(Math.max(0, bytes - 80), 0x61);
  const latencies: number[] = [];
  const pending: Promise<void>[] = [];
  const start = performance.now();
  for (let index = 0; performance.now() - start < durationMs; index += 1) {
    const dueMs = start + (index * 1000) / appendRate;
    const waitMs = dueMs - performance.now();
    if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, waitMs));
    const batch = encodeRecordBatchSync(createRecordBatch({ records: [{ key: null, value }] }));
    const began = performance.now();
    pending.push(
      log
        .appendAsLeader(batch, { sync: true })
        .durable.then(() => void latencies.push(performance.now() - began)),
    );
  }
  await Promise.all(pending);
  await log.close();
  return latencies;
}

const dir = await mkdtemp(join(parent, 'pyralog-fdatasync-'));
try {
  const growing: number[] = [];
  const zeroed: number[] = [];
  const perRound = Math.ceil(appends / rounds);
  for (let round = 0; round < rounds; round += 1) {
    growing.push(...(await appendAndSync(join(dir, 'growing'), perRound, false)));
    zeroed.push(...(await appendAndSync(join(dir, 'zeroed'), perRound, true)));
  }
  console.log(`fdatasync after a ${bytes} B append, growing file: ${line('', growing)}`);
  console.log(`fdatasync after a ${bytes} B append, zeroed region:${line('', zeroed)}`);
  const zeroAhead = DEFAULT_BROKER_STORAGE_CONFIG.zeroAheadMaxBytes;
  const off: number[] = [];
  const on: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    off.push(...(await logLatencies(join(dir, 'log-off'), 0, (seconds * 1000) / rounds / 2)));
    on.push(...(await logLatencies(join(dir, 'log-on'), zeroAhead, (seconds * 1000) / rounds / 2)));
  }
  const paced = `PartitionLog durable append of ${bytes} B at ${appendRate}/s, call to durable`;
  console.log(`${paced}, zero-ahead off:${line('', off).replace('fdatasyncs', 'appends')}`);
  console.log(
    `${paced}, zero-ahead ${zeroAhead / 2 ** 20} MiB:${line('', on).replace('fdatasyncs', 'appends')}`,
  );
} finally {
  await rm(dir, { recursive: true, force: true });
}
