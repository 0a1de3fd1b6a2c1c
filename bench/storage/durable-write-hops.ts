// What one durable write of a group commit costs the main thread, in thread hops: `--writes` writes
// of `--bytes` (one group's batches) at consecutive positions of a file pre-written with zeros and
// fsynced (as zero-ahead keeps the active segment), each made durable before the next starts, in
// four forms alternating over `--rounds` rounds (a swing in the machine's load hits each alike):
//   write+fdatasync  FileHandle.writev, then FileHandle.datasync: two trips through libuv's pool
//                    (what the group commit does today, src/storage/group-commit.ts)
//   O_DSYNC write    FileHandle.writev on a file opened with O_DSYNC: the write returns once its
//                    data is durable, one trip
//   callback w+f     fs.writev then fs.fdatasync with callbacks (no FileHandle promise machinery)
//   callback O_DSYNC fs.writev with a callback on an O_DSYNC file
// Per write: latency p50/p99 (submit to durable, ms), main-thread CPU µs, and context switches of
// the main thread (voluntary: it blocked, so each is a wake-up) and of the pool's threads.
// Counts, not times, hold on a loaded machine:
//   node --import tsx bench/storage/durable-write-hops.ts [--writes 2000] [--bytes 1500] [--rounds 3] [--dir /tmp]
import { constants, fdatasync, writev } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { argument, percentile, threadCounts } from '../bench-support.js';

const writes = Number(argument('writes', '2000'));
const bytes = Number(argument('bytes', '1500'));
const rounds = Number(argument('rounds', '3'));
const parent = argument('dir', tmpdir());

type Form = (
  fd: number,
  handle: Awaited<ReturnType<typeof open>>,
  chunk: Buffer,
  position: number,
) => Promise<void>;

const callbackWritev = (fd: number, chunk: Buffer, position: number): Promise<void> =>
  new Promise((resolve, reject) =>
    writev(fd, [chunk], position, (error) => (error ? reject(error) : resolve())),
  );
const callbackSync = (fd: number): Promise<void> =>
  new Promise((resolve, reject) => fdatasync(fd, (error) => (error ? reject(error) : resolve())));

const FORMS: { name: string; dsync: boolean; write: Form }[] = [
  {
    name: 'write+fdatasync',
    dsync: false,
    write: async (_fd, handle, chunk, position) => {
      await handle.writev([chunk], position);
      await handle.datasync();
    },
  },
  {
    name: 'O_DSYNC write',
    dsync: true,
    write: async (_fd, handle, chunk, position) => {
      await handle.writev([chunk], position);
    },
  },
  {
    name: 'callback w+f',
    dsync: false,
    write: async (fd, _handle, chunk, position) => {
      await callbackWritev(fd, chunk, position);
      await callbackSync(fd);
    },
  },
  {
    name: 'callback O_DSYNC',
    dsync: true,
    write: (fd, _handle, chunk, position) => callbackWritev(fd, chunk, position),
  },
];

async function measure(dir: string, form: (typeof FORMS)[number]): Promise<string> {
  const path = join(dir, `${form.name.replace(/\W/g, '-')}.log`);
  const prepare = await open(path, 'w');
  const zeros = Buffer.alloc(1 << 20);
  for (let at = 0; at < writes * bytes; at += zeros.length) await prepare.write(zeros, 0, zeros.length, at);
  await prepare.sync();
  await prepare.close();
  const flags = constants.O_RDWR | (form.dsync ? constants.O_DSYNC : 0);
  const handle = await open(path, flags);
  const chunk = Buffer.alloc(bytes, 0x61);
  const latencies: number[] = [];
  try {
    const before = threadCounts();
    for (let index = 0; index < writes; index += 1) {
      const startedMs = performance.now();
      await form.write(handle.fd, handle, chunk, index * bytes);
      latencies.push(performance.now() - startedMs);
    }
    const after = threadCounts();
    const per = (key: string): string => ((after[key]! - before[key]!) / writes).toFixed(2);
    latencies.sort((a, b) => a - b);
    return (
      `${form.name.padEnd(17)} p50 ${percentile(latencies, 50).toFixed(2)} p99 ${percentile(latencies, 99).toFixed(2)} ms | ` +
      `main CPU ${(((after['cpuMs.main']! - before['cpuMs.main']!) * 1000) / writes).toFixed(0)} µs/write | ` +
      `switches/write main ${per('voluntary.main')}, pool ${per('voluntary.others')} [load ${loadavg()[0]!.toFixed(2)}]`
    );
  } finally {
    await handle.close();
  }
}

const dir = await mkdtemp(join(parent, 'durable-write-hops-'));
try {
  console.log(`# ${writes} durable writes of ${bytes} B per form and round, ${dir}`);
  for (let round = 0; round < rounds; round += 1) {
    const order = round % 2 === 0 ? FORMS : [...FORMS].reverse();
    for (const form of order) console.log(`round ${round + 1} ${await measure(dir, form)}`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
