// Test-only driver for GroupCoordinator: numbered requests, writes confirmed on demand, replies collected by request id.
import type {
  JoinGroupRequest,
  JoinGroupResponse,
  OffsetCommitRequest,
  SyncGroupResponse,
} from '../../protocol/index.js';
import { DEFAULT_GROUP_COORDINATOR_CONFIG, type GroupCoordinatorConfig } from './group-config.js';
import { GroupCoordinator, type GroupReply } from './group-coordinator.js';
import type { GroupRecord } from './group-store-records.js';

export class GroupHarness {
  readonly coordinator: GroupCoordinator;
  readonly replies = new Map<number, GroupReply>();
  readonly log: GroupRecord[] = [];
  readonly unconfirmed: Array<{ writeId: number; records: readonly GroupRecord[] }> = [];
  autoConfirm = true;
  nowMs = 0;
  #nextRequestId = 1;
  #nextMember = 1;

  constructor(config: Partial<GroupCoordinatorConfig> = {}) {
    this.coordinator = new GroupCoordinator(
      { ...DEFAULT_GROUP_COORDINATOR_CONFIG, groupInitialRebalanceDelayMs: 0, ...config },
      { newMemberId: (clientId) => `${clientId}-${this.#nextMember++}` },
    );
  }

  /** Drains the coordinator, confirming writes (in order) when autoConfirm is on. */
  pump(): void {
    for (;;) {
      const work = this.coordinator.ready();
      for (const reply of work.replies) this.replies.set(reply.request.requestId, reply);
      this.unconfirmed.push(...work.writes);
      if (this.autoConfirm) this.confirmAll();
      if (work.writes.length === 0 && work.replies.length === 0) return;
    }
  }

  confirmAll(errorCode = 0): void {
    while (this.unconfirmed.length > 0) {
      const write = this.unconfirmed.shift();
      if (write === undefined) break;
      if (errorCode === 0) this.log.push(...write.records);
      this.coordinator.writeCompleted(write.writeId, errorCode);
    }
  }

  join(fields: Partial<JoinGroupRequest> & { groupId: string }, version = 7, clientId = 'c'): number {
    const requestId = this.#nextRequestId++;
    const request: JoinGroupRequest = {
      sessionTimeoutMs: 10_000,
      rebalanceTimeoutMs: 30_000,
      memberId: '',
      groupInstanceId: null,
      protocolType: 'consumer',
      protocols: [{ name: 'range', metadata: Buffer.from('m') }],
      reason: null,
      ...fields,
    };
    this.coordinator.joinGroup(
      request,
      { requestId, version },
      { clientId, clientHost: '/127.0.0.1' },
      this.nowMs,
    );
    this.pump();
    return requestId;
  }

  sync(
    groupId: string,
    generationId: number,
    memberId: string,
    assignments: Array<[string, string]> = [],
    groupInstanceId: string | null = null,
  ): number {
    const requestId = this.#nextRequestId++;
    this.coordinator.syncGroup(
      {
        groupId,
        generationId,
        memberId,
        groupInstanceId,
        protocolType: null,
        protocolName: null,
        assignments: assignments.map(([m, a]) => ({ memberId: m, assignment: Buffer.from(a) })),
      },
      { requestId, version: 5 },
      this.nowMs,
    );
    this.pump();
    return requestId;
  }

  commit(
    fields: Partial<OffsetCommitRequest> & { groupId: string },
    offsets: Array<[string, number, bigint]>,
    version = 8,
  ): number {
    const requestId = this.#nextRequestId++;
    this.coordinator.offsetCommit(
      {
        generationIdOrMemberEpoch: -1,
        memberId: '',
        groupInstanceId: null,
        retentionTimeMs: -1n,
        ...fields,
        topics: offsets.map(([name, partitionIndex, committedOffset]) => ({
          name,
          partitions: [
            {
              partitionIndex,
              committedOffset,
              committedLeaderEpoch: -1,
              commitTimestamp: -1n,
              committedMetadata: null,
            },
          ],
        })),
      },
      { requestId, version },
      this.nowMs,
    );
    this.pump();
    return requestId;
  }

  advance(ms: number): void {
    this.nowMs += ms;
    this.coordinator.tick(this.nowMs);
    this.pump();
  }

  nextRequestId(): number {
    return this.#nextRequestId++;
  }

  joinResponse(requestId: number): JoinGroupResponse | undefined {
    const reply = this.replies.get(requestId);
    return reply?.api === 'joinGroup' ? reply.response : undefined;
  }

  syncResponse(requestId: number): SyncGroupResponse | undefined {
    const reply = this.replies.get(requestId);
    return reply?.api === 'syncGroup' ? reply.response : undefined;
  }

  /** Joins through KIP-394 (MEMBER_ID_REQUIRED, then the real join); returns the second request id. */
  joinWithId(groupId: string, clientId: string, fields: Partial<JoinGroupRequest> = {}): number {
    const first = this.joinResponse(this.join({ groupId, ...fields }, 7, clientId));
    return this.join({ groupId, ...fields, memberId: first?.memberId ?? '' }, 7, clientId);
  }
}
