// Storage benchmark: append throughput of PartitionLog (1 KiB records in ~16 KiB and ~1 MiB batches)
// with durable acks (fsync per group commit) and in page-cache mode, and read throughput from the page
// cache, each beside a raw node:fs baseline measured in the same run on the same disk (sequential
// writes of the same sizes, with one fdatasync per group of `--window` batches for the durable case;
// sequential 1 MiB reads). One line per figure, with the ratio to raw.
// Usage: node --import tsx bench/storage/main.ts [--seconds 3] [--window 64] [--dir /tmp]
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRecordBatch, encodeRecordBatchSync, RecordBatchIterator } from '../../src/protocol/index.js';
import { NodeFileSystem, PartitionLog, resolveLogConfig, systemClock } from '../../src/storage/index.js';

const argument = (name: string, fallback: string): string => {
  const at = process.argv.indexOf(`--${name}`);
  return at === -1 ? fallback : (process.argv[at + 1] ?? fallback);
};
const seconds = Number(argument('seconds', '3'));
const window = Number(argument('window', '64'));
const parent = argument('dir', tmpdir());
const MB = 1e6;

function makeBatches(recordsPerBatch: number, count: number): Buffer[] {
  const value = Buffer.alloc(1024 - 10, 0x61);
  return Array.from({ length: count }, (_, index) =>
    encodeRecordBatchSync(
      createRecordBatch({
        timestamp: BigInt(Date.now()),
        records: Array.from({ length: recordsPerBatch }, (_, record) => ({
          key: Buffer.from(`k${index}-${record}`.padEnd(10, '.')),
          value,
        })),
      }),
    ),
  );
}

interface Rate {
  readonly mbPerSecond: number;
  readonly messagesPerSecond: number;
}

/** Appends for `seconds` with `window` appends outstanding; each buffer is reused only after its append finished. */
async function appendRate(
  dir: string,
  batches: Buffer[],
  recordsPerBatch: number,
  durable: boolean,
): Promise<Rate> {
  const log = await PartitionLog.open({
    fs: new NodeFileSystem(),
    dir,
    topic: 'bench',
    partition: 0,
    config: resolveLogConfig({ 'pyralog.flush.policy': durable ? 'durable' : 'page-cache' }),
    clock: systemClock,
  });
  let bytes = 0;
  let appended = 0;
  const deadline = performance.now() + seconds * 1000;
  const start = performance.now();
  const lane = async (laneIndex: number): Promise<void> => {
    for (let turn = 0; performance.now() < deadline; turn += 1) {
      const batch = batches[(laneIndex + turn * window) % batches.length]!;
      const result = log.appendAsLeader(batch);
      await (durable ? result.durable : result.written);
      bytes += batch.length;
      appended += 1;
    }
  };
  await Promise.all(Array.from({ length: Math.min(window, batches.length) }, (_, index) => lane(index)));
  const elapsed = (performance.now() - start) / 1000;
  await log.close();
  return { mbPerSecond: bytes / MB / elapsed, messagesPerSecond: (appended * recordsPerBatch) / elapsed };
}

/** Raw sequential writes of `window` batches per writev, with one fdatasync per group when `durable`. */
async function rawWriteRate(path: string, batches: Buffer[], durable: boolean): Promise<number> {
  const handle = await open(path, 'w');
  let position = 0;
  const deadline = performance.now() + seconds * 1000;
  const start = performance.now();
  for (let turn = 0; performance.now() < deadline; turn += 1) {
    const group = Array.from(
      { length: window },
      (_, index) => batches[(turn * window + index) % batches.length]!,
    );
    const { bytesWritten } = await handle.writev(group, position);
    position += bytesWritten;
    if (durable) await handle.datasync();
  }
  const elapsed = (performance.now() - start) / 1000;
  await handle.close();
  return position / MB / elapsed;
}

async function readRate(dir: string): Promise<number> {
  const log = await PartitionLog.open({
    fs: new NodeFileSystem(),
    dir,
    topic: 'bench',
    partition: 0,
    config: resolveLogConfig(),
    clock: systemClock,
    isCleanShutdown: true,
  });
  let bytes = 0;
  const start = performance.now();
  for (let offset = log.logStartOffset; offset < log.logEndOffset; ) {
    const result = await log.read(offset, { maxBytes: 1 << 20, minOneBatch: true });
    if (result.kind !== 'records' || result.records.length === 0) break;
    bytes += result.records.length;
    let next = offset;
    for (const view of new RecordBatchIterator(result.records)) next = view.nextOffset;
    offset = next;
  }
  const elapsed = (performance.now() - start) / 1000;
  await log.close();
  return bytes / MB / elapsed;
}

async function rawReadRate(path: string): Promise<number> {
  const handle = await open(path, 'r');
  const buffer = Buffer.allocUnsafe(1 << 20);
  let bytes = 0;
  const start = performance.now();
  for (;;) {
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, bytes);
    if (bytesRead === 0) break;
    bytes += bytesRead;
  }
  const elapsed = (performance.now() - start) / 1000;
  await handle.close();
  return bytes / MB / elapsed;
}

const root = await mkdtemp(join(parent, 'pyralog-bench-storage-'));
const line = (label: string, value: number, unit: string, baseline?: number) =>
  console.log(
    `${label}: ${value.toFixed(1)} ${unit}${baseline === undefined ? '' : ` (raw ${baseline.toFixed(1)} ${unit}, ratio ${(value / baseline).toFixed(2)})`}`,
  );
try {
  for (const [label, recordsPerBatch, poolSize] of [
    ['16 KiB batches', 16, 256],
    ['1 MiB batches', 1024, 80],
  ] as const) {
    const batches = makeBatches(recordsPerBatch, poolSize);
    const effectiveWindow = Math.min(window, poolSize);
    for (const durable of [true, false]) {
      const mode = durable ? 'durable acks (fsync per group commit)' : 'page-cache mode';
      const raw = await rawWriteRate(join(root, 'raw.bin'), batches, durable);
      const dir = join(root, `log-${recordsPerBatch}-${durable}`);
      const rate = await appendRate(dir, batches, recordsPerBatch, durable);
      line(`append ${label}, ${mode}, window ${effectiveWindow}`, rate.mbPerSecond, 'MB/s', raw);
      line(`append ${label}, ${mode}, 1 KiB records`, rate.messagesPerSecond, 'msg/s');
      if (!durable && recordsPerBatch === 16) {
        line(
          'read from page cache (1 MiB fetches)',
          await readRate(dir),
          'MB/s',
          await rawReadRate(join(root, 'raw.bin')),
        );
      }
      await rm(dir, { recursive: true, force: true });
    }
  }
} finally {
  await rm(root, { recursive: true, force: true });
}
