// Proves crash recovery on the in-memory disk: files cut at random lengths (mid-batch, mid-index-
// entry) or with a byte flipped inside a batch's CRC range are detected on an unclean open, the
// `.log` keeps exactly the whole valid batches before the damage (later segments go), indexes are
// rebuilt, one warning names the file and offset; and a power loss while appends are in flight
// keeps every batch whose `durable` promise resolved and never yields a batch that was not written.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { MemoryFileSystem } from './memory-file-system.js';
import type { PartitionLog } from './partition-log.js';
import { batchesIn, openTestLog, testBatch } from './test-support.js';

const DIR = '/data/topic-0';
const CONFIG = { segmentBytes: 1200, indexIntervalBytes: 150 };

interface Written {
  readonly fs: MemoryFileSystem;
  /** Every batch's bytes by base offset, in order, with the segment file and position holding it. */
  readonly batches: { baseOffset: bigint; bytes: Buffer; segment: string; position: number }[];
  readonly segments: string[];
}

async function writeCleanLog(batchCount: number): Promise<Written> {
  const fs = new MemoryFileSystem();
  const log = await openTestLog({ fs, config: CONFIG });
  for (let index = 0; index < batchCount; index += 1) {
    log.appendAsLeader(testBatch(1 + (index % 4), { valueBytes: (index * 37) % 200, tag: `b${index}` }));
  }
  await log.close();
  const segments = (await fs.readdir(DIR))
    .filter((name) => name.endsWith('.log'))
    .map((name) => name.slice(0, -4));
  const batches: Written['batches'] = [];
  for (const segment of segments) {
    const bytes = fs.readRaw(`${DIR}/${segment}.log`)!;
    let position = 0;
    for (const { baseOffset } of batchesIn(bytes)) {
      const size = bytes.readInt32BE(position + 8) + 12;
      batches.push({ baseOffset, bytes: bytes.subarray(position, position + size), segment, position });
      position += size;
    }
  }
  return { fs, batches, segments };
}

async function readEverything(log: PartitionLog): Promise<Buffer[]> {
  const out: Buffer[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const result = await log.read(offset, { maxBytes: 1 << 20, minOneBatch: true });
    if (result.kind !== 'records' || result.records.length === 0) break;
    let at = 0;
    for (const batch of batchesIn(result.records)) {
      const size = result.records.readInt32BE(at + 8) + 12;
      out.push(Buffer.from(result.records.subarray(at, at + size)));
      at += size;
      offset = batch.lastOffset + 1n;
    }
  }
  return out;
}

function capturingLogger() {
  const warnings: Record<string, unknown>[] = [];
  return {
    warnings,
    logger: { info: () => {}, warn: (fields: Record<string, unknown>) => void warnings.push(fields) },
  };
}

describe('log recovery', () => {
  it('cuts a damaged .log at the last whole valid batch and drops later segments', async () => {
    const written = await writeCleanLog(40);
    assert.ok(written.segments.length >= 3);
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: written.segments.length - 1 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        fc.constantFrom('cut' as const, 'flip' as const),
        async (segmentIndex, where, damage) => {
          const fs = new MemoryFileSystem();
          for (const name of await written.fs.readdir(DIR)) {
            await fs.mkdir(DIR);
            const file = await fs.open(`${DIR}/${name}`, { create: true });
            await file.writev([written.fs.readRaw(`${DIR}/${name}`)!], 0);
            await file.close();
          }
          const segment = written.segments[segmentIndex]!;
          const path = `${DIR}/${segment}.log`;
          const original = fs.readRaw(path)!;
          const point = Math.floor(where * original.length);
          let firstLost: number;
          if (damage === 'cut') {
            fs.writeRaw(path, original.subarray(0, point));
            firstLost = written.batches.findIndex(
              (batch) => batch.segment === segment && batch.position + batch.bytes.length > point,
            );
          } else {
            const hit = written.batches.findIndex(
              (batch) => batch.segment === segment && batch.position + batch.bytes.length > point,
            );
            const batch = written.batches[hit]!;
            const flipAt = batch.position + 21 + (Math.floor(where * 997) % (batch.bytes.length - 21));
            const flipped = Buffer.from(original);
            flipped[flipAt]! ^= 0x5a;
            fs.writeRaw(path, flipped);
            firstLost = hit;
          }
          const log = await openTestLog({ fs, config: CONFIG, recoveryPoint: 0n });
          const kept = await readEverything(log);
          const isAtBoundary =
            damage === 'cut' &&
            (point === 0 ||
              written.batches.some((b) => b.segment === segment && b.position + b.bytes.length === point));
          // A cut exactly between batches leaves nothing to detect: the later segments stay valid.
          const expected = isAtBoundary
            ? written.batches.filter((b) => b.segment !== segment || b.position < point)
            : written.batches.slice(0, firstLost < 0 ? written.batches.length : firstLost);
          assert.equal(kept.length, expected.length);
          for (const [index, bytes] of kept.entries()) assert.ok(bytes.equals(expected[index]!.bytes));
          if (!isAtBoundary && firstLost >= 0) {
            const segmentsLeft = (await fs.readdir(DIR)).filter((name) => name.endsWith('.log'));
            assert.equal(segmentsLeft.at(-1), `${segment}.log`, 'segments after the damaged one are deleted');
          }
          await log.close();
        },
      ),
      { numRuns: 120 },
    );
  });

  it('rebuilds cut or garbled indexes without losing a batch, and logs the cut once', async () => {
    const written = await writeCleanLog(30);
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: written.segments.length - 1 }),
        fc.constantFrom('.index', '.timeindex'),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.boolean(),
        async (segmentIndex, suffix, where, isClean) => {
          const fs = new MemoryFileSystem();
          await fs.mkdir(DIR);
          for (const name of await written.fs.readdir(DIR)) {
            const file = await fs.open(`${DIR}/${name}`, { create: true });
            await file.writev([written.fs.readRaw(`${DIR}/${name}`)!], 0);
            await file.close();
          }
          const path = `${DIR}/${written.segments[segmentIndex]}${suffix}`;
          const original = fs.readRaw(path)!;
          const damaged = Buffer.from(original.subarray(0, Math.floor(where * original.length)));
          if (damaged.length > 4 && where > 0.5) damaged.writeInt32BE(0x7fffffff, damaged.length - 4);
          fs.writeRaw(path, damaged);
          const log = await openTestLog({ fs, config: CONFIG, isCleanShutdown: isClean, recoveryPoint: 0n });
          const kept = await readEverything(log);
          assert.equal(kept.length, written.batches.length);
          for (let offset = 0n; offset < log.logEndOffset; offset += 3n) {
            const result = await log.read(offset, { maxBytes: 1, minOneBatch: true });
            const [first] = batchesIn(result.kind === 'records' ? result.records : Buffer.alloc(0));
            assert.ok(first !== undefined && first.baseOffset <= offset && first.lastOffset >= offset);
          }
          await log.close();
        },
      ),
      { numRuns: 60 },
    );
  });

  it('names the file and offset in one warning when it truncates', async () => {
    const written = await writeCleanLog(5);
    const path = `${DIR}/${written.segments.at(-1)}.log`;
    const bytes = written.fs.readRaw(path)!;
    written.fs.writeRaw(path, bytes.subarray(0, bytes.length - 7));
    const { warnings, logger } = capturingLogger();
    const { PartitionLog } = await import('./partition-log.js');
    const { logConfigWith } = await import('./topic-config.js');
    const log = await PartitionLog.open({
      fs: written.fs,
      dir: DIR,
      topic: 'topic',
      partition: 0,
      config: logConfigWith(CONFIG),
      clock: { nowMs: () => 0 },
      logger,
      recoveryPoint: 0n,
    });
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]!['file'], path);
    assert.equal(warnings[0]!['offset'], written.batches.at(-1)!.baseOffset.toString());
    await log.close();
  });

  it('never leaves a hole after a power loss: rolled segments are fsynced before the next one', async () => {
    // Non-durable appends roll segments whose fsync waits for the durable one's group commit; a power
    // loss at any turn must find a prefix of the appends (the active segment fsynced before a rolled
    // one would leave the rolled one's batches missing in the middle).
    const appends: [number, boolean][] = [
      [1, false],
      [3, false],
      [2, false],
      [2, false],
      [2, false],
      [1, false],
      [4, true],
      [3, false],
    ];
    for (let crashAfterTurns = 0; crashAfterTurns < 80; crashAfterTurns += 1) {
      const fs = new MemoryFileSystem({ trackDurability: true });
      const log = await openTestLog({ fs, config: CONFIG });
      const originals = appends.map(([count], index) =>
        testBatch(count, { tag: `h${index}`, valueBytes: index * 7 }),
      );
      // Appended in place (their offsets are assigned in them): what the log must hold.
      for (const [index, [, sync]] of appends.entries()) log.appendAsLeader(originals[index]!, { sync });
      for (let turn = 0; turn < crashAfterTurns; turn += 1) await Promise.resolve();
      const reopened = await openTestLog({ fs: fs.simulatePowerLoss(), config: CONFIG });
      const kept = await readEverything(reopened);
      for (const [index, bytes] of kept.entries()) {
        assert.ok(
          bytes.equals(originals[index]!),
          `batch ${index} after a power loss at turn ${crashAfterTurns}`,
        );
      }
      await reopened.close();
    }
  });

  for (const zeroAheadMaxBytes of [0, 64 * 1024]) {
    const variant = zeroAheadMaxBytes === 0 ? '' : ' (zero-ahead: unsynced bytes over zeros revert to zeros)';
    it(`keeps every durable batch and only written batches after a power loss during appends${variant}`, async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.tuple(fc.integer({ min: 1, max: 4 }), fc.boolean()), { minLength: 1, maxLength: 40 }),
          fc.nat({ max: 60 }),
          async (appends, crashAfterTurns) => {
            const fs = new MemoryFileSystem({ trackDurability: true });
            const log = await openTestLog({ fs, config: CONFIG, zeroAheadMaxBytes });
            const originals: Buffer[] = [];
            const durable = new Set<number>();
            appends.forEach(([count, sync], index) => {
              const bytes = testBatch(count, { tag: `p${index}`, valueBytes: index * 7 });
              const result = log.appendAsLeader(bytes, { sync });
              originals.push(Buffer.from(bytes));
              result.durable.then(
                () => durable.add(index),
                () => {},
              );
            });
            for (let turn = 0; turn < crashAfterTurns; turn += 1) await Promise.resolve();
            const durableAtCrash = new Set(durable);
            const next = fs.simulatePowerLoss();
            const reopened = await openTestLog({ fs: next, config: CONFIG });
            const kept = await readEverything(reopened);
            for (const [index, bytes] of kept.entries())
              assert.ok(bytes.equals(originals[index]!), `batch ${index}`);
            for (const index of durableAtCrash)
              assert.ok(index < kept.length, `durable batch ${index} survived`);
            await reopened.close();
          },
        ),
        { numRuns: 150 },
      );
    });
  }
});
