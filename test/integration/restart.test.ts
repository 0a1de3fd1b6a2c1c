// Restarts of the real `pyralog start` process. (a) Records produced by KafkaJS survive a SIGTERM and
// a start on the same dir, read back by kcat at their offsets. (b) Rounds of: start, stream acks=all
// batches from KafkaJS, SIGKILL after a seeded number of acknowledgements, cut every file back to its
// last fsynced size from the broker's fsync journal (simulated power loss, the test-only
// `pyralog.test.fsync.journal` setting), then restart and read everything with kcat: every
// acknowledged batch is at its offset with its content, offsets are contiguous, and every record
// present (acknowledged or not) is one that was produced, once. PYRALOG_RESTART_ROUNDS and
// PYRALOG_RESTART_SEED set the rounds (default 3) and the seed; a failure prints the seed.
import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import kafkajs from 'kafkajs';
import { cutToFsyncJournal, fileSizes } from '../../src/storage/power-loss.js';
import { killPyralog, type PyralogProcess, startPyralog, stopPyralog } from '../../tools/pyralog-process.js';
import { type ConsumedRecord, consumeWithKcat, expectedRecord } from './restart-records.js';

const ROUNDS = Number(process.env['PYRALOG_RESTART_ROUNDS'] ?? 3);
const SEED = Number(process.env['PYRALOG_RESTART_SEED'] ?? 11);
const PARTITIONS = 3;
/** Senders waiting for acks=all answers, and senders of acks=1 batches that keep writes in flight. */
const DURABLE_STREAMS = 4;
const LEADER_STREAMS = 2;

/** A small LCG, so that batch sizes and kill points repeat for a seed. */
function seededInts(seed: number): (bound: number) => number {
  let state = seed;
  return (bound) => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state % bound;
  };
}

function client(bootstrap: string): kafkajs.Kafka {
  return new kafkajs.Kafka({
    brokers: [bootstrap],
    logLevel: kafkajs.logLevel.NOTHING,
    retry: { retries: 0 },
  });
}

async function createTopic(bootstrap: string, topic: string): Promise<void> {
  const admin = client(bootstrap).admin();
  await admin.connect();
  try {
    assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }] }), true);
  } finally {
    await admin.disconnect();
  }
}

interface AckedBatch {
  readonly partition: number;
  readonly baseOffset: bigint;
  readonly ids: readonly string[];
}

/**
 * Checks `topic` as kcat reads it: offsets contiguous from 0, every record one that `expectedRecord`
 * made (key, value, header), no record twice, and every acknowledged batch at its offsets.
 */
async function checkTopic(bootstrap: string, topic: string, acked: readonly AckedBatch[]): Promise<number> {
  const seen = new Set<string>();
  const byPartition: ConsumedRecord[][] = [];
  for (let partition = 0; partition < PARTITIONS; partition += 1) {
    const records = await consumeWithKcat(bootstrap, topic, partition);
    records.forEach((record, index) => {
      assert.equal(record.offset, BigInt(index), `p${partition}: offsets are contiguous from 0`);
      const id = record.value.slice(0, record.value.indexOf('|'));
      const expected = expectedRecord(SEED, id);
      assert.deepEqual(
        [record.key, record.value, record.headers],
        [expected.key, expected.value, `id=${expected.header}`],
        `p${partition} offset ${record.offset} holds a record that was produced`,
      );
      assert.ok(!seen.has(id), `${id} appears once`);
      seen.add(id);
    });
    byPartition.push(records);
  }
  for (const batch of acked) {
    const records = byPartition[batch.partition]!;
    batch.ids.forEach((id, index) => {
      const record = records[Number(batch.baseOffset) + index];
      assert.equal(
        record?.value.slice(0, id.length + 1),
        `${id}|`,
        `acknowledged ${id} at p${batch.partition} offset ${batch.baseOffset + BigInt(index)}`,
      );
    });
  }
  return byPartition.reduce((sum, records) => sum + records.length, 0);
}

/**
 * Streams acks=all batches from DURABLE_STREAMS concurrent senders until `wanted` were
 * acknowledged, then SIGKILLs the broker at once; meanwhile LEADER_STREAMS senders send acks=1
 * batches, which keep unsynced writes in flight (they need not survive, but what survives of them
 * must check out). Resolves with every acks=all batch acknowledged (answers already on their way
 * count too) once every sender stopped.
 */
async function produceUntilKilled(
  broker: PyralogProcess,
  topic: string,
  round: number,
  wanted: number,
  nextInt: (bound: number) => number,
): Promise<AckedBatch[]> {
  const producer = client(broker.bootstrap).producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const acked: AckedBatch[] = [];
  const sizes = Array.from({ length: 1000 }, () => 1 + nextInt(20));
  let sent = 0;
  const stream = async (streamId: number): Promise<void> => {
    const partition = streamId % PARTITIONS;
    const durable = streamId < DURABLE_STREAMS;
    for (let batch = 0; broker.child.signalCode === null && sent < sizes.length; batch += 1) {
      const ids = Array.from({ length: sizes[sent++]! }, (_, i) => `r${round}-s${streamId}-b${batch}-i${i}`);
      const records = ids.map((id) => expectedRecord(SEED, id));
      let result: kafkajs.RecordMetadata[];
      try {
        result = await producer.send({
          topic,
          acks: durable ? -1 : 1,
          messages: records.map((r) => ({
            partition,
            key: r.key,
            value: r.value,
            headers: { id: r.header },
          })),
        });
      } catch {
        return; // the broker is gone
      }
      const meta = result[0]!;
      assert.equal(meta.errorCode, 0);
      if (!durable) continue;
      acked.push({ partition, baseOffset: BigInt(meta.baseOffset!), ids });
      if (acked.length === wanted) broker.child.kill('SIGKILL');
    }
  };
  await Promise.all(Array.from({ length: DURABLE_STREAMS + LEADER_STREAMS }, (_, id) => stream(id)));
  await killPyralog(broker);
  await producer.disconnect().catch(() => {});
  assert.ok(acked.length >= wanted, `${acked.length} acknowledged before the kill, wanted ${wanted}`);
  return acked;
}

describe('restarting the pyralog process', () => {
  const roots: string[] = [];
  let broker: PyralogProcess | undefined;
  after(async () => {
    if (broker !== undefined) await killPyralog(broker);
    for (const root of roots) await rm(root, { recursive: true, force: true });
  });

  it('keeps everything KafkaJS produced across SIGTERM and a new start', async () => {
    const root = await mkdtemp(join(tmpdir(), 'pyralog-restart-'));
    roots.push(root);
    const dataDir = join(root, 'data');
    broker = await startPyralog(dataDir);
    await createTopic(broker.bootstrap, 'kept');
    const producer = client(broker.bootstrap).producer();
    await producer.connect();
    const acked: AckedBatch[] = [];
    for (let batch = 0; batch < 6; batch += 1) {
      const partition = batch % PARTITIONS;
      const ids = Array.from({ length: 1 + batch * 3 }, (_, i) => `clean-b${batch}-i${i}`);
      const [meta] = await producer.send({
        topic: 'kept',
        acks: batch % 2 === 0 ? -1 : 1,
        messages: ids.map((id) => {
          const r = expectedRecord(SEED, id);
          return { partition, key: r.key, value: r.value, headers: { id: r.header } };
        }),
      });
      acked.push({ partition, baseOffset: BigInt(meta!.baseOffset!), ids });
    }
    await producer.disconnect();
    assert.equal(await stopPyralog(broker), 0);
    // The clean shutdown left a snapshot of the metadata image for the next start to load.
    const metadataFiles = await readdir(join(dataDir, '__cluster_metadata-0'));
    assert.ok(
      metadataFiles.some((name) => /^\d{20}-\d{10}\.checkpoint$/.test(name)),
      metadataFiles.join(' '),
    );

    broker = await startPyralog(dataDir);
    const total = await checkTopic(broker.bootstrap, 'kept', acked);
    assert.equal(
      total,
      acked.reduce((sum, batch) => sum + batch.ids.length, 0),
    );
    assert.equal(await stopPyralog(broker), 0);
  });

  it(`keeps every acknowledged record across ${ROUNDS} SIGKILLs with simulated power loss (seed ${SEED})`, async (t) => {
    const root = await mkdtemp(join(tmpdir(), 'pyralog-powerloss-'));
    roots.push(root);
    const dataDir = join(root, 'data');
    await mkdir(dataDir);
    const nextInt = seededInts(SEED);
    const acked: AckedBatch[] = [];
    // Small segments and a dense index, so that rounds roll segments and recovery rebuilds indexes.
    const settings = ['--override', 'log.segment.bytes=32768', '--override', 'log.index.interval.bytes=1024'];
    for (let round = 0; round < ROUNDS; round += 1) {
      const baseline = await fileSizes(dataDir);
      const journal = join(root, `fsync-journal-${round}`);
      broker = await startPyralog(dataDir, [
        ...settings,
        '--override',
        `pyralog.test.fsync.journal=${journal}`,
      ]);
      let total = 0;
      if (round === 0) await createTopic(broker.bootstrap, 'durable');
      else total = await checkTopic(broker.bootstrap, 'durable', acked);
      acked.push(...(await produceUntilKilled(broker, 'durable', round, 10 + nextInt(40), nextInt)));
      const cut = await cutToFsyncJournal(dataDir, journal, baseline);
      t.diagnostic(
        `round ${round}: ${total} records found at start, ${acked.length} batches acknowledged, ${cut} bytes cut`,
      );
    }
    broker = await startPyralog(dataDir, settings);
    const total = await checkTopic(broker.bootstrap, 'durable', acked);
    assert.ok(total >= acked.reduce((sum, batch) => sum + batch.ids.length, 0));
    assert.equal(await stopPyralog(broker), 0);
  });
});
