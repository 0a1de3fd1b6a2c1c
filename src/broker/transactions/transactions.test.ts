// The transaction APIs through the dispatcher from encoded requests, over in-memory logs: FindCoordinator
// creates __transaction_state, InitProducerId fences by epoch, AddPartitionsToTxn (v0-3 and batched v4+
// with verifyOnly) and EndTxn drive the coordinator, markers land in the partitions, transactional
// offsets become visible only on commit, the Describe/List APIs report it, and a coordinator replayed
// from the same __transaction_state partitions knows every transactional id.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import {
  CONSUMER_OFFSETS_TOPIC,
  DEFAULT_TXN_COORDINATOR_CONFIG,
  startGroupRuntime,
  startTxnRuntime,
  TRANSACTION_STATE_TOPIC,
} from '../../coordinator/index.js';
import {
  type AddPartitionsToTxnRequest,
  ApiKey,
  createRecordBatch,
  decodeRecordBatches,
  ErrorCode,
  encodeRecordBatchSync,
  type InitProducerIdRequest,
} from '../../protocol/index.js';
import {
  createTestBroker,
  TEST_GROUP_SETTINGS,
  TEST_TXN_SETTINGS,
  type TestBroker,
} from '../broker-test-kit.js';
import { registerNode } from '../groups/group-requests.test-support.js';
import { topicCatalog } from '../groups/topic-catalog.js';
import { createTopicsBody, produceBody } from '../request-builders.test-support.js';

function init(transactionalId: string, timeoutMs = 60_000): InitProducerIdRequest {
  return { transactionalId, transactionTimeoutMs: timeoutMs, producerId: -1n, producerEpoch: -1 };
}

function addV3(
  transactionalId: string,
  producer: { producerId: bigint; producerEpoch: number },
  topics: Array<[string, number[]]>,
): AddPartitionsToTxnRequest {
  return {
    transactions: [],
    v3AndBelowTransactionalId: transactionalId,
    v3AndBelowProducerId: producer.producerId,
    v3AndBelowProducerEpoch: producer.producerEpoch,
    v3AndBelowTopics: topics.map(([name, partitions]) => ({ name, partitions })),
  };
}

function txnBatch(
  producer: { producerId: bigint; producerEpoch: number },
  baseSequence: number,
  values: string[],
) {
  return encodeRecordBatchSync(
    createRecordBatch({
      ...producer,
      baseSequence,
      isTransactional: true,
      records: values.map((value) => ({ value: Buffer.from(value) })),
      timestamp: 1000n,
    }),
  );
}

describe('transaction APIs', () => {
  let broker: TestBroker;
  beforeEach(async () => {
    broker = await createTestBroker();
    await registerNode(broker);
    await broker.call(ApiKey.CreateTopics, 7, createTopicsBody([{ name: 'orders', numPartitions: 2 }]));
  });
  afterEach(() => broker.close());

  async function producer(transactionalId: string) {
    const r = await broker.call(ApiKey.InitProducerId, 4, init(transactionalId));
    assert.equal(r?.errorCode, ErrorCode.NONE);
    return { producerId: r!.producerId, producerEpoch: r!.producerEpoch };
  }

  async function addPartitions(id: string, p: { producerId: bigint; producerEpoch: number }, version = 3) {
    const r = await broker.call(ApiKey.AddPartitionsToTxn, version, addV3(id, p, [['orders', [0, 1]]]));
    return r!.resultsByTopicV3AndBelow.flatMap((t) => t.resultsByPartition.map((x) => x.partitionErrorCode));
  }

  async function batchesOf(partition: number) {
    const read = await broker.context.replicas.getPartition('orders', partition)!.read(0n, 1 << 20, true);
    assert.equal(read.kind, 'records');
    return (await decodeRecordBatches(read.kind === 'records' ? read.records : Buffer.alloc(0))).batches;
  }

  it('FindCoordinator TRANSACTION answers this node and creates a compacted __transaction_state', async () => {
    const r = await broker.call(ApiKey.FindCoordinator, 4, {
      key: '',
      keyType: 1,
      coordinatorKeys: ['t', ''],
    });
    assert.deepEqual(
      r?.coordinators.map((c) => [c.key, c.errorCode, c.nodeId]),
      [
        ['t', ErrorCode.NONE, 1],
        ['', ErrorCode.INVALID_REQUEST, -1],
      ],
    );
    const topic = broker.context.metadata().topicsByName.get(TRANSACTION_STATE_TOPIC);
    assert.equal(topic?.partitions.size, TEST_TXN_SETTINGS.coordinator.numPartitions);
    const configs = broker.context.metadata().configs.get(`2:${TRANSACTION_STATE_TOPIC}`)?.configs;
    assert.equal(configs?.get('cleanup.policy'), 'compact');
    const v1 = await broker.call(ApiKey.FindCoordinator, 1, { key: 't', keyType: 1, coordinatorKeys: [] });
    assert.deepEqual([v1?.errorCode, v1?.nodeId], [ErrorCode.NONE, 1]);
  });

  it('InitProducerId fences: the older epoch gets PRODUCER_FENCED (v2+) or INVALID_PRODUCER_EPOCH (v0-1)', async () => {
    const first = await producer('t1');
    const second = await producer('t1');
    assert.deepEqual(second, { producerId: first.producerId, producerEpoch: 1 });
    assert.deepEqual(await addPartitions('t1', first, 2), [
      ErrorCode.PRODUCER_FENCED,
      ErrorCode.PRODUCER_FENCED,
    ]);
    assert.deepEqual(await addPartitions('t1', first, 1), [
      ErrorCode.INVALID_PRODUCER_EPOCH,
      ErrorCode.INVALID_PRODUCER_EPOCH,
    ]);
    const end = await broker.call(ApiKey.EndTxn, 1, { transactionalId: 't1', ...first, committed: true });
    assert.equal(end?.errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
    const tooLong = await broker.call(
      ApiKey.InitProducerId,
      4,
      init('t2', DEFAULT_TXN_COORDINATOR_CONFIG.transactionMaxTimeoutMs + 1),
    );
    assert.equal(tooLong?.errorCode, ErrorCode.INVALID_TRANSACTION_TIMEOUT);
  });

  it('AddPartitionsToTxn: unknown partitions get UNKNOWN_TOPIC_OR_PARTITION and the rest OPERATION_NOT_ATTEMPTED', async () => {
    const p = await producer('t1');
    const r = await broker.call(
      ApiKey.AddPartitionsToTxn,
      3,
      addV3('t1', p, [
        ['orders', [0, 9]],
        ['nope', [0]],
      ]),
    );
    assert.deepEqual(
      r?.resultsByTopicV3AndBelow.map((t) => [t.name, t.resultsByPartition.map((x) => x.partitionErrorCode)]),
      [
        ['orders', [ErrorCode.OPERATION_NOT_ATTEMPTED, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]],
        ['nope', [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]],
      ],
    );
    const unknownId = await broker.call(ApiKey.AddPartitionsToTxn, 3, addV3('nobody', p, [['orders', [0]]]));
    assert.equal(
      unknownId?.resultsByTopicV3AndBelow[0]?.resultsByPartition[0]?.partitionErrorCode,
      ErrorCode.INVALID_PRODUCER_ID_MAPPING,
    );
  });

  it('committed transaction: markers in every partition, DescribeTransactions, ListTransactions, DescribeProducers', async () => {
    const p = await producer('t1');
    assert.deepEqual(await addPartitions('t1', p), [ErrorCode.NONE, ErrorCode.NONE]);
    const body = { ...produceBody('orders', 0, txnBatch(p, 0, ['a', 'b'])), transactionalId: 't1' };
    const produced = await broker.call(ApiKey.Produce, 9, body);
    assert.equal(produced?.responses[0]?.partitionResponses[0]?.errorCode, ErrorCode.NONE);
    const ongoing = await broker.call(ApiKey.DescribeTransactions, 0, {
      transactionalIds: ['t1', 'nobody', ''],
    });
    assert.deepEqual(
      ongoing?.transactionStates.map((s) => [s.transactionalId, s.errorCode, s.transactionState]),
      [
        ['t1', ErrorCode.NONE, 'Ongoing'],
        ['nobody', ErrorCode.TRANSACTIONAL_ID_NOT_FOUND, ''],
        ['', ErrorCode.INVALID_REQUEST, ''],
      ],
    );
    assert.deepEqual(ongoing?.transactionStates[0]?.topics, [{ topic: 'orders', partitions: [0, 1] }]);
    const producers = await broker.call(ApiKey.DescribeProducers, 0, {
      topics: [{ name: 'orders', partitionIndexes: [0, 7] }],
    });
    const [p0, p7] = producers!.topics[0]!.partitions;
    assert.deepEqual(
      p0?.activeProducers.map((a) => [
        a.producerId,
        a.producerEpoch,
        a.lastSequence,
        a.currentTxnStartOffset,
      ]),
      [[p.producerId, 0, 1, 0n]],
    );
    assert.equal(p7?.errorCode, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const end = await broker.call(ApiKey.EndTxn, 3, { transactionalId: 't1', ...p, committed: true });
    assert.equal(end?.errorCode, ErrorCode.NONE);
    await waitFor(async () => (await describeState('t1')) === 'CompleteCommit');
    for (const partition of [0, 1]) {
      const control = (await batchesOf(partition)).filter((b) => b.isControl);
      assert.equal(control.length, 1, `one marker in orders-${partition}`);
      assert.equal(control[0]?.producerId, p.producerId);
      assert.equal(control[0]?.records[0]?.key?.readInt16BE(2), 1, 'COMMIT');
    }
    const listed = await broker.call(ApiKey.ListTransactions, 1, {
      stateFilters: ['CompleteCommit', 'Bogus'],
      producerIdFilters: [],
      durationFilter: -1n,
    });
    assert.deepEqual(listed?.unknownStateFilters, ['Bogus']);
    assert.deepEqual(
      listed?.transactionStates.map((s) => [s.transactionalId, s.transactionState]),
      [['t1', 'CompleteCommit']],
    );
    const retry = await broker.call(ApiKey.EndTxn, 3, { transactionalId: 't1', ...p, committed: true });
    assert.equal(retry?.errorCode, ErrorCode.NONE);
  });

  it('EndTxn v5 (Transactions V2) answers the bumped epoch, and the markers carry it', async () => {
    const p = await producer('t1');
    await addPartitions('t1', p);
    const end = await broker.call(ApiKey.EndTxn, 5, { transactionalId: 't1', ...p, committed: false });
    assert.deepEqual([end?.errorCode, end?.producerId, end?.producerEpoch], [0, p.producerId, 1]);
    await waitFor(async () => (await describeState('t1')) === 'CompleteAbort');
    const marker = (await batchesOf(0)).find((b) => b.isControl);
    assert.deepEqual([marker?.producerEpoch, marker?.records[0]?.key?.readInt16BE(2)], [1, 0]);
  });

  it('AddPartitionsToTxn v4+ batches transactions; verifyOnly answers per partition', async () => {
    const a = await producer('a');
    const b = await producer('b');
    await addPartitions('a', a);
    const body: AddPartitionsToTxnRequest = {
      transactions: [
        { transactionalId: 'a', ...a, verifyOnly: true, topics: [{ name: 'orders', partitions: [0] }] },
        { transactionalId: 'b', ...b, verifyOnly: true, topics: [{ name: 'orders', partitions: [0] }] },
        { transactionalId: 'b', ...b, verifyOnly: false, topics: [{ name: 'orders', partitions: [1] }] },
      ],
      v3AndBelowTransactionalId: '',
      v3AndBelowProducerId: 0n,
      v3AndBelowProducerEpoch: 0,
      v3AndBelowTopics: [],
    };
    const codes = async (version: number) =>
      (await broker.call(ApiKey.AddPartitionsToTxn, version, body))?.resultsByTransaction.map(
        (t) => t.topicResults[0]?.resultsByPartition[0]?.partitionErrorCode,
      );
    assert.deepEqual(await codes(5), [ErrorCode.NONE, ErrorCode.TRANSACTION_ABORTABLE, ErrorCode.NONE]);
    assert.deepEqual(await codes(4), [ErrorCode.NONE, ErrorCode.INVALID_TXN_STATE, ErrorCode.NONE]);
    assert.equal(await describeState('b'), 'Ongoing');
  });

  it('transactional offsets: held as pending (UNSTABLE_OFFSET_COMMIT), visible after COMMIT, dropped after ABORT', async () => {
    const p = await producer('t1');
    const offsetsFor = async (groupId: string, requireStable: boolean) =>
      (
        await broker.call(ApiKey.OffsetFetch, 7, {
          groupId,
          topics: [{ name: 'orders', partitionIndexes: [0] }],
          groups: [],
          requireStable,
        })
      )?.topics[0]?.partitions[0];
    for (const [groupId, committed] of [
      ['g-commit', true],
      ['g-abort', false],
    ] as const) {
      const add = await broker.call(ApiKey.AddOffsetsToTxn, 3, { transactionalId: 't1', ...p, groupId });
      assert.equal(add?.errorCode, ErrorCode.NONE);
      const commit = await broker.call(ApiKey.TxnOffsetCommit, 3, {
        transactionalId: 't1',
        groupId,
        ...p,
        generationId: -1,
        memberId: '',
        groupInstanceId: null,
        topics: [
          {
            name: 'orders',
            partitions: [
              { partitionIndex: 0, committedOffset: 42n, committedLeaderEpoch: -1, committedMetadata: '' },
            ],
          },
        ],
      });
      assert.equal(commit?.topics[0]?.partitions[0]?.errorCode, ErrorCode.NONE);
      assert.equal((await offsetsFor(groupId, true))?.errorCode, ErrorCode.UNSTABLE_OFFSET_COMMIT);
      assert.equal((await offsetsFor(groupId, false))?.committedOffset, -1n);
      const end = await broker.call(ApiKey.EndTxn, 3, { transactionalId: 't1', ...p, committed });
      assert.equal(end?.errorCode, ErrorCode.NONE);
      await waitFor(async () => (await describeState('t1'))?.startsWith('Complete') === true);
      const after = await offsetsFor(groupId, true);
      assert.deepEqual([after?.errorCode, after?.committedOffset], [ErrorCode.NONE, committed ? 42n : -1n]);
    }
    const notAdded = await broker.call(ApiKey.TxnOffsetCommit, 3, {
      transactionalId: 't1',
      groupId: 'g-other',
      ...p,
      generationId: -1,
      memberId: '',
      groupInstanceId: null,
      topics: [
        {
          name: 'orders',
          partitions: [
            { partitionIndex: 0, committedOffset: 1n, committedLeaderEpoch: -1, committedMetadata: '' },
          ],
        },
      ],
    });
    assert.equal(notAdded?.topics[0]?.partitions[0]?.errorCode, ErrorCode.INVALID_TXN_STATE);
    // An open transaction's offsets stay pending through a replay; ended ones count as they ended.
    await broker.call(ApiKey.AddOffsetsToTxn, 3, { transactionalId: 't1', ...p, groupId: 'g-open' });
    await broker.call(ApiKey.TxnOffsetCommit, 3, {
      transactionalId: 't1',
      groupId: 'g-open',
      ...p,
      generationId: -1,
      memberId: '',
      groupInstanceId: null,
      topics: [
        {
          name: 'orders',
          partitions: [
            { partitionIndex: 0, committedOffset: 7n, committedLeaderEpoch: -1, committedMetadata: '' },
          ],
        },
      ],
    });
    const replayed = await startGroupRuntime({
      replicas: broker.context.replicas,
      createTopic: async () => ErrorCode.NONE,
      config: TEST_GROUP_SETTINGS.coordinator,
      numPartitions: TEST_GROUP_SETTINGS.numPartitions,
      retentionCheckIntervalMs: 600_000,
      clock: { nowMs: () => Date.now(), schedule: () => () => {} },
      topics: () => topicCatalog(broker.context.metadata()),
      newMemberId: (clientId) => `${clientId}-again`,
      onError: (error) => assert.fail(String(error)),
    });
    try {
      assert.equal(replayed.classic.offsets.get('g-commit', 'orders', 0)?.offset, 42n);
      assert.equal(replayed.classic.offsets.get('g-abort', 'orders', 0), undefined);
      assert.equal(replayed.classic.offsets.get('g-open', 'orders', 0), undefined);
      assert.equal(replayed.classic.txnOffsets.has('g-open', 'orders', 0), true);
      replayed.completeTransaction(p.producerId, true, [replayed.partitionFor('g-open')]);
      assert.equal(replayed.classic.offsets.get('g-open', 'orders', 0)?.offset, 7n);
    } finally {
      replayed.close();
    }
    assert.ok(
      broker.context.replicas.getPartition(
        CONSUMER_OFFSETS_TOPIC,
        broker.context.groups.partitionFor('g-commit'),
      ),
    );
  });

  it('KIP-890: with verification on, a transactional batch to a partition not in the transaction is refused', async () => {
    const verified = await createTestBroker({}, {}, {}, { verifyTransactions: true });
    try {
      await verified.call(ApiKey.CreateTopics, 7, createTopicsBody([{ name: 'orders', numPartitions: 2 }]));
      const r = await verified.call(ApiKey.InitProducerId, 4, init('t1'));
      const p = { producerId: r!.producerId, producerEpoch: r!.producerEpoch };
      const produce = async (partition: number) => {
        const body = { ...produceBody('orders', partition, txnBatch(p, 0, ['x'])), transactionalId: 't1' };
        return (await verified.call(ApiKey.Produce, 9, body))?.responses[0]?.partitionResponses[0]?.errorCode;
      };
      assert.equal(await produce(0), ErrorCode.INVALID_TXN_STATE, 'not added to the transaction');
      await verified.call(ApiKey.AddPartitionsToTxn, 3, addV3('t1', p, [['orders', [0]]]));
      assert.equal(await produce(0), ErrorCode.NONE);
      const stale = {
        ...produceBody('orders', 1, txnBatch({ ...p, producerEpoch: 7 }, 0, ['x'])),
        transactionalId: 't1',
      };
      const fenced = await verified.call(ApiKey.Produce, 9, stale);
      assert.equal(fenced?.responses[0]?.partitionResponses[0]?.errorCode, ErrorCode.INVALID_PRODUCER_EPOCH);
    } finally {
      await verified.close();
    }
  });

  it('a coordinator replayed from __transaction_state knows every transactional id and its state', async () => {
    const done = await producer('done');
    await addPartitions('done', done);
    await broker.call(ApiKey.EndTxn, 3, { transactionalId: 'done', ...done, committed: true });
    const open = await producer('open');
    await addPartitions('open', open);
    await waitFor(async () => (await describeState('done')) === 'CompleteCommit');
    const replayed = await startTxnRuntime({
      replicas: broker.context.replicas,
      createTopic: async () => ErrorCode.NONE,
      config: TEST_TXN_SETTINGS.coordinator,
      markers: { writeMarkers: async () => [] },
      producerIds: broker.context.producerIds,
      clock: { nowMs: () => Date.now(), schedule: () => () => {} },
      onError: () => {},
    });
    try {
      assert.deepEqual(
        replayed.list().map((m) => [m.transactionalId, m.state, m.producerId, m.producerEpoch]),
        [
          ['done', 'CompleteCommit', done.producerId, 0],
          ['open', 'Ongoing', open.producerId, 0],
        ],
      );
      assert.deepEqual(replayed.describe('open')?.partitions, [
        { topic: 'orders', partition: 0 },
        { topic: 'orders', partition: 1 },
      ]);
    } finally {
      replayed.close();
    }
  });

  async function describeState(transactionalId: string): Promise<string | undefined> {
    const r = await broker.call(ApiKey.DescribeTransactions, 0, { transactionalIds: [transactionalId] });
    return r?.transactionStates[0]?.transactionState;
  }
});

/** Polls `condition` until it holds or 5 s pass (markers are written after EndTxn answers). */
async function waitFor(condition: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met within 5 s');
    await new Promise((resolve) => setImmediate(resolve));
  }
}
