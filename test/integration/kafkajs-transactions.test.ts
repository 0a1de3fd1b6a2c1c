// KafkaJS 2.2.4 transactions against a real `pyralog start` process: a transactional producer commits,
// aborts and commits again across two partitions; a read_committed consumer sees exactly the committed
// records in order and never an aborted one, a read_uncommitted consumer sees both. A second producer
// with the same transactional.id fences the first, whose open transaction is aborted and whose commit
// fails with the fencing error. A consume-transform-produce step sends its consumer offsets inside the
// transaction: they are the group's committed offsets after the commit, not after an abort. The broker
// is then SIGKILLed and restarted: the transactional id keeps its producer id and the next producer
// gets the next epoch (state replayed from __transaction_state).
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type kafkajs from 'kafkajs';
import { KafkaConnection } from '../../src/network/index.js';
import { ApiKey, ErrorCode } from '../../src/protocol/index.js';
import { eventually } from '../../src/testing/index.js';
import { killPyralog, type PyralogProcess, startPyralog, stopPyralog } from '../../tools/pyralog-process.js';
import { kafkaClient, withAdmin } from './kafkajs-client.js';

const TOPIC = 'txn-out';
const BROKER_ARGS = [
  '--override',
  'group.initial.rebalance.delay.ms=0',
  '--override',
  'offsets.topic.num.partitions=3',
  '--override',
  'transaction.state.log.num.partitions=3',
];

const waitFor = <T>(what: string, probe: () => Promise<T | undefined>): Promise<T> =>
  eventually(what, probe, { timeoutMs: 30_000, intervalMs: 100 });

function transactionalProducer(bootstrap: string, transactionalId: string): kafkajs.Producer {
  return kafkaClient(bootstrap, transactionalId, 5).producer({
    transactionalId,
    idempotent: true,
    maxInFlightRequests: 1,
  });
}

/** Reads `topic` from the start with a fresh group until every value of `last` arrived; the values per partition, in order. */
async function readAll(
  bootstrap: string,
  topic: string,
  readUncommitted: boolean,
  ...last: string[]
): Promise<Map<number, string[]>> {
  const waiting = new Set(last);
  const consumer = kafkaClient(bootstrap, `reader-${readUncommitted}`, 5).consumer({
    groupId: `reader-${readUncommitted}-${Date.now()}`,
    readUncommitted,
    maxWaitTimeInMs: 100,
  });
  const seen = new Map<number, string[]>();
  let done: () => void = () => {};
  const finished = new Promise<void>((resolve) => {
    done = resolve;
  });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        const value = message.value?.toString() ?? '';
        seen.set(partition, [...(seen.get(partition) ?? []), value]);
        waiting.delete(value);
        if (waiting.size === 0) done();
      },
    });
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      finished,
      new Promise((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`${[...waiting].join(', ')} not read within 30 s`)),
          30_000,
        );
      }),
    ]).finally(() => clearTimeout(timer));
  } finally {
    await consumer.disconnect();
  }
  return seen;
}

async function describeTxn(port: number, transactionalId: string) {
  const connection = await KafkaConnection.connect({ host: '127.0.0.1', port });
  try {
    const r = await connection.request(ApiKey.DescribeTransactions, 0, {
      transactionalIds: [transactionalId],
    });
    return r.transactionStates[0];
  } finally {
    await connection.close();
  }
}

describe('KafkaJS transactions', () => {
  let dataDir: string;
  let broker: PyralogProcess;
  const port = () => Number(broker.bootstrap.split(':').at(-1));

  before(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'pyralog-kafkajs-txn-'));
    broker = await startPyralog(dataDir, BROKER_ARGS);
    await withAdmin(kafkaClient(broker.bootstrap, 'admin'), (admin) =>
      admin.createTopics({
        topics: [
          { topic: TOPIC, numPartitions: 2 },
          { topic: 'txn-in', numPartitions: 1 },
        ],
      }),
    );
  });
  after(async () => {
    if (broker !== undefined) await stopPyralog(broker);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('read_committed sees committed transactions only, read_uncommitted sees aborted ones too', async () => {
    const producer = transactionalProducer(broker.bootstrap, 'tx-main');
    await producer.connect();
    try {
      for (const [name, commit] of [
        ['c1', true],
        ['a2', false],
        ['c3', true],
      ] as const) {
        const txn = await producer.transaction();
        for (let i = 0; i < 4; i++) {
          await txn.send({
            topic: TOPIC,
            messages: [{ key: `k${i % 2}`, value: `${name}-${i}`, partition: i % 2 }],
          });
        }
        if (commit) await txn.commit();
        else await txn.abort();
      }
      // The end marker of the last transaction lands in both partitions; one more committed record closes each stream.
      const closing = await producer.transaction();
      await closing.send({
        topic: TOPIC,
        messages: [
          { value: 'end-0', partition: 0 },
          { value: 'end-1', partition: 1 },
        ],
      });
      await closing.commit();
    } finally {
      await producer.disconnect();
    }
    const committed = await readAll(broker.bootstrap, TOPIC, false, 'end-0', 'end-1');
    assert.deepEqual(committed.get(0), ['c1-0', 'c1-2', 'c3-0', 'c3-2', 'end-0']);
    assert.deepEqual(committed.get(1), ['c1-1', 'c1-3', 'c3-1', 'c3-3', 'end-1']);
    const everything = await readAll(broker.bootstrap, TOPIC, true, 'end-0', 'end-1');
    assert.deepEqual(everything.get(1), ['c1-1', 'c1-3', 'a2-1', 'a2-3', 'c3-1', 'c3-3', 'end-1']);
    const state = await describeTxn(port(), 'tx-main');
    assert.equal(state?.transactionState, 'CompleteCommit');
  });

  it('a second producer with the same transactional.id fences the first', async () => {
    const first = transactionalProducer(broker.bootstrap, 'tx-fence');
    await first.connect();
    const open = await first.transaction();
    await open.send({ topic: TOPIC, messages: [{ value: 'zombie-0', partition: 0 }] });
    const second = transactionalProducer(broker.bootstrap, 'tx-fence');
    await second.connect();
    try {
      const txn = await second.transaction();
      await txn.send({ topic: TOPIC, messages: [{ value: 'winner-0', partition: 0 }] });
      await txn.commit();
      await assert.rejects(open.commit(), (error: Error & { type?: string }) => {
        assert.match(String(error.type ?? error.message), /INVALID_PRODUCER_EPOCH|PRODUCER_FENCED/);
        return true;
      });
    } finally {
      await first.disconnect().catch(() => {});
      await second.disconnect();
    }
    const committed = await readAll(broker.bootstrap, TOPIC, false, 'winner-0');
    assert.equal(committed.get(0)?.includes('zombie-0'), false, 'the fenced transaction was aborted');
    const state = await describeTxn(port(), 'tx-fence');
    assert.equal(state?.producerEpoch, 2, 'epoch 0, the fence (abort) at 1, the new producer at 2');
  });

  it('consume-transform-produce: offsets sent in the transaction are committed with it, not after an abort', async () => {
    const kafka = kafkaClient(broker.bootstrap, 'ctp', 5);
    const input = kafka.producer();
    await input.connect();
    await input.send({ topic: 'txn-in', messages: [{ value: 'x' }, { value: 'y' }] });
    await input.disconnect();
    const producer = transactionalProducer(broker.bootstrap, 'tx-ctp');
    await producer.connect();
    try {
      const aborted = await producer.transaction();
      await aborted.send({ topic: TOPIC, messages: [{ value: 'ctp-aborted', partition: 1 }] });
      await aborted.sendOffsets({
        consumerGroupId: 'ctp-group',
        topics: [{ topic: 'txn-in', partitions: [{ partition: 0, offset: '1' }] }],
      });
      await aborted.abort();
      const offsetsAfterAbort = await withAdmin(kafka, (admin) =>
        admin.fetchOffsets({ groupId: 'ctp-group', topics: ['txn-in'] }),
      );
      assert.equal(offsetsAfterAbort[0]?.partitions[0]?.offset, '-1');
      const txn = await producer.transaction();
      await txn.send({ topic: TOPIC, messages: [{ value: 'ctp-committed', partition: 1 }] });
      await txn.sendOffsets({
        consumerGroupId: 'ctp-group',
        topics: [{ topic: 'txn-in', partitions: [{ partition: 0, offset: '2' }] }],
      });
      await txn.commit();
    } finally {
      await producer.disconnect();
    }
    const offsets = await waitFor('the committed offset', async () => {
      const fetched = await withAdmin(kafka, (admin) =>
        admin.fetchOffsets({ groupId: 'ctp-group', topics: ['txn-in'] }),
      );
      const offset = fetched[0]?.partitions[0]?.offset;
      return offset === '2' ? offset : undefined;
    });
    assert.equal(offsets, '2');
  });

  it('after SIGKILL and restart the transactional ids are replayed: the next producer gets the next epoch', async () => {
    const before = await describeTxn(port(), 'tx-main');
    await killPyralog(broker);
    broker = await startPyralog(dataDir, BROKER_ARGS);
    const after = await waitFor('the replayed coordinator', async () => {
      const state = await describeTxn(port(), 'tx-main');
      return state?.errorCode === ErrorCode.NONE ? state : undefined;
    });
    assert.deepEqual(
      [after.producerId, after.producerEpoch, after.transactionState],
      [before?.producerId, before?.producerEpoch, 'CompleteCommit'],
    );
    const producer = transactionalProducer(broker.bootstrap, 'tx-main');
    await producer.connect();
    try {
      const txn = await producer.transaction();
      await txn.send({ topic: TOPIC, messages: [{ value: 'after-restart', partition: 0 }] });
      await txn.commit();
    } finally {
      await producer.disconnect();
    }
    const state = await describeTxn(port(), 'tx-main');
    assert.deepEqual(
      [state?.producerId, state?.producerEpoch],
      [before?.producerId, (before?.producerEpoch ?? 0) + 1],
    );
    const committed = await readAll(broker.bootstrap, TOPIC, false, 'after-restart');
    assert.equal(committed.get(0)?.filter((v) => v === 'after-restart').length, 1);
  });
});
