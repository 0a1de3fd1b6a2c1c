// Storage benchmark: append throughput of PartitionLog (1 KiB records in ~16 KiB and ~1 MiB batches)
// with durable acks (fsync per group commit) and in page-cache mode, and read throughput from the page
// cache, each beside a raw node:fs baseline measured in the same run on the same disk. One line per
// figure, with the ratio to raw.
//
// How the log is driven, and what raw does to compare fairly:
// - `--in-flight` appends are outstanding at any time (default 2 x window), as a broker sees them with
//   many producers and several requests in flight each: appends keep arriving while a group commit
//   writes (half the lanes start a turn later, so they are not in lockstep). Group commit coalesces
//   them; the line says how many batches one writev held on average.
// - Raw writes `--window` batches (the same buffers) with one writev at a time, sequentially; in the
//   durable case at most one writev and one fdatasync in flight at once, as the log's group commit
//   (which writes group N+1 while group N is being fsynced).
// - Raw runs in two forms each round, and every append figure is compared with both. "raw to new
//   files" (the ratio to reach) creates a new file per phase and keeps the earlier ones until the line
//   ends, as the log appends to new segment files; "raw rewriting one file" (the bench's only form
//   before) reopens raw.bin with truncation each phase, so it writes into page-cache pages its previous
//   phase freed a moment before. On a VM whose balloon device reports free pages to the host (this
//   one: virtio_balloon with free page reporting), pages freed for a while go back to the host and
//   the first write into each faults there, which shows as kernel CPU in the copy into the page cache:
//   twice the system CPU per MB of the rewriting form (page-cache mode, 16 KiB batches, same run).
//   Rewriting reuses its own pages before they are reported; a log's new data never does.
// - Every phase ends with an untimed fdatasync of what it wrote (the log's close does that too), so the
//   next phase does not pay for the previous one's dirty pages.
// - Reads: the log's read of 1 MiB fetches into a reused buffer against raw sequential 1 MiB reads
//   into one reused buffer. The next fetch's offset comes from the last batch's header (the fetch
//   path itself never walks the batches it sends).
// - Each figure has a CPU line: user and system CPU of the whole process (every thread: the libuv
//   pool's writes, V8's helpers) per MB, log and raw, over the timed parts (process.cpuUsage).
// - Raw and log phases alternate `--rounds` times (seconds / rounds each) and each figure sums its
//   phases, so that a swing in the machine's load hits both sides; the log variants of a line run in
//   ABBA order after raw.
// - Durable appends run twice per round, with zero-ahead off and on (src/storage/zero-ahead.ts,
//   `--zero-ahead-max-bytes`, the broker default unless given), each continuing its own log; raw
//   appends to a growing file as before zero-ahead. `bench/storage/fdatasync.ts` isolates the
//   fdatasync cost zero-ahead removes.
// - `--writes-in-flight 1,2` runs every log line once per value (the group writes the log keeps in
//   flight, PartitionLogOptions.writesInFlight; default: the broker's), as an A/B in the same rounds.
// - `--syncs-in-flight 1,2` likewise for the fsyncs of the active segment the log keeps in flight
//   (PartitionLogOptions.syncsInFlight), durable lines only. Raw keeps one, as before.
// Usage: node --import tsx bench/storage/main.ts [--seconds 3] [--rounds 3] [--window 64]
//   [--in-flight 128] [--only <part of a line's label>] [--dir /tmp] [--zero-ahead-max-bytes N]
//   [--writes-in-flight N[,N...]] [--syncs-in-flight N[,N...]] [--segment-bytes N]
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { readFileSync } from 'node:fs';
import { mkdtemp, open, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  BATCH_LENGTH_OFFSET,
  createRecordBatch,
  encodeRecordBatchSync,
  LAST_OFFSET_DELTA_OFFSET,
  LOG_OVERHEAD,
} from '../../src/protocol/index.js';
import {
  DEFAULT_BROKER_STORAGE_CONFIG,
  DEFAULT_SYNCS_IN_FLIGHT,
  DEFAULT_WRITES_IN_FLIGHT,
  GROUP_COMMIT_CHANNEL,
  type GroupCommitTrace,
  LOG_SYNC_CHANNEL,
  type LogSyncTrace,
} from '../../src/storage/index.js';
import { argument, percentile } from '../bench-support.js';
import { openBenchLog } from './bench-log.js';

const seconds = Number(argument('seconds', '3'));
/** Raw and log phases alternate this many times (seconds / rounds each), so load swings hit both. */
const rounds = Number(argument('rounds', '3'));
const phaseSeconds = seconds / rounds;
const window = Number(argument('window', '64'));
const inFlight = Number(argument('in-flight', String(2 * window)));
const parent = argument('dir', tmpdir());
/** Runs only the lines whose label contains this (to profile one line with --cpu-prof). */
const only = argument('only', '');
const zeroAheadMaxBytes = Number(
  argument('zero-ahead-max-bytes', String(DEFAULT_BROKER_STORAGE_CONFIG.zeroAheadMaxBytes)),
);
const writesInFlightValues = argument('writes-in-flight', String(DEFAULT_WRITES_IN_FLIGHT))
  .split(',')
  .map(Number);
const syncsInFlightValues = argument('syncs-in-flight', String(DEFAULT_SYNCS_IN_FLIGHT))
  .split(',')
  .map(Number);
/**
 * The log's `segment.bytes` (default: Kafka's 1 GiB). Each roll fsyncs the segment left in the
 * background, as Kafka's flush on roll; a larger value keeps rolls out of a short run, to see their cost.
 */
const segmentBytes = argument('segment-bytes', '');
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

/** How the log is run in one line: zero-ahead bytes (0: off), group writes and fsyncs in flight. */
interface Variant {
  readonly zeroAhead: number;
  readonly writesInFlight: number;
  readonly syncsInFlight: number;
}

interface Phase {
  readonly bytes: number;
  readonly seconds: number;
  /** CPU time of the whole process (all threads) over the timed part, µs (process.cpuUsage). */
  readonly cpu: NodeJS.CpuUsage;
  /** CPU time of the main thread alone over the timed part, ms (NaN where not measurable). */
  readonly mainMs: number;
  /** ms of each fsync, call to return as the main thread sees it (durable appends and raw writes). */
  readonly syncMs?: readonly number[];
}

/**
 * CPU ms the main thread (JavaScript, the submission of file operations) has run, user and system,
 * from /proc/thread-self/schedstat (Linux; NaN elsewhere); the rest of a phase's CPU is the libuv
 * pool's (the writes themselves) and V8's helper threads'.
 */
function mainThreadCpuMs(): number {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'utf8').split(' ')[0]) / 1e6;
  } catch {
    return Number.NaN;
  }
}

interface AppendPhase extends Phase {
  readonly messages: number;
  readonly groups: number;
  readonly groupedBatches: number;
}

/** Appends for `seconds` with `inFlight` appends outstanding; each buffer is reused only after its append finished. */
async function appendRate(
  dir: string,
  batches: Buffer[],
  recordsPerBatch: number,
  durable: boolean,
  variant: Variant,
): Promise<AppendPhase> {
  const log = await openBenchLog(
    dir,
    {
      'pyralog.flush.policy': durable ? 'durable' : 'page-cache',
      ...(segmentBytes === '' ? {} : { 'segment.bytes': segmentBytes }),
    },
    {
      zeroAheadMaxBytes: variant.zeroAhead,
      writesInFlight: variant.writesInFlight,
      syncsInFlight: variant.syncsInFlight,
    },
  );
  let groups = 0;
  let groupedBatches = 0;
  const onGroup = (message: unknown): void => {
    groups += 1;
    groupedBatches += (message as GroupCommitTrace).batches;
  };
  const syncMs: number[] = [];
  const onSync = (message: unknown): void => {
    const trace = message as LogSyncTrace;
    syncMs.push(trace.endedMs - trace.startedMs);
  };
  subscribe(GROUP_COMMIT_CHANNEL, onGroup);
  subscribe(LOG_SYNC_CHANNEL, onSync);
  let bytes = 0;
  let appended = 0;
  const lanes = Math.min(inFlight, batches.length);
  const deadline = performance.now() + phaseSeconds * 1000;
  const cpuStart = process.cpuUsage();
  const mainStart = mainThreadCpuMs();
  const start = performance.now();
  const lane = async (laneIndex: number): Promise<void> => {
    // Half the lanes start one event-loop turn later: a broker's producers are not in lockstep, so
    // group N+1 gathers while group N is written (started together, every lane would join one group
    // and wait for it forever after).
    if (laneIndex % 2 === 1) await new Promise((resolve) => setImmediate(resolve));
    for (let turn = 0; performance.now() < deadline; turn += 1) {
      const batch = batches[(laneIndex + turn * lanes) % batches.length]!;
      const result = log.appendAsLeader(batch);
      await (durable ? result.durable : result.written);
      bytes += batch.length;
      appended += 1;
    }
  };
  await Promise.all(Array.from({ length: lanes }, (_, index) => lane(index)));
  const elapsed = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const mainMs = mainThreadCpuMs() - mainStart;
  unsubscribe(GROUP_COMMIT_CHANNEL, onGroup);
  unsubscribe(LOG_SYNC_CHANNEL, onSync);
  await log.close();
  return {
    bytes,
    seconds: elapsed,
    cpu,
    mainMs,
    messages: appended * recordsPerBatch,
    groups,
    groupedBatches,
    syncMs,
  };
}

/**
 * How raw writes its file each phase: `rewrite` reopens one file (`raw.bin`) with truncation, as the
 * bench always did, so each phase reuses the pages and blocks the previous one freed; `new-files`
 * creates a new file per phase and keeps the earlier ones until the line ends, as a log appends to
 * new segment files while its old ones stay.
 */
type RawForm = 'rewrite' | 'new-files';
const RAW_FORMS: readonly RawForm[] = ['rewrite', 'new-files'];
let rawFilesCreated = 0;

/**
 * Raw sequential writes of `window` batches per writev; when `durable`, each write is followed by an
 * fdatasync that runs while the next writev does (at most one of each in flight).
 */
async function rawWriteRate(
  root: string,
  form: RawForm,
  batches: Buffer[],
  durable: boolean,
): Promise<Phase> {
  rawFilesCreated += 1;
  const handle =
    form === 'rewrite'
      ? await open(join(root, 'raw.bin'), 'w')
      : await open(join(root, `raw-new-${rawFilesCreated}.bin`), 'wx');
  let position = 0;
  let syncing: Promise<void> | undefined;
  const syncMs: number[] = [];
  const timedSync = async (): Promise<void> => {
    const began = performance.now();
    await handle.datasync();
    syncMs.push(performance.now() - began);
  };
  const deadline = performance.now() + phaseSeconds * 1000;
  const cpuStart = process.cpuUsage();
  const mainStart = mainThreadCpuMs();
  const start = performance.now();
  for (let turn = 0; performance.now() < deadline; turn += 1) {
    const group = Array.from(
      { length: window },
      (_, index) => batches[(turn * window + index) % batches.length]!,
    );
    const { bytesWritten } = await handle.writev(group, position);
    position += bytesWritten;
    if (durable) {
      await syncing;
      syncing = timedSync();
    }
  }
  await syncing;
  const elapsed = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const mainMs = mainThreadCpuMs() - mainStart;
  // Untimed, as the log's close: the next phase must not pay for this one's dirty pages.
  await handle.datasync();
  await handle.close();
  return { bytes: position, seconds: elapsed, cpu, mainMs, syncMs };
}

/** Removes the files of the `new-files` raw form (at the end of each line, as the log's directory). */
async function removeNewRawFiles(root: string): Promise<void> {
  for (const name of await readdir(root)) {
    if (name.startsWith('raw-new-')) await rm(join(root, name), { force: true });
  }
}

/**
 * The offset after the last batch of `records` (whole batches back to back, as a read returns them),
 * from the batch headers' length fields and the last one's offsets: the least a reader needs to ask
 * for what follows (a broker's fetch path sends the bytes on without looking at them).
 */
function nextOffsetAfter(records: Buffer): bigint {
  let last = 0;
  for (let position = 0; position < records.length; ) {
    last = position;
    position += records.readInt32BE(position + BATCH_LENGTH_OFFSET) + LOG_OVERHEAD;
  }
  return records.readBigInt64BE(last) + BigInt(records.readInt32BE(last + LAST_OFFSET_DELTA_OFFSET)) + 1n;
}

async function readRate(dir: string): Promise<Phase> {
  const log = await openBenchLog(dir);
  // Reused for every fetch, as a fetch path may once its socket write completed (see ReadOptions.buffer).
  const buffer = Buffer.allocUnsafe(2 << 20);
  let bytes = 0;
  const cpuStart = process.cpuUsage();
  const mainStart = mainThreadCpuMs();
  const start = performance.now();
  for (let offset = log.logStartOffset; offset < log.logEndOffset; ) {
    const result = await log.read(offset, { maxBytes: 1 << 20, minOneBatch: true, buffer });
    if (result.kind !== 'records' || result.records.length === 0) break;
    bytes += result.records.length;
    offset = nextOffsetAfter(result.records);
  }
  const elapsed = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const mainMs = mainThreadCpuMs() - mainStart;
  await log.close();
  return { bytes, seconds: elapsed, cpu, mainMs };
}

async function rawReadRate(path: string): Promise<Phase> {
  const handle = await open(path, 'r');
  const buffer = Buffer.allocUnsafe(1 << 20);
  let bytes = 0;
  const cpuStart = process.cpuUsage();
  const mainStart = mainThreadCpuMs();
  const start = performance.now();
  for (;;) {
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, bytes);
    if (bytesRead === 0) break;
    bytes += bytesRead;
  }
  const elapsed = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const mainMs = mainThreadCpuMs() - mainStart;
  await handle.close();
  return { bytes, seconds: elapsed, cpu, mainMs };
}

const root = await mkdtemp(join(parent, 'pyralog-bench-storage-'));
/** What a log figure is compared with: a raw form's rate, named in the line. */
interface Baseline {
  readonly name: string;
  readonly value: number;
}
const line = (label: string, value: number, unit: string, baselines: readonly Baseline[] = []) => {
  const compared = baselines.map(
    (baseline) =>
      `${baseline.name} ${baseline.value.toFixed(1)} ${unit}, ratio ${(value / baseline.value).toFixed(2)}`,
  );
  console.log(
    `${label}: ${value.toFixed(1)} ${unit}${compared.length === 0 ? '' : ` (${compared.join('; ')})`}`,
  );
};
const selected = (label: string): boolean => only === '' || label.includes(only);
/** CPU ms per MB of the phases: user + system of the whole process (every thread), and the main thread's. */
const cpuPerMb = (phases: readonly Phase[]): string => {
  const megabytes = phases.reduce((sum, phase) => sum + phase.bytes, 0) / MB;
  const ms = (pick: (cpu: NodeJS.CpuUsage) => number) =>
    (phases.reduce((sum, phase) => sum + pick(phase.cpu), 0) / 1000 / megabytes).toFixed(3);
  const main = (phases.reduce((sum, phase) => sum + phase.mainMs, 0) / megabytes).toFixed(3);
  return `user ${ms((cpu) => cpu.user)} + sys ${ms((cpu) => cpu.system)} ms/MB, main thread ${main} ms/MB`;
};
const cpuLine = (label: string, phases: readonly Phase[], raws: readonly [string, readonly Phase[]][]) =>
  console.log(
    `${label}, CPU: ${cpuPerMb(phases)} (${raws.map(([name, phases]) => `${name} ${cpuPerMb(phases)}`).join('; ')})`,
  );
/** Percentiles of the phases' fsync times, or undefined when they made none. */
const syncFigures = (phases: readonly Phase[]): string | undefined => {
  const syncs = phases.flatMap((phase) => phase.syncMs ?? []).sort((a, b) => a - b);
  if (syncs.length === 0) return undefined;
  const at = (p: number) => percentile(syncs, p).toFixed(2);
  return `p50 ${at(50)} ms, p90 ${at(90)} ms, p99 ${at(99)} ms (${syncs.length} fsyncs)`;
};
const rate = (phases: readonly Phase[]): number =>
  phases.reduce((sum, phase) => sum + phase.bytes, 0) /
  MB /
  phases.reduce((sum, phase) => sum + phase.seconds, 0);
try {
  for (const [label, recordsPerBatch, poolSize] of [
    ['16 KiB batches', 16, 256],
    ['1 MiB batches', 1024, 80],
  ] as const) {
    const batches = makeBatches(recordsPerBatch, poolSize);
    for (const durable of [true, false]) {
      const mode = durable ? 'durable acks (fsync per group commit)' : 'page-cache mode';
      const row = `append ${label}, ${mode}`;
      const readRow = 'read from page cache (1 MiB fetches)';
      const wantsRead = !durable && recordsPerBatch === 16 && selected(readRow);
      if (!selected(row) && !wantsRead) continue;
      const raws = new Map<RawForm, Phase[]>(RAW_FORMS.map((form) => [form, []]));
      // Zero-ahead only matters with fsyncs: page-cache mode runs without (it never zeroes).
      // fsyncs in flight only matter with fsyncs: page-cache mode runs with the first value.
      const syncsValues = durable ? syncsInFlightValues : syncsInFlightValues.slice(0, 1);
      const variants: Variant[] = (durable ? [0, zeroAheadMaxBytes] : [0]).flatMap((zeroAhead) =>
        writesInFlightValues.flatMap((writesInFlight) =>
          syncsValues.map((syncsInFlight) => ({ zeroAhead, writesInFlight, syncsInFlight })),
        ),
      );
      const logs = variants.map((): AppendPhase[] => []);
      const dir = join(root, `log-${recordsPerBatch}-${durable}`);
      // The first variant's log is the one the read line reads.
      const dirOf = (index: number) => (index === 0 ? dir : `${dir}-${index}`);
      for (let round = 0; round < rounds; round += 1) {
        // Both raw forms, taking turns at running first.
        for (const form of round % 2 === 0 ? RAW_FORMS : [...RAW_FORMS].reverse()) {
          raws.get(form)!.push(await rawWriteRate(root, form, batches, durable));
        }
        // ABBA: the variants take turns at running first after raw, so neither always follows it.
        const order = [...variants.keys()];
        if (round % 2 === 1) order.reverse();
        for (const index of order) {
          logs[index]!.push(
            await appendRate(dirOf(index), batches, recordsPerBatch, durable, variants[index]!),
          );
        }
      }
      const rewrites = raws.get('rewrite')!;
      const newFiles = raws.get('new-files')!;
      const baselines: Baseline[] = [
        { name: 'raw to new files', value: rate(newFiles) },
        { name: 'raw rewriting one file', value: rate(rewrites) },
      ];
      const rawCpu: [string, Phase[]][] = [
        ['raw to new files', newFiles],
        ['raw rewriting one file', rewrites],
      ];
      for (const [index, variant] of variants.entries()) {
        const phases = logs[index]!;
        const groups = phases.reduce((sum, phase) => sum + phase.groups, 0);
        const grouped = phases.reduce((sum, phase) => sum + phase.groupedBatches, 0);
        const messages = phases.reduce((sum, phase) => sum + phase.messages, 0);
        const shape = `${Math.min(inFlight, poolSize)} in flight, ${(grouped / Math.max(groups, 1)).toFixed(1)} batches per write (raw ${window})`;
        const zeroing = durable
          ? `, zero-ahead ${variant.zeroAhead === 0 ? 'off' : `${variant.zeroAhead / 2 ** 20} MiB`}`
          : '';
        const pipelining =
          (writesInFlightValues.length > 1 ? `, ${variant.writesInFlight} write(s) in flight` : '') +
          (syncsValues.length > 1 ? `, ${variant.syncsInFlight} fsync(s) in flight` : '');
        const label = `${row}${zeroing}${pipelining}`;
        line(`${label}, ${shape}`, rate(phases), 'MB/s', baselines);
        cpuLine(label, phases, rawCpu);
        line(
          `${label}, 1 KiB records`,
          messages / phases.reduce((sum, phase) => sum + phase.seconds, 0),
          'msg/s',
        );
        const syncs = syncFigures(phases);
        if (syncs !== undefined) {
          // Raw's fdatasyncs cover the same group size (`--window` batches), timed the same way.
          console.log(
            `${label}, group-commit fsync: ${syncs} (${rawCpu.map(([name, raw]) => `${name} ${syncFigures(raw)}`).join('; ')})`,
          );
        }
        if (index !== 0) await rm(dirOf(index), { recursive: true, force: true });
      }
      if (wantsRead) {
        // The log holds every round's appends; raw.bin the last round's writes (the same order of size).
        const reads: Phase[] = [];
        const rawReads: Phase[] = [];
        for (let round = 0; round < rounds; round += 1) {
          rawReads.push(await rawReadRate(join(root, 'raw.bin')));
          reads.push(await readRate(dir));
        }
        line(readRow, rate(reads), 'MB/s', [{ name: 'raw', value: rate(rawReads) }]);
        cpuLine(readRow, reads, [['raw', rawReads]]);
      }
      await rm(dir, { recursive: true, force: true });
      await removeNewRawFiles(root);
    }
  }
} finally {
  await rm(root, { recursive: true, force: true });
}
