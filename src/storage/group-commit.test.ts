// The group commit keeps the disk busy: the next group is written while the previous group's fsync
// is still running, and a batch is acknowledged as durable only by an fsync that started after it
// was written. Close and truncation wait for that fsync. The `.log` fsyncs are held by a gate.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StorageFile } from './file-system.js';
import { MemoryFileSystem } from './memory-file-system.js';
import { Deferred } from './serial-queue.js';
import { isSettled, openTestLog, testBatch } from './test-support.js';

/** A MemoryFileSystem whose `.log` fsyncs wait until the test releases them, one by one. */
class GatedSyncFileSystem extends MemoryFileSystem {
  readonly heldSyncs: Deferred[] = [];
  /** `sync N` as each fsync is asked for (tests add their own events). */
  readonly events: string[] = [];
  /** While true, fsyncs pass at once (and every held one was released). */
  isOpen = false;
  private syncCalled = new Deferred();

  override async open(path: string, options?: { readonly create?: boolean }): Promise<StorageFile> {
    const file = await super.open(path, options);
    if (!path.endsWith('.log')) return file;
    const gate = this;
    return {
      path: file.path,
      read: (buffer, offset, length, position) => file.read(buffer, offset, length, position),
      writev: (buffers, position) => file.writev(buffers, position),
      async sync() {
        const held = new Deferred();
        if (gate.isOpen) held.resolve();
        gate.heldSyncs.push(held);
        gate.events.push(`sync ${gate.heldSyncs.length}`);
        gate.syncCalled.resolve();
        await held.promise;
        await file.sync();
      },
      truncate: (length) => file.truncate(length),
      size: () => file.size(),
      close: () => file.close(),
    };
  }

  /** Releases every held fsync and lets later ones pass until `isOpen` is set false again. */
  releaseAll(): void {
    this.isOpen = true;
    for (const held of this.heldSyncs) held.resolve();
  }

  /** Resolves once at least `count` fsyncs were asked for. */
  async syncsAsked(count: number): Promise<void> {
    while (this.heldSyncs.length < count) {
      this.syncCalled = new Deferred();
      await this.syncCalled.promise;
    }
  }
}

/** A MemoryFileSystem whose `.log` writevs wait until the test releases them, noting each in `events`. */
class GatedWriteFileSystem extends MemoryFileSystem {
  readonly heldWrites: Deferred[] = [];
  readonly events: string[] = [];
  private writeCalled = new Deferred();

  override async open(path: string, options?: { readonly create?: boolean }): Promise<StorageFile> {
    const file = await super.open(path, options);
    if (!path.endsWith('.log')) return file;
    const gate = this;
    return {
      path: file.path,
      read: (buffer, offset, length, position) => file.read(buffer, offset, length, position),
      async writev(buffers, position) {
        const held = new Deferred();
        gate.heldWrites.push(held);
        gate.events.push(`writev ${gate.heldWrites.length}`);
        gate.writeCalled.resolve();
        await held.promise;
        await file.writev(buffers, position);
      },
      sync: () => file.sync(),
      truncate: (length) => file.truncate(length),
      size: () => file.size(),
      close: () => file.close(),
    };
  }

  async writesAsked(count: number): Promise<void> {
    while (this.heldWrites.length < count) {
      this.writeCalled = new Deferred();
      await this.writeCalled.promise;
    }
  }
}

describe('GroupCommit', () => {
  it("submits the next group's writev before resuming the waiters of the group just written", async () => {
    const fs = new GatedWriteFileSystem();
    const log = await openTestLog({ fs, config: { flushPolicy: 'page-cache' } });
    const first = log.appendAsLeader(testBatch(2));
    void first.written.then(() => fs.events.push('first written'));
    await fs.writesAsked(1);
    const second = log.appendAsLeader(testBatch(3));
    void second.written.then(() => fs.events.push('second written'));
    fs.heldWrites[0]!.resolve();
    await fs.writesAsked(2);
    assert.equal(await isSettled(first.written), true);
    assert.deepEqual(fs.events, ['writev 1', 'writev 2', 'first written']);
    assert.equal(await isSettled(second.written), false, 'not written before its writev returned');
    assert.equal(log.logEndOffset, 2n);
    fs.heldWrites[1]!.resolve();
    await second.written;
    assert.equal(log.logEndOffset, 5n);
    await log.close();
  });

  it('does not chain a group queued after another task: that task runs between the two writes', async () => {
    const fs = new GatedWriteFileSystem();
    const log = await openTestLog({ fs, config: { flushPolicy: 'page-cache' } });
    const first = log.appendAsLeader(testBatch(2));
    void first.written.then(() => fs.events.push('first written'));
    await fs.writesAsked(1);
    const flushed = log.flush().then(() => fs.events.push('flushed'));
    const second = log.appendAsLeader(testBatch(1));
    fs.heldWrites[0]!.resolve();
    await flushed;
    await fs.writesAsked(2);
    assert.deepEqual(fs.events, ['writev 1', 'first written', 'flushed', 'writev 2']);
    fs.heldWrites[1]!.resolve();
    await second.written;
    await log.close();
  });

  it('writes the next group while the previous fsync runs; one later fsync makes it durable', async () => {
    const fs = new GatedSyncFileSystem();
    const log = await openTestLog({ fs, dsyncSegments: false });
    const first = log.appendAsLeader(testBatch(2));
    await first.written;
    await fs.syncsAsked(1);
    const second = log.appendAsLeader(testBatch(3));
    const third = log.appendAsLeader(testBatch(1));
    await second.written; // not held behind the first group's fsync
    await third.written;
    assert.equal(log.logEndOffset, 6n);
    assert.equal(await isSettled(first.durable), false);
    fs.heldSyncs[0]!.resolve();
    await first.durable;
    assert.equal(log.recoveryPoint, 2n);
    // The first fsync started before the second group was written: it proves nothing about it.
    assert.equal(await isSettled(second.durable), false);
    await fs.syncsAsked(2);
    assert.equal(fs.heldSyncs.length, 2, 'the groups written meanwhile share one fsync');
    fs.heldSyncs[1]!.resolve();
    await Promise.all([second.durable, third.durable]);
    assert.equal(log.recoveryPoint, 6n);
    fs.releaseAll();
    await log.close();
  });

  it('submits the next fsync before resuming the durable waiters of the one that returned', async () => {
    const fs = new GatedSyncFileSystem();
    const log = await openTestLog({ fs, dsyncSegments: false });
    const first = log.appendAsLeader(testBatch(2));
    void first.durable.then(() => fs.events.push('first durable'));
    await fs.syncsAsked(1);
    const second = log.appendAsLeader(testBatch(3));
    await second.written;
    fs.heldSyncs[0]!.resolve();
    await first.durable;
    // The disk gets the second group's fsync before the first group's acknowledgements run.
    assert.deepEqual(fs.events, ['sync 1', 'sync 2', 'first durable']);
    fs.releaseAll();
    await second.durable;
    assert.equal(log.recoveryPoint, 5n);
    await log.close();
  });

  it('gives a group written while an fsync runs its own fsync at once, counted only after the earlier one returned', async () => {
    const fs = new GatedSyncFileSystem();
    const log = await openTestLog({ fs, dsyncSegments: false });
    const first = log.appendAsLeader(testBatch(2));
    await fs.syncsAsked(1);
    const second = log.appendAsLeader(testBatch(3));
    await second.written;
    assert.deepEqual(fs.events, ['sync 1', 'sync 2'], 'the second fsync does not wait for the first');
    fs.heldSyncs[1]!.resolve();
    assert.equal(await isSettled(second.durable), false, 'not before the earlier fsync returned');
    assert.equal(await isSettled(first.durable), false);
    assert.equal(log.recoveryPoint, 0n);
    fs.heldSyncs[0]!.resolve();
    await Promise.all([first.durable, second.durable]);
    assert.equal(log.recoveryPoint, 5n);
    fs.releaseAll();
    await log.close();
  });

  it('keeps one fsync in flight with syncsInFlight 1: the next starts once it returned', async () => {
    const fs = new GatedSyncFileSystem();
    const log = await openTestLog({ fs, syncsInFlight: 1, dsyncSegments: false });
    const first = log.appendAsLeader(testBatch(2));
    await fs.syncsAsked(1);
    const second = log.appendAsLeader(testBatch(3));
    await second.written;
    assert.equal(await isSettled(second.durable), false);
    assert.deepEqual(fs.events, ['sync 1']);
    fs.heldSyncs[0]!.resolve();
    await first.durable;
    await fs.syncsAsked(2);
    fs.releaseAll();
    await second.durable;
    await log.close();
  });

  it('an earlier fsync that fails fails the log: a later one that succeeded acknowledges nothing', async () => {
    const fs = new GatedSyncFileSystem();
    const log = await openTestLog({ fs, dsyncSegments: false });
    const first = log.appendAsLeader(testBatch(2));
    await fs.syncsAsked(1);
    const second = log.appendAsLeader(testBatch(3));
    await second.written;
    await fs.syncsAsked(2);
    fs.heldSyncs[1]!.resolve();
    fs.heldSyncs[0]!.reject(new Error('EIO: fsync failed'));
    await assert.rejects(first.durable, /EIO/);
    await assert.rejects(second.durable, /EIO/);
    assert.equal(log.recoveryPoint, 0n);
    fs.releaseAll();
    await log.close().catch(() => {});
  });

  it('the appends of one group share one durable promise, resolved by the fsync covering the group', async () => {
    const fs = new GatedSyncFileSystem();
    const log = await openTestLog({ fs, dsyncSegments: false });
    const first = log.appendAsLeader(testBatch(2));
    const second = log.appendAsLeader(testBatch(3));
    assert.equal(first.durable, second.durable, 'one promise for the group');
    await fs.syncsAsked(1);
    const third = log.appendAsLeader(testBatch(1));
    assert.notEqual(third.durable, first.durable, 'a later group waits for its own fsync');
    await third.written;
    fs.heldSyncs[0]!.resolve();
    await first.durable;
    assert.equal(log.recoveryPoint, 5n);
    assert.equal(await isSettled(third.durable), false);
    fs.releaseAll();
    await third.durable;
    await log.close();
  });

  it('close waits for a running fsync before closing the files', async () => {
    const fs = new GatedSyncFileSystem();
    const log = await openTestLog({ fs, dsyncSegments: false });
    const append = log.appendAsLeader(testBatch(1));
    await fs.syncsAsked(1);
    const closing = log.close();
    assert.equal(await isSettled(closing), false);
    fs.heldSyncs[0]!.resolve();
    await append.durable;
    fs.releaseAll();
    await closing;
  });

  it('truncation waits for a running fsync, which then marks nothing past the new end durable', async () => {
    const fs = new GatedSyncFileSystem();
    const log = await openTestLog({ fs, dsyncSegments: false });
    await log.appendAsLeader(testBatch(4)).written;
    await fs.syncsAsked(1);
    const truncating = log.truncateTo(1n);
    assert.equal(await isSettled(truncating), false);
    fs.releaseAll();
    await truncating;
    assert.equal(log.logEndOffset, 1n);
    assert.equal(log.recoveryPoint, 1n);
    fs.isOpen = false;
    const asked = fs.heldSyncs.length;
    const after = log.appendAsLeader(testBatch(2));
    assert.equal(after.firstOffset, 1n);
    await after.written;
    await fs.syncsAsked(asked + 1);
    assert.equal(await isSettled(after.durable), false, 'not durable before its own fsync');
    fs.releaseAll();
    await after.durable;
    assert.equal(log.recoveryPoint, 3n);
    await log.close();
  });
});
