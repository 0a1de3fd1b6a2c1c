// A classic-protocol consumer group member: JoinGroup/SyncGroup rebalances (eager or cooperative), heartbeats, commits, LeaveGroup.
import { ApiKey, ErrorCode, KafkaError, kafkaErrorFromCode } from '../../protocol/index.js';
import { type Cluster, CoordinatorType, isStaleCoordinatorError } from '../cluster.js';
import {
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
} from '../consumer-protocol.js';
import type { NodeConnection } from '../node-connection.js';
import { backoffMs, isRetriable, sleep, throwIfAborted } from '../retry.js';
import type { ClientAssignor } from './assignors.js';

export interface TopicPartitionOffset {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly leaderEpoch?: number;
  readonly metadata?: string | null;
}

export interface GroupMemberConfig {
  readonly groupId: string;
  /** `group.instance.id` (KIP-345 static membership), or null. */
  readonly groupInstanceId: string | null;
  readonly sessionTimeoutMs: number;
  /** `max.poll.interval.ms`: how long the coordinator waits for members to rejoin. */
  readonly rebalanceTimeoutMs: number;
  readonly heartbeatIntervalMs: number;
  /** In order of preference; the group picks the first one every member supports. */
  readonly assignors: readonly ClientAssignor[];
}

/** What the consumer does when partitions change hands. Partitions as topic → partition numbers. */
export interface RebalanceListener {
  /** Before partitions go (eager: all, before rejoining; cooperative: only the moved ones). */
  onRevoked(partitions: Map<string, number[]>): Promise<void>;
  onAssigned(partitions: Map<string, number[]>): Promise<void>;
  /** The membership was lost (session expired, fenced): the partitions are gone without a chance to commit. */
  onLost(partitions: Map<string, number[]>): Promise<void>;
}

/** Error codes after which the member must rejoin with a new member id. */
const RESET_MEMBER_CODES: ReadonlySet<number> = new Set([
  ErrorCode.UNKNOWN_MEMBER_ID,
  ErrorCode.FENCED_INSTANCE_ID,
]);
/** Error codes after which the member must rejoin, keeping its member id. */
const REJOIN_CODES: ReadonlySet<number> = new Set([
  ErrorCode.REBALANCE_IN_PROGRESS,
  ErrorCode.ILLEGAL_GENERATION,
]);

function minus(a: ReadonlyMap<string, readonly number[]>, b: ReadonlyMap<string, readonly number[]>) {
  const result = new Map<string, number[]>();
  for (const [topic, partitions] of a) {
    const other = new Set(b.get(topic) ?? []);
    const left = partitions.filter((p) => !other.has(p));
    if (left.length > 0) result.set(topic, left);
  }
  return result;
}

function isEmpty(partitions: ReadonlyMap<string, readonly number[]>): boolean {
  return [...partitions.values()].every((list) => list.length === 0);
}

/**
 * Membership of one consumer in a classic group. `ensureActive` (called from poll, as in Kafka's
 * consumer) joins or rejoins when needed; heartbeats run on a timer between polls and flag a rebalance;
 * the partitions it owns change only inside `ensureActive`, through the RebalanceListener.
 */
export class GroupMember {
  memberId = '';
  generationId = -1;
  protocolName: string | null = null;
  private owned = new Map<string, number[]>();
  private subscription: readonly string[] = [];
  private needsJoin = true;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private isClosed = false;
  private joinAttempts = 0;

  constructor(
    private readonly cluster: Cluster,
    private readonly config: GroupMemberConfig,
    private readonly listener: RebalanceListener,
  ) {}

  get assignment(): ReadonlyMap<string, readonly number[]> {
    return this.owned;
  }

  get isRebalanceNeeded(): boolean {
    return this.needsJoin;
  }

  /** Sets the topics to subscribe to; a change triggers a rebalance at the next ensureActive. */
  subscribe(topics: readonly string[]): void {
    const sorted = [...new Set(topics)].sort();
    if (sorted.join('\0') !== this.subscription.join('\0')) this.needsJoin = true;
    this.subscription = sorted;
  }

  private get isCooperative(): boolean {
    const chosen = this.config.assignors.find((a) => a.name === this.protocolName);
    return chosen?.isCooperative ?? this.config.assignors.every((a) => a.isCooperative);
  }

  /** Joins (or rejoins) until the member is stable with an assignment; then keeps heartbeating. */
  async ensureActive(signal?: AbortSignal): Promise<void> {
    while (this.needsJoin && !this.isClosed) {
      throwIfAborted(signal);
      try {
        await this.joinAndSync(signal);
        this.joinAttempts = 0;
      } catch (error: unknown) {
        if (
          error instanceof KafkaError &&
          error.code === 'REBALANCE_IN_PROGRESS' &&
          signal?.aborted !== true
        ) {
          continue;
        }
        if (!isRetriable(error) || signal?.aborted === true) throw error;
        if (error instanceof KafkaError && isStaleCoordinatorError(error.errorCode)) this.forgetCoordinator();
        if (!(error instanceof KafkaError)) this.forgetCoordinator();
        await sleep(backoffMs(this.joinAttempts++, this.cluster.options.retryPolicy), signal);
      }
    }
    this.startHeartbeats();
  }

  private forgetCoordinator(): void {
    this.cluster.forgetCoordinator(CoordinatorType.group, this.config.groupId);
  }

  private coordinator(signal?: AbortSignal): Promise<NodeConnection> {
    return this.cluster.coordinator(CoordinatorType.group, this.config.groupId, signal);
  }

  private async joinAndSync(signal?: AbortSignal): Promise<void> {
    if (!this.isCooperative && !isEmpty(this.owned)) {
      // Eager protocol: give everything up before rejoining.
      const revoked = this.owned;
      this.owned = new Map();
      await this.listener.onRevoked(revoked);
    }
    const connection = await this.coordinator(signal);
    const version = connection.version(ApiKey.JoinGroup, { max: 9 });
    const join = await connection.request(
      ApiKey.JoinGroup,
      version,
      {
        groupId: this.config.groupId,
        sessionTimeoutMs: this.config.sessionTimeoutMs,
        rebalanceTimeoutMs: version >= 1 ? this.config.rebalanceTimeoutMs : -1,
        memberId: this.memberId,
        groupInstanceId: version >= 5 ? this.config.groupInstanceId : null,
        protocolType: 'consumer',
        protocols: this.config.assignors.map((assignor) => ({
          name: assignor.name,
          metadata: encodeSubscription({
            topics: this.subscription,
            userData: null,
            ownedPartitions: assignor.isCooperative ? this.owned : new Map(),
            generationId: this.generationId,
            rackId: null,
          }),
        })),
        reason: null,
      },
      { timeoutMs: this.config.rebalanceTimeoutMs + 5000, ...(signal === undefined ? {} : { signal }) },
    );
    if (join.errorCode === ErrorCode.MEMBER_ID_REQUIRED) {
      // KIP-394: the coordinator hands out the member id first; join again with it.
      this.memberId = join.memberId;
      return;
    }
    this.throwJoinError(join.errorCode);
    this.memberId = join.memberId;
    this.generationId = join.generationId;
    this.protocolName = join.protocolName;
    const assignments =
      join.leader === join.memberId && !join.skipAssignment ? await this.assign(join.members, signal) : [];
    const syncVersion = connection.version(ApiKey.SyncGroup, { max: 5 });
    const sync = await connection.request(
      ApiKey.SyncGroup,
      syncVersion,
      {
        groupId: this.config.groupId,
        generationId: this.generationId,
        memberId: this.memberId,
        groupInstanceId: syncVersion >= 3 ? this.config.groupInstanceId : null,
        protocolType: syncVersion >= 5 ? 'consumer' : null,
        protocolName: syncVersion >= 5 ? this.protocolName : null,
        assignments,
      },
      { timeoutMs: this.config.rebalanceTimeoutMs + 5000, ...(signal === undefined ? {} : { signal }) },
    );
    this.throwJoinError(sync.errorCode);
    const assigned = decodeAssignment(sync.assignment).partitions;
    const next = new Map([...assigned].map(([topic, partitions]) => [topic, [...partitions]]));
    const revoked = minus(this.owned, next);
    const added = minus(next, this.owned);
    if (!isEmpty(revoked)) await this.listener.onRevoked(revoked);
    this.owned = next;
    if (!isEmpty(added) || isEmpty(this.owned)) await this.listener.onAssigned(added);
    // Cooperative protocol: a member that gave partitions up rejoins so the leader can hand them over.
    this.needsJoin = this.isCooperative && !isEmpty(revoked);
  }

  /** Maps a JoinGroup/SyncGroup error to the member's next step: rejoin (retriable) or a thrown failure. */
  private throwJoinError(code: number): void {
    if (code === ErrorCode.NONE) return;
    if (RESET_MEMBER_CODES.has(code)) {
      this.memberId = '';
      this.generationId = -1;
    }
    if (RESET_MEMBER_CODES.has(code) || REJOIN_CODES.has(code)) {
      this.needsJoin = true;
      throw new KafkaError(
        'REBALANCE_IN_PROGRESS',
        `rejoining the group after ${kafkaErrorFromCode(code)?.code}`,
      );
    }
    throw kafkaErrorFromCode(code)!;
  }

  /** The leader's job: run the chosen assignor over every member's subscription. */
  private async assign(
    members: readonly { memberId: string; metadata: Buffer }[],
    signal?: AbortSignal,
  ): Promise<{ memberId: string; assignment: Buffer }[]> {
    const assignor =
      this.config.assignors.find((a) => a.name === this.protocolName) ??
      (() => {
        throw new KafkaError('INCONSISTENT_GROUP_PROTOCOL', `no local assignor named ${this.protocolName}`);
      })();
    const inputs = members.map((member) => {
      const subscription = decodeSubscription(member.metadata);
      return {
        memberId: member.memberId,
        topics: subscription.topics,
        ownedPartitions: subscription.ownedPartitions,
      };
    });
    const topics = [...new Set(inputs.flatMap((input) => input.topics))];
    const view = await this.cluster.refresh({ topics, signal });
    const counts = new Map<string, number>();
    for (const topic of topics) {
      const metadata = view.topics.get(topic);
      if (metadata !== undefined) counts.set(topic, metadata.partitions.length);
    }
    const result = assignor.assign(inputs, counts);
    return inputs.map((input) => ({
      memberId: input.memberId,
      assignment: encodeAssignment({ partitions: result.get(input.memberId) ?? new Map(), userData: null }),
    }));
  }

  private startHeartbeats(): void {
    if (this.heartbeatTimer !== undefined || this.isClosed) return;
    this.heartbeatTimer = setTimeout(() => {
      this.heartbeatTimer = undefined;
      void this.heartbeat().finally(() => {
        if (!this.needsJoin) this.startHeartbeats();
      });
    }, this.config.heartbeatIntervalMs);
    this.heartbeatTimer.unref();
  }

  private async heartbeat(): Promise<void> {
    if (this.needsJoin || this.memberId === '' || this.isClosed) return;
    try {
      const connection = await this.coordinator();
      const version = connection.version(ApiKey.Heartbeat, { max: 4 });
      const response = await connection.request(ApiKey.Heartbeat, version, {
        groupId: this.config.groupId,
        generationId: this.generationId,
        memberId: this.memberId,
        groupInstanceId: version >= 3 ? this.config.groupInstanceId : null,
      });
      await this.onGroupError(response.errorCode);
    } catch (error: unknown) {
      // Transport failures: look the coordinator up again at the next beat.
      if (!isRetriable(error)) throw error;
      this.forgetCoordinator();
    }
  }

  /** Reacts to a group error code of Heartbeat or OffsetCommit. */
  private async onGroupError(code: number): Promise<void> {
    if (code === ErrorCode.NONE) return;
    if (isStaleCoordinatorError(code)) {
      this.forgetCoordinator();
      return;
    }
    if (code === ErrorCode.REBALANCE_IN_PROGRESS) {
      this.needsJoin = true;
      return;
    }
    if (RESET_MEMBER_CODES.has(code) || code === ErrorCode.ILLEGAL_GENERATION) {
      if (RESET_MEMBER_CODES.has(code)) this.memberId = '';
      this.generationId = -1;
      this.needsJoin = true;
      const lost = this.owned;
      this.owned = new Map();
      if (!isEmpty(lost)) await this.listener.onLost(lost);
    }
  }

  /**
   * OffsetCommit within the current generation. Throws KafkaError: REBALANCE_IN_PROGRESS /
   * ILLEGAL_GENERATION / UNKNOWN_MEMBER_ID (the group moved on: Kafka's CommitFailedException; the
   * member rejoins at the next poll) or the partition's error; retries coordinator moves.
   */
  async commit(offsets: readonly TopicPartitionOffset[], signal?: AbortSignal): Promise<void> {
    if (offsets.length === 0) return;
    for (let attempt = 0; ; attempt++) {
      throwIfAborted(signal);
      let failure: KafkaError | undefined;
      try {
        const connection = await this.coordinator(signal);
        const version = connection.version(ApiKey.OffsetCommit, { min: 2, max: 9 });
        const byTopic = new Map<string, TopicPartitionOffset[]>();
        for (const offset of offsets)
          byTopic.set(offset.topic, [...(byTopic.get(offset.topic) ?? []), offset]);
        const response = await connection.request(
          ApiKey.OffsetCommit,
          version,
          {
            groupId: this.config.groupId,
            generationIdOrMemberEpoch: this.generationId,
            memberId: this.memberId,
            groupInstanceId: version >= 7 ? this.config.groupInstanceId : null,
            retentionTimeMs: -1n,
            topics: [...byTopic].map(([name, list]) => ({
              name,
              partitions: list.map((o) => ({
                partitionIndex: o.partition,
                committedOffset: o.offset,
                committedLeaderEpoch: o.leaderEpoch ?? -1,
                commitTimestamp: -1n,
                committedMetadata: o.metadata ?? '',
              })),
            })),
          },
          signal === undefined ? {} : { signal },
        );
        const code =
          response.topics.flatMap((t) => t.partitions).find((p) => p.errorCode !== ErrorCode.NONE)
            ?.errorCode ?? ErrorCode.NONE;
        if (code === ErrorCode.NONE) return;
        await this.onGroupError(code);
        failure = kafkaErrorFromCode(code)!;
        if (REJOIN_CODES.has(code) || RESET_MEMBER_CODES.has(code) || !failure.retriable) throw failure;
      } catch (error: unknown) {
        if (error === failure || !isRetriable(error) || attempt >= this.cluster.options.retryPolicy.retries) {
          throw error;
        }
        if (!(error instanceof KafkaError)) this.forgetCoordinator();
      }
      await sleep(backoffMs(attempt, this.cluster.options.retryPolicy), signal);
    }
  }

  /** Stops heartbeats and leaves the group (dynamic members only, as Kafka: static ones keep their slot). */
  async leave(): Promise<void> {
    this.isClosed = true;
    clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
    if (this.memberId === '' || this.config.groupInstanceId !== null) return;
    try {
      const connection = await this.coordinator();
      const version = connection.version(ApiKey.LeaveGroup, { max: 5 });
      await connection.request(ApiKey.LeaveGroup, version, {
        groupId: this.config.groupId,
        memberId: version <= 2 ? this.memberId : '',
        members:
          version >= 3 ? [{ memberId: this.memberId, groupInstanceId: null, reason: 'consumer closed' }] : [],
      });
    } catch (error: unknown) {
      // Leaving is best effort: the session timeout removes the member anyway.
      if (!(error instanceof Error)) throw error;
    }
    this.memberId = '';
    this.generationId = -1;
  }
}
