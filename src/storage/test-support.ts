// Test-only helpers for src/storage tests: batch builders, a log opener over the in-memory file system.
import { createRecordBatch, encodeRecordBatchSync, RecordBatchView } from '../protocol/index.js';
import type { Clock, FileSystem } from './file-system.js';
import { PartitionLog } from './partition-log.js';
import { type LogConfig, logConfigWith } from './topic-config.js';

export interface TestBatchOptions {
  readonly baseOffset?: bigint;
  readonly timestamp?: bigint;
  readonly valueBytes?: number;
  readonly partitionLeaderEpoch?: number;
  /** Distinct per batch so that tests can recognise content. */
  readonly tag?: string;
}

/** An encoded v2 batch of `count` records (timestamps `timestamp`, `timestamp + 1`, …). */
export function testBatch(count: number, options: TestBatchOptions = {}): Buffer {
  const timestamp = options.timestamp ?? 1_000n;
  const padding = 'x'.repeat(options.valueBytes ?? 0);
  return encodeRecordBatchSync(
    createRecordBatch({
      baseOffset: options.baseOffset ?? 0n,
      partitionLeaderEpoch: options.partitionLeaderEpoch ?? -1,
      records: Array.from({ length: count }, (_, index) => ({
        key: Buffer.from(`k${index}`),
        value: Buffer.from(`${options.tag ?? 'v'}-${index}${padding}`),
        timestamp: timestamp + BigInt(index),
      })),
    }),
  );
}

export function viewOf(bytes: Buffer): RecordBatchView {
  return RecordBatchView.at(bytes);
}

/** A clock the test moves by hand. */
export class ManualClock implements Clock {
  constructor(private now = 1_700_000_000_000) {}
  nowMs(): number {
    return this.now;
  }
  advance(ms: number): void {
    this.now += ms;
  }
}

export interface OpenTestLogOptions {
  readonly fs: FileSystem;
  readonly dir?: string;
  readonly config?: Partial<LogConfig>;
  readonly clock?: Clock;
  readonly isCleanShutdown?: boolean;
  readonly recoveryPoint?: bigint;
  readonly logStartOffset?: bigint;
  /** See PartitionLogOptions.readTailBytes (0: every read goes to the file). */
  readonly readTailBytes?: number;
  readonly random?: () => number;
  /** See PartitionLogOptions.zeroAheadMaxBytes (default: none). */
  readonly zeroAheadMaxBytes?: number;
  /** See PartitionLogOptions.writesInFlight. */
  readonly writesInFlight?: number;
  /** See PartitionLogOptions.syncsInFlight. */
  readonly syncsInFlight?: number;
  /** PartitionLogOptions.dsyncSegments (default false). */
  readonly dsyncSegments?: boolean;
}

export function openTestLog(options: OpenTestLogOptions): Promise<PartitionLog> {
  return PartitionLog.open({
    fs: options.fs,
    dir: options.dir ?? '/data/topic-0',
    topic: 'topic',
    partition: 0,
    config: logConfigWith(options.config ?? {}),
    clock: options.clock ?? new ManualClock(),
    ...(options.isCleanShutdown === undefined ? {} : { isCleanShutdown: options.isCleanShutdown }),
    ...(options.recoveryPoint === undefined ? {} : { recoveryPoint: options.recoveryPoint }),
    ...(options.logStartOffset === undefined ? {} : { logStartOffset: options.logStartOffset }),
    ...(options.readTailBytes === undefined ? {} : { readTailBytes: options.readTailBytes }),
    ...(options.random === undefined ? {} : { random: options.random }),
    ...(options.zeroAheadMaxBytes === undefined ? {} : { zeroAheadMaxBytes: options.zeroAheadMaxBytes }),
    ...(options.writesInFlight === undefined ? {} : { writesInFlight: options.writesInFlight }),
    ...(options.syncsInFlight === undefined ? {} : { syncsInFlight: options.syncsInFlight }),
    ...(options.dsyncSegments === undefined ? {} : { dsyncSegments: options.dsyncSegments }),
  });
}

/** The base offsets and record counts of every batch in a records Buffer. */
export function batchesIn(records: Buffer): { baseOffset: bigint; lastOffset: bigint }[] {
  const result: { baseOffset: bigint; lastOffset: bigint }[] = [];
  for (let at = 0; at < records.length; ) {
    const view = RecordBatchView.at(records, at);
    view.validate();
    result.push({ baseOffset: view.baseOffset, lastOffset: view.lastOffset });
    at += view.sizeInBytes;
  }
  return result;
}

/** The batch crash-child.ts appends at `batchIndex` in `roundNumber` (the parent rebuilds it to compare). */
export function crashBatch(roundNumber: number, batchIndex: number): Buffer {
  return testBatch(1 + (batchIndex % 5), {
    tag: `r${roundNumber}-${batchIndex}`,
    valueBytes: (batchIndex * 53) % 700,
  });
}

/** Whether `promise` has settled after the pending microtasks and one turn of the event loop. */
export async function isSettled(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  const mark = () => {
    settled = true;
  };
  void promise.then(mark, mark);
  await new Promise((resolve) => setImmediate(resolve));
  return settled;
}
