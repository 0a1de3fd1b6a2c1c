// Proves the LogManager's dir handling: Kafka's layout (`<topic>-<partition>` dirs, 20-digit segment
// names, text checkpoints), the lock against a second manager, the clean-shutdown marker that skips
// recovery, recovery from the checkpointed recovery point after a crash, and the background duties
// (flush.ms, retention, delayed deletion of `.deleted` files, producer expiry) driven by an injected clock.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { createRecordBatch, encodeRecordBatchSync } from '../protocol/index.js';
import { LogManager } from './log-manager.js';
import { MemoryFileSystem } from './memory-file-system.js';
import { NodeFileSystem } from './node-file-system.js';
import { LogDirLockedError } from './storage-errors.js';
import { ManualClock, testBatch } from './test-support.js';

describe('LogManager', () => {
  it('lays out dirs and checkpoints as Kafka does, on a real disk', async () => {
    const root = await mkdtemp(join(tmpdir(), 'pyralog-storage-'));
    try {
      const fs = new NodeFileSystem();
      const dirs = [join(root, 'a'), join(root, 'b')];
      const manager = await LogManager.open({ fs, logDirs: dirs, schedule: false });
      const first = await manager.getOrCreateLog('orders', 0, { 'segment.bytes': '400' });
      const second = await manager.getOrCreateLog('orders', 1);
      for (let index = 0; index < 5; index += 1) first.appendAsLeader(testBatch(2), { leaderEpoch: 3 });
      await second.appendAsLeader(testBatch(1)).durable;
      await first.flush();
      await assert.rejects(LogManager.open({ fs, logDirs: [dirs[0]!], schedule: false }), LogDirLockedError);
      await manager.close();
      const aFiles = await readdir(join(root, 'a'));
      assert.ok(aFiles.includes('orders-0') && aFiles.includes('.kafka_cleanshutdown'), aFiles.join());
      assert.ok((await readdir(join(root, 'b'))).includes('orders-1'));
      const segmentFiles = await readdir(join(root, 'a', 'orders-0'));
      assert.ok(segmentFiles.includes('00000000000000000000.log'), segmentFiles.join());
      assert.ok(segmentFiles.includes('00000000000000000000.timeindex'));
      assert.ok(segmentFiles.includes('00000000000000000000.txnindex'));
      assert.ok(
        segmentFiles.some(
          (name) => /^0{17}\d{3}\.index$/.test(name) && name !== '00000000000000000000.index',
        ),
      );
      assert.equal(
        await readFile(join(root, 'a', 'orders-0', 'leader-epoch-checkpoint'), 'utf8'),
        '0\n1\n3 0\n',
      );
      assert.equal(
        await readFile(join(root, 'a', 'recovery-point-offset-checkpoint'), 'utf8'),
        '0\n1\norders 0 10\n',
      );
      assert.equal(
        await readFile(join(root, 'b', 'log-start-offset-checkpoint'), 'utf8'),
        '0\n1\norders 1 0\n',
      );
      assert.equal(
        await readFile(join(root, 'a', 'cleaner-offset-checkpoint'), 'utf8'),
        '0\n1\norders 0 0\n',
      );
      const reopened = await LogManager.open({ fs, logDirs: dirs, schedule: false });
      assert.equal(reopened.getLog('orders', 0)?.logEndOffset, 10n);
      assert.equal(reopened.getLog('orders', 1)?.logEndOffset, 1n);
      assert.ok(!(await readdir(join(root, 'a'))).includes('.kafka_cleanshutdown'));
      await reopened.close();
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });

  it('opens durable active segments O_DSYNC unless the broker config turns it off', async () => {
    for (const dsyncSegments of [true, false]) {
      const opened: string[] = [];
      const fs = new MemoryFileSystem();
      const open = fs.open.bind(fs);
      fs.open = (path, options) => {
        if (options?.dsync === true) opened.push(path);
        return open(path, options);
      };
      const manager = await LogManager.open({
        fs,
        logDirs: ['/d'],
        schedule: false,
        brokerConfig: { dsyncSegments },
      });
      const log = await manager.getOrCreateLog('orders', 0);
      await log.appendAsLeader(testBatch(1)).durable;
      await manager.close();
      assert.deepEqual(opened, dsyncSegments ? ['/d/orders-0/00000000000000000000.log'] : []);
    }
  });

  it('skips the scan after a clean shutdown and recovers a torn tail after a crash', async () => {
    const fs = new MemoryFileSystem();
    const manager = await LogManager.open({ fs, logDirs: ['/d'], schedule: false });
    const log = await manager.getOrCreateLog('t', 0);
    await log.appendAsLeader(testBatch(3)).durable;
    await manager.close();
    const path = '/d/t-0/00000000000000000000.log';
    const bytes = fs.readRaw(path)!;
    const flipped = Buffer.from(bytes);
    flipped[bytes.length - 1]! ^= 0xff;
    fs.writeRaw(path, flipped);
    const trusted = await LogManager.open({ fs, logDirs: ['/d'], schedule: false });
    assert.equal(trusted.getLog('t', 0)!.logEndOffset, 3n, 'a clean shutdown skips the CRC scan');
    await trusted.close();
    fs.writeRaw(path, bytes);
    const again = await LogManager.open({ fs, logDirs: ['/d'], schedule: false });
    await again.getLog('t', 0)!.appendAsLeader(testBatch(1)).durable;
    const restarted = fs.simulateProcessCrash();
    const torn = fs.readRaw(path)!;
    fs.writeRaw(path, torn.subarray(0, torn.length - 2));
    const recovered = await LogManager.open({ fs: restarted, logDirs: ['/d'], schedule: false });
    const recoveredLog = recovered.getLog('t', 0)!;
    await recovered.deleteLog('t', 1);
    assert.equal(recoveredLog.logEndOffset, 3n, 'the torn last batch is cut off');
    assert.equal(fs.readRaw(path)!.length, bytes.length);
    await recovered.getOrCreateLog('u', 0);
    await recovered.deleteLog('u', 0);
    assert.deepEqual(
      (await restarted.readdir('/d')).filter(
        (name) => !name.startsWith('.') && !name.includes('checkpoint') && !name.endsWith('-delete'),
      ),
      ['t-0'],
    );
    assert.equal(recovered.pendingDeletedDirs().length, 1, 'u-0 waits for log.segment.delete.delay.ms');
    await recovered.close();
  });

  it("fsyncs rolled segments when it checkpoints recovery points, which then pass them (Kafka's flush on roll)", async () => {
    const clock = new ManualClock(0);
    const fs = new MemoryFileSystem({ trackDurability: true });
    const manager = await LogManager.open({
      fs,
      logDirs: ['/d'],
      clock,
      schedule: false,
      brokerConfig: { flushOffsetCheckpointIntervalMs: 1000 },
    });
    const log = await manager.getOrCreateLog('t', 0, {
      'pyralog.flush.policy': 'page-cache',
      'segment.bytes': '300',
    });
    for (let index = 0; index < 12; index += 1) await log.appendAsLeader(testBatch(2)).written;
    const [first, ...rest] = log.segmentBaseOffsets();
    assert.ok(rest.length >= 2, 'the appends rolled');
    const firstLog = `/d/t-0/${first!.toString().padStart(20, '0')}.log`;
    // The roll left the fsync for later: nothing of the first segment's data is durable yet.
    assert.equal(fs.fsyncJournal().get(firstLog) ?? 0, 0);
    assert.equal(log.recoveryPoint, 0n);
    clock.advance(1000);
    await manager.tick();
    const active = rest.at(-1)!;
    assert.equal(log.recoveryPoint, active, 'everything below the active segment is fsynced');
    assert.equal(fs.fsyncJournal().get(firstLog), fs.readRaw(firstLog)!.length);
    assert.equal(
      fs.readRaw('/d/recovery-point-offset-checkpoint')!.toString('utf8'),
      `0\n1\nt 0 ${active}\n`,
    );
    // After a power loss (the manager never closed), every rolled batch is there.
    const restarted = fs.simulatePowerLoss();
    const recovered = await LogManager.open({ fs: restarted, logDirs: ['/d'], schedule: false });
    assert.ok(recovered.getLog('t', 0)!.logEndOffset >= active);
    await recovered.close();
  });

  it('runs flush.ms, retention and delayed deletion from tick', async () => {
    const clock = new ManualClock(0);
    const fs = new MemoryFileSystem();
    const manager = await LogManager.open({
      fs,
      logDirs: ['/d'],
      clock,
      schedule: false,
      brokerConfig: { flushSchedulerIntervalMs: 100, retentionCheckIntervalMs: 1000 },
    });
    const log = await manager.getOrCreateLog('t', 0, {
      'pyralog.flush.policy': 'page-cache',
      'flush.ms': '500',
      'retention.ms': '10000',
      'segment.bytes': '300',
      'file.delete.delay.ms': '2000',
    });
    for (let index = 0; index < 6; index += 1) {
      await log.appendAsLeader(testBatch(2, { timestamp: BigInt(clock.nowMs()) })).written;
    }
    assert.equal(log.recoveryPoint, 0n);
    clock.advance(600);
    await manager.tick();
    assert.equal(log.recoveryPoint, 12n, 'flush.ms flushed');
    const segments = log.segmentCount;
    assert.ok(segments >= 2);
    clock.advance(20_000);
    await manager.tick();
    assert.equal(log.segmentCount, 1, 'every expired segment went, a fresh active one stays');
    assert.equal(log.logStartOffset, 12n);
    assert.ok((await fs.readdir('/d/t-0')).some((name) => name.endsWith('.log.deleted')));
    clock.advance(2001);
    await manager.tick();
    assert.ok(!(await fs.readdir('/d/t-0')).some((name) => name.endsWith('.deleted')));
    await manager.close();
  });

  it('forgets producers idle for producer.id.expiration.ms on tick', async () => {
    const fs = new MemoryFileSystem();
    const clock = new ManualClock(10_000);
    const manager = await LogManager.open({
      fs,
      logDirs: ['/d'],
      clock,
      schedule: false,
      brokerConfig: { producerIdExpirationMs: 5_000, producerIdExpirationCheckIntervalMs: 1_000 },
    });
    const log = await manager.getOrCreateLog('t', 0);
    const batch = encodeRecordBatchSync(
      createRecordBatch({
        producerId: 4n,
        producerEpoch: 0,
        baseSequence: 0,
        records: [{ value: null, timestamp: 9_000n }],
      }),
    );
    await log.appendAsLeader(batch).written;
    clock.advance(1_000);
    await manager.tick();
    assert.deepEqual(
      log.producerStates().map((entry) => entry.producerId),
      [4n],
    );
    clock.advance(3_000);
    await manager.tick();
    assert.deepEqual(log.producerStates(), []);
    await manager.close();
  });

  it('deletes a log by renaming its dir to -delete, then removes it after log.segment.delete.delay.ms', async () => {
    const fs = new MemoryFileSystem();
    const clock = new ManualClock(0);
    const manager = await LogManager.open({
      fs,
      logDirs: ['/d'],
      clock,
      schedule: false,
      brokerProperties: { 'log.segment.delete.delay.ms': '1000' },
    });
    const log = await manager.getOrCreateLog('gone', 0);
    await log.appendAsLeader(testBatch(2)).durable;
    await manager.deleteLog('gone', 0);
    assert.equal(manager.getLog('gone', 0), undefined);
    const renamed = (await fs.readdir('/d')).filter((name) => name.endsWith('-delete'));
    assert.equal(renamed.length, 1);
    assert.match(renamed[0]!, /^gone-0\.[0-9a-f]+-delete$/);
    assert.ok(!(await fs.readdir('/d')).includes('gone-0'));
    const fresh = await manager.getOrCreateLog('gone', 0);
    assert.equal(fresh.logEndOffset, 0n);
    clock.advance(999);
    await manager.tick();
    assert.equal((await fs.readdir('/d')).filter((name) => name.endsWith('-delete')).length, 1);
    clock.advance(1);
    await manager.tick();
    assert.equal((await fs.readdir('/d')).filter((name) => name.endsWith('-delete')).length, 0);
    assert.deepEqual(manager.pendingDeletedDirs(), []);
    await manager.close();
  });

  it('removes -delete dirs left by the previous process at its first tick and never opens them', async () => {
    const fs = new MemoryFileSystem();
    const clock = new ManualClock(0);
    const first = await LogManager.open({ fs, logDirs: ['/d'], clock, schedule: false });
    await (await first.getOrCreateLog('old', 0)).appendAsLeader(testBatch(1)).durable;
    await first.deleteLog('old', 0);
    await first.close();
    const second = await LogManager.open({ fs, logDirs: ['/d'], clock, schedule: false });
    assert.equal(second.getLog('old', 0), undefined);
    assert.equal(second.allLogs().length, 0);
    await second.tick();
    assert.equal((await fs.readdir('/d')).filter((name) => name.endsWith('-delete')).length, 0);
    await second.close();
  });

  it('describes each dir with its logs and its volume space', async () => {
    const root = await mkdtemp(join(tmpdir(), 'pyralog-storage-'));
    try {
      const manager = await LogManager.open({ fs: new NodeFileSystem(), logDirs: [root], schedule: false });
      await (await manager.getOrCreateLog('t', 0)).appendAsLeader(testBatch(3)).durable;
      const [dir] = await manager.describeDirs();
      assert.equal(dir?.path, root);
      assert.deepEqual(
        dir?.logs.map((log) => `${log.topic}-${log.partition}`),
        ['t-0'],
      );
      assert.ok((dir?.logs[0]?.sizeInBytes ?? 0) > 0);
      assert.ok((dir?.space?.totalBytes ?? 0) > 0);
      assert.ok((dir?.space?.usableBytes ?? -1) >= 0);
      assert.ok((dir?.space?.usableBytes ?? 0) <= (dir?.space?.totalBytes ?? 0));
      await manager.close();
    } finally {
      await rm(root, { recursive: true, force: true });
    }
  });
});
