// offsets.retention.ms through the group runtime's own retention timer, driven by the injected clock (no
// real timers): offsets of a group without members expire, a classic group's members keep the topics they
// subscribe to, an emptied group's offsets last the retention from the moment it became empty; a KIP-848
// group with members keeps its offsets (its classic side has no members), and once empty it loses them and
// is removed, as Kafka's coordinator removes it.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import {
  ApiKey,
  ByteWriter,
  ErrorCode,
  encodeConsumerProtocolSubscription,
  type OffsetFetchResponse,
} from '../../protocol/index.js';
import { eventually } from '../../testing/index.js';
import { createTestBroker, TEST_GROUP_SETTINGS, type TestBroker } from '../broker-test-kit.js';
import { createTopicsBody } from '../request-builders.test-support.js';
import {
  commitBody,
  consumerHeartbeatBody,
  joinBody,
  ManualGroupClock,
  registerNode,
  syncBody,
} from './group-requests.test-support.js';

const RETENTION_MS = 60_000;
const CHECK_INTERVAL_MS = 10_000;

/** A classic consumer member's metadata subscribing to `topics` (ConsumerProtocolSubscription v0). */
function subscription(topics: string[]): Buffer {
  const writer = new ByteWriter();
  writer.int16(0);
  encodeConsumerProtocolSubscription(writer, 0, {
    topics,
    userData: null,
    ownedPartitions: [],
    generationId: -1,
    rackId: null,
  });
  return writer.toBuffer();
}

describe('offset expiry on the retention timer', () => {
  let broker: TestBroker;
  let clock: ManualGroupClock;
  beforeEach(async () => {
    clock = new ManualGroupClock();
    broker = await createTestBroker(
      {},
      {},
      {},
      {
        clock,
        groupSettings: {
          ...TEST_GROUP_SETTINGS,
          coordinator: { ...TEST_GROUP_SETTINGS.coordinator, offsetsRetentionMs: RETENTION_MS },
          retentionCheckIntervalMs: CHECK_INTERVAL_MS,
        },
      },
    );
    await registerNode(broker);
    await broker.call(
      ApiKey.CreateTopics,
      7,
      createTopicsBody([
        { name: 't', numPartitions: 2 },
        { name: 'other', numPartitions: 1 },
      ]),
    );
  });
  afterEach(() => broker.close());

  /** The group's committed offsets as "topic-partition=offset", sorted. */
  async function committed(groupId: string): Promise<string[]> {
    const answer: OffsetFetchResponse | null = await broker.call(ApiKey.OffsetFetch, 7, {
      groupId,
      topics: null,
      groups: [],
      requireStable: false,
    });
    return (answer?.topics ?? [])
      .flatMap((t) => t.partitions.map((p) => `${t.name}-${p.partitionIndex}=${p.committedOffset}`))
      .sort();
  }

  const listed = async () =>
    (await broker.call(ApiKey.ListGroups, 5, { statesFilter: [], typesFilter: [] }))?.groups.map(
      (g) => g.groupId,
    ) ?? [];

  /** Waits until the group's offsets are `expected` (expiry writes its tombstones before it forgets). */
  const offsetsBecome = (groupId: string, expected: string[]) =>
    eventually(`${groupId} offsets ${expected.join(',')}`, async () => {
      const now = await committed(groupId);
      return JSON.stringify(now) === JSON.stringify(expected) ? now : undefined;
    });

  /** Moves time on by `totalMs` in 5 s steps, calling `keepAlive` before each (members heartbeat). */
  async function advance(totalMs: number, keepAlive: () => Promise<void> = async () => {}): Promise<void> {
    for (let elapsed = 0; elapsed < totalMs; elapsed += 5_000) {
      await keepAlive();
      clock.advanceBy(5_000);
    }
  }

  it('a classic group: offsets without members expire; members keep their subscribed topics until they leave', async () => {
    const admin = await broker.call(ApiKey.OffsetCommit, 8, commitBody('lonely', -1, '', [['t', 0, 5n]]));
    assert.equal(admin?.topics[0]?.partitions[0]?.errorCode, ErrorCode.NONE);

    const metadata = subscription(['t']);
    const join = joinBody('busy', '', { protocols: [{ name: 'range', metadata }] });
    const first = await broker.call(ApiKey.JoinGroup, 9, join);
    const joined = await broker.call(ApiKey.JoinGroup, 9, { ...join, memberId: first?.memberId ?? '' });
    const memberId = joined?.memberId ?? '';
    const generation = joined?.generationId ?? -1;
    const synced = await broker.call(
      ApiKey.SyncGroup,
      5,
      syncBody('busy', generation, memberId, [[memberId, 'a']]),
    );
    assert.equal(synced?.errorCode, ErrorCode.NONE);
    const commit = await broker.call(
      ApiKey.OffsetCommit,
      8,
      commitBody('busy', generation, memberId, [
        ['t', 0, 7n],
        ['other', 0, 3n],
      ]),
    );
    assert.deepEqual(
      commit?.topics.flatMap((t) => t.partitions.map((p) => p.errorCode)),
      [ErrorCode.NONE, ErrorCode.NONE],
    );

    const heartbeat = async () => {
      const beat = await broker.call(ApiKey.Heartbeat, 4, {
        groupId: 'busy',
        generationId: generation,
        memberId,
        groupInstanceId: null,
      });
      assert.equal(beat?.errorCode, ErrorCode.NONE);
    };
    await advance(RETENTION_MS - CHECK_INTERVAL_MS, heartbeat);
    assert.deepEqual(await committed('lonely'), ['t-0=5'], 'not before the retention has passed');
    await advance(2 * CHECK_INTERVAL_MS, heartbeat);
    await offsetsBecome('lonely', []);
    assert.equal((await listed()).includes('lonely'), false, 'an empty group without offsets is removed');
    // 'other' is nobody's subscription: its offset expires though the group has a member (KIP-496).
    await offsetsBecome('busy', ['t-0=7']);

    const left = await broker.call(ApiKey.LeaveGroup, 5, {
      groupId: 'busy',
      memberId: '',
      members: [{ memberId, groupInstanceId: null, reason: null }],
    });
    assert.equal(left?.errorCode, ErrorCode.NONE);
    // Empty from now: the offset lasts the retention from this moment, not from its (older) commit.
    await advance(RETENTION_MS - CHECK_INTERVAL_MS);
    assert.deepEqual(await committed('busy'), ['t-0=7']);
    await advance(2 * CHECK_INTERVAL_MS);
    await offsetsBecome('busy', []);
    assert.equal((await listed()).includes('busy'), false);
  });

  it('a KIP-848 group keeps its offsets while it has members; empty, it loses them and is removed', async () => {
    const joined = await broker.call(ApiKey.ConsumerGroupHeartbeat, 0, consumerHeartbeatBody('cg', '', 0));
    assert.equal(joined?.errorCode, ErrorCode.NONE);
    const memberId = joined?.memberId ?? '';
    const epoch = joined?.memberEpoch ?? -1;
    const commit = await broker.call(
      ApiKey.OffsetCommit,
      9,
      commitBody('cg', epoch, memberId, [
        ['t', 1, 11n],
        ['other', 0, 2n],
      ]),
    );
    assert.deepEqual(
      commit?.topics.flatMap((t) => t.partitions.map((p) => p.errorCode)),
      [ErrorCode.NONE, ErrorCode.NONE],
    );
    const heartbeat = async () => {
      const beat = await broker.call(
        ApiKey.ConsumerGroupHeartbeat,
        0,
        consumerHeartbeatBody('cg', memberId, epoch),
      );
      assert.equal(beat?.errorCode, ErrorCode.NONE);
    };
    await advance(RETENTION_MS + 2 * CHECK_INTERVAL_MS, heartbeat);
    // The member subscribes to 't' only: 'other' expires, 't' stays however old its commit.
    await offsetsBecome('cg', ['t-1=11']);
    assert.equal(broker.context.groups.consumer.groups.has('cg'), true);

    const left = await broker.call(
      ApiKey.ConsumerGroupHeartbeat,
      0,
      consumerHeartbeatBody('cg', memberId, -1),
    );
    assert.equal(left?.errorCode, ErrorCode.NONE);
    // A KIP-848 group's offsets count from their commit (Kafka's ConsumerGroup), which is long past.
    await advance(CHECK_INTERVAL_MS);
    await offsetsBecome('cg', []);
    await eventually('the empty group removed', () =>
      broker.context.groups.consumer.groups.has('cg') ? undefined : true,
    );
    const described = await broker.call(ApiKey.ConsumerGroupDescribe, 0, {
      groupIds: ['cg'],
      includeAuthorizedOperations: false,
    });
    assert.equal(described?.groups[0]?.errorCode, ErrorCode.GROUP_ID_NOT_FOUND);
    assert.equal((await listed()).includes('cg'), false);
  });

  it('an empty KIP-848 group that never committed is removed at the next check', async () => {
    const joined = await broker.call(ApiKey.ConsumerGroupHeartbeat, 0, consumerHeartbeatBody('idle', '', 0));
    await broker.call(
      ApiKey.ConsumerGroupHeartbeat,
      0,
      consumerHeartbeatBody('idle', joined?.memberId ?? '', -1),
    );
    assert.equal(broker.context.groups.consumer.groups.has('idle'), true);
    await advance(CHECK_INTERVAL_MS);
    await eventually('the empty group removed', () =>
      broker.context.groups.consumer.groups.has('idle') ? undefined : true,
    );
  });
});
