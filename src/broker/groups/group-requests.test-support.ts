// Test-only: group request bodies with Kafka's defaults, a manual clock, and this node's registration.
import type { GroupClock } from '../../coordinator/index.js';
import {
  type ConsumerGroupHeartbeatRequest,
  type JoinGroupRequest,
  MetadataRecordType,
  type OffsetCommitRequest,
  type SyncGroupRequest,
} from '../../protocol/index.js';
import type { TestBroker } from '../broker-test-kit.js';

export const COORDINATOR_PORT = 19_093;

/** Registers node 1 at localhost:COORDINATOR_PORT (no socket is bound: handlers only read the image). */
export function registerNode(broker: TestBroker): Promise<void> {
  return broker.commitMetadata([
    {
      type: MetadataRecordType.RegisterBrokerRecord,
      version: 3,
      data: {
        brokerId: 1,
        isMigratingZkBroker: false,
        incarnationId: 'AAAAAAAAAAAAAAAAAAAAAA',
        brokerEpoch: 1n,
        endPoints: [{ name: 'PLAINTEXT', host: 'localhost', port: COORDINATOR_PORT, securityProtocol: 0 }],
        features: [],
        rack: null,
        fenced: false,
        inControlledShutdown: false,
        logDirs: [],
      },
    },
  ]);
}

export function joinBody(
  groupId: string,
  memberId = '',
  fields: Partial<JoinGroupRequest> = {},
): JoinGroupRequest {
  return {
    groupId,
    sessionTimeoutMs: 10_000,
    rebalanceTimeoutMs: 30_000,
    memberId,
    groupInstanceId: null,
    protocolType: 'consumer',
    protocols: [{ name: 'range', metadata: Buffer.from('sub') }],
    reason: null,
    ...fields,
  };
}

export function syncBody(
  groupId: string,
  generationId: number,
  memberId: string,
  assignments: Array<[string, string]> = [],
): SyncGroupRequest {
  return {
    groupId,
    generationId,
    memberId,
    groupInstanceId: null,
    protocolType: 'consumer',
    protocolName: 'range',
    assignments: assignments.map(([id, text]) => ({ memberId: id, assignment: Buffer.from(text) })),
  };
}

export function commitBody(
  groupId: string,
  generationId: number,
  memberId: string,
  offsets: Array<[string, number, bigint]>,
): OffsetCommitRequest {
  const topics = [...new Set(offsets.map(([topic]) => topic))];
  return {
    groupId,
    generationIdOrMemberEpoch: generationId,
    memberId,
    groupInstanceId: null,
    retentionTimeMs: -1n,
    topics: topics.map((name) => ({
      name,
      partitions: offsets
        .filter(([topic]) => topic === name)
        .map(([, partitionIndex, committedOffset]) => ({
          partitionIndex,
          committedOffset,
          committedLeaderEpoch: -1,
          commitTimestamp: -1n,
          committedMetadata: null,
        })),
    })),
  };
}

/** Time that moves only when a test says so; due timers fire in deadline order. */
export class ManualGroupClock implements GroupClock {
  #nowMs = 1_000_000;
  #timers: Array<{ atMs: number; callback: () => void; live: boolean }> = [];

  nowMs(): number {
    return this.#nowMs;
  }

  schedule(delayMs: number, callback: () => void): () => void {
    const timer = { atMs: this.#nowMs + delayMs, callback, live: true };
    this.#timers.push(timer);
    return () => {
      timer.live = false;
    };
  }

  advanceBy(deltaMs: number): void {
    const target = this.#nowMs + deltaMs;
    for (;;) {
      const due = this.#timers.filter((t) => t.live && t.atMs <= target).sort((a, b) => a.atMs - b.atMs)[0];
      if (due === undefined) break;
      due.live = false;
      this.#nowMs = Math.max(this.#nowMs, due.atMs);
      due.callback();
    }
    this.#timers = this.#timers.filter((t) => t.live);
    this.#nowMs = target;
  }
}

export function consumerHeartbeatBody(
  groupId: string,
  memberId: string,
  memberEpoch: number,
  fields: Partial<ConsumerGroupHeartbeatRequest> = {},
): ConsumerGroupHeartbeatRequest {
  return {
    groupId,
    memberId,
    memberEpoch,
    instanceId: null,
    rackId: null,
    rebalanceTimeoutMs: 30_000,
    subscribedTopicNames: memberEpoch === 0 ? ['t'] : null,
    subscribedTopicRegex: null,
    serverAssignor: null,
    topicPartitions: memberEpoch === 0 ? [] : null,
    ...fields,
  };
}
