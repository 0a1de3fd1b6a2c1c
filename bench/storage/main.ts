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
// - Same bytes, fresh files, same page-cache pages: every phase (raw or a log variant) writes the
//   same number of batches (`--phase-mb`, whole batches) into a new file or a new log directory, ends
//   with an untimed fdatasync (the log's close does that too, so the next phase does not pay for its
//   dirty pages) and removes what it wrote, so the next phase starts right after the pages it used
//   were freed. Why: on a VM whose balloon device reports free pages to the host (this one:
//   virtio_balloon with free page reporting), a page-cache page taken from memory that was free for
//   more than about a second faults in from the host on its first write, which shows as system CPU
//   in the copy into the page cache: 1 GiB with dd into a new file, 2.4 s of system CPU when the
//   memory had been free for seconds, 0.2 s right after another file's 1 GiB was deleted. Until
//   then, which side got which kind of page depended on the order of the phases (raw ran first, on
//   the pages the previous line had freed, and the log after it on reported ones: 1 MiB batches at
//   2.5 ms/MB of system CPU against raw's 0.6-0.9), not on the engine. An untimed raw phase before
//   the rounds leaves freed pages for the first one.
// - Each figure has a CPU line: user and system CPU of the whole process (every thread: the libuv
//   pool's writes, V8's helpers) per MB, log and raw, over the timed parts (process.cpuUsage).
// - Raw and log phases alternate for at least `--rounds` rounds and until raw's phases took
//   `--seconds`, and each figure sums its phases, so that a swing in the machine's load hits both
//   sides; the sides take turns at running first (ABBA).
// - Reads: after a line's rounds, an untimed fill of one log (`--phase-mb` x 4); then the log's read
//   of 1 MiB fetches into a reused buffer against raw sequential 1 MiB reads into one reused buffer
//   of the same log's `.log` files: the same bytes in the same page-cache pages, after one untimed
//   pass of each (the first runs the read path before V8 compiled it). The next fetch's offset comes
//   from the last batch's header (the fetch path itself never walks the batches it sends).
// - Durable appends run twice per round, with zero-ahead off and on (src/storage/zero-ahead.ts,
//   `--zero-ahead-max-bytes`, the broker default unless given); raw appends to a growing file as
//   before zero-ahead. `bench/storage/fdatasync.ts` isolates the fdatasync cost zero-ahead removes.
// - `--writes-in-flight 1,2` runs every log line once per value (the group writes the log keeps in
//   flight, PartitionLogOptions.writesInFlight; default: the broker's), as an A/B in the same rounds.
// - `--syncs-in-flight 1,2` likewise for the fsyncs of the active segment the log keeps in flight
//   (PartitionLogOptions.syncsInFlight), durable lines only. Raw keeps one, as before.
// - `--dsync-segments true,false` likewise for O_DSYNC active segments (PartitionLogOptions.dsyncSegments:
//   a durable group commit is one write durable when it returns, instead of a write and an fsync),
//   durable lines only; default false, the broker's default (`pyralog.log.dsync.segments.enable`).
// Usage: node --import tsx bench/storage/main.ts [--seconds 3] [--rounds 3] [--phase-mb 256]
//   [--window 64] [--in-flight 128] [--only <part of a line's label>] [--dir /tmp] [--zero-ahead-max-bytes N]
//   [--writes-in-flight N[,N...]] [--syncs-in-flight N[,N...]] [--dsync-segments true,false]
//   [--segment-bytes N]
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

/** Raw phases together take at least this long (and there are at least `rounds` rounds). */
const seconds = Number(argument('seconds', '3'));
/** Raw and log phases alternate at least this many times, so that load swings hit both. */
const rounds = Number(argument('rounds', '3'));
/** Bytes every phase writes (whole batches), raw and log alike. */
const phaseBytes = Number(argument('phase-mb', '256')) * 1e6;
/** Rounds stop here even when raw's phases have not taken `seconds` yet (a very fast disk). */
const MAX_ROUNDS = 64;
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
const dsyncSegmentsValues = argument('dsync-segments', 'false')
  .split(',')
  .map((value) => value === 'true');
/**
 * The log's `segment.bytes` (default: Kafka's 1 GiB). Each roll fsyncs the segment left in the
 * background, as Kafka's flush on roll; a smaller value brings rolls into a phase, to see their cost.
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
  readonly dsyncSegments: boolean;
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

/**
 * Appends `count` batches to a new log in `dir` with `inFlight` appends outstanding; each buffer is
 * reused only after its append finished. The log is closed (an fsync) untimed and left in `dir`.
 */
async function appendRate(
  dir: string,
  batches: Buffer[],
  count: number,
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
      dsyncSegments: variant.dsyncSegments,
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
  let started = 0;
  const lanes = Math.min(inFlight, batches.length);
  const cpuStart = process.cpuUsage();
  const mainStart = mainThreadCpuMs();
  const start = performance.now();
  const lane = async (laneIndex: number): Promise<void> => {
    // Half the lanes start one event-loop turn later: a broker's producers are not in lockstep, so
    // group N+1 gathers while group N is written (started together, every lane would join one group
    // and wait for it forever after).
    if (laneIndex % 2 === 1) await new Promise((resolve) => setImmediate(resolve));
    for (let turn = 0; started < count; turn += 1) {
      started += 1;
      const batch = batches[(laneIndex + turn * lanes) % batches.length]!;
      const result = log.appendAsLeader(batch);
      await (durable ? result.durable : result.written);
      bytes += batch.length;
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
    messages: count * recordsPerBatch,
    groups,
    groupedBatches,
    syncMs,
  };
}

/**
 * Raw sequential writes of `count` batches to the new file `path`, `window` batches per writev; when
 * `durable`, each write is followed by an fdatasync that runs while the next writev does (at most one
 * of each in flight). Ends with an untimed fdatasync, as the log's close.
 */
async function rawWriteRate(
  path: string,
  batches: Buffer[],
  count: number,
  durable: boolean,
): Promise<Phase> {
  const handle = await open(path, 'wx');
  let position = 0;
  let syncing: Promise<void> | undefined;
  const syncMs: number[] = [];
  const timedSync = async (): Promise<void> => {
    const began = performance.now();
    await handle.datasync();
    syncMs.push(performance.now() - began);
  };
  const cpuStart = process.cpuUsage();
  const mainStart = mainThreadCpuMs();
  const start = performance.now();
  for (let written = 0; written < count; ) {
    const group = Array.from(
      { length: Math.min(window, count - written) },
      (_, index) => batches[(written + index) % batches.length]!,
    );
    const { bytesWritten } = await handle.writev(group, position);
    position += bytesWritten;
    written += group.length;
    if (durable) {
      await syncing;
      syncing = timedSync();
    }
  }
  await syncing;
  const elapsed = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const mainMs = mainThreadCpuMs() - mainStart;
  await handle.datasync();
  await handle.close();
  return { bytes: position, seconds: elapsed, cpu, mainMs, syncMs };
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

/** Raw sequential 1 MiB reads into one reused buffer of the `.log` files of the log in `dir`, in order. */
async function rawReadRate(dir: string): Promise<Phase> {
  const paths = (await readdir(dir))
    .filter((name) => name.endsWith('.log'))
    .sort()
    .map((name) => join(dir, name));
  const handles = await Promise.all(paths.map((path) => open(path, 'r')));
  const buffer = Buffer.allocUnsafe(1 << 20);
  let bytes = 0;
  const cpuStart = process.cpuUsage();
  const mainStart = mainThreadCpuMs();
  const start = performance.now();
  for (const handle of handles) {
    for (let position = 0; ; ) {
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, position);
      if (bytesRead === 0) break;
      position += bytesRead;
      bytes += bytesRead;
    }
  }
  const elapsed = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const mainMs = mainThreadCpuMs() - mainStart;
  await Promise.all(handles.map((handle) => handle.close()));
  return { bytes, seconds: elapsed, cpu, mainMs };
}

const root = await mkdtemp(join(parent, 'pyralog-bench-storage-'));
/** Each phase's new file or log directory: never one an earlier phase used. */
let pathsCreated = 0;
const newPath = (name: string): string => {
  pathsCreated += 1;
  return join(root, `${name}-${pathsCreated}`);
};
/** What a log figure is compared with: a raw rate, named in the line. */
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
const megabytesOf = (phases: readonly Phase[]): number =>
  phases.reduce((sum, phase) => sum + phase.bytes, 0) / MB;
const secondsOf = (phases: readonly Phase[]): number => phases.reduce((sum, phase) => sum + phase.seconds, 0);
/** CPU ms per MB of the phases: user + system of the whole process (every thread), and the main thread's. */
const cpuPerMb = (phases: readonly Phase[]): string => {
  const megabytes = megabytesOf(phases);
  const ms = (pick: (cpu: NodeJS.CpuUsage) => number) =>
    (phases.reduce((sum, phase) => sum + pick(phase.cpu), 0) / 1000 / megabytes).toFixed(3);
  const main = (phases.reduce((sum, phase) => sum + phase.mainMs, 0) / megabytes).toFixed(3);
  return `user ${ms((cpu) => cpu.user)} + sys ${ms((cpu) => cpu.system)} ms/MB, main thread ${main} ms/MB`;
};
const cpuLine = (label: string, phases: readonly Phase[], raw: readonly [string, readonly Phase[]]) =>
  console.log(`${label}, CPU: ${cpuPerMb(phases)} (${raw[0]} ${cpuPerMb(raw[1])})`);
/** Percentiles of the phases' fsync times, or undefined when they made none. */
const syncFigures = (phases: readonly Phase[]): string | undefined => {
  const syncs = phases.flatMap((phase) => phase.syncMs ?? []).sort((a, b) => a - b);
  if (syncs.length === 0) return undefined;
  const at = (p: number) => percentile(syncs, p).toFixed(2);
  return `p50 ${at(50)} ms, p90 ${at(90)} ms, p99 ${at(99)} ms (${syncs.length} fsyncs)`;
};
const rate = (phases: readonly Phase[]): number => megabytesOf(phases) / secondsOf(phases);
const RAW = 'raw to new files';
try {
  for (const [label, recordsPerBatch, poolSize] of [
    ['16 KiB batches', 16, 256],
    ['1 MiB batches', 1024, 80],
  ] as const) {
    const batches = makeBatches(recordsPerBatch, poolSize);
    const count = Math.max(1, Math.round(phaseBytes / batches[0]!.length));
    for (const durable of [true, false]) {
      const mode = durable ? 'durable acks (fsync per group commit)' : 'page-cache mode';
      const row = `append ${label}, ${mode}`;
      const readRow = 'read from page cache (1 MiB fetches)';
      const wantsRead = !durable && recordsPerBatch === 16 && selected(readRow);
      if (!selected(row) && !wantsRead) continue;
      // Zero-ahead only matters with fsyncs: page-cache mode runs without (it never zeroes).
      // fsyncs in flight only matter with fsyncs: page-cache mode runs with the first value.
      const syncsValues = durable ? syncsInFlightValues : syncsInFlightValues.slice(0, 1);
      const dsyncValues = durable ? dsyncSegmentsValues : dsyncSegmentsValues.slice(0, 1);
      const variants: Variant[] = (durable ? [0, zeroAheadMaxBytes] : [0]).flatMap((zeroAhead) =>
        writesInFlightValues.flatMap((writesInFlight) =>
          syncsValues.flatMap((syncsInFlight) =>
            dsyncValues.map((dsyncSegments) => ({ zeroAhead, writesInFlight, syncsInFlight, dsyncSegments })),
          ),
        ),
      );
      /** One phase of a side (raw: -1, else a variant's index), its files removed once timed. */
      const runPhase = async (side: number): Promise<Phase> => {
        if (side < 0) {
          const path = newPath('raw');
          const phase = await rawWriteRate(path, batches, count, durable);
          await rm(path, { force: true });
          return phase;
        }
        const dir = newPath('log');
        const phase = await appendRate(dir, batches, count, recordsPerBatch, durable, variants[side]!);
        await rm(dir, { recursive: true, force: true });
        return phase;
      };
      const raws: Phase[] = [];
      const logs = variants.map((): AppendPhase[] => []);
      // Untimed: leaves freed pages for the first timed phase, as every phase leaves its own to the next.
      await runPhase(-1);
      for (let round = 0; round < MAX_ROUNDS && (round < rounds || secondsOf(raws) < seconds); round += 1) {
        // ABBA: raw and the variants take turns at running first.
        const order = [-1, ...variants.keys()];
        if (round % 2 === 1) order.reverse();
        for (const side of order) {
          const phase = await runPhase(side);
          if (side < 0) raws.push(phase);
          else logs[side]!.push(phase as AppendPhase);
        }
      }
      const baselines: Baseline[] = [{ name: RAW, value: rate(raws) }];
      for (const [index, variant] of variants.entries()) {
        const phases = logs[index]!;
        const groups = phases.reduce((sum, phase) => sum + phase.groups, 0);
        const grouped = phases.reduce((sum, phase) => sum + phase.groupedBatches, 0);
        const messages = phases.reduce((sum, phase) => sum + phase.messages, 0);
        const shape = `${Math.min(inFlight, poolSize)} in flight, ${(grouped / Math.max(groups, 1)).toFixed(1)} batches per write (raw ${window}), ${phases.length} x ${(phases[0]!.bytes / MB).toFixed(0)} MB`;
        const zeroing = durable
          ? `, zero-ahead ${variant.zeroAhead === 0 ? 'off' : `${variant.zeroAhead / 2 ** 20} MiB`}`
          : '';
        const pipelining =
          (writesInFlightValues.length > 1 ? `, ${variant.writesInFlight} write(s) in flight` : '') +
          (syncsValues.length > 1 ? `, ${variant.syncsInFlight} fsync(s) in flight` : '') +
          (dsyncValues.length > 1 ? (variant.dsyncSegments ? ', O_DSYNC segment' : ', write + fsync') : '');
        const name = `${row}${zeroing}${pipelining}`;
        line(`${name}, ${shape}`, rate(phases), 'MB/s', baselines);
        cpuLine(name, phases, [RAW, raws]);
        line(`${name}, 1 KiB records`, messages / secondsOf(phases), 'msg/s');
        // An O_DSYNC segment's group commit has no fsync: its zero-length sync events only mark the
        // durable point, and its flush is inside the write (the MB/s line).
        const syncs = durable && variant.dsyncSegments ? undefined : syncFigures(phases);
        if (syncs !== undefined) {
          // Raw's fdatasyncs cover the same group size (`--window` batches), timed the same way.
          console.log(`${name}, group-commit fsync: ${syncs} (${RAW} ${syncFigures(raws)})`);
        }
      }
      if (wantsRead) {
        const dir = newPath('log-read');
        await appendRate(dir, batches, 4 * count, recordsPerBatch, false, variants[0]!);
        // Untimed, one pass each: the first pass of a process runs the read path before it is compiled
        // (the log's fetch path: about three times the user CPU per MB of later passes), which a broker's
        // consumers pay once, not per fetch.
        await rawReadRate(dir);
        await readRate(dir);
        const reads: Phase[] = [];
        const rawReads: Phase[] = [];
        for (let round = 0; round < rounds; round += 1) {
          rawReads.push(await rawReadRate(dir));
          reads.push(await readRate(dir));
        }
        line(readRow, rate(reads), 'MB/s', [{ name: 'raw', value: rate(rawReads) }]);
        cpuLine(readRow, reads, ['raw', rawReads]);
        await rm(dir, { recursive: true, force: true });
      }
    }
  }
} finally {
  await rm(root, { recursive: true, force: true });
}
