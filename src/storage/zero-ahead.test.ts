// Proves zero-ahead on the in-memory disk (with zero-ahead switched on, as on a real disk): the
// policy's distances (pure); durable appends leave fsynced zeros past the data that readers never
// see; page-cache appends leave none; roll and clean close trim the file to its data; an append that
// reaches a zero write still in flight waits for it instead of being overwritten by it; and after a
// crash or power loss the zero tail is cut without a corruption warning while real damage still
// warns, and a zero tail left in a rolled segment costs none of the segments after it.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FileSystem, StorageFile } from './file-system.js';
import { MemoryFileSystem } from './memory-file-system.js';
import { PartitionLog } from './partition-log.js';
import { batchesIn, ManualClock, openTestLog, testBatch } from './test-support.js';
import { logConfigWith } from './topic-config.js';
import { passThroughFile, WrappedFileSystem } from './wrapped-file-system.test-support.js';
import {
  MIN_ZERO_AHEAD_BYTES,
  ZERO_AHEAD_LEAD_BYTES,
  ZERO_AHEAD_MAX_GROUP_BYTES,
  ZERO_AHEAD_RATE_WINDOW_MS,
  ZERO_AHEAD_UNIT_BYTES,
  ZeroAheadPolicy,
} from './zero-ahead-policy.js';

const DIR = '/data/topic-0';
const KIB = 1024;
const MIB = 1024 * KIB;
const SEGMENT = `${DIR}/${'0'.padStart(20, '0')}.log`;

function isAllZero(bytes: Buffer): boolean {
  return bytes.every((byte) => byte === 0);
}

function capturingLogger() {
  const warnings: Record<string, unknown>[] = [];
  return {
    warnings,
    logger: { info: () => {}, warn: (fields: Record<string, unknown>) => void warnings.push(fields) },
  };
}

function reopen(fs: FileSystem, logger = capturingLogger().logger, config = {}): Promise<PartitionLog> {
  return PartitionLog.open({
    fs,
    dir: DIR,
    topic: 'topic',
    partition: 0,
    config: logConfigWith(config),
    clock: new ManualClock(),
    logger,
    recoveryPoint: 0n,
  });
}

/**
 * Appends `count` durable batches of about `valueBytes`, awaits them and the zeroing they started;
 * returns the batches as written (appendAsLeader stamps their offsets in place).
 */
async function appendDurable(log: PartitionLog, count: number, valueBytes = 500): Promise<Buffer[]> {
  const batches: Buffer[] = [];
  for (let index = 0; index < count; index += 1) {
    const bytes = testBatch(2, { valueBytes, tag: `d${log.logEndOffset}-${index}` });
    const durable = log.appendAsLeader(bytes, { sync: true }).durable;
    batches.push(bytes);
    await durable;
  }
  await log.awaitZeroAhead();
  return batches;
}

async function readAllBytes(log: PartitionLog): Promise<Buffer> {
  const parts: Buffer[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const result = await log.read(offset, { maxBytes: MIB, minOneBatch: true });
    assert.equal(result.kind, 'records');
    if (result.kind !== 'records' || result.records.length === 0) break;
    parts.push(Buffer.from(result.records));
    offset = batchesIn(result.records).at(-1)!.lastOffset + 1n;
  }
  return Buffer.concat(parts);
}

describe('ZeroAheadPolicy', () => {
  it('wants nothing before the first durable append, then at least the minimum past a lead', () => {
    const policy = new ZeroAheadPolicy(8 * MIB);
    assert.equal(policy.targetBytes(0), 0);
    assert.equal(policy.nextRange(0, 0, 1 << 30, 0), undefined);
    policy.recordDurableWrite(1000, 0);
    assert.equal(policy.targetBytes(0), MIN_ZERO_AHEAD_BYTES);
    assert.deepEqual(policy.nextRange(1000, 1000, 1 << 30, 0), {
      start: 1000 + ZERO_AHEAD_LEAD_BYTES,
      end: 3 * 64 * KIB,
    });
  });

  it('grows with the recent rate of durable bytes, up to its cap, and forgets an idle stretch', () => {
    const policy = new ZeroAheadPolicy(8 * MIB);
    // Groups of 64 KiB, well below ZERO_AHEAD_MAX_GROUP_BYTES: 3 MiB in the window.
    for (let group = 0; group < 48; group += 1) policy.recordDurableWrite(64 * KIB, group % 10);
    assert.equal(policy.targetBytes(10), 6 * MIB);
    for (let group = 0; group < 48; group += 1) policy.recordDurableWrite(64 * KIB, 20);
    assert.equal(policy.targetBytes(30), 8 * MIB, 'capped');
    assert.equal(policy.targetBytes(ZERO_AHEAD_RATE_WINDOW_MS + 40), 8 * MIB, 'the previous window counts');
    assert.equal(
      policy.targetBytes(10 * ZERO_AHEAD_RATE_WINDOW_MS),
      MIN_ZERO_AHEAD_BYTES,
      'idle: the minimum',
    );
  });

  it('zeroes nothing while durable group commits are large (their fsync commit is amortized)', () => {
    const policy = new ZeroAheadPolicy(8 * MIB);
    policy.recordDurableWrite(ZERO_AHEAD_MAX_GROUP_BYTES + 1, 0);
    assert.equal(policy.targetBytes(0), 0);
    assert.equal(policy.nextRange(0, 0, 1 << 30, 0), undefined);
    policy.recordDurableWrite(1000, 10);
    // Two groups, half the bound on average: twice the window's bytes, in whole units.
    const wanted = 2 * (ZERO_AHEAD_MAX_GROUP_BYTES + 1 + 1000);
    assert.equal(policy.targetBytes(10), Math.ceil(wanted / ZERO_AHEAD_UNIT_BYTES) * ZERO_AHEAD_UNIT_BYTES);
  });

  it('starts a run only below half the target, and never past the segment size', () => {
    const policy = new ZeroAheadPolicy(MIB);
    for (let group = 0; group < 16; group += 1) policy.recordDurableWrite(64 * KIB, 0);
    assert.equal(policy.targetBytes(0), MIB);
    assert.equal(policy.nextRange(0, MIB / 2, 1 << 30, 0), undefined, 'half a target left');
    assert.deepEqual(policy.nextRange(1, MIB / 2, 1 << 30, 0), { start: MIB / 2, end: MIB + MIB / 2 });
    assert.deepEqual(policy.nextRange(100, 100, 1500, 0), { start: 100 + 93, end: 1500 });
    assert.equal(policy.nextRange(1400, 1500, 1500, 0), undefined);
  });

  it('is disabled by a cap of 0', () => {
    const policy = new ZeroAheadPolicy(0);
    policy.recordDurableWrite(MIB, 0);
    assert.equal(policy.nextRange(0, 0, 1 << 30, 0), undefined);
  });
});

describe('zero-ahead of the active segment', () => {
  it('keeps fsynced zeros past the data that reads never see, and a clean close trims them', async () => {
    const fs = new MemoryFileSystem({ trackDurability: true });
    const log = await openTestLog({ fs, zeroAheadMaxBytes: 4 * MIB });
    const batches = await appendDurable(log, 20);
    const data = Buffer.concat(batches);
    const file = fs.readRaw(SEGMENT)!;
    assert.equal(log.sizeInBytes, data.length);
    assert.ok(
      file.length >= data.length + ZERO_AHEAD_LEAD_BYTES + MIN_ZERO_AHEAD_BYTES,
      `file ${file.length}`,
    );
    assert.ok(file.subarray(0, data.length).equals(data));
    assert.ok(isAllZero(file.subarray(data.length)), 'zeros past the data');
    assert.equal(fs.fsyncJournal().get(SEGMENT), file.length, 'the zeros are fsynced');
    assert.ok((await readAllBytes(log)).equals(data));
    await log.close();
    assert.equal(fs.readRaw(SEGMENT)!.length, data.length, 'trimmed at close');
    const reopened = await openTestLog({ fs, isCleanShutdown: true, zeroAheadMaxBytes: 4 * MIB });
    assert.ok((await readAllBytes(reopened)).equals(data));
    await reopened.close();
  });

  it('zeroes nothing for page-cache appends, nor when switched off', async () => {
    for (const [zeroAheadMaxBytes, sync] of [
      [4 * MIB, false],
      [0, true],
    ] as const) {
      const fs = new MemoryFileSystem();
      const log = await openTestLog({ fs, zeroAheadMaxBytes });
      for (let index = 0; index < 10; index += 1) await log.appendAsLeader(testBatch(2), { sync }).written;
      await log.flush();
      await log.awaitZeroAhead();
      assert.equal(fs.readRaw(SEGMENT)!.length, log.sizeInBytes);
      await log.close();
    }
  });

  it('trims a rolled segment to its data and zeroes the new active one', async () => {
    const fs = new MemoryFileSystem();
    const log = await openTestLog({ fs, zeroAheadMaxBytes: 4 * MIB });
    const first = Buffer.concat(await appendDurable(log, 5));
    assert.ok(fs.readRaw(SEGMENT)!.length > first.length);
    await log.roll();
    await log.flush();
    assert.equal(fs.readRaw(SEGMENT)!.length, first.length, 'the rolled segment holds its data exactly');
    const second = Buffer.concat(await appendDurable(log, 5));
    const activePath = `${DIR}/${log.segmentBaseOffsets().at(-1)!.toString().padStart(20, '0')}.log`;
    assert.notEqual(activePath, SEGMENT);
    assert.ok(fs.readRaw(activePath)!.length > second.length, 'the new active segment is zeroed ahead');
    assert.ok((await readAllBytes(log)).equals(Buffer.concat([first, second])));
    await log.close();
  });

  it('an append reaching a zero write in flight waits for it, so the zeros never land on its bytes', async () => {
    const fs = new GatedZeroFileSystem(new MemoryFileSystem());
    const log = await openTestLog({ fs, zeroAheadMaxBytes: 4 * MIB });
    const small = testBatch(1, { tag: 'small' });
    await log.appendAsLeader(small, { sync: true }).durable;
    await fs.zeroWriteHeld;
    // Larger than the lead: this append runs into the zero write the gate holds.
    const large = testBatch(1, { tag: 'large', valueBytes: ZERO_AHEAD_LEAD_BYTES + 10 * KIB });
    let isWritten = false;
    const appended = log.appendAsLeader(large, { sync: true });
    appended.written.then(() => {
      isWritten = true;
    });
    for (let turn = 0; turn < 20; turn += 1) await Promise.resolve();
    assert.equal(isWritten, false, 'waits for the zero write');
    fs.release();
    await appended.durable;
    await log.awaitZeroAhead();
    const expected = Buffer.concat([small, large]);
    assert.ok((await readAllBytes(log)).equals(expected));
    assert.ok(fs.inner.readRaw(SEGMENT)!.subarray(0, expected.length).equals(expected), 'on disk too');
    await log.close();
  });

  it('after a crash cuts the zero tail silently, keeping every batch', async () => {
    for (const kind of ['crash', 'powerLoss'] as const) {
      const fs = new MemoryFileSystem({ trackDurability: true });
      const log = await openTestLog({ fs, zeroAheadMaxBytes: 4 * MIB });
      const data = Buffer.concat(await appendDurable(log, 12));
      assert.ok(fs.readRaw(SEGMENT)!.length > data.length);
      const next = kind === 'crash' ? fs.simulateProcessCrash() : fs.simulatePowerLoss();
      const { warnings, logger } = capturingLogger();
      const reopened = await reopen(next, logger);
      assert.deepEqual(warnings, [], `${kind}: no corruption warning for a zero tail`);
      assert.ok((await readAllBytes(reopened)).equals(data), kind);
      assert.equal(next.readRaw(SEGMENT)!.length, data.length, `${kind}: cut to the data`);
      await reopened.close();
    }
  });

  it('still warns about damage before a zero tail', async () => {
    const fs = new MemoryFileSystem();
    const log = await openTestLog({ fs, zeroAheadMaxBytes: 4 * MIB });
    const data = Buffer.concat(await appendDurable(log, 6));
    const next = fs.simulateProcessCrash();
    const file = next.readRaw(SEGMENT)!;
    file[data.length + 3] = 0x5a;
    next.writeRaw(SEGMENT, file);
    const { warnings, logger } = capturingLogger();
    const reopened = await reopen(next, logger);
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]!['position'], data.length);
    assert.ok((await readAllBytes(reopened)).equals(data));
    await reopened.close();
  });

  it('a zero tail left in a rolled segment (its trim undone) costs none of the later segments', async () => {
    const fs = new MemoryFileSystem();
    const config = { segmentBytes: 2000 };
    const log = await openTestLog({ fs, config });
    for (let index = 0; index < 12; index += 1)
      await log.appendAsLeader(testBatch(2, { valueBytes: 300 })).written;
    const data = await readAllBytes(log);
    assert.ok(log.segmentCount >= 3);
    await log.close();
    const next = fs.simulateProcessCrash();
    next.writeRaw(SEGMENT, Buffer.concat([next.readRaw(SEGMENT)!, Buffer.alloc(700)]));
    const { warnings, logger } = capturingLogger();
    const reopened = await reopen(next, logger, config);
    assert.deepEqual(warnings, []);
    assert.ok((await readAllBytes(reopened)).equals(data));
    await reopened.close();
  });

  it('zeros where a rolled segment lost its last batch end the log there (no gap before the next segment)', async () => {
    const fs = new MemoryFileSystem();
    const config = { segmentBytes: 2000 };
    const log = await openTestLog({ fs, config });
    for (let index = 0; index < 12; index += 1)
      await log.appendAsLeader(testBatch(2, { valueBytes: 300 })).written;
    await log.close();
    const next = fs.simulateProcessCrash();
    const first = next.readRaw(SEGMENT)!;
    const lastBatch = batchesIn(first).length - 1;
    let lastStart = 0;
    for (let index = 0; index < lastBatch; index += 1) lastStart += first.readInt32BE(lastStart + 8) + 12;
    next.writeRaw(
      SEGMENT,
      Buffer.concat([first.subarray(0, lastStart), Buffer.alloc(first.length - lastStart)]),
    );
    const reopened = await reopen(next, capturingLogger().logger, config);
    assert.equal(reopened.segmentCount, 1, 'the later segments went');
    assert.ok((await readAllBytes(reopened)).equals(first.subarray(0, lastStart)));
    await reopened.close();
  });
});

/**
 * A file system whose writes of zeros (zero-ahead's) are held until `release()`: the first one
 * resolves `zeroWriteHeld`. Everything else passes through to `inner`.
 */
class GatedZeroFileSystem extends WrappedFileSystem<MemoryFileSystem> {
  readonly zeroWriteHeld: Promise<void>;
  private onHeld!: () => void;
  private released = false;
  private readonly waiting: (() => void)[] = [];

  constructor(inner: MemoryFileSystem) {
    super(inner, true);
    this.zeroWriteHeld = new Promise((resolve) => {
      this.onHeld = resolve;
    });
  }

  release(): void {
    this.released = true;
    for (const resume of this.waiting.splice(0)) resume();
  }

  /** @internal held zero writes wait here */
  gate(): Promise<void> {
    if (this.released) return Promise.resolve();
    this.onHeld();
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  protected override wrapFile(path: string, file: StorageFile): StorageFile {
    return {
      ...passThroughFile(file),
      writev: async (buffers, position) => {
        const isZeros =
          buffers.length > 0 && buffers.every((buffer) => buffer.length > 0 && isAllZero(buffer));
        if (isZeros && path.endsWith('.log')) await this.gate();
        await file.writev(buffers, position);
      },
    };
  }
}
