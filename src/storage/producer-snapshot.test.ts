// Proves that a partition's producer state survives restarts through Kafka-layout `.snapshot` files
// plus the log tail: written at segment roll and at close, read back after a clean reopen and after
// a process crash, a corrupt snapshot ignored with a warning and rebuilt from the log, and kept
// consistent by truncation, DeleteRecords and retention. Runs on the in-memory file system.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createRecordBatch, encodeRecordBatchSync, RecordBatchView } from '../protocol/index.js';
import { joinPath, readWholeFile } from './file-system.js';
import { MemoryFileSystem } from './memory-file-system.js';
import { PartitionLog } from './partition-log.js';
import { SNAPSHOT_FILE, snapshotFileName } from './producer-snapshot-file.js';
import type { StorageLogger } from './storage-logger.js';
import { ManualClock } from './test-support.js';
import { logConfigWith } from './topic-config.js';

const DIR = '/data/topic-0';

function idempotentBatch(
  producerId: bigint,
  producerEpoch: number,
  baseSequence: number,
  count = 2,
): RecordBatchView {
  const bytes = encodeRecordBatchSync(
    createRecordBatch({
      producerId,
      producerEpoch,
      baseSequence,
      records: Array.from({ length: count }, (_, index) => ({
        value: Buffer.from(`p${producerId}-s${baseSequence + index}`),
        timestamp: 1_000n,
      })),
    }),
  );
  return RecordBatchView.at(bytes);
}

function recordingLogger(): StorageLogger & { warnings: string[] } {
  const warnings: string[] = [];
  return {
    warnings,
    info() {},
    warn(_object: object, message: string) {
      warnings.push(message);
    },
  } as StorageLogger & { warnings: string[] };
}

function open(
  fs: MemoryFileSystem,
  options: { isCleanShutdown?: boolean; logger?: StorageLogger; segmentBytes?: number } = {},
): Promise<PartitionLog> {
  return PartitionLog.open({
    fs,
    dir: DIR,
    topic: 'topic',
    partition: 0,
    config: logConfigWith({ segmentBytes: options.segmentBytes ?? 1024 * 1024, retentionMs: -1 }),
    clock: new ManualClock(),
    isCleanShutdown: options.isCleanShutdown ?? false,
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  });
}

/** Appends producer `id`'s batches with sequences 0, 2, 4, … after the idempotence check. */
async function produce(
  log: PartitionLog,
  producerId: bigint,
  batches: number,
  firstSeq = 0,
): Promise<bigint[]> {
  const offsets: bigint[] = [];
  for (let index = 0; index < batches; index += 1) {
    const view = idempotentBatch(producerId, 0, firstSeq + 2 * index);
    assert.equal(log.checkProducerBatch(view).kind, 'append');
    offsets.push(log.appendAsLeader([view]).firstOffset);
  }
  await log.flush();
  return offsets;
}

/** The verdict on a retry of the batch with `baseSequence`, and the offset it maps to. */
function retry(log: PartitionLog, producerId: bigint, baseSequence: number): bigint | string {
  const verdict = log.checkProducerBatch(idempotentBatch(producerId, 0, baseSequence));
  if (verdict.kind === 'duplicate') return verdict.batch.firstOffset;
  return verdict.kind === 'refused' ? `refused ${verdict.errorCode}` : verdict.kind;
}

async function snapshotNames(fs: MemoryFileSystem): Promise<string[]> {
  return (await fs.readdir(DIR)).filter((name) => SNAPSHOT_FILE.test(name)).sort();
}

describe('producer state snapshots', () => {
  it('writes <20-digit log end>.snapshot at close and restores the last batch per producer from it', async () => {
    const fs = new MemoryFileSystem();
    const log = await open(fs);
    const offsets = await produce(log, 11n, 3);
    await log.close();
    assert.deepEqual(await snapshotNames(fs), [snapshotFileName(6n)]);
    assert.equal(snapshotFileName(6n), '00000000000000000006.snapshot');
    const reopened = await open(fs, { isCleanShutdown: true });
    assert.equal(retry(reopened, 11n, 4), offsets[2]);
    assert.equal(retry(reopened, 11n, 6), 'append');
    assert.equal(retry(reopened, 11n, 8), 'refused 45');
    await reopened.close();
  });

  it('rebuilds the last 5 batches after a crash from the roll snapshot plus the log tail', async () => {
    const fs = new MemoryFileSystem();
    const log = await open(fs, { segmentBytes: 400 });
    const offsets = await produce(log, 5n, 12);
    assert.ok(log.segmentCount > 2, 'small segments roll');
    const rolledAt = log.segmentBaseOffsets().slice(1);
    assert.deepEqual(
      await snapshotNames(fs),
      rolledAt.map((offset) => snapshotFileName(offset)),
    );
    const crashed = fs.simulateProcessCrash();
    const reopened = await open(crashed);
    for (let index = 7; index < 12; index += 1) assert.equal(retry(reopened, 5n, 2 * index), offsets[index]);
    assert.equal(retry(reopened, 5n, 24), 'append');
    await reopened.close();
  });

  it('ignores a corrupt snapshot with a warning and rebuilds the state from the log', async () => {
    const fs = new MemoryFileSystem();
    const log = await open(fs);
    const offsets = await produce(log, 3n, 4);
    await log.close();
    const path = joinPath(DIR, snapshotFileName(8n));
    const bytes = (await readWholeFile(fs, path))!;
    bytes[bytes.length - 1]! ^= 0xff;
    const file = await fs.open(path);
    await file.writev([bytes], 0);
    await file.close();
    const logger = recordingLogger();
    const reopened = await open(fs, { isCleanShutdown: true, logger });
    assert.equal(logger.warnings.length, 1);
    assert.match(logger.warnings[0]!, /corrupt producer snapshot .*00000000000000000008\.snapshot/);
    assert.deepEqual(await snapshotNames(fs), []);
    for (let index = 0; index < 4; index += 1) assert.equal(retry(reopened, 3n, 2 * index), offsets[index]);
    await reopened.close();
  });

  it('truncation forgets the cut batches and removes snapshots above the cut', async () => {
    const fs = new MemoryFileSystem();
    const log = await open(fs, { segmentBytes: 400 });
    const offsets = await produce(log, 8n, 10);
    await log.truncateTo(offsets[6]!);
    assert.ok((await snapshotNames(fs)).every((name) => BigInt(name.slice(0, 20)) <= offsets[6]!));
    assert.equal(retry(log, 8n, 10), offsets[5]);
    assert.equal(retry(log, 8n, 12), 'append');
    await log.close();
  });

  it('DeleteRecords past a producer forgets it, so its next batch is accepted at any sequence', async () => {
    const fs = new MemoryFileSystem();
    const log = await open(fs);
    await produce(log, 1n, 2);
    await produce(log, 2n, 1);
    log.setHighWatermark(log.logEndOffset);
    await log.deleteRecordsBefore(4n);
    assert.deepEqual(
      log.producerStates().map((entry) => entry.producerId),
      [2n],
    );
    assert.equal(retry(log, 1n, 40), 'append');
    assert.equal(retry(log, 2n, 40), 'refused 45');
    await log.close();
  });
});
