// Scenario tests of the classic group protocol: each drives GroupCoordinator through a short script with a
// virtual clock (GroupHarness) and checks the responses, records and timers Kafka's coordinator would produce.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ErrorCode } from '../../protocol/index.js';
import { GroupHarness } from './group-harness.test-support.js';
import { loadGroupCoordinator } from './group-loader.js';
import { groupMetadataRecord } from './group-store-records.js';

function threeMemberGroup(h: GroupHarness, groupId = 'g') {
  const ids = ['a', 'b', 'c'].map((client) => h.joinResponse(h.join({ groupId }, 7, client))?.memberId ?? '');
  const joins = ids.map((memberId) => h.join({ groupId, memberId }));
  const responses = joins.map((id) => h.joinResponse(id));
  return { joins, responses };
}

describe('classic group coordinator', () => {
  it('first JoinGroup v4+ without member id gets MEMBER_ID_REQUIRED with an id', () => {
    const h = new GroupHarness();
    const r = h.joinResponse(h.join({ groupId: 'g' }));
    assert.equal(r?.errorCode, ErrorCode.MEMBER_ID_REQUIRED);
    assert.equal(r?.memberId, 'c-1');
  });

  it('three members join → one generation, leader gets members, followers get assignments from SyncGroup', () => {
    const h = new GroupHarness();
    const ids = ['a', 'b', 'c'].map(
      (client) => h.joinResponse(h.join({ groupId: 'g' }, 7, client))?.memberId ?? '',
    );
    const joins = ids.map((memberId, i) => h.join({ groupId: 'g', memberId }, 7, ['a', 'b', 'c'][i]));
    // Nobody is answered until all three are in (the group waits for known members to rejoin).
    assert.equal(h.joinResponse(joins[0] ?? 0)?.generationId, 1);
    const responses = joins.map((id) => h.joinResponse(id));
    assert.ok(responses.every((r) => r?.errorCode === ErrorCode.NONE && r.generationId === 1));
    const leader = responses[0]?.leader ?? '';
    assert.equal(responses.find((r) => r?.memberId === leader)?.members.length, 3);
    assert.ok(responses.filter((r) => r?.memberId !== leader).every((r) => r?.members.length === 0));
    const followers = ids.filter((id) => id !== leader);
    const followerSyncs = followers.map((id) => h.sync('g', 1, id));
    assert.ok(
      followerSyncs.every((id) => h.syncResponse(id) === undefined),
      'followers wait for the leader',
    );
    h.autoConfirm = false;
    const leaderSync = h.sync(
      'g',
      1,
      leader,
      ids.map((id) => [id, `for-${id}`]),
    );
    assert.equal(h.syncResponse(leaderSync), undefined, 'held until the group record is durable');
    assert.equal(h.unconfirmed.length, 1);
    h.confirmAll();
    h.pump();
    for (const [i, id] of followers.entries()) {
      assert.equal(h.syncResponse(followerSyncs[i] ?? 0)?.assignment.toString(), `for-${id}`);
    }
    assert.equal(h.syncResponse(leaderSync)?.assignment.toString(), `for-${leader}`);
    assert.equal(h.coordinator.groups.get('g')?.kind, 'stable');
  });

  it('a member that stops heartbeating is removed after its session timeout and the group rebalances', () => {
    const h = new GroupHarness();
    const ids = ['a', 'b'].map(
      (client) => h.joinResponse(h.join({ groupId: 'g' }, 7, client))?.memberId ?? '',
    );
    const joins = ids.map((memberId) => h.join({ groupId: 'g', memberId }));
    const leader = h.joinResponse(joins[0] ?? 0)?.leader ?? '';
    h.sync(
      'g',
      1,
      leader,
      ids.map((id) => [id, id]),
    );
    for (const id of ids.filter((x) => x !== leader)) h.sync('g', 1, id);
    const survivor = ids[0] ?? '';
    for (let t = 0; t < 4; t++) {
      h.advance(3_000);
      assert.equal(
        h.coordinator.heartbeat(
          { groupId: 'g', generationId: 1, memberId: survivor, groupInstanceId: null },
          h.nowMs,
        ).errorCode,
        t < 3 ? ErrorCode.NONE : ErrorCode.REBALANCE_IN_PROGRESS,
      );
    }
    const group = h.coordinator.groups.get('g');
    assert.equal(group?.kind, 'preparingRebalance');
    assert.equal(group?.members.size, 1);
    const rejoin = h.join({ groupId: 'g', memberId: survivor });
    assert.equal(h.joinResponse(rejoin)?.generationId, 2);
    assert.equal(h.joinResponse(rejoin)?.leader, survivor);
  });

  it('a static member restarting within its session timeout gets its assignment back without a rebalance', () => {
    const h = new GroupHarness();
    const a = h.joinResponse(h.join({ groupId: 'g', groupInstanceId: 'ia' }, 7, 'a'));
    assert.equal(a?.errorCode, ErrorCode.NONE, 'static members skip MEMBER_ID_REQUIRED');
    const bJoin = h.join({ groupId: 'g', groupInstanceId: 'ib' }, 7, 'b');
    // a already joined before b, so the rebalance waits for a to rejoin.
    const aJoin = h.join({ groupId: 'g', groupInstanceId: 'ia', memberId: a?.memberId ?? '' }, 7, 'a');
    const b = h.joinResponse(bJoin);
    const generation = b?.generationId ?? -1;
    const leader = b?.leader ?? '';
    const ids = [h.joinResponse(aJoin)?.memberId ?? '', b?.memberId ?? ''];
    h.sync(
      'g',
      generation,
      leader,
      ids.map((id) => [id, `p-${id}`]),
    );
    const bId = b?.memberId ?? '';
    if (leader !== bId) h.sync('g', generation, bId, [], 'ib');
    h.advance(5_000);
    const restarted = h.joinResponse(h.join({ groupId: 'g', groupInstanceId: 'ib' }, 7, 'b'));
    assert.equal(restarted?.errorCode, ErrorCode.NONE);
    assert.equal(restarted?.generationId, generation, 'no new generation');
    assert.notEqual(restarted?.memberId, bId);
    assert.equal(h.coordinator.groups.get('g')?.kind, 'stable');
    const sync = h.sync('g', generation, restarted?.memberId ?? '', [], 'ib');
    assert.equal(h.syncResponse(sync)?.assignment.toString(), `p-${bId}`);
    // The old member id is fenced.
    const stale = h.coordinator.heartbeat(
      { groupId: 'g', generationId: generation, memberId: bId, groupInstanceId: 'ib' },
      h.nowMs,
    );
    assert.equal(stale.errorCode, ErrorCode.FENCED_INSTANCE_ID);
  });

  it('a returning static member: new metadata under the same selected protocol keeps the generation; a protocol the group would no longer select rebalances (KIP-345)', () => {
    const h = new GroupHarness();
    const protocols = (metadata: string, names = ['range']) =>
      names.map((name) => ({ name, metadata: Buffer.from(metadata) }));
    const first = h.joinResponse(h.join({ groupId: 'g', groupInstanceId: 'ia', protocols: protocols('v1') }));
    const generation = first?.generationId ?? -1;
    const leaderId = first?.memberId ?? '';
    h.sync('g', generation, leaderId, [[leaderId, 'all']], 'ia');
    assert.equal(h.coordinator.groups.get('g')?.kind, 'stable');
    const back = h.joinResponse(h.join({ groupId: 'g', groupInstanceId: 'ia', protocols: protocols('v2') }));
    assert.equal(back?.errorCode, ErrorCode.NONE);
    assert.equal(back?.generationId, generation, 'a changed subscription alone does not rebalance');
    assert.equal(h.coordinator.groups.get('g')?.kind, 'stable');
    assert.equal(
      h.coordinator.groups
        .get('g')
        ?.members.get(back?.memberId ?? '')
        ?.protocols[0]?.metadata.toString(),
      'v2',
    );
    const switched = h.join({
      groupId: 'g',
      groupInstanceId: 'ia',
      protocols: protocols('v2', ['roundrobin', 'range']),
    });
    const rebalanced = h.joinResponse(switched);
    assert.equal(rebalanced?.errorCode, ErrorCode.NONE);
    assert.equal(rebalanced?.generationId, generation + 1, 'the selected protocol changes: a rebalance');
    assert.equal(rebalanced?.protocolName, 'roundrobin');
  });

  it('batched LeaveGroup answers per member and rebalances once', () => {
    const h = new GroupHarness();
    const { responses } = threeMemberGroup(h);
    const ids = responses.map((r) => r?.memberId ?? '');
    const requestId = h.nextRequestId();
    h.coordinator.leaveGroup(
      {
        groupId: 'g',
        memberId: '',
        members: [
          { memberId: ids[1] ?? '', groupInstanceId: null, reason: null },
          { memberId: 'nobody', groupInstanceId: null, reason: null },
        ],
      },
      { requestId, version: 5 },
      h.nowMs,
    );
    h.pump();
    const reply = h.replies.get(requestId);
    assert.equal(reply?.api, 'leaveGroup');
    if (reply?.api !== 'leaveGroup') return;
    assert.deepEqual(
      reply.response.members.map((m) => m.errorCode),
      [ErrorCode.NONE, ErrorCode.UNKNOWN_MEMBER_ID],
    );
    assert.equal(h.coordinator.groups.get('g')?.members.size, 2);
  });

  it('OffsetCommit with a stale generation is rejected; the current generation commits after the write', () => {
    const h = new GroupHarness();
    const { responses } = threeMemberGroup(h);
    const leader = responses[0]?.leader ?? '';
    h.sync('g', 1, leader, []);
    const stale = h.replies.get(
      h.commit({ groupId: 'g', generationIdOrMemberEpoch: 0, memberId: leader }, [['t', 0, 5n]]),
    );
    assert.equal(
      stale?.api === 'offsetCommit' && stale.response.topics[0]?.partitions[0]?.errorCode,
      ErrorCode.ILLEGAL_GENERATION,
    );
    h.autoConfirm = false;
    const ok = h.commit({ groupId: 'g', generationIdOrMemberEpoch: 1, memberId: leader }, [['t', 0, 7n]]);
    assert.equal(h.replies.get(ok), undefined);
    h.confirmAll();
    h.pump();
    const fetched = h.coordinator.offsetFetch(
      { groupId: 'g', topics: [{ name: 't', partitionIndexes: [0, 1] }], groups: [], requireStable: false },
      7,
    );
    assert.deepEqual(
      fetched.topics[0]?.partitions.map((p) => p.committedOffset),
      [7n, -1n],
    );
  });

  it('a simple consumer (generation -1) commits to an absent group; OffsetFetch v8 answers several groups', () => {
    const h = new GroupHarness();
    h.commit({ groupId: 'simple' }, [['t', 1, 3n]]);
    const fetched = h.coordinator.offsetFetch(
      {
        groupId: '',
        topics: [],
        requireStable: false,
        groups: [
          { groupId: 'simple', memberId: null, memberEpoch: -1, topics: null },
          { groupId: 'none', memberId: null, memberEpoch: -1, topics: null },
        ],
      },
      8,
    );
    assert.equal(fetched.groups[0]?.topics[0]?.partitions[0]?.committedOffset, 3n);
    assert.deepEqual(fetched.groups[1]?.topics, []);
  });

  it('OffsetDelete: GROUP_ID_NOT_FOUND, GROUP_SUBSCRIBED_TO_TOPIC for a consuming group, deletion on an empty one', () => {
    const h = new GroupHarness();
    const del = (groupId: string, topic: string) => {
      const requestId = h.nextRequestId();
      h.coordinator.offsetDelete(
        { groupId, topics: [{ name: topic, partitions: [{ partitionIndex: 0 }] }] },
        { requestId, version: 0 },
      );
      h.pump();
      const reply = h.replies.get(requestId);
      return reply?.api === 'offsetDelete' ? reply.response : undefined;
    };
    assert.equal(del('missing', 't')?.errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
    // ConsumerProtocolSubscription v0: version int16, topics [ "t" ], userData null.
    const subscription = Buffer.from([0, 0, 0, 0, 0, 1, 0, 1, 0x74, 0xff, 0xff, 0xff, 0xff]);
    const a = h.joinResponse(
      h.join({ groupId: 'g', groupInstanceId: 'i', protocols: [{ name: 'range', metadata: subscription }] }),
    );
    h.sync('g', a?.generationId ?? 0, a?.memberId ?? '', []);
    h.commit(
      { groupId: 'g', generationIdOrMemberEpoch: 1, memberId: a?.memberId ?? '', groupInstanceId: 'i' },
      [
        ['t', 0, 1n],
        ['u', 0, 1n],
      ],
    );
    assert.equal(del('g', 't')?.topics[0]?.partitions[0]?.errorCode, ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC);
    assert.equal(del('g', 'u')?.topics[0]?.partitions[0]?.errorCode, ErrorCode.NONE);
    assert.equal(h.coordinator.offsets.get('g', 'u', 0), undefined);
    assert.equal(h.coordinator.offsets.get('g', 't', 0)?.offset, 1n);
  });

  it('DeleteGroups: NON_EMPTY_GROUP for a group with members, GROUP_ID_NOT_FOUND for an unknown one, tombstones otherwise', () => {
    const h = new GroupHarness();
    threeMemberGroup(h, 'busy');
    h.commit({ groupId: 'idle' }, [['t', 0, 1n]]);
    const requestId = h.nextRequestId();
    h.coordinator.deleteGroups({ groupsNames: ['busy', 'idle', 'nope'] }, { requestId, version: 2 }, h.nowMs);
    h.pump();
    const reply = h.replies.get(requestId);
    assert.ok(reply?.api === 'deleteGroups');
    if (reply?.api !== 'deleteGroups') return;
    assert.deepEqual(
      reply.response.results.map((r) => r.errorCode),
      [ErrorCode.NON_EMPTY_GROUP, ErrorCode.NONE, ErrorCode.GROUP_ID_NOT_FOUND],
    );
    assert.equal(h.coordinator.groups.has('idle'), false);
    assert.equal(h.coordinator.offsets.hasGroup('idle'), false);
    assert.ok(h.log.some((r) => r.kind === 'offsetCommit' && r.value === null && r.key.group === 'idle'));
  });

  it('JoinGroup answers INCONSISTENT_GROUP_PROTOCOL, GROUP_MAX_SIZE_REACHED and INVALID_SESSION_TIMEOUT', () => {
    const h = new GroupHarness({ groupMaxSize: 1 });
    h.joinWithId('g', 'a');
    assert.equal(
      h.joinResponse(h.join({ groupId: 'g', protocols: [{ name: 'other', metadata: Buffer.alloc(0) }] }))
        ?.errorCode,
      ErrorCode.INCONSISTENT_GROUP_PROTOCOL,
    );
    assert.equal(h.joinResponse(h.join({ groupId: 'g' }))?.errorCode, ErrorCode.GROUP_MAX_SIZE_REACHED);
    assert.equal(
      h.joinResponse(h.join({ groupId: 'g', sessionTimeoutMs: 10 }))?.errorCode,
      ErrorCode.INVALID_SESSION_TIMEOUT,
    );
  });

  it('the initial rebalance delay gathers members that arrive within it into one generation', () => {
    const h = new GroupHarness({ groupInitialRebalanceDelayMs: 3_000 });
    const a = h.join({ groupId: 'g', groupInstanceId: 'a' });
    h.advance(2_000);
    const b = h.join({ groupId: 'g', groupInstanceId: 'b' });
    assert.equal(h.joinResponse(a), undefined);
    assert.equal(h.coordinator.nextDeadlineMs(), 5_000);
    h.advance(3_000);
    assert.equal(h.joinResponse(a)?.generationId, 1);
    assert.equal(h.joinResponse(b)?.generationId, 1);
  });

  it('replaying the written records rebuilds the same groups and offsets', () => {
    const h = new GroupHarness();
    const { responses } = threeMemberGroup(h);
    const ids = responses.map((r) => r?.memberId ?? '');
    const leader = responses[0]?.leader ?? '';
    h.sync(
      'g',
      1,
      leader,
      ids.map((id) => [id, `x-${id}`]),
    );
    h.commit({ groupId: 'g', generationIdOrMemberEpoch: 1, memberId: leader }, [
      ['t', 0, 9n],
      ['t', 1, 4n],
    ]);
    h.commit({ groupId: 'simple' }, [['t', 0, 1n]]);
    const loaded = loadGroupCoordinator(h.log, h.coordinator.config, h.coordinator.ports, h.nowMs);
    for (const [groupId, group] of h.coordinator.groups) {
      const again = loaded.groups.get(groupId);
      assert.ok(again !== undefined);
      assert.deepEqual(groupMetadataRecord(again), groupMetadataRecord(group));
    }
    assert.deepEqual(loaded.offsets.list('g'), h.coordinator.offsets.list('g'));
    assert.deepEqual(loaded.offsets.list('simple'), h.coordinator.offsets.list('simple'));
  });
});
