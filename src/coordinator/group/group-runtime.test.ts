// The runtime's handling of a lost __consumer_offsets write of a KIP-848 group, over a log whose appends
// the test completes one by one: a failed write followed by a successful one built on it leaves neither
// change in memory, both heartbeats are told to retry, a repair brings the log back, replaying the log
// gives the group the coordinator holds, and later heartbeats are answered normally. When the repair is
// lost too, the group is unloaded and read back from the log, so memory and log agree again.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { type ConsumerGroupHeartbeatRequest, ErrorCode, uuidFromBytes } from '../../protocol/index.js';
import type { EncodedRecord } from '../internal-topic-log.js';
import { ConsumerGroupCoordinator } from './consumer-group/consumer-group-coordinator.js';
import { type ConsumerGroupRecord, loadConsumerGroups } from './consumer-group/consumer-group-records.js';
import type { ConsumerGroup } from './consumer-group/consumer-group-state.js';
import { DEFAULT_GROUP_COORDINATOR_CONFIG, type TopicCatalog } from './group-config.js';
import { GroupCoordinator } from './group-coordinator.js';
import { decodeGroupRecord } from './group-record-codec.js';
import { GroupRuntime } from './group-runtime.js';

const topic = { topicId: uuidFromBytes(Buffer.alloc(16, 7), 0), name: 't', partitionCount: 4 };
const catalog: TopicCatalog = {
  byName: (name) => (name === 't' ? topic : undefined),
  byId: (id) => (id === topic.topicId ? topic : undefined),
  names: () => ['t'],
};

/** A log whose appends wait until the test settles them; settled records are kept in order. */
class ManualLog {
  readonly waiting: Array<{ records: readonly EncodedRecord[]; settle: (errorCode: number) => void }> = [];
  readonly landed: EncodedRecord[] = [];

  ensureTopic(): Promise<number> {
    return Promise.resolve(ErrorCode.NONE);
  }

  append(_partition: number, records: readonly EncodedRecord[]): Promise<number> {
    return new Promise((resolve) => {
      this.waiting.push({
        records,
        settle: (errorCode) => {
          if (errorCode === ErrorCode.NONE) this.landed.push(...records);
          resolve(errorCode);
        },
      });
    });
  }

  appendTransactional(): Promise<number> {
    return Promise.resolve(ErrorCode.NONE);
  }

  /** Waits for the next append (the runtime flushes a batch on setImmediate). */
  async next(): Promise<{ records: readonly EncodedRecord[]; settle: (errorCode: number) => void }> {
    for (let turns = 0; turns < 100; turns++) {
      const first = this.waiting.shift();
      if (first !== undefined) return first;
      await new Promise((resolve) => setImmediate(resolve));
    }
    throw new Error('no append came');
  }
}

function heartbeat(
  memberId: string,
  memberEpoch: number,
  owned: ConsumerGroupHeartbeatRequest['topicPartitions'] = null,
): ConsumerGroupHeartbeatRequest {
  return {
    groupId: 'g',
    memberId,
    memberEpoch,
    instanceId: null,
    rackId: null,
    rebalanceTimeoutMs: 30_000,
    subscribedTopicNames: memberEpoch === 0 ? ['t'] : null,
    subscribedTopicRegex: null,
    serverAssignor: null,
    topicPartitions: memberEpoch === 0 ? [] : owned,
  };
}

/** The KIP-848 groups the settled records rebuild, as a restart (or a reload) would. */
function replay(log: ManualLog) {
  return loadConsumerGroups(
    log.landed.map((r) => decodeGroupRecord(r.key, r.value) as ConsumerGroupRecord),
    { nowMs: 1_000, sessionTimeoutMs: 45_000, defaultAssignor: 'uniform' },
  );
}

const client = { clientId: 'c', clientHost: '/h' };

/** A runtime over `log` with one __consumer_offsets partition and a clock that stands still. */
function newRuntime(
  log: ManualLog,
  reloadConsumerGroup: (groupId: string) => Promise<ConsumerGroup | undefined>,
) {
  let n = 0;
  const config = { ...DEFAULT_GROUP_COORDINATOR_CONFIG, groupInitialRebalanceDelayMs: 0 };
  const consumer = new ConsumerGroupCoordinator(config, () => `m${++n}`, 100);
  const errors: unknown[] = [];
  const runtime = new GroupRuntime({
    classic: new GroupCoordinator(config, { newMemberId: (clientId) => `${clientId}-${++n}` }),
    consumer,
    log,
    clock: { nowMs: () => 1_000, schedule: () => () => {} },
    numPartitions: 1,
    retentionCheckIntervalMs: 600_000,
    topics: () => catalog,
    onError: (error) => errors.push(error),
    reloadConsumerGroup,
  });
  return { runtime, consumer, errors };
}

/** Sends `request` and lands the write it makes. */
async function heartbeatSettled(
  runtime: GroupRuntime,
  log: ManualLog,
  request: ConsumerGroupHeartbeatRequest,
) {
  const answer = runtime.consumerGroupHeartbeat(request, client);
  (await log.next()).settle(ErrorCode.NONE);
  return answer;
}

/**
 * m2 joins (write A, held) and `first`'s heartbeat is asked to revoke for it (write B, built on A); A is
 * lost and B lands. Returns both answers.
 */
async function loseJoinUnderRevoke(
  runtime: GroupRuntime,
  log: ManualLog,
  first: Awaited<ReturnType<GroupRuntime['consumerGroupHeartbeat']>>,
) {
  const second = runtime.consumerGroupHeartbeat(heartbeat('', 0), client);
  const writeA = await log.next();
  const revoke = runtime.consumerGroupHeartbeat(
    heartbeat(first.memberId ?? '', first.memberEpoch, first.assignment?.topicPartitions ?? []),
    client,
  );
  const writeB = await log.next();
  writeA.settle(ErrorCode.KAFKA_STORAGE_ERROR);
  writeB.settle(ErrorCode.NONE);
  return { second: await second, revoke: await revoke };
}

const members = (group: ConsumerGroup | undefined) =>
  [...(group?.members.values() ?? [])].map((m) => [m.memberId, m.memberEpoch, [...m.assigned].sort()]);

it('a lost repair write unloads the group: COORDINATOR_LOAD_IN_PROGRESS until it is read back from the log, then memory is the log', async () => {
  const log = new ManualLog();
  let reloads = 0;
  let release = (): void => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const { runtime, consumer, errors } = newRuntime(log, async (groupId) => {
    reloads += 1;
    await released;
    return replay(log).get(groupId);
  });
  try {
    const first = await heartbeatSettled(runtime, log, heartbeat('', 0));
    assert.equal(first.errorCode, ErrorCode.NONE);

    // m2 joins (write A) and m1 is asked to revoke for it (write B, built on A). A is lost, B lands,
    // and the repair that would bring the log back is lost as well.
    const { second, revoke } = await loseJoinUnderRevoke(runtime, log, first);
    assert.equal(second.errorCode, ErrorCode.NOT_COORDINATOR);
    assert.equal(revoke.errorCode, ErrorCode.NOT_COORDINATOR);
    const repair = await log.next();
    assert.ok(repair.records.length > 0);
    repair.settle(ErrorCode.KAFKA_STORAGE_ERROR);
    for (let turns = 0; turns < 100 && reloads === 0; turns++) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.equal(reloads, 1, 'the group is read back once its writes settled');
    assert.equal(consumer.groups.has('g'), false, 'unloaded meanwhile');
    const loading = await runtime.consumerGroupHeartbeat(
      heartbeat(first.memberId ?? '', first.memberEpoch),
      client,
    );
    assert.equal(loading.errorCode, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    assert.ok(errors.length === 1, 'the lost repair is reported once');

    const commit = await runtime.offsetCommit(
      {
        groupId: 'g',
        generationIdOrMemberEpoch: first.memberEpoch,
        memberId: first.memberId ?? '',
        groupInstanceId: null,
        retentionTimeMs: -1n,
        topics: [
          {
            name: 't',
            partitions: [
              {
                partitionIndex: 0,
                committedOffset: 1n,
                committedLeaderEpoch: -1,
                commitTimestamp: -1n,
                committedMetadata: null,
              },
            ],
          },
        ],
      },
      9,
    );
    assert.equal(commit.topics[0]?.partitions[0]?.errorCode, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    release();
    for (let turns = 0; turns < 100 && !consumer.groups.has('g'); turns++) {
      await new Promise((resolve) => setImmediate(resolve));
    }
    assert.equal(reloads, 1);
    assert.deepEqual(
      members(consumer.groups.get('g')),
      members(replay(log).get('g')),
      'memory is the log again',
    );
    assert.equal(consumer.groups.get('g')?.groupEpoch, replay(log).get('g')?.groupEpoch);

    const again = runtime.consumerGroupHeartbeat(heartbeat(first.memberId ?? '', first.memberEpoch), client);
    void log.next().then(
      (write) => write.settle(ErrorCode.NONE),
      () => {},
    );
    assert.equal((await again).errorCode, ErrorCode.NONE);
  } finally {
    runtime.close();
  }
});

it('a failed write followed by a successful one built on it: both undone, both told to retry, the log repaired', async () => {
  const log = new ManualLog();
  const { runtime, consumer, errors } = newRuntime(log, (groupId) =>
    Promise.resolve(replay(log).get(groupId)),
  );
  try {
    const first = await heartbeatSettled(runtime, log, heartbeat('', 0));
    assert.equal(first.errorCode, ErrorCode.NONE);
    const settled = consumer.groups.get('g');

    // m2 joins (write A, then held), and m1's heartbeat is asked to revoke for it (write B, built on A).
    const { second, revoke } = await loseJoinUnderRevoke(runtime, log, first);
    assert.equal(second.errorCode, ErrorCode.NOT_COORDINATOR);
    assert.equal(revoke.errorCode, ErrorCode.NOT_COORDINATOR, 'built on the lost write');
    assert.equal(consumer.groups.get('g'), settled, 'memory is back where the log was before A');

    const repair = await log.next();
    assert.ok(repair.records.length > 0);
    repair.settle(ErrorCode.NONE);
    await new Promise((resolve) => setImmediate(resolve));
    const replayed = replay(log);
    assert.deepEqual(members(replayed.get('g')), members(settled));
    assert.equal(replayed.get('g')?.groupEpoch, settled?.groupEpoch);
    assert.deepEqual([...(replayed.get('g')?.target.keys() ?? [])], [...(settled?.target.keys() ?? [])]);

    // The chain starts again: m1 heartbeats at its epoch and is answered once its write is durable.
    const again = runtime.consumerGroupHeartbeat(heartbeat(first.memberId ?? '', first.memberEpoch), client);
    void log.next().then(
      (write) => write.settle(ErrorCode.NONE),
      () => {},
    );
    assert.equal((await again).errorCode, ErrorCode.NONE);
    assert.deepEqual(errors, []);
  } finally {
    runtime.close();
  }
});
