// KIP-848 through the dispatcher: members join with ConsumerGroupHeartbeat and get server-side
// assignments, a newcomer waits until the owner revoked, ConsumerGroupDescribe and ListGroups show the
// group (DescribeGroups answers it as Dead, as Kafka does), commits are checked against member epochs,
// and DeleteGroups refuses the group until it is empty.
// A coordinator replaying __consumer_offsets gets the group back as it was (epochs, assignments, members),
// and the members go on heartbeating at their epochs; a regex subscription follows topics as they appear.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type GroupRuntime, startGroupRuntime } from '../../coordinator/index.js';
import { ApiKey, ErrorCode } from '../../protocol/index.js';
import { createTestBroker, TEST_GROUP_SETTINGS, type TestBroker } from '../broker-test-kit.js';
import { createTopicsBody } from '../request-builders.test-support.js';
import {
  commitBody,
  consumerHeartbeatBody,
  joinBody,
  ManualGroupClock,
} from './group-requests.test-support.js';
import { topicCatalog } from './topic-catalog.js';

type Owned = Array<{ topicId: string; partitions: number[] }>;

function count(owned: Owned | undefined): number {
  return (owned ?? []).reduce((n, t) => n + t.partitions.length, 0);
}

describe('KIP-848 consumer groups', () => {
  let broker: TestBroker;
  const clock = new ManualGroupClock();
  before(async () => {
    broker = await createTestBroker({}, {}, {}, { clock });
    await broker.call(ApiKey.CreateTopics, 7, createTopicsBody([{ name: 't', numPartitions: 4 }]));
  });
  after(() => broker.close());

  it('assigns, revokes before reassigning, describes, lists, checks epochs and deletes', async () => {
    const a = await broker.call(ApiKey.ConsumerGroupHeartbeat, 0, consumerHeartbeatBody('cg', '', 0));
    assert.equal(a?.errorCode, ErrorCode.NONE);
    const aId = a?.memberId ?? '';
    assert.equal(count(a?.assignment?.topicPartitions), 4);
    let aOwned: Owned = a?.assignment?.topicPartitions ?? [];
    let aEpoch = a?.memberEpoch ?? -1;

    const b = await broker.call(ApiKey.ConsumerGroupHeartbeat, 0, consumerHeartbeatBody('cg', '', 0));
    const bId = b?.memberId ?? '';
    assert.equal(count(b?.assignment?.topicPartitions), 0, 'nothing until the owner revoked');

    const revoke = await broker.call(
      ApiKey.ConsumerGroupHeartbeat,
      0,
      consumerHeartbeatBody('cg', aId, aEpoch, { topicPartitions: aOwned }),
    );
    assert.equal(count(revoke?.assignment?.topicPartitions), 2);
    aOwned = revoke?.assignment?.topicPartitions ?? [];
    aEpoch = revoke?.memberEpoch ?? -1;
    const ack = await broker.call(
      ApiKey.ConsumerGroupHeartbeat,
      0,
      consumerHeartbeatBody('cg', aId, aEpoch, { topicPartitions: aOwned }),
    );
    aEpoch = ack?.memberEpoch ?? aEpoch;
    const bNext = await broker.call(
      ApiKey.ConsumerGroupHeartbeat,
      0,
      consumerHeartbeatBody('cg', bId, b?.memberEpoch ?? -1, { topicPartitions: [] }),
    );
    assert.equal(count(bNext?.assignment?.topicPartitions), 2);

    const described = await broker.call(ApiKey.ConsumerGroupDescribe, 0, {
      groupIds: ['cg'],
      includeAuthorizedOperations: false,
    });
    const group = described?.groups[0];
    assert.equal(group?.members.length, 2);
    assert.deepEqual(
      group?.members.map((m) => count(m.assignment.topicPartitions)),
      [2, 2],
    );
    assert.equal(group?.members[0]?.assignment.topicPartitions[0]?.topicName, 't');
    // DescribeGroups is the classic groups' API: Kafka answers a KIP-848 group as Dead (v0-v5).
    const classic = await broker.call(ApiKey.DescribeGroups, 5, {
      groups: ['cg'],
      includeAuthorizedOperations: false,
    });
    assert.deepEqual(
      classic?.groups.map((g) => [g.errorCode, g.groupState, g.protocolType, g.members.length]),
      [[ErrorCode.NONE, 'Dead', '', 0]],
    );

    const listed = await broker.call(ApiKey.ListGroups, 5, { statesFilter: [], typesFilter: ['consumer'] });
    assert.deepEqual(
      listed?.groups.map((g) => [g.groupId, g.groupType]),
      [['cg', 'consumer']],
    );

    const good = await broker.call(ApiKey.OffsetCommit, 9, commitBody('cg', aEpoch, aId, [['t', 0, 5n]]));
    assert.equal(good?.topics[0]?.partitions[0]?.errorCode, ErrorCode.NONE);
    const stale = await broker.call(
      ApiKey.OffsetCommit,
      9,
      commitBody('cg', aEpoch - 1, aId, [['t', 0, 6n]]),
    );
    assert.equal(stale?.topics[0]?.partitions[0]?.errorCode, ErrorCode.STALE_MEMBER_EPOCH);
    const fetchAs = (memberId: string | null, memberEpoch: number) =>
      broker.call(ApiKey.OffsetFetch, 9, {
        groupId: '',
        topics: [],
        groups: [{ groupId: 'cg', memberId, memberEpoch, topics: null }],
        requireStable: false,
      });
    assert.equal((await fetchAs(aId, aEpoch))?.groups[0]?.topics[0]?.partitions[0]?.committedOffset, 5n);
    assert.equal((await fetchAs(aId, aEpoch + 1))?.groups[0]?.errorCode, ErrorCode.STALE_MEMBER_EPOCH);
    assert.equal((await fetchAs('nobody', 1))?.groups[0]?.errorCode, ErrorCode.UNKNOWN_MEMBER_ID);
    assert.equal((await fetchAs(null, -1))?.groups[0]?.errorCode, ErrorCode.NONE, 'admin fetch');
    const classicJoin = await broker.call(ApiKey.JoinGroup, 9, joinBody('cg', ''));
    assert.equal(classicJoin?.errorCode, ErrorCode.INCONSISTENT_GROUP_PROTOCOL);

    const busy = await broker.call(ApiKey.DeleteGroups, 2, { groupsNames: ['cg'] });
    assert.equal(busy?.results[0]?.errorCode, ErrorCode.NON_EMPTY_GROUP);
    for (const [id, epoch] of [
      [aId, aEpoch],
      [bId, bNext?.memberEpoch ?? -1],
    ] as const) {
      const left = await broker.call(ApiKey.ConsumerGroupHeartbeat, 0, consumerHeartbeatBody('cg', id, -1));
      assert.equal(left?.errorCode, ErrorCode.NONE, `leave of epoch ${epoch}`);
    }
    const deleted = await broker.call(ApiKey.DeleteGroups, 2, { groupsNames: ['cg'] });
    assert.equal(deleted?.results[0]?.errorCode, ErrorCode.NONE);
    const fetched = await broker.call(ApiKey.OffsetFetch, 7, {
      groupId: 'cg',
      topics: null,
      groups: [],
      requireStable: false,
    });
    assert.deepEqual(fetched?.topics, []);
  });

  /** A second coordinator over the same __consumer_offsets partitions, as a restarted broker builds it. */
  function replay(): Promise<GroupRuntime> {
    return startGroupRuntime({
      replicas: broker.context.replicas,
      createTopic: async () => ErrorCode.NONE,
      config: TEST_GROUP_SETTINGS.coordinator,
      numPartitions: TEST_GROUP_SETTINGS.numPartitions,
      retentionCheckIntervalMs: 600_000,
      clock,
      topics: () => topicCatalog(broker.context.metadata()),
      newMemberId: (clientId) => `${clientId}-replayed`,
      onError: (error) => assert.fail(String(error)),
    });
  }

  it('a replayed coordinator has the group as it was and its members keep their epochs', async () => {
    const hb = (body: ReturnType<typeof consumerHeartbeatBody>) =>
      broker.call(ApiKey.ConsumerGroupHeartbeat, 0, body);
    const a = await hb(consumerHeartbeatBody('kept', '', 0, { instanceId: 'static-a' }));
    const aId = a?.memberId ?? '';
    const b = await hb(consumerHeartbeatBody('kept', '', 0, { serverAssignor: 'range' }));
    const bId = b?.memberId ?? '';
    // a revokes half of what it holds: a restart now must keep the revocation outstanding.
    const revoke = await hb(
      consumerHeartbeatBody('kept', aId, a?.memberEpoch ?? -1, {
        topicPartitions: a?.assignment?.topicPartitions ?? [],
      }),
    );
    assert.equal(count(revoke?.assignment?.topicPartitions), 2);
    const live = broker.context.groups.consumer.groups.get('kept');
    assert.ok(live !== undefined);

    const replayed = await replay();
    try {
      const loaded = replayed.consumer.groups.get('kept');
      assert.ok(loaded !== undefined, 'the group is back');
      assert.equal(loaded.groupEpoch, live.groupEpoch);
      assert.equal(loaded.assignmentEpoch, live.assignmentEpoch);
      assert.equal(loaded.assignor, 'range');
      assert.equal(loaded.subscriptionMetadata, live.subscriptionMetadata);
      const sorted = (target: ReadonlyMap<string, ReadonlySet<string>>) =>
        [...target].map(([id, set]) => `${id}=${[...set].sort().join()}`).sort();
      assert.deepEqual(sorted(loaded.target), sorted(live.target));
      for (const member of live.members.values()) {
        const again: typeof member | undefined = loaded.members.get(member.memberId);
        assert.ok(again !== undefined, member.memberId);
        assert.equal(again.memberEpoch, member.memberEpoch);
        assert.equal(again.previousMemberEpoch, member.previousMemberEpoch);
        assert.equal(again.instanceId, member.instanceId);
        assert.deepEqual([...again.assigned].sort(), [...member.assigned].sort());
        assert.deepEqual([...again.pendingRevocation].sort(), [...member.pendingRevocation].sort());
        assert.deepEqual(again.subscribedTopicNames, member.subscribedTopicNames);
      }
      // The members heartbeat the replayed coordinator at their epochs: no rejoin, no new group epoch.
      const aKept = revoke?.assignment?.topicPartitions ?? [];
      const ack = await replayed.consumerGroupHeartbeat(
        consumerHeartbeatBody('kept', aId, revoke?.memberEpoch ?? -1, { topicPartitions: aKept }),
        { clientId: 'c', clientHost: '/h' },
      );
      assert.equal(ack.errorCode, ErrorCode.NONE);
      assert.equal(ack.memberEpoch, live.assignmentEpoch);
      const bNow = await replayed.consumerGroupHeartbeat(
        consumerHeartbeatBody('kept', bId, b?.memberEpoch ?? -1, { topicPartitions: [] }),
        { clientId: 'c', clientHost: '/h' },
      );
      assert.equal(bNow.errorCode, ErrorCode.NONE);
      assert.equal(count(bNow.assignment?.topicPartitions), 2, 'b gets what a released');
      assert.equal(replayed.consumer.groups.get('kept')?.groupEpoch, live.groupEpoch);
    } finally {
      replayed.close();
    }

    // Members leave, the group is deleted: a replay no longer has it.
    for (const id of [aId, bId]) await hb(consumerHeartbeatBody('kept', id, -1));
    const deleted = await broker.call(ApiKey.DeleteGroups, 2, { groupsNames: ['kept'] });
    assert.equal(deleted?.results[0]?.errorCode, ErrorCode.NONE);
    const afterDelete = await replay();
    try {
      assert.equal(afterDelete.consumer.groups.has('kept'), false);
    } finally {
      afterDelete.close();
    }
  });

  it('a regex subscription matches whole names and picks up topics created later', async () => {
    const hb = (body: ReturnType<typeof consumerHeartbeatBody>) =>
      broker.call(ApiKey.ConsumerGroupHeartbeat, 1, body);
    const bad = await hb(
      consumerHeartbeatBody('rx', '', 0, { subscribedTopicNames: null, subscribedTopicRegex: 'orders-(' }),
    );
    assert.equal(bad?.errorCode, ErrorCode.INVALID_REGULAR_EXPRESSION);
    await broker.call(ApiKey.CreateTopics, 7, createTopicsBody([{ name: 'orders-eu', numPartitions: 2 }]));
    await broker.call(ApiKey.CreateTopics, 7, createTopicsBody([{ name: 'xorders-eu', numPartitions: 2 }]));
    const a = await hb(
      consumerHeartbeatBody('rx', '', 0, { subscribedTopicNames: null, subscribedTopicRegex: 'orders-.*' }),
    );
    assert.equal(a?.errorCode, ErrorCode.NONE);
    assert.equal(count(a?.assignment?.topicPartitions), 2, 'orders-eu only: the match is on the whole name');
    await broker.call(ApiKey.CreateTopics, 7, createTopicsBody([{ name: 'orders-us', numPartitions: 3 }]));
    const next = await hb(
      consumerHeartbeatBody('rx', a?.memberId ?? '', a?.memberEpoch ?? -1, {
        topicPartitions: a?.assignment?.topicPartitions ?? [],
      }),
    );
    assert.equal(count(next?.assignment?.topicPartitions), 5, 'orders-us joins the subscription');
    assert.ok((next?.memberEpoch ?? 0) > (a?.memberEpoch ?? 0));
    const described = await broker.call(ApiKey.ConsumerGroupDescribe, 0, {
      groupIds: ['rx'],
      includeAuthorizedOperations: false,
    });
    assert.equal(described?.groups[0]?.members[0]?.subscribedTopicRegex, 'orders-.*');
  });
});
