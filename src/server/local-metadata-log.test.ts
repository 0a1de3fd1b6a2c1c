// Proves the local metadata log's snapshots over an in-memory disk: random valid record sequences,
// committed in random batches across random restarts (with and without the snapshot on close) and
// with snapshots every few hundred bytes, always reopen to the image the records built one by one;
// the log behind the older kept snapshot is deleted; a corrupt newest snapshot falls back to the
// older one (or to the whole log) with a warning, and a gap that no snapshot covers refuses to load.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { CLUSTER_METADATA_TOPIC } from '../controller/index.js';
import { type MetadataImage, MetadataLoader, type MetadataRecord } from '../metadata/index.js';
import { opsArbitrary, validRecords } from '../metadata/valid-records.test-support.js';
import { type FileSystem, LogManager, MemoryFileSystem } from '../storage/index.js';
import { LocalMetadataLog, MetadataLogGapError } from './local-metadata-log.js';
import { MetadataSnapshotStore, snapshotFileName } from './metadata-snapshot-store.js';

const DIR = '/meta';
const LOG_DIR = `${DIR}/${CLUSTER_METADATA_TOPIC}-0`;

interface Session {
  readonly logs: LogManager;
  readonly loader: MetadataLoader;
  readonly metadataLog: LocalMetadataLog;
}

async function openSession(fs: FileSystem, maxBytes: number, warnings: string[] = []): Promise<Session> {
  const logs = await LogManager.open({
    fs,
    logDirs: [DIR],
    schedule: false,
    // Small segments, so that moving the log start behind a snapshot deletes whole segments.
    topicOverrides: () => ({ 'segment.bytes': '1024' }),
  });
  const loader = new MetadataLoader({ clusterId: 'c' });
  const metadataLog = new LocalMetadataLog({
    log: await logs.getOrCreateLog(CLUSTER_METADATA_TOPIC, 0, { 'segment.bytes': '1024' }),
    loader,
    fs,
    nowMs: () => 1_700_000_000_000,
    maxBytesBetweenSnapshots: maxBytes,
    maxSnapshotIntervalMs: 0,
    warn: (message) => warnings.push(message),
  });
  try {
    await metadataLog.replay();
  } catch (error: unknown) {
    await logs.close();
    throw error;
  }
  return { logs, loader, metadataLog };
}

async function closeSession(session: Session, withSnapshot: boolean): Promise<void> {
  if (withSnapshot) await session.metadataLog.close();
  await session.logs.close();
}

/**
 * Commits `records` in batches of the given sizes (cycled), applying each batch to `reference` too
 * at the same offsets (a replay that never sees a snapshot); resolves with the image.
 */
async function commitAll(
  session: Session,
  records: readonly MetadataRecord[],
  sizes: readonly number[],
  reference?: MetadataLoader,
): Promise<MetadataImage> {
  for (let at = 0, i = 0; at < records.length; i += 1) {
    const batch = records.slice(at, at + 1 + (sizes[i % sizes.length] ?? 0));
    const image = await session.metadataLog.commit(batch);
    const baseOffset = image.provenance.lastAppliedOffset - BigInt(batch.length - 1);
    await reference?.applyBatch({ baseOffset, epoch: image.provenance.lastAppliedEpoch, records: batch });
    at += batch.length;
  }
  return session.loader.image;
}

async function flipByte(fs: FileSystem, path: string, at: number): Promise<void> {
  const file = await fs.open(path);
  const byte = Buffer.alloc(1);
  await file.read(byte, 0, 1, at);
  byte[0]! ^= 0xff;
  await file.writev([byte], at);
  await file.close();
}

describe('local metadata log snapshots', () => {
  it('reopens to the image of a full replay, whatever the batches, restarts and snapshots', async () => {
    await fc.assert(
      fc.asyncProperty(
        opsArbitrary,
        fc.array(fc.nat(6), { minLength: 1, maxLength: 8 }),
        fc.array(fc.tuple(fc.nat(100), fc.boolean()), { maxLength: 3 }),
        fc.integer({ min: 100, max: 3000 }),
        async (ops, sizes, restarts, maxBytes) => {
          const records = validRecords(ops);
          const fs = new MemoryFileSystem();
          const reference = new MetadataLoader({ clusterId: 'c' });
          let session = await openSession(fs, maxBytes);
          const cuts = [
            ...restarts.map(([at]) => Math.floor((at / 100) * records.length)),
            records.length,
          ].sort((a, b) => a - b);
          let done = 0;
          for (const [index, cut] of cuts.entries()) {
            await commitAll(session, records.slice(done, cut), sizes, reference);
            done = cut;
            const image = session.loader.image;
            assert.deepStrictEqual(image, reference.image);
            await closeSession(session, restarts[index]?.[1] ?? true);
            session = await openSession(fs, maxBytes);
            assert.deepStrictEqual(session.loader.image, image);
          }
          await closeSession(session, false);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('deletes the log behind the older of the two snapshots kept', async () => {
    const fs = new MemoryFileSystem();
    const session = await openSession(fs, 300);
    const records = validRecords(Array.from({ length: 200 }, (_, i) => [i % 10, i * 7, i * 3] as const));
    await commitAll(session, records, [2]);
    await session.metadataLog.close();
    const snapshots = await new MetadataSnapshotStore(fs, LOG_DIR).list();
    assert.equal(snapshots.length, 2);
    assert.equal(session.metadataLog.logStartOffset, snapshots[1]!.endOffset);
    assert.ok(snapshots[1]!.endOffset > 0n);
    const segments = (await fs.readdir(LOG_DIR)).filter((name) => /^\d{20}\.log$/.test(name));
    assert.ok(
      BigInt(segments[0]!.slice(0, 20)) <= snapshots[1]!.endOffset,
      'the segment holding the start stays',
    );
    await session.logs.close();
  });

  it('falls back to the older snapshot, then to the whole log, when the newest is corrupt', async () => {
    const fs = new MemoryFileSystem();
    const records = validRecords(Array.from({ length: 120 }, (_, i) => [i % 10, i * 5, i * 11] as const));
    // Two snapshots with the log kept from the older one's end.
    let session = await openSession(fs, 400);
    const image = await commitAll(session, records, [3]);
    await closeSession(session, true);
    const store = new MetadataSnapshotStore(fs, LOG_DIR);
    const [newest, older] = await store.list();
    assert.ok(newest !== undefined && older !== undefined);
    await flipByte(fs, `${LOG_DIR}/${snapshotFileName(newest)}`, 100);
    const warnings: string[] = [];
    session = await openSession(fs, 400, warnings);
    assert.deepStrictEqual(session.loader.image, image);
    assert.equal(warnings.length, 1);
    assert.match(
      warnings[0]!,
      new RegExp(`ignoring corrupt metadata snapshot: .*${snapshotFileName(newest)}`),
    );
    await closeSession(session, false);
    // Both corrupt, and the log starts after the records they covered: refuse rather than guess.
    await flipByte(fs, `${LOG_DIR}/${snapshotFileName(older)}`, 100);
    await assert.rejects(openSession(fs, 400), MetadataLogGapError);
  });

  it('replays the whole log when its only snapshot is corrupt', async () => {
    const fs = new MemoryFileSystem();
    const records = validRecords(Array.from({ length: 60 }, (_, i) => [i % 10, i * 3, i * 13] as const));
    let session = await openSession(fs, 1 << 30);
    const image = await commitAll(session, records, [4]);
    await closeSession(session, true);
    const [only, ...none] = await new MetadataSnapshotStore(fs, LOG_DIR).list();
    assert.ok(only !== undefined && none.length === 0);
    await flipByte(fs, `${LOG_DIR}/${snapshotFileName(only)}`, 30);
    const warnings: string[] = [];
    session = await openSession(fs, 1 << 30, warnings);
    assert.deepStrictEqual(session.loader.image, image);
    assert.equal(warnings.length, 1);
    await closeSession(session, false);
  });
});
