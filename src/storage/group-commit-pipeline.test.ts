// Pipelined group writes (GroupCommit with several writevs in flight) complete in order: a group is
// readable and `written` only after every group before it, a roll waits for the writes in flight,
// and a failed write fails the log so that nothing after it is ever acknowledged or readable, even
// when later writes land (a failed log refuses reads; reopened, its recovery keeps exactly the
// acknowledged groups). Example tests hold and fail `.log` writevs by hand; a property test lets
// them land after random delays (out of order) and fails one at random.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { RecordBatchView } from '../protocol/index.js';
import type { StorageFile } from './file-system.js';
import { MemoryFileSystem } from './memory-file-system.js';
import type { PartitionLog } from './partition-log.js';
import { Deferred } from './serial-queue.js';
import { isSettled, openTestLog, testBatch } from './test-support.js';

/** A `.log` writev the test controls: it lands (`release`) or fails (`fail`) when the test says. */
interface HeldWrite {
  readonly position: number;
  release(): void;
  fail(error: Error): void;
}

/** A MemoryFileSystem whose `.log` writevs wait for the test; a failed one writes nothing. */
class HeldWriteFileSystem extends MemoryFileSystem {
  readonly writes: HeldWrite[] = [];
  /** Writevs land at once (reopening after a failure). */
  autoRelease = false;
  /** Held directory fsyncs (a roll creating its segment waits in one while set). */
  heldDirSyncs: Deferred[] | undefined;
  private asked = new Deferred();

  override async fsyncDir(path: string): Promise<void> {
    if (this.heldDirSyncs !== undefined) {
      const held = new Deferred();
      this.heldDirSyncs.push(held);
      await held.promise;
    }
    await super.fsyncDir(path);
  }

  override async open(path: string, options?: { readonly create?: boolean }): Promise<StorageFile> {
    const file = await super.open(path, options);
    if (!path.endsWith('.log')) return file;
    const held = this;
    return {
      path: file.path,
      read: (buffer, offset, length, position) => file.read(buffer, offset, length, position),
      async writev(buffers, position) {
        if (held.autoRelease) return file.writev(buffers, position);
        const gate = new Deferred<Error | undefined>();
        held.writes.push({
          position,
          release: () => gate.resolve(undefined),
          fail: (error) => gate.resolve(error),
        });
        held.asked.resolve();
        const error = await gate.promise;
        if (error !== undefined) throw error;
        await file.writev(buffers, position);
      },
      sync: () => file.sync(),
      truncate: (length) => file.truncate(length),
      size: () => file.size(),
      close: () => file.close(),
    };
  }

  /** Resolves once at least `count` writevs were submitted. */
  async writesAsked(count: number): Promise<void> {
    while (this.writes.length < count) {
      this.asked = new Deferred();
      await this.asked.promise;
    }
  }
}

/**
 * Closes `log` (failed) and reopens its files as after a restart, from the same file system with
 * every write held before released: what recovery keeps.
 */
async function reopenAfterFailure(fs: HeldWriteFileSystem, log: PartitionLog): Promise<PartitionLog> {
  assert.rejects(log.read(0n, { maxBytes: 1024, minOneBatch: true }), /failed/);
  await log.close();
  fs.autoRelease = true;
  for (const write of fs.writes) write.release();
  return openTestLog({ fs, config: { flushPolicy: 'page-cache' }, isCleanShutdown: false });
}

/** The base offsets of every batch the log returns from its start to its end. */
async function readBaseOffsets(log: PartitionLog): Promise<bigint[]> {
  const offsets: bigint[] = [];
  let offset = log.logStartOffset;
  while (offset < log.logEndOffset) {
    const result = await log.read(offset, { maxBytes: 1 << 20, minOneBatch: true });
    if (result.kind !== 'records' || result.records.length === 0) break;
    for (let at = 0; at < result.records.length; ) {
      const view = RecordBatchView.at(result.records, at);
      view.validate();
      offsets.push(view.baseOffset);
      at += view.sizeInBytes;
      offset = view.nextOffset;
    }
  }
  return offsets;
}

describe('GroupCommit with writes in flight', () => {
  it('submits the next group while the previous write runs, and only one at a time with writesInFlight 1', async () => {
    for (const [writesInFlight, expected] of [
      [2, 2],
      [1, 1],
    ] as const) {
      const fs = new HeldWriteFileSystem();
      const log = await openTestLog({ fs, config: { flushPolicy: 'page-cache' }, writesInFlight });
      const first = log.appendAsLeader(testBatch(2));
      await fs.writesAsked(1);
      const second = log.appendAsLeader(testBatch(3));
      await isSettled(second.written);
      assert.equal(fs.writes.length, expected, `writevs in flight with writesInFlight ${writesInFlight}`);
      fs.writes[0]!.release();
      await first.written;
      await fs.writesAsked(2);
      fs.writes[1]!.release();
      await second.written;
      assert.deepEqual(await readBaseOffsets(log), [0n, 2n]);
      await log.close();
    }
  });

  it('a later write that lands first stays invisible and unacknowledged until the earlier one lands', async () => {
    const fs = new HeldWriteFileSystem();
    const log = await openTestLog({ fs, config: { flushPolicy: 'page-cache' } });
    const first = log.appendAsLeader(testBatch(2));
    await fs.writesAsked(1);
    const second = log.appendAsLeader(testBatch(3));
    await fs.writesAsked(2);
    assert.equal(fs.writes[1]!.position > fs.writes[0]!.position, true, 'each write has its own range');
    fs.writes[1]!.release();
    assert.equal(await isSettled(second.written), false, 'acknowledged before the write before it landed');
    assert.equal(log.logEndOffset, 0n);
    assert.deepEqual(await readBaseOffsets(log), []);
    fs.writes[0]!.release();
    await first.written;
    await second.written;
    assert.equal(log.logEndOffset, 5n);
    assert.deepEqual(await readBaseOffsets(log), [0n, 2n]);
    await log.close();
  });

  it('a failed write in the middle of the pipeline fails the log: the group after it is never acknowledged or readable', async () => {
    const fs = new HeldWriteFileSystem();
    const log = await openTestLog({ fs, config: { flushPolicy: 'page-cache' } });
    const first = log.appendAsLeader(testBatch(1));
    await fs.writesAsked(1);
    fs.writes[0]!.release();
    await first.written;
    const second = log.appendAsLeader(testBatch(2));
    await fs.writesAsked(2);
    const third = log.appendAsLeader(testBatch(3));
    await fs.writesAsked(3);
    const fourth = log.appendAsLeader(testBatch(1)); // queued: both slots are taken
    // The later write lands before the earlier one fails.
    fs.writes[2]!.release();
    assert.equal(await isSettled(third.written), false);
    fs.writes[1]!.fail(new Error('EIO: injected'));
    await assert.rejects(second.written, /injected/);
    await assert.rejects(third.written, /injected/);
    await assert.rejects(fourth.written, /injected/);
    await assert.rejects(third.durable, /injected/);
    assert.equal(fs.writes.length, 3, 'nothing written after the failure');
    assert.equal(log.logEndOffset, 1n, 'the log end stays before the failed group');
    assert.throws(() => log.appendAsLeader(testBatch(1)), /failed/);
    // The third group's bytes landed past the failed group's missing ones: recovery cuts them.
    const reopened = await reopenAfterFailure(fs, log);
    assert.deepEqual(await readBaseOffsets(reopened), [0n]);
    await reopened.close();
  });

  it('a failed later write still lets the group before it complete, and nothing after it', async () => {
    const fs = new HeldWriteFileSystem();
    const log = await openTestLog({ fs, config: { flushPolicy: 'page-cache' } });
    const first = log.appendAsLeader(testBatch(2));
    await fs.writesAsked(1);
    const second = log.appendAsLeader(testBatch(3));
    await fs.writesAsked(2);
    fs.writes[1]!.fail(new Error('ENOSPC: injected'));
    assert.equal(await isSettled(first.written), false);
    fs.writes[0]!.release();
    await first.written;
    await assert.rejects(second.written, /injected/);
    assert.equal(log.logEndOffset, 2n);
    const reopened = await reopenAfterFailure(fs, log);
    assert.deepEqual(await readBaseOffsets(reopened), [0n]);
    await reopened.close();
  });

  it('a group that needs a roll waits for the writes in flight, then rolls', async () => {
    const fs = new HeldWriteFileSystem();
    const batch = testBatch(2, { valueBytes: 100 });
    // Room for two batches per segment: the third append must roll.
    const log = await openTestLog({
      fs,
      config: { flushPolicy: 'page-cache', segmentBytes: batch.length * 2 + 10 },
      writesInFlight: 3,
    });
    const first = log.appendAsLeader(testBatch(2, { valueBytes: 100 }));
    await fs.writesAsked(1);
    const second = log.appendAsLeader(testBatch(2, { valueBytes: 100 }));
    await fs.writesAsked(2);
    fs.writes[1]!.release();
    const third = log.appendAsLeader(testBatch(2, { valueBytes: 100 }));
    assert.equal(await isSettled(third.written), false);
    assert.equal(fs.writes.length, 2, 'the rolling group was submitted while writes were in flight');
    fs.writes[0]!.release();
    await first.written;
    await second.written;
    await fs.writesAsked(3);
    assert.equal(fs.writes[2]!.position, 0, 'written at the start of a new segment');
    fs.writes[2]!.release();
    await third.written;
    assert.deepEqual(await readBaseOffsets(log), [0n, 2n, 4n]);
    await log.close();
  });

  it('a group queued while another rolls is not written to the segment being left', async () => {
    const fs = new HeldWriteFileSystem();
    const small = testBatch(1);
    const big = testBatch(2, { valueBytes: 300 });
    // The old segment has room for a second small batch but not for the big one.
    const log = await openTestLog({
      fs,
      config: { flushPolicy: 'page-cache', segmentBytes: small.length * 2 + 10 },
    });
    const first = log.appendAsLeader(testBatch(1));
    await fs.writesAsked(1);
    fs.writes[0]!.release();
    await first.written;
    fs.heldDirSyncs = [];
    const rolling = log.appendAsLeader(big);
    assert.equal(await isSettled(rolling.written), false);
    const after = log.appendAsLeader(testBatch(1)); // a group of its own: the rolling one was taken
    await isSettled(after.written);
    assert.equal(fs.heldDirSyncs.length > 0, true, 'the roll is creating its segment');
    assert.equal(fs.writes.length, 1, 'a group was written while the segment rolled');
    fs.autoRelease = true;
    for (const held of fs.heldDirSyncs) held.resolve();
    fs.heldDirSyncs = undefined;
    await rolling.written;
    await after.written;
    assert.deepEqual(await readBaseOffsets(log), [0n, 1n, 3n]);
    await log.close();
    const reopened = await openTestLog({ fs, config: { flushPolicy: 'page-cache' }, isCleanShutdown: false });
    assert.deepEqual(await readBaseOffsets(reopened), [0n, 1n, 3n]);
    await reopened.close();
  });

  it('appends in bursts whose writes land in random order (one failing) are acknowledged as a readable prefix', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 6 }), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 40 }),
        fc.option(fc.integer({ min: 0, max: 12 }), { nil: undefined }),
        fc.integer({ min: 1, max: 3 }),
        async (bursts, delays, failAt, writesInFlight) => {
          const fs = new HeldWriteFileSystem();
          const log = await openTestLog({
            fs,
            // Small segments and indexes: groups roll on size and on a full index with writes in flight.
            config: {
              flushPolicy: 'page-cache',
              segmentBytes: 900,
              indexIntervalBytes: 1,
              segmentIndexBytes: 48,
            },
            writesInFlight,
          });
          // Settles writevs in a random order: each waits its drawn number of event-loop turns.
          let settledWrites = 0;
          let stop = false;
          const driver = (async () => {
            while (!stop) {
              await new Promise((resolve) => setImmediate(resolve));
              const open = fs.writes.slice(settledWrites);
              const pick = open.length === 0 ? -1 : delays[settledWrites % delays.length]! % open.length;
              if (pick < 0) continue;
              // Move the picked write first, so writes settle out of submission order.
              const [write] = fs.writes.splice(settledWrites + pick, 1);
              fs.writes.splice(settledWrites, 0, write!);
              if (settledWrites === failAt) write!.fail(new Error('EIO: injected'));
              else write!.release();
              settledWrites += 1;
            }
          })();
          const acknowledged: { lastOffset: bigint; order: number }[] = [];
          const rejected: bigint[] = [];
          const appended: bigint[] = [];
          let order = 0;
          const all: Promise<void>[] = [];
          for (const burst of bursts) {
            for (const count of burst) {
              let result: ReturnType<PartitionLog['appendAsLeader']>;
              try {
                result = log.appendAsLeader(testBatch(count, { valueBytes: 60 }));
              } catch {
                continue; // the log failed already
              }
              appended.push(result.firstOffset);
              all.push(
                result.written.then(
                  () => {
                    acknowledged.push({ lastOffset: result.lastOffset, order: order++ });
                    assert.equal(log.logEndOffset > result.lastOffset, true, 'acknowledged before readable');
                  },
                  () => {
                    rejected.push(result.firstOffset);
                  },
                ),
              );
            }
            await new Promise((resolve) => setImmediate(resolve));
          }
          await Promise.all(all);
          stop = true;
          await driver;
          const sorted = [...acknowledged].sort((a, b) => (a.lastOffset < b.lastOffset ? -1 : 1));
          assert.deepEqual(
            sorted.map((entry) => entry.order),
            acknowledged.map((entry) => entry.order),
            'acknowledged out of offset order',
          );
          const lastAcknowledged = acknowledged.at(-1)?.lastOffset ?? -1n;
          for (const firstOffset of rejected) {
            assert.equal(
              firstOffset > lastAcknowledged,
              true,
              'a rejected append before an acknowledged one',
            );
          }
          if (failAt === undefined) assert.equal(rejected.length, 0);
          // A group that rolled may have made its runs before the failed one readable: the log end
          // covers every acknowledged batch and perhaps such runs, never a batch after the failure.
          const logEndOffset = log.logEndOffset;
          assert.equal(logEndOffset > lastAcknowledged, true);
          if (rejected.length === 0) assert.equal(logEndOffset, lastAcknowledged + 1n);
          const readable = rejected.length === 0 ? log : await reopenAfterFailure(fs, log);
          const offsets = await readBaseOffsets(readable);
          assert.deepEqual(offsets, appended.slice(0, offsets.length), 'readable batches are a prefix');
          assert.equal(
            readable.logEndOffset,
            logEndOffset,
            'recovery resurrected writes after the failed one',
          );
          await readable.close();
        },
      ),
      { numRuns: 60 },
    );
  });
});
