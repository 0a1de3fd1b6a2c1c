// The group APIs through the dispatcher, over in-memory logs: FindCoordinator creates __consumer_offsets,
// JoinGroup is held until the rebalance completes, assignments and offsets are written to the group's
// partition, a new coordinator replayed from those partitions serves the same groups and offsets, and
// session timeouts fire from the (injected) clock.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { CONSUMER_OFFSETS_TOPIC, groupPartition, startGroupRuntime } from '../../coordinator/index.js';
import { ApiKey, ErrorCode, type JoinGroupResponse } from '../../protocol/index.js';
import { createTestBroker, TEST_GROUP_SETTINGS, type TestBroker } from '../broker-test-kit.js';
import {
  COORDINATOR_PORT,
  commitBody,
  joinBody,
  ManualGroupClock,
  registerNode,
  syncBody,
} from './group-requests.test-support.js';
import { topicCatalog } from './topic-catalog.js';

describe('group APIs', () => {
  let broker: TestBroker;
  let clock: ManualGroupClock;
  beforeEach(async () => {
    clock = new ManualGroupClock();
    broker = await createTestBroker({}, {}, {}, { clock });
    await registerNode(broker);
  });
  afterEach(() => broker.close());

  /** Joins a new member (KIP-394: the first JoinGroup returns the id to use); `answer` may stay held. */
  async function join(groupId: string): Promise<{ answer: Promise<JoinGroupResponse | null> }> {
    const first = await broker.call(ApiKey.JoinGroup, 9, joinBody(groupId));
    assert.equal(first?.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
    return { answer: broker.call(ApiKey.JoinGroup, 9, joinBody(groupId, first?.memberId ?? '')) };
  }

  it('FindCoordinator answers this node and creates a compacted __consumer_offsets', async () => {
    const v3 = await broker.call(ApiKey.FindCoordinator, 3, { key: 'g', keyType: 0, coordinatorKeys: [] });
    assert.deepEqual([v3?.errorCode, v3?.nodeId, v3?.host, v3?.port], [0, 1, 'localhost', COORDINATOR_PORT]);
    const topic = broker.context.metadata().topicsByName.get(CONSUMER_OFFSETS_TOPIC);
    assert.equal(topic?.partitions.size, TEST_GROUP_SETTINGS.numPartitions);
    const configs = broker.context.metadata().configs.get(`2:${CONSUMER_OFFSETS_TOPIC}`)?.configs;
    assert.equal(configs?.get('cleanup.policy'), 'compact');
    const v4 = await broker.call(ApiKey.FindCoordinator, 4, {
      key: '',
      keyType: 0,
      coordinatorKeys: ['a', 'b', ''],
    });
    assert.deepEqual(
      v4?.coordinators.map((c) => [c.key, c.errorCode, c.nodeId]),
      [
        ['a', ErrorCode.NONE, 1],
        ['b', ErrorCode.NONE, 1],
        ['', ErrorCode.INVALID_REQUEST, -1],
      ],
    );
  });

  it('holds a JoinGroup until every member rejoined, then syncs the leader assignment to all', async () => {
    const first = await (await join('g')).answer;
    assert.equal(first?.errorCode, ErrorCode.NONE);
    assert.equal(first?.generationId, 1);
    const leader = first?.memberId ?? '';
    let secondAnswered = false;
    const secondJoin = (await join('g')).answer.then((r) => {
      secondAnswered = true;
      return r;
    });
    // The leader's heartbeat is answered while the newcomer's JoinGroup stays held.
    const beat = await broker.call(ApiKey.Heartbeat, 4, {
      groupId: 'g',
      generationId: 1,
      memberId: leader,
      groupInstanceId: null,
    });
    assert.equal(beat?.errorCode, ErrorCode.REBALANCE_IN_PROGRESS);
    assert.equal(secondAnswered, false);
    assert.equal(broker.context.groups.heldCount, 1);
    const rejoin = await broker.call(ApiKey.JoinGroup, 9, joinBody('g', leader));
    const second = await secondJoin;
    assert.equal(rejoin?.generationId, 2);
    assert.equal(second?.generationId, 2);
    assert.equal(rejoin?.leader, leader);
    assert.equal(rejoin?.members.length, 2);
    const follower = second?.memberId ?? '';
    const followerSync = broker.call(ApiKey.SyncGroup, 5, syncBody('g', 2, follower));
    const leaderSync = await broker.call(
      ApiKey.SyncGroup,
      5,
      syncBody('g', 2, leader, [
        [leader, 'p0'],
        [follower, 'p1'],
      ]),
    );
    assert.equal(leaderSync?.assignment.toString(), 'p0');
    assert.equal((await followerSync)?.assignment.toString(), 'p1');
    const described = await broker.call(ApiKey.DescribeGroups, 5, {
      groups: ['g'],
      includeAuthorizedOperations: false,
    });
    assert.equal(described?.groups[0]?.groupState, 'Stable');
    assert.deepEqual(described?.groups[0]?.members.map((m) => m.memberAssignment.toString()).sort(), [
      'p0',
      'p1',
    ]);
    assert.equal(described?.groups[0]?.members[0]?.clientHost, '/127.0.0.1');
  });

  it('writes offsets durably to the group partition and a replayed coordinator serves them', async () => {
    const joined = await (await join('orders')).answer;
    const memberId = joined?.memberId ?? '';
    await broker.call(ApiKey.SyncGroup, 5, syncBody('orders', 1, memberId, [[memberId, 'all']]));
    const commit = await broker.call(
      ApiKey.OffsetCommit,
      9,
      commitBody('orders', 1, memberId, [
        ['t', 0, 42n],
        ['t', 1, 7n],
      ]),
    );
    assert.deepEqual(
      commit?.topics[0]?.partitions.map((p) => p.errorCode),
      [ErrorCode.NONE, ErrorCode.NONE],
    );
    const stale = await broker.call(
      ApiKey.OffsetCommit,
      9,
      commitBody('orders', 0, memberId, [['t', 0, 1n]]),
    );
    assert.equal(stale?.topics[0]?.partitions[0]?.errorCode, ErrorCode.ILLEGAL_GENERATION);
    const partition = groupPartition('orders', TEST_GROUP_SETTINGS.numPartitions);
    const log = broker.context.replicas.getPartition(CONSUMER_OFFSETS_TOPIC, partition);
    assert.ok((log?.highWatermark ?? 0n) >= 2n, 'group record and offsets are on the group partition');

    const v7 = await broker.call(ApiKey.OffsetFetch, 7, {
      groupId: 'orders',
      topics: null,
      groups: [],
      requireStable: true,
    });
    assert.deepEqual(
      v7?.topics[0]?.partitions.map((p) => [p.partitionIndex, p.committedOffset]),
      [
        [0, 42n],
        [1, 7n],
      ],
    );
    const v8 = await broker.call(ApiKey.OffsetFetch, 8, {
      groupId: '',
      topics: [],
      groups: [
        {
          groupId: 'orders',
          memberId: null,
          memberEpoch: -1,
          topics: [{ name: 't', partitionIndexes: [1, 5] }],
        },
        { groupId: 'nobody', memberId: null, memberEpoch: -1, topics: null },
      ],
      requireStable: false,
    });
    assert.deepEqual(
      v8?.groups[0]?.topics[0]?.partitions.map((p) => [p.partitionIndex, p.committedOffset]),
      [
        [1, 7n],
        [5, -1n],
      ],
    );
    assert.deepEqual(v8?.groups[1]?.topics, []);

    const replayed = await startGroupRuntime({
      replicas: broker.context.replicas,
      createTopic: async () => ErrorCode.NONE,
      config: TEST_GROUP_SETTINGS.coordinator,
      numPartitions: TEST_GROUP_SETTINGS.numPartitions,
      retentionCheckIntervalMs: 600_000,
      clock,
      topics: () => topicCatalog(broker.context.metadata()),
      newMemberId: (clientId) => `${clientId}-again`,
      onError: (error) => assert.fail(String(error)),
    });
    try {
      const group = replayed.classic.groups.get('orders');
      assert.equal(group?.kind, 'stable');
      assert.equal(group?.generationId, 1);
      assert.equal(group?.members.get(memberId)?.assignment.toString(), 'all');
      assert.equal(replayed.classic.offsets.get('orders', 't', 0)?.offset, 42n);
    } finally {
      replayed.close();
    }
  });

  it('expires a silent member after its session timeout and rebalances the rest', async () => {
    const a = await (await join('s')).answer;
    const aId = a?.memberId ?? '';
    await broker.call(ApiKey.SyncGroup, 5, syncBody('s', 1, aId, [[aId, 'x']]));
    const bJoin = (await join('s')).answer;
    const rejoin = await broker.call(ApiKey.JoinGroup, 9, joinBody('s', aId));
    const b = await bJoin;
    assert.equal(rejoin?.generationId, 2);
    const bId = b?.memberId ?? '';
    const bSync = broker.call(ApiKey.SyncGroup, 5, syncBody('s', 2, bId));
    await broker.call(
      ApiKey.SyncGroup,
      5,
      syncBody('s', 2, aId, [
        [aId, 'x'],
        [bId, 'y'],
      ]),
    );
    await bSync;
    // a keeps heartbeating; b falls silent.
    for (let i = 0; i < 4; i++) {
      clock.advanceBy(3_000);
      const beat = await broker.call(ApiKey.Heartbeat, 4, {
        groupId: 's',
        generationId: 2,
        memberId: aId,
        groupInstanceId: null,
      });
      if (beat?.errorCode !== ErrorCode.NONE) {
        assert.equal(beat?.errorCode, ErrorCode.REBALANCE_IN_PROGRESS);
        break;
      }
    }
    const next = await broker.call(ApiKey.JoinGroup, 9, joinBody('s', aId));
    assert.equal(next?.generationId, 3);
    assert.deepEqual(
      next?.members.map((m) => m.memberId),
      [aId],
    );
  });

  it('lists groups by state, deletes offsets and empty groups, and refuses non-empty ones', async () => {
    const joined = await (await join('busy')).answer;
    const memberId = joined?.memberId ?? '';
    await broker.call(ApiKey.SyncGroup, 5, syncBody('busy', 1, memberId, [[memberId, '']]));
    await broker.call(
      ApiKey.OffsetCommit,
      9,
      commitBody('idle', -1, '', [
        ['t', 0, 3n],
        ['u', 0, 4n],
      ]),
    );
    const stable = await broker.call(ApiKey.ListGroups, 5, { statesFilter: ['Stable'], typesFilter: [] });
    assert.deepEqual(
      stable?.groups.map((g) => g.groupId),
      ['busy'],
    );
    const all = await broker.call(ApiKey.ListGroups, 0, { statesFilter: [], typesFilter: [] });
    assert.deepEqual(all?.groups.map((g) => g.groupId).sort(), ['busy', 'idle']);
    const deleted = await broker.call(ApiKey.OffsetDelete, 0, {
      groupId: 'idle',
      topics: [{ name: 't', partitions: [{ partitionIndex: 0 }] }],
    });
    assert.equal(deleted?.topics[0]?.partitions[0]?.errorCode, ErrorCode.NONE);
    const left = await broker.call(ApiKey.OffsetFetch, 7, {
      groupId: 'idle',
      topics: null,
      groups: [],
      requireStable: false,
    });
    assert.deepEqual(
      left?.topics.map((t) => t.name),
      ['u'],
    );
    const results = await broker.call(ApiKey.DeleteGroups, 2, { groupsNames: ['idle', 'busy', 'ghost'] });
    assert.deepEqual(
      results?.results.map((r) => [r.groupId, r.errorCode]),
      [
        ['idle', ErrorCode.NONE],
        ['busy', ErrorCode.NON_EMPTY_GROUP],
        ['ghost', ErrorCode.GROUP_ID_NOT_FOUND],
      ],
    );
    const gone = await broker.call(ApiKey.OffsetFetch, 7, {
      groupId: 'idle',
      topics: null,
      groups: [],
      requireStable: false,
    });
    assert.deepEqual(gone?.topics, []);
  });

  it('answers held requests with COORDINATOR_NOT_AVAILABLE when the coordinator stops', async () => {
    const first = await (await join('h')).answer;
    const pending = (await join('h')).answer;
    assert.equal(broker.context.groups.heldCount, 1);
    broker.context.groups.close();
    assert.equal((await pending)?.errorCode, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    assert.equal(first?.errorCode, ErrorCode.NONE);
  });
});
