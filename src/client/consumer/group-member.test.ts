// Proves the group member's protocol steps against a scripted in-memory coordinator (FakeTransport,
// codec-checked): KIP-394 member id handshake, the leader's client-side assignment sent in SyncGroup, and a
// heartbeat's REBALANCE_IN_PROGRESS turning into a rejoin.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ApiKey, ErrorCode, type JoinGroupRequest, type SyncGroupRequest } from '../../protocol/index.js';
import { resolveClientOptions } from '../client-options.js';
import { Cluster } from '../cluster.js';
import { decodeAssignment } from '../consumer-protocol.js';
import { FakeTransport, metadataAnswer } from '../fake-transport.test-support.js';
import { rangeClientAssignor } from './assignors.js';
import { GroupMember } from './group-member.js';

describe('GroupMember (fake coordinator)', () => {
  it('joins with the member id the coordinator hands out, assigns as leader and rejoins when told', async () => {
    const transport = new FakeTransport();
    let heartbeatCode: number = ErrorCode.NONE;
    let heartbeats = 0;
    transport.addBroker('b1:9092', (apiKey, _version, body) => {
      switch (apiKey) {
        case ApiKey.Metadata:
          return metadataAnswer(new Map([[1, 'b1:9092']]), { t: [1, 1, 1] }) as never;
        case ApiKey.FindCoordinator:
          return {
            throttleTimeMs: 0,
            errorCode: 0,
            errorMessage: null,
            nodeId: 0,
            host: '',
            port: 0,
            coordinators: [{ key: 'g', nodeId: 1, host: 'b1', port: 9092, errorCode: 0, errorMessage: null }],
          } as never;
        case ApiKey.JoinGroup: {
          const join = body as JoinGroupRequest;
          if (join.memberId === '') {
            return {
              throttleTimeMs: 0,
              errorCode: ErrorCode.MEMBER_ID_REQUIRED,
              generationId: -1,
              protocolType: null,
              protocolName: null,
              leader: '',
              skipAssignment: false,
              memberId: 'm-1',
              members: [],
            } as never;
          }
          return {
            throttleTimeMs: 0,
            errorCode: 0,
            generationId: 7,
            protocolType: 'consumer',
            protocolName: 'range',
            leader: join.memberId,
            skipAssignment: false,
            memberId: join.memberId,
            members: [
              { memberId: join.memberId, groupInstanceId: null, metadata: join.protocols[0]!.metadata },
            ],
          } as never;
        }
        case ApiKey.SyncGroup: {
          const sync = body as SyncGroupRequest;
          return {
            throttleTimeMs: 0,
            errorCode: 0,
            protocolType: 'consumer',
            protocolName: 'range',
            assignment: sync.assignments.find((a) => a.memberId === sync.memberId)!.assignment,
          } as never;
        }
        case ApiKey.Heartbeat:
          heartbeats += 1;
          return { throttleTimeMs: 0, errorCode: heartbeatCode } as never;
        case ApiKey.LeaveGroup:
          return { throttleTimeMs: 0, errorCode: 0, members: [] } as never;
        default:
          return undefined as never;
      }
    });
    const cluster = new Cluster(
      resolveClientOptions({ bootstrapServers: 'b1:9092', transport, retryBackoffMs: 1 }),
    );
    const assigned: Array<Map<string, number[]>> = [];
    const revoked: Array<Map<string, number[]>> = [];
    const member = new GroupMember(
      cluster,
      {
        groupId: 'g',
        groupInstanceId: null,
        sessionTimeoutMs: 10_000,
        rebalanceTimeoutMs: 10_000,
        heartbeatIntervalMs: 5,
        assignors: [rangeClientAssignor],
      },
      {
        onAssigned: async (partitions) => void assigned.push(partitions),
        onRevoked: async (partitions) => void revoked.push(partitions),
        onLost: async () => {},
      },
    );
    member.subscribe(['t']);
    await member.ensureActive();
    const joins = transport.requestsOf(ApiKey.JoinGroup).map((r) => (r.body as JoinGroupRequest).memberId);
    assert.deepEqual(joins, ['', 'm-1']);
    assert.equal(member.generationId, 7);
    assert.deepEqual(assigned, [new Map([['t', [0, 1, 2]]])]);
    const sync = transport.requestsOf(ApiKey.SyncGroup)[0]!.body as SyncGroupRequest;
    assert.deepEqual([...decodeAssignment(sync.assignments[0]!.assignment).partitions], [['t', [0, 1, 2]]]);

    heartbeatCode = ErrorCode.REBALANCE_IN_PROGRESS;
    const seenBefore = heartbeats;
    const deadline = Date.now() + 5000;
    await new Promise<void>((resolve, reject) => {
      const check = (): void => {
        if (member.isRebalanceNeeded) resolve();
        else if (Date.now() > deadline) reject(new Error('no heartbeat reported the rebalance'));
        else setTimeout(check, 5);
      };
      check();
    });
    assert.ok(heartbeats > seenBefore);
    heartbeatCode = ErrorCode.NONE;
    await member.ensureActive();
    // Eager protocol (range): everything is revoked before the rejoin, then assigned again.
    assert.deepEqual(revoked, [new Map([['t', [0, 1, 2]]])]);
    assert.equal(assigned.length, 2);
    await member.leave();
    assert.equal(transport.requestsOf(ApiKey.LeaveGroup).length, 1);
    await cluster.close();
  });
});
