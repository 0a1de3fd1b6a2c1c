// Model test: random sequences of leader and replica appends (with gaps), reads, truncations,
// DeleteRecords, retention, explicit rolls, compaction, clean reopen, process crash and power loss
// run against PartitionLog on the in-memory file system and against an array of batches; after every
// step the whole log read back equals the model, and after a power loss the log is a prefix of the
// model that keeps at least every batch whose `durable` promise had resolved. Compaction is checked
// by its invariants (records only removed, never changed or moved; each key's latest record and the
// active segment kept; batches keep their offsets), then the model takes the compacted batches.
// A second run keeps active segments zeroed ahead (ZeroAhead): the same invariants hold, and after
// every clean close each `.log` ends exactly at its last batch.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeRecordBatchSync, RecordBatchView, recordOffset } from '../protocol/index.js';
import { MemoryFileSystem } from './memory-file-system.js';
import type { PartitionLog } from './partition-log.js';
import { openTestLog, testBatch } from './test-support.js';
import type { LogConfig } from './topic-config.js';

interface ModelBatch {
  readonly baseOffset: bigint;
  readonly lastOffset: bigint;
  readonly bytes: Buffer;
}

interface Model {
  batches: ModelBatch[];
  logStartOffset: bigint;
  logEndOffset: bigint;
  /** Batches (a prefix) known to be fsynced. */
  durableCount: number;
}

interface Real {
  fs: MemoryFileSystem;
  log: PartitionLog;
  /** See PartitionLogOptions.zeroAheadMaxBytes: the zero-ahead run keeps its active segments zeroed. */
  zeroAheadMaxBytes: number;
  /** See PartitionLogOptions.dsyncSegments: the O_DSYNC run's durable appends need no fsync of the `.log`. */
  dsyncSegments: boolean;
}

const CONFIG: Partial<LogConfig> = {
  segmentBytes: 1500,
  indexIntervalBytes: 200,
  retentionMs: -1,
  cleanupPolicy: ['compact', 'delete'],
  minCleanableDirtyRatio: 0,
};

async function readAll(log: PartitionLog): Promise<ModelBatch[]> {
  const batches: ModelBatch[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const result = await log.read(offset, { maxBytes: 4096, minOneBatch: true });
    assert.equal(result.kind, 'records');
    if (result.kind !== 'records' || result.records.length === 0) break;
    for (let at = 0; at < result.records.length; ) {
      const view = RecordBatchView.at(result.records, at);
      view.validate();
      batches.push({
        baseOffset: view.baseOffset,
        lastOffset: view.lastOffset,
        bytes: Buffer.from(view.bytes),
      });
      at += view.sizeInBytes;
      offset = view.nextOffset;
    }
  }
  return batches;
}

function visible(model: Model): ModelBatch[] {
  return model.batches.filter((batch) => batch.lastOffset >= model.logStartOffset);
}

async function checkAgainstModel(model: Model, real: Real): Promise<void> {
  assert.equal(real.log.logStartOffset, model.logStartOffset, 'logStartOffset');
  assert.equal(real.log.logEndOffset, model.logEndOffset, 'logEndOffset');
  const actual = await readAll(real.log);
  const expected = visible(model);
  assert.deepEqual(
    actual.map((batch) => [batch.baseOffset, batch.lastOffset]),
    expected.map((batch) => [batch.baseOffset, batch.lastOffset]),
  );
  for (const [index, batch] of actual.entries()) {
    assert.ok(batch.bytes.equals(expected[index]!.bytes), `bytes of ${batch.baseOffset}`);
  }
}

class AppendCommand implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly count: number,
    readonly valueBytes: number,
    readonly gap: number | undefined,
    readonly sync: boolean,
  ) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const baseOffset = model.logEndOffset + BigInt(this.gap ?? 0);
    const bytes = testBatch(this.count, { valueBytes: this.valueBytes, baseOffset, tag: `${baseOffset}` });
    const result =
      this.gap === undefined
        ? real.log.appendAsLeader(bytes, { sync: this.sync })
        : real.log.appendWithOffsets(bytes, { sync: this.sync });
    assert.equal(result.firstOffset, baseOffset);
    model.batches.push({ baseOffset, lastOffset: result.lastOffset, bytes: Buffer.from(bytes) });
    model.logEndOffset = result.lastOffset + 1n;
    await result.written;
    if (this.sync) {
      await result.durable;
      model.durableCount = model.batches.length;
    }
    await checkAgainstModel(model, real);
  }
  toString = () => `append(${this.count}, ${this.valueBytes}, gap=${this.gap}, sync=${this.sync})`;
}

class ReadCommand implements fc.AsyncCommand<Model, Real> {
  constructor(
    readonly where: number,
    readonly maxBytes: number,
  ) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const span = model.logEndOffset - model.logStartOffset + 3n;
    const offset = model.logStartOffset - 1n + BigInt(Math.floor(this.where * Number(span)));
    const result = await real.log.read(offset, { maxBytes: this.maxBytes, minOneBatch: true });
    if (offset < model.logStartOffset || offset > model.logEndOffset) {
      assert.equal(result.kind, 'offsetOutOfRange');
      return;
    }
    assert.equal(result.kind, 'records');
    if (result.kind !== 'records') return;
    const expected = visible(model).filter((batch) => batch.lastOffset >= offset);
    let at = 0;
    for (const batch of expected) {
      if (at === result.records.length) break;
      assert.ok(
        result.records.subarray(at, at + batch.bytes.length).equals(batch.bytes),
        `batch ${batch.baseOffset}`,
      );
      at += batch.bytes.length;
    }
    assert.equal(at, result.records.length, 'only whole batches of the model');
    if (expected.length > 0) assert.ok(result.records.length > 0, 'at least one batch');
    if (result.records.length > this.maxBytes) assert.equal(result.records.length, expected[0]!.bytes.length);
  }
  toString = () => `read(${this.where.toFixed(2)}, ${this.maxBytes})`;
}

class TruncateCommand implements fc.AsyncCommand<Model, Real> {
  constructor(readonly where: number) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const span = model.logEndOffset - model.logStartOffset + 1n;
    const target = model.logStartOffset + BigInt(Math.floor(this.where * Number(span)));
    await real.log.truncateTo(target);
    if (target < model.logEndOffset) {
      model.batches = model.batches.filter((batch) => batch.lastOffset < target);
      model.logEndOffset = target;
      model.durableCount = model.batches.length;
    }
    await checkAgainstModel(model, real);
  }
  toString = () => `truncateTo(${this.where.toFixed(2)})`;
}

class DeleteRecordsCommand implements fc.AsyncCommand<Model, Real> {
  constructor(readonly where: number) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const span = model.logEndOffset - model.logStartOffset + 1n;
    const target = model.logStartOffset + BigInt(Math.floor(this.where * Number(span)));
    real.log.setHighWatermark(model.logEndOffset);
    const result = await real.log.deleteRecordsBefore(target);
    assert.equal(result.errorCode, 0);
    if (target > model.logStartOffset) model.logStartOffset = target;
    assert.equal(result.lowWatermark, model.logStartOffset);
    await checkAgainstModel(model, real);
  }
  toString = () => `deleteRecordsBefore(${this.where.toFixed(2)})`;
}

class RetentionCommand implements fc.AsyncCommand<Model, Real> {
  constructor(readonly retentionBytes: number) {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    real.log.updateConfig({ ...real.log.logConfig, retentionBytes: this.retentionBytes });
    await real.log.applyRetention(0);
    real.log.updateConfig({ ...real.log.logConfig, retentionBytes: -1 });
    assert.ok(real.log.logStartOffset >= model.logStartOffset);
    model.logStartOffset = real.log.logStartOffset;
    assert.ok(real.log.sizeInBytes <= Math.max(this.retentionBytes, 0) + CONFIG.segmentBytes! + 1024);
    await checkAgainstModel(model, real);
  }
  toString = () => `retention(${this.retentionBytes})`;
}

class RollCommand implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const before = real.log.segmentBaseOffsets();
    await real.log.roll();
    const after = real.log.segmentBaseOffsets();
    const isActiveEmpty = before.at(-1) === model.logEndOffset && after.length === before.length;
    if (!isActiveEmpty) {
      assert.equal(after.length, before.length + 1, 'a new segment');
      assert.equal(after.at(-1), model.logEndOffset, 'based at the log end');
    }
    await checkAgainstModel(model, real);
  }
  toString = () => 'roll()';
}

/** Any fixed time after the records' timestamps: no lag or horizon matters here (no tombstones). */
const COMPACTION_NOW_MS = 2_000_000_000_000;

/** (offset → [key, value]) of every record of `batches`. */
function recordsOf(batches: readonly ModelBatch[]): Map<bigint, [string, string]> {
  const records = new Map<bigint, [string, string]>();
  for (const batch of batches) {
    const decoded = decodeRecordBatchSync(RecordBatchView.at(batch.bytes), { verifyCrc: true });
    for (const record of decoded.records) {
      records.set(recordOffset(decoded, record), [record.key!.toString(), record.value!.toString()]);
    }
  }
  return records;
}

class CompactCommand implements fc.AsyncCommand<Model, Real> {
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    real.log.setHighWatermark(model.logEndOffset);
    const activeBase = real.log.segmentBaseOffsets().at(-1)!;
    await real.log.compact(COMPACTION_NOW_MS);
    const expected = visible(model);
    const survivors = await readAll(real.log);
    assert.equal(real.log.logStartOffset, model.logStartOffset);
    assert.equal(real.log.logEndOffset, model.logEndOffset);
    const before = recordsOf(expected);
    const after = recordsOf(survivors);
    for (const [offset, record] of after)
      assert.deepEqual(record, before.get(offset), `record ${offset} unchanged`);
    const latest = new Map<string, bigint>();
    for (const [offset, [key]] of before) if ((latest.get(key) ?? -1n) < offset) latest.set(key, offset);
    for (const [key, offset] of latest) assert.ok(after.has(offset), `latest ${key} at ${offset} kept`);
    for (const [offset] of before)
      if (offset >= activeBase) assert.ok(after.has(offset), `active ${offset} kept`);
    const spans = new Map(expected.map((batch) => [batch.baseOffset, batch.lastOffset]));
    for (const batch of survivors)
      assert.equal(spans.get(batch.baseOffset), batch.lastOffset, 'offsets kept');
    const durableEnd = model.batches[model.durableCount - 1]?.lastOffset ?? -1n;
    model.batches = model.batches
      .filter((batch) => batch.lastOffset < model.logStartOffset)
      .concat(survivors);
    model.durableCount = model.batches.filter((batch) => batch.lastOffset <= durableEnd).length;
    await checkAgainstModel(model, real);
  }
  toString = () => 'compact()';
}

/** After a clean close every `.log` holds whole batches up to its very end: no zero-ahead tail is left. */
function assertExactLogFiles(fs: MemoryFileSystem): void {
  const dir = '/data/topic-0';
  for (const key of fs.fsyncJournal().keys()) {
    if (!key.startsWith(`${dir}/`) || !key.endsWith('.log')) continue;
    const bytes = fs.readRaw(key);
    if (bytes === undefined) continue;
    for (let at = 0; at < bytes.length; ) at += RecordBatchView.at(bytes, at).sizeInBytes;
  }
}

class ReopenCommand implements fc.AsyncCommand<Model, Real> {
  constructor(readonly kind: 'clean' | 'crash' | 'powerLoss') {}
  check = () => true;
  async run(model: Model, real: Real): Promise<void> {
    const recoveryPoint = real.log.recoveryPoint;
    if (this.kind === 'clean') {
      await real.log.close();
      assertExactLogFiles(real.fs);
    } else if (this.kind === 'crash') real.fs = real.fs.simulateProcessCrash();
    else real.fs = real.fs.simulatePowerLoss();
    real.log = await openTestLog({
      fs: real.fs,
      config: CONFIG,
      isCleanShutdown: this.kind === 'clean',
      logStartOffset: model.logStartOffset,
      zeroAheadMaxBytes: real.zeroAheadMaxBytes,
      dsyncSegments: real.dsyncSegments,
      ...(this.kind === 'crash' ? { recoveryPoint } : {}),
    });
    if (this.kind === 'powerLoss') {
      const survivors = await readAll(real.log);
      const expected = visible(model);
      const durableVisible = model.batches
        .slice(0, model.durableCount)
        .filter((b) => b.lastOffset >= model.logStartOffset);
      assert.ok(
        survivors.length >= durableVisible.length,
        `kept ${survivors.length} < durable ${durableVisible.length}`,
      );
      for (const [index, batch] of survivors.entries()) {
        assert.ok(batch.bytes.equals(expected[index]!.bytes), 'a prefix of the model');
      }
      model.batches = model.batches.filter((b) => b.lastOffset < model.logStartOffset).concat(survivors);
      model.logEndOffset = real.log.logEndOffset;
      const lastEnd = (model.batches.at(-1)?.lastOffset ?? -1n) + 1n;
      assert.ok(model.logEndOffset >= lastEnd);
      model.durableCount = model.batches.length;
    }
    await checkAgainstModel(model, real);
  }
  toString = () => `reopen(${this.kind})`;
}

const commands = [
  fc
    .tuple(
      fc.integer({ min: 1, max: 5 }),
      fc.integer({ min: 0, max: 400 }),
      fc.option(fc.integer({ min: 0, max: 30 }), { nil: undefined }),
      fc.boolean(),
    )
    .map(([count, valueBytes, gap, sync]) => new AppendCommand(count, valueBytes, gap, sync)),
  fc
    .tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 1, max: 3000 }))
    .map(([where, maxBytes]) => new ReadCommand(where, maxBytes)),
  fc.double({ min: 0, max: 1, noNaN: true }).map((where) => new TruncateCommand(where)),
  fc.double({ min: 0, max: 1, noNaN: true }).map((where) => new DeleteRecordsCommand(where)),
  fc.integer({ min: 0, max: 5000 }).map((bytes) => new RetentionCommand(bytes)),
  fc
    .constantFrom('clean' as const, 'crash' as const, 'powerLoss' as const)
    .map((kind) => new ReopenCommand(kind)),
  fc.constant(new RollCommand()),
  fc.constant(new CompactCommand()),
];

describe('PartitionLog model', () => {
  for (const [zeroAheadMaxBytes, numRuns, dsyncSegments] of [
    [0, 150, false],
    [64 * 1024, 100, false],
    [64 * 1024, 100, true],
  ] as const) {
    const variant =
      (zeroAheadMaxBytes === 0 ? '' : ', with zero-ahead') + (dsyncSegments ? ', O_DSYNC segments' : '');
    it(`behaves as an array of batches through appends, reads, truncation, retention, rolls, compaction and reopens${variant}`, async () => {
      await fc.assert(
        fc.asyncProperty(fc.commands(commands, { maxCommands: 40, size: 'max' }), async (cmds) => {
          const fs = new MemoryFileSystem({ trackDurability: true });
          const log = await openTestLog({ fs, config: CONFIG, zeroAheadMaxBytes, dsyncSegments });
          const real: Real = { fs, log, zeroAheadMaxBytes, dsyncSegments };
          const model: Model = { batches: [], logStartOffset: 0n, logEndOffset: 0n, durableCount: 0 };
          await fc.asyncModelRun(() => ({ model, real }), cmds);
          await real.log.close().catch(() => {});
        }),
        { numRuns },
      );
    });
  }
});
