// Produce's error paths and answers, through the dispatcher over in-memory logs (no sockets).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  ApiKey,
  CompressionCodec,
  createRecordBatch,
  decodeRecordBatchSync,
  ErrorCode,
  encodeMessageSetSync,
  encodeRecordBatchSync,
  viewRecordBatches,
} from '../protocol/index.js';
import { eventually } from '../testing/index.js';
import { createTestBroker, type TestBroker } from './broker-test-kit.js';
import { createTopicsBody, fetchBody, produceBody } from './request-builders.test-support.js';

function batch(...values: string[]): Buffer {
  return encodeRecordBatchSync(
    createRecordBatch({ records: values.map((value) => ({ value: Buffer.from(value) })), timestamp: 1000n }),
  );
}

describe('Produce', () => {
  let broker: TestBroker;
  before(async () => {
    broker = await createTestBroker();
    await broker.call(
      ApiKey.CreateTopics,
      7,
      createTopicsBody([
        { name: 'events', numPartitions: 2 },
        { name: 'small', configs: { 'max.message.bytes': '100' } },
        { name: 'stamped', configs: { 'message.timestamp.type': 'LogAppendTime' } },
        { name: 'strict', configs: { 'min.insync.replicas': '2' } },
        { name: 'compacted', configs: { 'cleanup.policy': 'compact' } },
        { name: 'bounded', configs: { 'message.timestamp.after.max.ms': '1000' } },
        { name: 'pair', numPartitions: 3 },
        { name: 'legacy' },
      ]),
    );
  });
  after(() => broker.close());

  it('assigns consecutive base offsets per partition', async () => {
    for (const expected of [0n, 2n]) {
      const response = await broker.call(ApiKey.Produce, 9, produceBody('events', 1, batch('a', 'b')));
      const partition = response?.responses[0]?.partitionResponses[0];
      assert.equal(partition?.errorCode, ErrorCode.NONE);
      assert.equal(partition?.baseOffset, expected);
    }
  });

  it('answers nothing for acks=0 but appends', async () => {
    assert.equal(await broker.call(ApiKey.Produce, 9, produceBody('events', 0, batch('x'), 0)), null);
    const next = await broker.call(ApiKey.Produce, 9, produceBody('events', 0, batch('y'), 1));
    assert.equal(next?.responses[0]?.partitionResponses[0]?.baseOffset, 1n);
  });

  it('recycles the request frame once the appends are written; the log keeps no view of it', async () => {
    // The test kit overwrites a recycled frame, so a log still reading from it would return garbage.
    await broker.call(ApiKey.CreateTopics, 7, createTopicsBody([{ name: 'recycled' }]));
    // Large enough that each frame is a buffer of its own (small ones share Node's pool slab).
    const values = ['one', 'two', 'three'].map((word) => word.repeat(5000));
    const recycledBefore = broker.recycledFrames;
    for (const [index, value] of values.entries()) {
      const acks = index === 0 ? 0 : -1;
      await broker.call(ApiKey.Produce, 9, produceBody('recycled', 0, batch(value), acks));
    }
    await eventually('every frame recycled', () =>
      broker.recycledFrames === recycledBefore + values.length ? true : undefined,
    );
    const fetched = await broker.call(ApiKey.Fetch, 12, fetchBody('recycled', 0, 0n));
    const records = fetched?.responses[0]?.partitions[0]?.records ?? Buffer.alloc(0);
    assert.deepEqual(
      viewRecordBatches(records).flatMap((view) =>
        decodeRecordBatchSync(view).records.map((record) => record.value?.toString()),
      ),
      values,
    );
  });

  it('registers nothing to run after the response for a frame that is a view of a socket read', async () => {
    // Such a frame is never reused (recycleFrame would do nothing), so the handler skips the wait for
    // its appends to be written: no release, no recycle call, and the records are appended as usual.
    await broker.call(ApiKey.CreateTopics, 7, createTopicsBody([{ name: 'not-pooled' }]));
    const recycledBefore = broker.recycledFrames;
    broker.framesRecyclable = false;
    try {
      for (const acks of [0, 1, -1]) {
        await broker.call(ApiKey.Produce, 9, produceBody('not-pooled', 0, batch(`acks ${acks}`), acks));
      }
    } finally {
      broker.framesRecyclable = true;
    }
    await broker.context.replicas.getPartition('not-pooled', 0)!.log.flush();
    assert.equal(broker.recycledFrames, recycledBefore);
    const fetched = await broker.call(ApiKey.Fetch, 12, fetchBody('not-pooled', 0, 0n));
    const records = fetched?.responses[0]?.partitions[0]?.records ?? Buffer.alloc(0);
    assert.deepEqual(
      viewRecordBatches(records).flatMap((view) =>
        decodeRecordBatchSync(view).records.map((record) => record.value?.toString()),
      ),
      ['acks 0', 'acks 1', 'acks -1'],
    );
  });

  it('recycles an acks=0 frame only once its append is written', async () => {
    await broker.call(ApiKey.CreateTopics, 7, createTopicsBody([{ name: 'recycled-late' }]));
    const partition = broker.context.replicas.getPartition('recycled-late', 0)!;
    const original = partition.appendAsLeader.bind(partition);
    let markWritten = (): void => {};
    const written = new Promise<void>((resolve) => {
      markWritten = resolve;
    });
    partition.appendAsLeader = (views, acks, options) => {
      const append = original(views, acks, options);
      if ('errorCode' in append) return append;
      const afterWritten = append.afterWritten.bind(append);
      append.afterWritten = (callback) => afterWritten(() => void written.then(callback));
      return append;
    };
    try {
      const recycledBefore = broker.recycledFrames;
      const value = 'late'.repeat(5000);
      assert.equal(
        await broker.call(ApiKey.Produce, 9, produceBody('recycled-late', 0, batch(value), 0)),
        null,
      );
      await partition.log.flush();
      assert.equal(broker.recycledFrames, recycledBefore, 'not recycled while the append is not written');
      markWritten();
      await eventually('recycled', () => (broker.recycledFrames === recycledBefore + 1 ? true : undefined));
    } finally {
      partition.appendAsLeader = original;
    }
  });

  it('refuses acks other than 0, 1, -1 with INVALID_REQUIRED_ACKS', async () => {
    const response = await broker.call(ApiKey.Produce, 9, produceBody('events', 0, batch('a'), 2));
    assert.equal(response?.responses[0]?.partitionResponses[0]?.errorCode, ErrorCode.INVALID_REQUIRED_ACKS);
  });

  it('answers UNKNOWN_TOPIC_OR_PARTITION for an unknown topic or partition', async () => {
    for (const [topic, partition] of [
      ['nope', 0],
      ['events', 9],
    ] as const) {
      const response = await broker.call(ApiKey.Produce, 9, produceBody(topic, partition, batch('a')));
      assert.equal(
        response?.responses[0]?.partitionResponses[0]?.errorCode,
        ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      );
    }
  });

  it('answers CORRUPT_MESSAGE with a message (v8+) for a batch whose CRC fails', async () => {
    const corrupt = batch('hello');
    corrupt.writeUInt8(corrupt.readUInt8(corrupt.length - 1) ^ 0xff, corrupt.length - 1);
    const response = await broker.call(ApiKey.Produce, 9, produceBody('events', 0, corrupt));
    const partition = response?.responses[0]?.partitionResponses[0];
    assert.equal(partition?.errorCode, ErrorCode.CORRUPT_MESSAGE);
    assert.match(partition?.errorMessage ?? '', /CRC|crc/);
  });

  it('answers MESSAGE_TOO_LARGE for a batch over max.message.bytes', async () => {
    const response = await broker.call(ApiKey.Produce, 9, produceBody('small', 0, batch('x'.repeat(200))));
    assert.equal(response?.responses[0]?.partitionResponses[0]?.errorCode, ErrorCode.MESSAGE_TOO_LARGE);
  });

  it('stamps LogAppendTime and returns it', async () => {
    const before = BigInt(Date.now());
    const response = await broker.call(ApiKey.Produce, 9, produceBody('stamped', 0, batch('a')));
    const partition = response?.responses[0]?.partitionResponses[0];
    assert.equal(partition?.errorCode, ErrorCode.NONE);
    assert.ok((partition?.logAppendTimeMs ?? 0n) >= before);
  });

  it('accepts legacy message sets on v0 (magic 0) and v2 (magic 1) and stores them as v2 batches', async () => {
    const magic0 = encodeMessageSetSync([{ offset: 0n, value: Buffer.from('m0') }], { magic: 0 });
    const v0 = await broker.call(ApiKey.Produce, 0, produceBody('legacy', 0, magic0));
    assert.equal(v0?.responses[0]?.partitionResponses[0]?.errorCode, ErrorCode.NONE);
    assert.equal(v0?.responses[0]?.partitionResponses[0]?.baseOffset, 0n);
    const magic1 = encodeMessageSetSync(
      [
        { offset: 0n, timestamp: 1000n, value: Buffer.from('m1a') },
        { offset: 1n, timestamp: 1001n, value: Buffer.from('m1b') },
      ],
      { magic: 1, compression: CompressionCodec.snappy },
    );
    const v2 = await broker.call(ApiKey.Produce, 2, produceBody('legacy', 0, magic1));
    assert.equal(v2?.responses[0]?.partitionResponses[0]?.baseOffset, 1n);
    const partition = broker.context.replicas.getPartition('legacy', 0)!;
    const read = await partition.read(0n, 1 << 20, true);
    assert.equal(read.kind, 'records');
    const batches = read.kind === 'records' ? viewRecordBatches(read.records) : [];
    assert.deepEqual(
      batches.map((view) => [view.baseOffset, view.recordsCount, view.compression]),
      [
        [0n, 1, CompressionCodec.none],
        [1n, 2, CompressionCodec.snappy],
      ],
    );
  });

  it('answers NOT_ENOUGH_REPLICAS for acks=all below min.insync.replicas, accepts acks=1', async () => {
    const all = await broker.call(ApiKey.Produce, 9, produceBody('strict', 0, batch('a'), -1));
    assert.equal(all?.responses[0]?.partitionResponses[0]?.errorCode, ErrorCode.NOT_ENOUGH_REPLICAS);
    const one = await broker.call(ApiKey.Produce, 9, produceBody('strict', 0, batch('a'), 1));
    assert.equal(one?.responses[0]?.partitionResponses[0]?.errorCode, ErrorCode.NONE);
  });

  it('answers a log failure of one partition in that partition alone; the others append', async () => {
    await broker.context.replicas.getPartition('pair', 1)?.log.close();
    const failing = broker.context.replicas.getPartition('pair', 2)!;
    const original = failing.appendAsLeader.bind(failing);
    failing.appendAsLeader = () => {
      throw new Error('boom');
    };
    try {
      const body = produceBody('pair', 0, batch('a'));
      body.topicData[0]!.partitionData.push(
        { index: 1, records: batch('b') },
        { index: 2, records: batch('c') },
      );
      const response = await broker.call(ApiKey.Produce, 9, body);
      const codes = response?.responses[0]?.partitionResponses.map((p) => p.errorCode);
      assert.deepEqual(codes, [
        ErrorCode.NONE,
        ErrorCode.NOT_LEADER_OR_FOLLOWER,
        ErrorCode.UNKNOWN_SERVER_ERROR,
      ]);
      assert.equal(response?.responses[0]?.partitionResponses[0]?.baseOffset, 0n);
    } finally {
      failing.appendAsLeader = original;
    }
  });

  it('answers REQUEST_TIMED_OUT for a partition not acknowledged within timeoutMs, NOT_LEADER_OR_FOLLOWER for one whose leader resigned', async () => {
    const slow = broker.context.replicas.getPartition('events', 0)!;
    const resigned = broker.context.replicas.getPartition('events', 1)!;
    const originals = [slow.appendAsLeader.bind(slow), resigned.appendAsLeader.bind(resigned)] as const;
    // An acknowledgement that never comes (its wait needs an offset far past the append), and a
    // partition whose leadership goes while its append waits (as when another broker takes it).
    slow.appendAsLeader = (views, acks, options) => {
      const append = originals[0](views, acks, options);
      if ('errorCode' in append) return append;
      append.waitIn = (delayed) => delayed.watch(slow, append.requiredOffset + 1_000n, 'highWatermark');
      return append;
    };
    resigned.appendAsLeader = (views, acks, options) => {
      const append = originals[1](views, acks, options);
      if ('errorCode' in append) return append;
      const waitIn = append.waitIn.bind(append);
      append.waitIn = (delayed) => {
        const ack = waitIn(delayed);
        resigned.resign();
        return ack;
      };
      return append;
    };
    try {
      const body = { ...produceBody('events', 0, batch('a')), timeoutMs: 50 };
      body.topicData[0]!.partitionData.push({ index: 1, records: batch('b') });
      const started = Date.now();
      const response = await broker.call(ApiKey.Produce, 9, body);
      assert.ok(Date.now() - started >= 45, 'answered at the timeout, not before');
      const answers = response?.responses[0]?.partitionResponses.map((p) => [
        p.index,
        p.errorCode,
        p.baseOffset,
      ]);
      const slowOffset = slow.logEndOffset - 1n;
      assert.deepEqual(answers, [
        [0, ErrorCode.REQUEST_TIMED_OUT, slowOffset],
        [1, ErrorCode.NOT_LEADER_OR_FOLLOWER, -1n],
      ]);
      assert.equal(broker.context.replicas.delayedProduces.size, 0);
      assert.equal(slow.waitingAcks, 0, 'the timed-out wait left the partition');
    } finally {
      slow.appendAsLeader = originals[0];
      resigned.appendAsLeader = originals[1];
    }
  });

  it('answers a produce waiting on a deleted topic UNKNOWN_TOPIC_OR_PARTITION', async () => {
    await broker.call(ApiKey.CreateTopics, 7, createTopicsBody([{ name: 'doomed' }]));
    const partition = broker.context.replicas.getPartition('doomed', 0)!;
    const original = partition.appendAsLeader.bind(partition);
    // Its acknowledgement never comes on its own: only the deletion ends the wait.
    partition.appendAsLeader = (views, acks, options) => {
      const append = original(views, acks, options);
      if ('errorCode' in append) return append;
      append.waitIn = (delayed) => delayed.watch(partition, append.requiredOffset + 1_000n, 'highWatermark');
      return append;
    };
    const produced = broker.call(ApiKey.Produce, 9, {
      ...produceBody('doomed', 0, batch('a')),
      timeoutMs: 60_000,
    });
    await eventually('the produce waits', () => (partition.waitingAcks === 1 ? true : undefined));
    const deleted = await broker.call(ApiKey.DeleteTopics, 5, {
      topics: [],
      topicNames: ['doomed'],
      timeoutMs: 5000,
    });
    assert.equal(deleted?.responses[0]?.errorCode, ErrorCode.NONE);
    const response = await produced;
    const answer = response?.responses[0]?.partitionResponses[0];
    assert.equal(answer?.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    assert.equal(answer?.baseOffset, -1n);
  });

  it('answers INVALID_RECORD with record errors (v8+) for a record without a key on a compacted topic', async () => {
    const records = encodeRecordBatchSync(
      createRecordBatch({
        records: [{ key: Buffer.from('k'), value: Buffer.from('a') }, { value: Buffer.from('b') }],
      }),
    );
    const response = await broker.call(ApiKey.Produce, 9, produceBody('compacted', 0, records));
    const partition = response?.responses[0]?.partitionResponses[0];
    assert.equal(partition?.errorCode, ErrorCode.INVALID_RECORD);
    assert.deepEqual(
      partition?.recordErrors.map((error) => error.batchIndex),
      [1],
    );
    assert.match(partition?.errorMessage ?? '', /compacted/);
  });

  it('answers INVALID_TIMESTAMP for a record beyond message.timestamp.after.max.ms', async () => {
    const future = BigInt(Date.now() + 3_600_000);
    const records = encodeRecordBatchSync(
      createRecordBatch({ records: [{ value: Buffer.from('a'), timestamp: future }] }),
    );
    const response = await broker.call(ApiKey.Produce, 9, produceBody('bounded', 0, records));
    const partition = response?.responses[0]?.partitionResponses[0];
    assert.equal(partition?.errorCode, ErrorCode.INVALID_TIMESTAMP);
    assert.deepEqual(
      partition?.recordErrors.map((error) => error.batchIndex),
      [0],
    );
    const now = encodeRecordBatchSync(
      createRecordBatch({ records: [{ value: Buffer.from('a'), timestamp: BigInt(Date.now()) }] }),
    );
    const accepted = await broker.call(ApiKey.Produce, 9, produceBody('bounded', 0, now));
    assert.equal(accepted?.responses[0]?.partitionResponses[0]?.errorCode, ErrorCode.NONE);
  });
});
