// KIP-848 through the dispatcher: members join with ConsumerGroupHeartbeat and get server-side
// assignments, a newcomer waits until the owner revoked, ConsumerGroupDescribe and ListGroups show the
// group, commits are checked against member epochs, and DeleteGroups refuses the group until it is empty.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ApiKey, ErrorCode } from '../../protocol/index.js';
import { createTestBroker, type TestBroker } from '../broker-test-kit.js';
import { createTopicsBody } from '../request-builders.test-support.js';
import {
  commitBody,
  consumerHeartbeatBody,
  joinBody,
  ManualGroupClock,
} from './group-requests.test-support.js';

type Owned = Array<{ topicId: string; partitions: number[] }>;

function count(owned: Owned | undefined): number {
  return (owned ?? []).reduce((n, t) => n + t.partitions.length, 0);
}

describe('KIP-848 consumer groups', () => {
  let broker: TestBroker;
  before(async () => {
    broker = await createTestBroker({}, {}, {}, { clock: new ManualGroupClock() });
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
});
