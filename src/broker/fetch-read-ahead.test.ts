// Fetch's read-ahead through the dispatcher over in-memory logs: a consumer's next fetch is answered
// from the range read ahead with exactly the bytes a fresh read returns; a truncation, DeleteRecords,
// retention or roll between the read-ahead and the fetch makes the fetch read the log again; and the
// pool's buffers are overwritten the moment they are given back, so a response still viewing one, or
// a read still filling one when it went back, fails the record CRCs these tests check.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { BufferPool } from '../network/index.js';
import {
  ApiKey,
  createRecordBatch,
  decodeRecordBatchSync,
  ErrorCode,
  encodeRecordBatchSync,
  type FetchRequest,
  viewRecordBatches,
} from '../protocol/index.js';
import { eventually } from '../testing/index.js';
import { createTestBroker, type TestBroker } from './broker-test-kit.js';
import { FetchReadAhead, nextOffsetAfter } from './fetch-read-ahead.js';
import { createTopicsBody, fetchBody, produceBody } from './request-builders.test-support.js';

/** A pool that fills every buffer given back with 0xee, as if the next borrower had written it. */
class OverwritingPool extends BufferPool {
  given = 0;
  override give(buffer: Buffer): void {
    buffer.fill(0xee);
    this.given += 1;
    super.give(buffer);
  }
}

/**
 * 100 KiB per record: the log's in-memory tail (128 KiB) holds the latest two, so reads of the
 * others go to the "file" (the memory file system, read into the pool's buffers as from disk).
 */
const VALUE_BYTES = 100 * 1024;
const valueAt = (offset: number): string => String.fromCharCode(97 + (offset % 26)).repeat(VALUE_BYTES);

function batch(value: string): Buffer {
  return encodeRecordBatchSync(createRecordBatch({ records: [{ value: Buffer.from(value) }] }));
}

interface Setup {
  readonly broker: TestBroker;
  readonly pool: OverwritingPool;
  readonly readAhead: FetchReadAhead;
}

/**
 * A broker whose read-aheads start at once (no setImmediate), with `count` records of 100 KiB in
 * `topic`, reading `ranges` ranges ahead, `rangesPerRead` ranges in one read.
 */
async function setUp(
  count: number,
  configs: Record<string, string> = {},
  ranges = 1,
  rangesPerRead = 1,
): Promise<Setup> {
  const pool = new OverwritingPool();
  const readAhead = new FetchReadAhead(pool, {
    maxBytes: 16 * 1024 * 1024,
    ranges,
    rangesPerRead,
    defer: (start) => start(),
  });
  const broker = await createTestBroker({}, { readBuffers: pool, readAhead });
  await broker.call(ApiKey.CreateTopics, 7, createTopicsBody([{ name: 'log', configs }]));
  for (let offset = 0; offset < count; offset += 1) {
    const produced = await broker.call(ApiKey.Produce, 9, produceBody('log', 0, batch(valueAt(offset))));
    assert.equal(produced?.responses[0]?.partitionResponses[0]?.errorCode, ErrorCode.NONE);
  }
  return { broker, pool, readAhead };
}

/** One record per fetch: a limit between one and two records. */
const oneRecord = (offset: bigint): FetchRequest =>
  fetchBody('log', 0, offset, { partitionMaxBytes: VALUE_BYTES + VALUE_BYTES / 2 });

/** The fetch's error code and its records' offsets and values, every batch's CRC checked. */
async function fetchRecords(
  broker: TestBroker,
  body: FetchRequest,
): Promise<{ errorCode: number; records: [bigint, string][] }> {
  const response = await broker.call(ApiKey.Fetch, 12, body);
  const partition = response?.responses[0]?.partitions[0];
  const views = viewRecordBatches(partition?.records ?? Buffer.alloc(0), { verifyCrc: true });
  const records = views.flatMap((view) =>
    decodeRecordBatchSync(view).records.map((record, index): [bigint, string] => [
      view.baseOffset + BigInt(index),
      record.value?.toString() ?? '',
    ]),
  );
  return { errorCode: partition?.errorCode ?? -1, records };
}

function partitionOf(broker: TestBroker) {
  const partition = broker.context.replicas.getPartition('log', 0);
  assert.ok(partition !== undefined);
  return partition;
}

describe('Fetch read-ahead', () => {
  describe('a consumer reading from the start', () => {
    let setup: Setup;
    before(async () => {
      setup = await setUp(6);
    });
    after(() => setup.broker.close());

    it('gets each next range from the read started after the previous fetch, byte for byte', async () => {
      const { broker, readAhead } = setup;
      for (let offset = 0n; offset < 5n; offset += 1n) {
        const { errorCode, records } = await fetchRecords(broker, oneRecord(offset));
        assert.equal(errorCode, ErrorCode.NONE);
        assert.deepEqual(records, [[offset, valueAt(Number(offset))]]);
      }
      // Offsets 1-4 came from reads ahead; the one of offset 4 was served by the log's in-memory tail
      // (no pooled buffer, no file read), so nothing was read ahead after it.
      assert.equal(readAhead.counts.used, 4);
      assert.equal(readAhead.size, 0);
      assert.equal(readAhead.heldBytes, 0);
    });

    it('keeps nothing when the next fetch asks for another range, and drops it once expired', async () => {
      const { broker, readAhead, pool } = setup;
      await fetchRecords(broker, oneRecord(0n));
      assert.equal(readAhead.size, 1);
      const given = pool.given;
      // A different limit is a different read: answered from the log, the kept one stays unused.
      const other = await fetchRecords(
        broker,
        fetchBody('log', 0, 1n, { partitionMaxBytes: 3 * VALUE_BYTES }),
      );
      assert.deepEqual(
        other.records.map(([offset]) => offset),
        [1n, 2n],
      );
      assert.equal(
        readAhead.size,
        2,
        'the read-ahead of offset 1 is still kept, and one of offset 3 joined it',
      );
      readAhead.clear();
      await partitionOf(broker).read(0n, 1, true); // any later read: the dropped reads settled before it
      await new Promise<void>((resolve) => setImmediate(resolve));
      assert.equal(readAhead.heldBytes, 0);
      assert.ok(pool.given > given, 'dropped reads gave their buffers back');
    });
  });

  it('reads again after a truncation: the records appended in place of the old ones are returned', async () => {
    const { broker, readAhead } = await setUp(4);
    try {
      await fetchRecords(broker, oneRecord(0n));
      assert.equal(readAhead.size, 1, 'offset 1 read ahead');
      await partitionOf(broker).log.truncateTo(1n);
      await broker.call(ApiKey.Produce, 9, produceBody('log', 0, batch('replaced')));
      const { records } = await fetchRecords(broker, oneRecord(1n));
      assert.deepEqual(records, [[1n, 'replaced']]);
      assert.equal(readAhead.counts.used, 0);
    } finally {
      await broker.close();
    }
  });

  it('reads again after DeleteRecords: a fetch below the new log start is OFFSET_OUT_OF_RANGE', async () => {
    const { broker, readAhead } = await setUp(4);
    try {
      await fetchRecords(broker, oneRecord(0n));
      assert.equal(readAhead.size, 1);
      const deleted = await broker.call(ApiKey.DeleteRecords, 2, {
        topics: [{ name: 'log', partitions: [{ partitionIndex: 0, offset: 2n }] }],
        timeoutMs: 5000,
      });
      assert.equal(deleted?.topics[0]?.partitions[0]?.errorCode, ErrorCode.NONE);
      const { errorCode } = await fetchRecords(broker, oneRecord(1n));
      assert.equal(errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
      assert.equal(readAhead.counts.used, 0);
    } finally {
      await broker.close();
    }
  });

  it('reads again after retention deleted the segment the read-ahead came from', async () => {
    // One record per segment; retention.ms=1 makes every rolled segment expire.
    const { broker, readAhead } = await setUp(4, { 'segment.bytes': String(VALUE_BYTES + 1024) });
    try {
      await fetchRecords(broker, oneRecord(0n));
      assert.equal(readAhead.size, 1);
      const log = partitionOf(broker).log;
      log.updateConfig({ ...log.logConfig, retentionMs: 1 });
      assert.ok((await log.applyRetention(Date.now() + 60_000)) > 0);
      const { errorCode } = await fetchRecords(broker, oneRecord(1n));
      assert.equal(errorCode, ErrorCode.OFFSET_OUT_OF_RANGE);
      assert.equal(readAhead.counts.used, 0);
    } finally {
      await broker.close();
    }
  });

  it('reads again after a roll', async () => {
    const { broker, readAhead } = await setUp(4);
    try {
      await fetchRecords(broker, oneRecord(0n));
      await partitionOf(broker).log.roll();
      const { records } = await fetchRecords(broker, oneRecord(1n));
      assert.deepEqual(records, [[1n, valueAt(1)]]);
      assert.equal(readAhead.counts.used, 0);
    } finally {
      await broker.close();
    }
  });

  it('drops a read-ahead whose partition was deleted, giving its buffer back once the read settled', async () => {
    const { broker, readAhead } = await setUp(4);
    try {
      await fetchRecords(broker, oneRecord(0n));
      assert.equal(readAhead.size, 1);
      await broker.call(ApiKey.DeleteTopics, 4, { topics: [], topicNames: ['log'], timeoutMs: 5000 });
      const { errorCode } = await fetchRecords(broker, oneRecord(1n));
      assert.equal(errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
      assert.equal(readAhead.counts.used, 0);
    } finally {
      await broker.close();
    }
  });

  describe('two ranges ahead', () => {
    it('reads the range after the next one once the next one is read, and answers each fetch byte for byte', async () => {
      const { broker, readAhead } = await setUp(8, {}, 2);
      try {
        assert.deepEqual((await fetchRecords(broker, oneRecord(0n))).records, [[0n, valueAt(0)]]);
        await eventually('offsets 1 and 2 read ahead', () =>
          readAhead.counts.started === 2 && readAhead.size === 2 ? true : undefined,
        );
        for (let offset = 1n; offset < 8n; offset += 1n) {
          const { errorCode, records } = await fetchRecords(broker, oneRecord(offset));
          assert.equal(errorCode, ErrorCode.NONE);
          assert.deepEqual(records, [[offset, valueAt(Number(offset))]]);
        }
        // Offsets 1-6 came from reads ahead (6 from the in-memory tail, which ends the chain).
        assert.equal(readAhead.counts.used, 6);
        assert.ok(readAhead.counts.waited <= readAhead.counts.used);
        await eventually('nothing kept', () => (readAhead.size === 0 ? true : undefined));
        assert.equal(readAhead.heldBytes, 0);
      } finally {
        await broker.close();
      }
    });

    it('reads both ranges again after a truncation, and reads ahead from the new records', async () => {
      const { broker, readAhead } = await setUp(6, {}, 2);
      const replaced = (offset: number): string => `replaced-${offset}`.padEnd(VALUE_BYTES, 'r');
      try {
        await fetchRecords(broker, oneRecord(0n));
        await eventually('offsets 1 and 2 read ahead', () => (readAhead.size === 2 ? true : undefined));
        await partitionOf(broker).log.truncateTo(1n);
        for (const value of [replaced(1), replaced(2), replaced(3), replaced(4), replaced(5)])
          await broker.call(ApiKey.Produce, 9, produceBody('log', 0, batch(value)));
        for (let offset = 1; offset <= 3; offset += 1) {
          const { records } = await fetchRecords(broker, oneRecord(BigInt(offset)));
          assert.deepEqual(records, [[BigInt(offset), replaced(offset)]]);
        }
        assert.equal(readAhead.counts.used, 2, 'offsets 2 and 3 read ahead again after the fetch of 1');
      } finally {
        await broker.close();
      }
    });

    it('never drops another result to read a second range', async () => {
      const pool = new OverwritingPool();
      // Room for two reads of one record each (150 KiB limits in 192 KiB pooled buffers).
      const readAhead = new FetchReadAhead(pool, {
        maxBytes: 2 * 192 * 1024,
        ranges: 2,
        defer: (start) => start(),
      });
      const broker = await createTestBroker({}, { readBuffers: pool, readAhead });
      const fetchFrom = (partition: number, offset: bigint) => {
        const body = oneRecord(offset);
        const topic = body.topics[0]!;
        return broker.call(ApiKey.Fetch, 12, {
          ...body,
          topics: [{ ...topic, partitions: [{ ...topic.partitions[0]!, partition }] }],
        });
      };
      try {
        await broker.call(ApiKey.CreateTopics, 7, createTopicsBody([{ name: 'log', numPartitions: 2 }]));
        for (let partition = 0; partition < 2; partition += 1) {
          for (let offset = 0; offset < 6; offset += 1)
            await broker.call(ApiKey.Produce, 9, produceBody('log', partition, batch(valueAt(offset))));
        }
        await fetchFrom(0, 0n);
        await eventually('two ranges of partition 0', () => (readAhead.size === 2 ? true : undefined));
        // Partition 1's next range drops partition 0's oldest result; its second range would have to
        // drop partition 0's other one, so it is not read.
        await fetchFrom(1, 0n);
        await eventually('partition 1 read ahead', () => (readAhead.counts.started === 3 ? true : undefined));
        await new Promise<void>((resolve) => setImmediate(resolve));
        assert.equal(readAhead.counts.started, 3);
        assert.equal(readAhead.size, 2);
        assert.ok(readAhead.heldBytes <= 2 * 192 * 1024, `held ${readAhead.heldBytes}`);
        const response = await fetchFrom(0, 2n);
        assert.equal(response?.responses[0]?.partitions[0]?.errorCode, ErrorCode.NONE);
        assert.equal(readAhead.counts.used, 1, "partition 0's second range was kept and taken");
      } finally {
        await broker.close();
      }
    });
  });

  describe('two ranges per read', () => {
    it('answers two fetches from each read, byte for byte, and gives each buffer back after both', async () => {
      const { broker, readAhead, pool } = await setUp(10, {}, 1, 2);
      try {
        for (let offset = 0n; offset < 10n; offset += 1n) {
          const { errorCode, records } = await fetchRecords(broker, oneRecord(offset));
          assert.equal(errorCode, ErrorCode.NONE);
          assert.deepEqual(records, [[offset, valueAt(Number(offset))]]);
        }
        // Offset 0 read by its fetch; 1-2, 3-4, 5-6 and 7-8 each one file read cut in two; 9 read
        // ahead from the in-memory tail (which ends the chain): 5 reads for 9 fetches.
        assert.equal(readAhead.counts.used, 9);
        assert.equal(readAhead.counts.started, 5);
        await eventually('nothing kept', () => (readAhead.size === 0 ? true : undefined));
        assert.equal(readAhead.heldBytes, 0);
        assert.ok(pool.given >= 4, `every read's buffer went back (${pool.given})`);
      } finally {
        await broker.close();
      }
    });

    it('keeps the second range until its fetch: the first response given back leaves its bytes intact', async () => {
      const { broker, readAhead, pool } = await setUp(6, {}, 1, 2);
      try {
        await fetchRecords(broker, oneRecord(0n));
        await fetchRecords(broker, oneRecord(1n));
        const given = pool.given;
        assert.equal(readAhead.size, 1, 'offset 2, cut from the read of 1-2, is kept');
        assert.ok(readAhead.heldBytes > 0);
        // Were the shared buffer back in the pool, it would hold 0xee now and fail the CRC check.
        assert.deepEqual((await fetchRecords(broker, oneRecord(2n))).records, [[2n, valueAt(2)]]);
        assert.equal(readAhead.counts.used, 2);
        assert.ok(pool.given > given, 'given back once both fetches were answered');
      } finally {
        await broker.close();
      }
    });

    it('reads the second range again after a truncation between the two fetches', async () => {
      const { broker, readAhead } = await setUp(6, {}, 1, 2);
      try {
        await fetchRecords(broker, oneRecord(0n));
        await fetchRecords(broker, oneRecord(1n));
        assert.equal(readAhead.counts.used, 1);
        await partitionOf(broker).log.truncateTo(2n);
        await broker.call(ApiKey.Produce, 9, produceBody('log', 0, batch('replaced')));
        assert.deepEqual((await fetchRecords(broker, oneRecord(2n))).records, [[2n, 'replaced']]);
        assert.equal(readAhead.counts.used, 1, 'the range cut before the truncation is not used');
      } finally {
        await broker.close();
      }
    });

    it("a long poll's second try reads into a buffer of its own, not the one shared with the next range", async () => {
      const { broker, readAhead } = await setUp(6, {}, 1, 2);
      try {
        await fetchRecords(broker, oneRecord(0n));
        // One record is below min.bytes: the fetch waits out its max wait, then reads offset 1 again.
        const waiting = await fetchRecords(broker, {
          ...oneRecord(1n),
          minBytes: 2 * VALUE_BYTES,
          maxWaitMs: 20,
        });
        assert.deepEqual(waiting.records, [[1n, valueAt(1)]]);
        assert.deepEqual((await fetchRecords(broker, oneRecord(2n))).records, [[2n, valueAt(2)]]);
        assert.equal(readAhead.counts.used, 2);
      } finally {
        await broker.close();
      }
    });

    it('cuts read_committed ranges too, each with the aborted transactions a read of it returns', async () => {
      const { broker, readAhead } = await setUp(2, {}, 1, 2);
      const committedFetch = (offset: bigint) => ({ ...oneRecord(offset), isolationLevel: 1 });
      try {
        // Offsets 2-3: a transaction of producer 7 (one record of 100 KiB each), then aborted (4).
        for (const sequence of [0, 1]) {
          const records = encodeRecordBatchSync(
            createRecordBatch({
              producerId: 7n,
              producerEpoch: 0,
              baseSequence: sequence,
              isTransactional: true,
              records: [{ value: Buffer.from(valueAt(2 + sequence)) }],
            }),
          );
          const body = { ...produceBody('log', 0, records), transactionalId: 'app' };
          const produced = await broker.call(ApiKey.Produce, 9, body);
          assert.equal(produced?.responses[0]?.partitionResponses[0]?.errorCode, ErrorCode.NONE);
        }
        const marker = await broker.call(ApiKey.WriteTxnMarkers, 1, {
          markers: [
            {
              producerId: 7n,
              producerEpoch: 0,
              transactionResult: false,
              topics: [{ name: 'log', partitionIndexes: [0] }],
              coordinatorEpoch: 0,
            },
          ],
        });
        assert.equal(marker?.markers[0]?.topics[0]?.partitions[0]?.errorCode, ErrorCode.NONE);
        for (let offset = 5; offset < 9; offset += 1)
          await broker.call(ApiKey.Produce, 9, produceBody('log', 0, batch(valueAt(offset))));
        const fresh = new Map<bigint, unknown>();
        for (const offset of [1n, 2n, 3n]) {
          readAhead.clear();
          const response = await broker.call(ApiKey.Fetch, 12, committedFetch(offset));
          fresh.set(offset, response?.responses[0]?.partitions[0]?.abortedTransactions);
        }
        assert.deepEqual(fresh.get(2n), [{ producerId: 7n, firstOffset: 2n }]);
        readAhead.clear();
        const started = readAhead.counts.started;
        await fetchRecords(broker, committedFetch(0n));
        for (const offset of [1n, 2n, 3n]) {
          const response = await broker.call(ApiKey.Fetch, 12, committedFetch(offset));
          const partition = response?.responses[0]?.partitions[0];
          assert.equal(partition?.errorCode, ErrorCode.NONE);
          assert.deepEqual(partition?.abortedTransactions, fresh.get(offset), `offset ${offset}`);
        }
        assert.equal(readAhead.counts.started - started, 2, 'offsets 1-2 and 3-4 read ahead, one read each');
      } finally {
        await broker.close();
      }
    });
  });

  it('stays within its byte budget, dropping the oldest result to start a new one', async () => {
    const pool = new OverwritingPool();
    const readAhead = new FetchReadAhead(pool, { maxBytes: 300 * 1024, defer: (start) => start() });
    const broker = await createTestBroker({}, { readBuffers: pool, readAhead });
    try {
      await broker.call(ApiKey.CreateTopics, 7, createTopicsBody([{ name: 'log', numPartitions: 3 }]));
      for (let partition = 0; partition < 3; partition += 1) {
        for (let offset = 0; offset < 4; offset += 1)
          await broker.call(ApiKey.Produce, 9, produceBody('log', partition, batch(valueAt(offset))));
      }
      for (let partition = 0; partition < 3; partition += 1) {
        await broker.call(ApiKey.Fetch, 12, {
          ...oneRecord(0n),
          topics: [
            {
              ...oneRecord(0n).topics[0]!,
              partitions: [{ ...oneRecord(0n).topics[0]!.partitions[0]!, partition }],
            },
          ],
        });
        assert.ok(readAhead.heldBytes <= 300 * 1024 + 256 * 1024, `held ${readAhead.heldBytes}`);
      }
      assert.ok(readAhead.size < 3, 'the budget does not hold three reads of ~214 KiB');
    } finally {
      await broker.close();
    }
  });
});

describe('nextOffsetAfter', () => {
  it('is the offset after the last batch, and undefined for nothing or a cut batch', () => {
    const first = createRecordBatch({
      baseOffset: 5n,
      records: [{ value: Buffer.from('a') }, { value: null }],
    });
    const second = createRecordBatch({ baseOffset: 7n, records: [{ value: Buffer.from('b') }] });
    const bytes = Buffer.concat([encodeRecordBatchSync(first), encodeRecordBatchSync(second)]);
    assert.equal(nextOffsetAfter(bytes), 8n);
    assert.equal(nextOffsetAfter(Buffer.alloc(0)), undefined);
    assert.equal(nextOffsetAfter(bytes.subarray(0, bytes.length - 1)), undefined);
  });
});
