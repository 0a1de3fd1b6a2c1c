// With dsyncSegments (the broker's pyralog.log.dsync.segments.enable, off by default), a durable log
// opens its active segment's `.log` O_DSYNC: a group commit is one write, durable when
// it returns, so acks=all is answered without an fsync of the `.log` (one thread-pool round trip
// instead of two). Bytes before the group that are not durable yet (a rolled segment written in
// page-cache mode) still get their fsync before the group counts; a segment opened while the log
// was in page-cache mode keeps write + fsync. Power loss keeps every acknowledged append.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RecordBatchView } from '../protocol/index.js';
import type { OpenOptions, StorageFile } from './file-system.js';
import { MemoryFileSystem } from './memory-file-system.js';
import { Deferred } from './serial-queue.js';
import { isSettled, openTestLog, testBatch } from './test-support.js';
import { logConfigWith } from './topic-config.js';
import { passThroughFile, WrappedFileSystem } from './wrapped-file-system.test-support.js';

const FIRST_LOG = '/data/topic-0/00000000000000000000.log';

/** Counts `.log` fsyncs, notes the `.log` files opened O_DSYNC, and holds the fsyncs of one path when asked. */
class CountingFileSystem extends WrappedFileSystem<MemoryFileSystem> {
  logSyncs = 0;
  readonly dsyncLogs: string[] = [];
  /** fsyncs of this path wait for `releaseSyncs`. */
  holdSyncsOf: string | undefined;
  private readonly held = new Deferred();
  readonly syncHeld = new Deferred();

  override async open(path: string, options?: OpenOptions): Promise<StorageFile> {
    if (path.endsWith('.log') && options?.dsync === true) this.dsyncLogs.push(path);
    return super.open(path, options);
  }

  protected override wrapFile(path: string, file: StorageFile): StorageFile {
    if (!path.endsWith('.log')) return file;
    const fs = this;
    return {
      ...passThroughFile(file),
      async sync() {
        fs.logSyncs += 1;
        if (fs.holdSyncsOf === path) {
          fs.syncHeld.resolve();
          await fs.held.promise;
        }
        await file.sync();
      },
    };
  }

  releaseSyncs(): void {
    this.held.resolve();
  }
}

describe('durable group commit on an O_DSYNC segment', () => {
  it('answers acks=all when the write returns, with no fsync of the .log; power loss keeps it', async () => {
    const memory = new MemoryFileSystem({ trackDurability: true });
    const fs = new CountingFileSystem(memory);
    const log = await openTestLog({ fs, dsyncSegments: true });
    assert.deepEqual(fs.dsyncLogs, [FIRST_LOG]);
    const first = log.appendAsLeader(testBatch(2));
    const second = log.appendAsLeader(testBatch(3));
    await Promise.all([first.durable, second.durable]);
    assert.equal(fs.logSyncs, 0, 'no fsync of the .log');
    assert.equal(log.recoveryPoint, 5n);

    const reopened = await openTestLog({ fs: memory.simulatePowerLoss(), dsyncSegments: true });
    assert.equal(reopened.logEndOffset, 5n);
    await reopened.close();
  });

  it('keeps write + fsync by default (dsyncSegments unset), and for a segment opened in page-cache mode', async () => {
    const off = new CountingFileSystem(new MemoryFileSystem());
    const plain = await openTestLog({ fs: off });
    await plain.appendAsLeader(testBatch(1)).durable;
    assert.deepEqual(off.dsyncLogs, []);
    assert.equal(off.logSyncs, 1);
    await plain.close();

    const fs = new CountingFileSystem(new MemoryFileSystem());
    const log = await openTestLog({ fs, config: { flushPolicy: 'page-cache' }, dsyncSegments: true });
    assert.deepEqual(fs.dsyncLogs, []);
    await log.appendAsLeader(testBatch(1)).written;
    log.updateConfig(logConfigWith({ flushPolicy: 'durable' }));
    await log.appendAsLeader(testBatch(1)).durable;
    assert.equal(fs.logSyncs, 1, 'the segment without O_DSYNC is fsynced');
    assert.equal(log.recoveryPoint, 2n);
    await log.close();
  });

  it('a reopened durable log opens its last segment O_DSYNC', async () => {
    const fs = new CountingFileSystem(new MemoryFileSystem());
    const config = { segmentBytes: testBatch(2).length * 2 + 10 };
    const log = await openTestLog({ fs, config, dsyncSegments: true });
    for (let round = 0; round < 3; round += 1) await log.appendAsLeader(testBatch(2)).durable;
    await log.close();
    const reopened = await openTestLog({ fs, config, isCleanShutdown: true, dsyncSegments: true });
    assert.equal(fs.dsyncLogs.at(-1), '/data/topic-0/00000000000000000004.log');
    assert.equal(fs.dsyncLogs.filter((path) => path === FIRST_LOG).length, 1, 'the rolled one: no');
    const syncs = fs.logSyncs;
    await reopened.appendAsLeader(testBatch(1)).durable;
    assert.equal(fs.logSyncs, syncs);
    assert.equal(reopened.recoveryPoint, 7n);
    await reopened.close();
  });

  it('fsyncs a rolled page-cache segment before writing into the O_DSYNC segment after it', async () => {
    const memory = new MemoryFileSystem({ trackDurability: true });
    const fs = new CountingFileSystem(memory);
    const batch = testBatch(2);
    const config = { flushPolicy: 'page-cache' as const, segmentBytes: batch.length * 2 + 10 };
    const log = await openTestLog({ fs, config, dsyncSegments: true });
    await log.appendAsLeader(testBatch(2)).written;
    await log.appendAsLeader(testBatch(2)).written;
    assert.equal(fs.logSyncs, 0);
    fs.holdSyncsOf = FIRST_LOG;
    log.updateConfig(logConfigWith({ ...config, flushPolicy: 'durable' }));
    // Rolls: the new segment opens O_DSYNC; the old one's unsynced bytes are fsynced before the
    // first write into it (that write is durable when it returns), so nothing is written or
    // acknowledged until then.
    const rolling = log.appendAsLeader(testBatch(1));
    await fs.syncHeld.promise;
    assert.deepEqual(fs.dsyncLogs, ['/data/topic-0/00000000000000000004.log']);
    assert.equal(await isSettled(rolling.written), false, 'not written before the rolled segment is durable');
    assert.equal(await isSettled(rolling.durable), false);
    assert.equal(log.recoveryPoint, 0n);
    fs.releaseSyncs();
    await rolling.durable;
    assert.equal(log.recoveryPoint, 5n);
    await log.appendAsLeader(testBatch(1)).durable;
    assert.equal(log.recoveryPoint, 6n);
    await log.close();
  });

  it('fsyncs a rolled segment before the first O_DSYNC write of the next: power loss leaves no hole', async () => {
    const memory = new MemoryFileSystem({ trackDurability: true });
    const config = { flushPolicy: 'page-cache' as const, segmentBytes: testBatch(2).length * 2 + 10 };
    const log = await openTestLog({ fs: memory, config, dsyncSegments: true });
    await log.appendAsLeader(testBatch(2)).written;
    await log.appendAsLeader(testBatch(2)).written;
    log.updateConfig(logConfigWith({ ...config, flushPolicy: 'durable' }));
    // Rolls into an O_DSYNC segment; no fsync asked for, yet that write is durable when it returns.
    await log.appendAsLeader(testBatch(1), { sync: false }).written;
    assert.deepEqual(log.segmentBaseOffsets(), [0n, 4n]);

    const reopened = await openTestLog({ fs: memory.simulatePowerLoss(), config, dsyncSegments: true });
    const read = await reopened.read(0n, { maxBytes: 1 << 20, minOneBatch: true });
    assert.equal(read.kind, 'records');
    const first = read.kind === 'records' ? RecordBatchView.at(read.records) : undefined;
    assert.equal(first?.baseOffset, 0n, 'the rolled segment survived with the one after it');
    assert.equal(reopened.logEndOffset, 5n);
    await reopened.close();
  });
});
