// fdatasync latency after an append, on a growing file versus over a region already written with
// zeros and fsynced (what the zero-ahead of the active segment, src/storage/zero-ahead.ts, gives the
// durable acks=all path). On ext4 an append that grows the file changes its size (and often its
// extents), so each fdatasync must commit the journal; an overwrite of allocated, already durable
// blocks changes no metadata, so fdatasync only writes the data pages.
// The two cases alternate in `--rounds` rounds so a swing in the machine's load hits both.
// Usage: node --import tsx bench/storage/fdatasync.ts [--appends 2000] [--bytes 1024] [--rounds 4] [--dir /tmp]
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const argument = (name: string, fallback: string): string => {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : (process.argv[at + 1] ?? fallback);
};
const appends = Number(argument('appends', '2000'));
const bytes = Number(argument('bytes', '1024'));
const rounds = Number(argument('rounds', '4'));
const parent = argument('dir', tmpdir());
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

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function line(label: string, samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, value) => sum + value, 0) / sorted.length;
  const figures = [50, 90, 99, 99.9].map((p) => `p${p} ${percentile(sorted, p).toFixed(3)} ms`);
  return `${label} ${figures.join(', ')}, max ${sorted.at(-1)!.toFixed(3)} ms, mean ${mean.toFixed(3)} ms (${sorted.length} fdatasyncs)`;
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
} finally {
  await rm(dir, { recursive: true, force: true });
}
