// The Kafka consumer: manual assignment or a classic group, positions, fetch sessions, seeks and commits.
import {
  ApiKey,
  decodeRecordBatches,
  ErrorCode,
  KafkaError,
  kafkaErrorFromCode,
  type RecordHeader,
  recordOffset,
  recordTimestamp,
  TimestampType,
  ZERO_UUID,
} from '../../protocol/index.js';
import { alterGroupOffsets, listGroupOffsets, type TopicPartition } from '../admin/group-admin.js';
import { type IsolationLevelName, listOffsets, type OffsetQuery } from '../admin/offset-admin.js';
import { ClientClosedError, InvalidArgumentError } from '../client-errors.js';
import { type ClientOptions, resolveClientOptions } from '../client-options.js';
import { Cluster, isStaleMetadataError } from '../cluster.js';
import { isRetriable, throwIfAborted } from '../retry.js';
import { CLIENT_ASSIGNORS } from './assignors.js';
import { FetchSession, type FetchTarget } from './fetch-session.js';
import { GroupMember, type RebalanceListener } from './group-member.js';
import { RecordBuffer } from './record-buffer.js';

export type AutoOffsetReset = 'earliest' | 'latest' | 'none';

export interface ConsumerOptions extends ClientOptions {
  /** `group.id`: consume as a member of this classic group (with `subscribe`); omit for `assign` only. */
  readonly groupId?: string;
  /** `group.instance.id` (static membership). */
  readonly groupInstanceId?: string;
  /** `session.timeout.ms` (45000). */
  readonly sessionTimeoutMs?: number;
  /** `max.poll.interval.ms`, sent as the rebalance timeout (300000). */
  readonly rebalanceTimeoutMs?: number;
  /** `heartbeat.interval.ms` (3000). */
  readonly heartbeatIntervalMs?: number;
  /** `partition.assignment.strategy` (range, cooperative-sticky: Kafka 3.x's default). */
  readonly assignors?: readonly ('range' | 'roundrobin' | 'cooperative-sticky')[];
  /** `enable.auto.commit` (true with a group). */
  readonly autoCommit?: boolean;
  /** `auto.commit.interval.ms` (5000). */
  readonly autoCommitIntervalMs?: number;
  /** `auto.offset.reset` (latest). */
  readonly autoOffsetReset?: AutoOffsetReset;
  /** `fetch.min.bytes` (1). */
  readonly fetchMinBytes?: number;
  /** `fetch.max.bytes` (52428800). */
  readonly fetchMaxBytes?: number;
  /** `fetch.max.wait.ms` (500). */
  readonly fetchMaxWaitMs?: number;
  /** `max.partition.fetch.bytes` (1048576). */
  readonly maxPartitionFetchBytes?: number;
  /** `max.poll.records` (500). */
  readonly maxPollRecords?: number;
  /** `isolation.level` (readUncommitted). */
  readonly isolationLevel?: IsolationLevelName;
}

export interface ConsumerRecord {
  readonly topic: string;
  readonly partition: number;
  readonly offset: bigint;
  readonly timestamp: bigint;
  readonly timestampType: 'CreateTime' | 'LogAppendTime';
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly headers: readonly RecordHeader[];
  readonly leaderEpoch: number;
}

interface PartitionState {
  readonly topic: string;
  readonly partition: number;
  /** Next offset to fetch; null until known (committed offset or a reset). */
  fetchOffset: bigint | null;
  /** A pending reset (auto.offset.reset, seekToBeginning/End). */
  reset: OffsetQuery | null;
  /** Fetched records not yet returned by poll. */
  readonly buffer: RecordBuffer<ConsumerRecord>;
  leaderEpoch: number;
}

function key(topic: string, partition: number): string {
  return `${partition}:${topic}`;
}

/**
 * Kafka's consumer. Either `assign` partitions, or `subscribe` with a `groupId` and let the classic
 * group protocol assign them (client-side range / roundrobin / cooperative-sticky). `poll` returns
 * records in offset order per partition; positions start at the committed offset, else at
 * `autoOffsetReset`. Fetches use KIP-227 sessions per broker. Errors: KafkaError (e.g.
 * OFFSET_OUT_OF_RANGE with autoOffsetReset 'none', a failed commit), OperationAbortedError,
 * ClientClosedError.
 */
export class Consumer {
  readonly cluster: Cluster;
  private readonly member: GroupMember | undefined;
  private readonly partitions = new Map<string, PartitionState>();
  private readonly sessions = new Map<number, FetchSession>();
  private readonly options: Required<
    Pick<
      ConsumerOptions,
      | 'autoOffsetReset'
      | 'fetchMinBytes'
      | 'fetchMaxBytes'
      | 'fetchMaxWaitMs'
      | 'maxPartitionFetchBytes'
      | 'maxPollRecords'
      | 'isolationLevel'
      | 'autoCommitIntervalMs'
    >
  >;
  private readonly autoCommit: boolean;
  private readonly groupId: string | undefined;
  private nextAutoCommitMs: number;
  private mode: 'none' | 'assign' | 'subscribe' = 'none';
  private isClosed = false;

  constructor(options: ConsumerOptions) {
    this.cluster = new Cluster(resolveClientOptions(options));
    this.options = {
      autoOffsetReset: options.autoOffsetReset ?? 'latest',
      fetchMinBytes: options.fetchMinBytes ?? 1,
      fetchMaxBytes: options.fetchMaxBytes ?? 52_428_800,
      fetchMaxWaitMs: options.fetchMaxWaitMs ?? 500,
      maxPartitionFetchBytes: options.maxPartitionFetchBytes ?? 1_048_576,
      maxPollRecords: Math.max(1, options.maxPollRecords ?? 500),
      isolationLevel: options.isolationLevel ?? 'readUncommitted',
      autoCommitIntervalMs: options.autoCommitIntervalMs ?? 5000,
    };
    this.groupId = options.groupId;
    this.autoCommit = options.groupId !== undefined && (options.autoCommit ?? true);
    this.nextAutoCommitMs = this.cluster.options.now() + this.options.autoCommitIntervalMs;
    if (options.groupId !== undefined) {
      const assignors = (options.assignors ?? ['range', 'cooperative-sticky']).map((name) => {
        const assignor = CLIENT_ASSIGNORS.get(name);
        if (assignor === undefined) throw new InvalidArgumentError(`unknown assignor ${name}`);
        return assignor;
      });
      this.member = new GroupMember(
        this.cluster,
        {
          groupId: options.groupId,
          groupInstanceId: options.groupInstanceId ?? null,
          sessionTimeoutMs: options.sessionTimeoutMs ?? 45_000,
          rebalanceTimeoutMs: options.rebalanceTimeoutMs ?? 300_000,
          heartbeatIntervalMs: options.heartbeatIntervalMs ?? 3000,
          assignors,
        },
        this.rebalanceListener(),
      );
    }
  }

  private rebalanceListener(): RebalanceListener {
    return {
      onRevoked: async (revoked) => {
        if (this.autoCommit) {
          await this.commit(this.positionsOf(revoked)).catch(() => undefined);
        }
        for (const [topic, list] of revoked) for (const p of list) this.partitions.delete(key(topic, p));
      },
      onAssigned: async (assigned) => {
        for (const [topic, list] of assigned) for (const p of list) this.addPartition(topic, p);
      },
      onLost: async (lost) => {
        for (const [topic, list] of lost) for (const p of list) this.partitions.delete(key(topic, p));
      },
    };
  }

  private addPartition(topic: string, partition: number): void {
    if (this.partitions.has(key(topic, partition))) return;
    this.partitions.set(key(topic, partition), {
      topic,
      partition,
      fetchOffset: null,
      reset: null,
      buffer: new RecordBuffer(),
      leaderEpoch: -1,
    });
  }

  /** Subscribes to topics through the group (`groupId` required); replaces any earlier subscription. */
  subscribe(topics: readonly string[]): void {
    if (this.member === undefined) throw new InvalidArgumentError('subscribe needs a groupId');
    if (this.mode === 'assign') throw new InvalidArgumentError('the consumer already uses assign()');
    if (topics.length === 0) throw new InvalidArgumentError('subscribe needs at least one topic');
    this.mode = 'subscribe';
    this.cluster.addInterest(topics);
    this.member.subscribe(topics);
  }

  /** Consumes exactly these partitions, without group membership (commits still go to `groupId` if set). */
  assign(partitions: readonly TopicPartition[]): void {
    if (this.mode === 'subscribe') throw new InvalidArgumentError('the consumer already uses subscribe()');
    this.mode = 'assign';
    const wanted = new Set(partitions.map((p) => key(p.topic, p.partition)));
    for (const [k] of this.partitions) if (!wanted.has(k)) this.partitions.delete(k);
    for (const p of partitions) this.addPartition(p.topic, p.partition);
    this.cluster.addInterest(partitions.map((p) => p.topic));
  }

  /** The partitions currently assigned, sorted. */
  assignment(): TopicPartition[] {
    return [...this.partitions.values()]
      .map(({ topic, partition }) => ({ topic, partition }))
      .sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
  }

  private state(tp: TopicPartition): PartitionState {
    const state = this.partitions.get(key(tp.topic, tp.partition));
    if (state === undefined) {
      throw new InvalidArgumentError(`${tp.topic}-${tp.partition} is not assigned to this consumer`);
    }
    return state;
  }

  /** The offset of the next record poll returns for the partition, or undefined while unknown. */
  position(tp: TopicPartition): bigint | undefined {
    const state = this.state(tp);
    return state.buffer.first()?.offset ?? state.fetchOffset ?? undefined;
  }

  /** Continues the partition from `offset`. */
  seek(tp: TopicPartition, offset: bigint): void {
    const state = this.state(tp);
    state.fetchOffset = offset;
    state.reset = null;
    state.buffer.clear();
  }

  /** Continues from the log start (resolved at the next poll); default every assigned partition. */
  seekToBeginning(partitions: readonly TopicPartition[] = this.assignment()): void {
    for (const tp of partitions) this.lazyReset(tp, 'earliest');
  }

  /** Continues from the end (resolved at the next poll). */
  seekToEnd(partitions: readonly TopicPartition[] = this.assignment()): void {
    for (const tp of partitions) this.lazyReset(tp, 'latest');
  }

  /** Continues from the first record with a timestamp >= `timestamp` (the end when there is none). */
  seekToTimestamp(partitions: readonly TopicPartition[], timestamp: bigint | number): void {
    for (const tp of partitions) this.lazyReset(tp, { timestamp: BigInt(timestamp) });
  }

  private lazyReset(tp: TopicPartition, query: OffsetQuery): void {
    const state = this.state(tp);
    state.reset = query;
    state.fetchOffset = null;
    state.buffer.clear();
  }

  /**
   * Returns the next records (at most maxPollRecords), waiting up to `timeoutMs` for some. With a group,
   * this is where the member joins, rebalances and auto-commits, as in Kafka's consumer.
   */
  async poll(options: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<ConsumerRecord[]> {
    if (this.isClosed) throw new ClientClosedError('the consumer is closed');
    const deadline = this.cluster.options.now() + (options.timeoutMs ?? 1000);
    for (;;) {
      throwIfAborted(options.signal);
      if (this.mode === 'subscribe') await this.member!.ensureActive(options.signal);
      await this.maybeAutoCommit();
      await this.resolvePositions(options.signal);
      const ready = this.drainBuffers();
      if (ready.length > 0) return ready;
      const remaining = deadline - this.cluster.options.now();
      if (remaining <= 0) return [];
      if (this.partitions.size === 0 && this.mode !== 'subscribe') return [];
      await this.fetchOnce(Math.min(remaining, this.options.fetchMaxWaitMs), options.signal);
      const fetched = this.drainBuffers();
      if (fetched.length > 0) return fetched;
    }
  }

  private drainBuffers(): ConsumerRecord[] {
    const out: ConsumerRecord[] = [];
    for (const state of this.partitions.values()) {
      state.buffer.drainInto(out, this.options.maxPollRecords - out.length);
      if (out.length >= this.options.maxPollRecords) break;
    }
    return out;
  }

  /** Gives each partition without a position its committed offset, or resets it (ListOffsets). */
  private async resolvePositions(signal?: AbortSignal): Promise<void> {
    const unknown = [...this.partitions.values()].filter((s) => s.fetchOffset === null && s.reset === null);
    const groupId = this.groupId;
    if (unknown.length > 0 && groupId !== undefined) {
      const committed = await listGroupOffsets(this.cluster, groupId, {
        partitions: unknown.map(({ topic, partition }) => ({ topic, partition })),
        requireStable: true,
        ...(signal === undefined ? {} : { signal }),
      });
      for (const offset of committed) {
        const state = this.partitions.get(key(offset.topic, offset.partition));
        if (state !== undefined && offset.offset >= 0n) state.fetchOffset = offset.offset;
      }
    }
    for (const state of this.partitions.values()) {
      if (state.fetchOffset !== null || state.reset !== null) continue;
      if (this.options.autoOffsetReset === 'none') {
        throw new KafkaError(
          'OFFSET_OUT_OF_RANGE',
          `no committed offset for ${state.topic}-${state.partition}`,
        );
      }
      state.reset = this.options.autoOffsetReset;
    }
    const resets = [...this.partitions.values()].filter((s) => s.reset !== null);
    if (resets.length === 0) return;
    const answers = await listOffsets(
      this.cluster,
      resets.map((s) => ({ topic: s.topic, partition: s.partition, query: s.reset! })),
      { isolationLevel: this.options.isolationLevel, ...(signal === undefined ? {} : { signal }) },
    );
    for (const answer of answers) {
      const state = this.partitions.get(key(answer.topic, answer.partition));
      if (state === undefined || state.reset === null) continue;
      if (answer.error !== null) {
        if (!answer.error.retriable) throw answer.error;
        continue;
      }
      if (answer.offset >= 0n) {
        state.fetchOffset = answer.offset;
        state.reset = null;
      } else if (typeof state.reset === 'object') {
        // No record at or after the timestamp: continue from the end, as Kafka's offsetsForTimes users do.
        state.reset = 'latest';
      }
    }
  }

  /** One Fetch per partition leader, in parallel, for partitions with a position and no buffered records. */
  private async fetchOnce(maxWaitMs: number, signal?: AbortSignal): Promise<void> {
    const fetchable = [...this.partitions.values()].filter(
      (s) => s.fetchOffset !== null && s.buffer.size === 0,
    );
    if (fetchable.length === 0) return;
    const view = await this.cluster.metadata([...new Set(fetchable.map((s) => s.topic))], signal);
    const byNode = new Map<number, PartitionState[]>();
    for (const state of fetchable) {
      const leader = view.leaderOf(state.topic, state.partition);
      if (leader === undefined) {
        this.cluster.invalidate(state.topic);
        continue;
      }
      byNode.set(leader.nodeId, [...(byNode.get(leader.nodeId) ?? []), state]);
    }
    await Promise.all(
      [...byNode].map(([nodeId, states]) => this.fetchFrom(nodeId, states, maxWaitMs, signal)),
    );
  }

  private async fetchFrom(nodeId: number, states: PartitionState[], maxWaitMs: number, signal?: AbortSignal) {
    let session = this.sessions.get(nodeId);
    if (session === undefined) {
      session = new FetchSession();
      this.sessions.set(nodeId, session);
    }
    const view = this.cluster.current;
    try {
      const connection = await this.cluster.connectionTo(nodeId, signal);
      const hasTopicIds = states.every((s) => (view.topics.get(s.topic)?.topicId ?? ZERO_UUID) !== ZERO_UUID);
      const version = connection.version(ApiKey.Fetch, { min: 4, max: hasTopicIds ? 17 : 12 });
      const targets: FetchTarget[] = states.map((s) => ({
        topic: s.topic,
        topicId: view.topics.get(s.topic)?.topicId ?? ZERO_UUID,
        partition: s.partition,
        fetchOffset: s.fetchOffset!,
        currentLeaderEpoch: -1,
        partitionMaxBytes: this.options.maxPartitionFetchBytes,
      }));
      const request = session.build(targets, version >= 7);
      const byTopic = new Map<string, FetchTarget[]>();
      for (const target of request.toSend)
        byTopic.set(target.topic, [...(byTopic.get(target.topic) ?? []), target]);
      const forgotten = new Map<string, FetchTarget[]>();
      for (const target of request.toForget) {
        forgotten.set(target.topic, [...(forgotten.get(target.topic) ?? []), target]);
      }
      const response = await connection.request(
        ApiKey.Fetch,
        version,
        {
          clusterId: null,
          replicaId: -1,
          replicaState: { replicaId: -1, replicaEpoch: -1n },
          maxWaitMs,
          minBytes: this.options.fetchMinBytes,
          maxBytes: this.options.fetchMaxBytes,
          isolationLevel: this.options.isolationLevel === 'readCommitted' ? 1 : 0,
          sessionId: request.sessionId,
          sessionEpoch: request.sessionEpoch,
          topics: [...byTopic].map(([topic, list]) => ({
            topic: version <= 12 ? topic : '',
            topicId: version >= 13 ? list[0]!.topicId : ZERO_UUID,
            partitions: list.map((t) => ({
              partition: t.partition,
              currentLeaderEpoch: t.currentLeaderEpoch,
              fetchOffset: t.fetchOffset,
              lastFetchedEpoch: -1,
              logStartOffset: -1n,
              partitionMaxBytes: t.partitionMaxBytes,
              replicaDirectoryId: ZERO_UUID,
            })),
          })),
          forgottenTopicsData: [...forgotten].map(([topic, list]) => ({
            topic: version <= 12 ? topic : '',
            topicId: version >= 13 ? list[0]!.topicId : ZERO_UUID,
            partitions: list.map((t) => t.partition),
          })),
          rackId: '',
        },
        {
          timeoutMs: this.cluster.options.requestTimeoutMs + maxWaitMs,
          ...(signal === undefined ? {} : { signal }),
        },
      );
      session.onResponse(response);
      const topLevel = kafkaErrorFromCode(response.errorCode);
      if (topLevel !== undefined) {
        if (response.errorCode === ErrorCode.FETCH_SESSION_ID_NOT_FOUND || topLevel.retriable) return;
        if (response.errorCode === ErrorCode.INVALID_FETCH_SESSION_EPOCH) return;
        throw topLevel;
      }
      for (const topic of response.responses) {
        const name = version >= 13 ? this.cluster.current.topicNameById(topic.topicId) : topic.topic;
        if (name === undefined) continue;
        for (const partition of topic.partitions) {
          const state = this.partitions.get(key(name, partition.partitionIndex));
          const sent = targets.find((t) => t.topic === name && t.partition === partition.partitionIndex);
          // A seek or revocation while the fetch was out makes its answer stale.
          if (state === undefined || sent === undefined || state.fetchOffset !== sent.fetchOffset) continue;
          await this.onPartitionData(state, partition.errorCode, partition.records);
        }
      }
    } catch (error: unknown) {
      session.reset();
      if (!isRetriable(error)) throw error;
      this.cluster.invalidate();
    }
  }

  private async onPartitionData(
    state: PartitionState,
    errorCode: number,
    records: Buffer | null,
  ): Promise<void> {
    if (errorCode === ErrorCode.OFFSET_OUT_OF_RANGE) {
      if (this.options.autoOffsetReset === 'none') {
        throw new KafkaError(
          'OFFSET_OUT_OF_RANGE',
          `offset ${state.fetchOffset} of ${state.topic}-${state.partition}`,
        );
      }
      state.reset = this.options.autoOffsetReset;
      state.fetchOffset = null;
      return;
    }
    if (errorCode !== ErrorCode.NONE) {
      const error = kafkaErrorFromCode(errorCode)!;
      if (isStaleMetadataError(errorCode) || error.retriable) {
        this.cluster.invalidate(state.topic);
        return;
      }
      throw error;
    }
    if (records === null || records.length === 0) return;
    const { batches } = await decodeRecordBatches(records);
    const from = state.fetchOffset!;
    let next = from;
    for (const batch of batches) {
      const lastOffset = batch.baseOffset + BigInt(batch.lastOffsetDelta);
      if (lastOffset < from) continue;
      if (lastOffset + 1n > next) next = lastOffset + 1n;
      if (batch.isControl) continue;
      for (const record of batch.records) {
        const offset = recordOffset(batch, record);
        if (offset < from) continue;
        state.buffer.push({
          topic: state.topic,
          partition: state.partition,
          offset,
          timestamp: recordTimestamp(batch, record),
          timestampType: batch.timestampType === TimestampType.logAppendTime ? 'LogAppendTime' : 'CreateTime',
          key: record.key,
          value: record.value,
          headers: record.headers,
          leaderEpoch: batch.partitionLeaderEpoch,
        });
      }
    }
    state.fetchOffset = next;
  }

  private positionsOf(partitions: ReadonlyMap<string, readonly number[]>) {
    const offsets: { topic: string; partition: number; offset: bigint }[] = [];
    for (const [topic, list] of partitions) {
      for (const partition of list) {
        const state = this.partitions.get(key(topic, partition));
        const offset =
          state === undefined ? undefined : (state.buffer.first()?.offset ?? state.fetchOffset ?? undefined);
        if (offset !== undefined) offsets.push({ topic, partition, offset });
      }
    }
    return offsets;
  }

  private async maybeAutoCommit(): Promise<void> {
    if (!this.autoCommit || this.cluster.options.now() < this.nextAutoCommitMs) return;
    this.nextAutoCommitMs = this.cluster.options.now() + this.options.autoCommitIntervalMs;
    await this.commit().catch(() => undefined);
  }

  /**
   * Commits offsets to the group: the given ones, or the current position of every assigned partition
   * (the offset of the next record poll returns). Throws KafkaError when the group rejects the commit.
   */
  async commit(
    offsets?: readonly { topic: string; partition: number; offset: bigint; metadata?: string }[],
    options: { signal?: AbortSignal } = {},
  ): Promise<void> {
    const groupId = this.groupId;
    if (groupId === undefined || this.member === undefined)
      throw new InvalidArgumentError('commit needs a groupId');
    const all = new Map<string, number[]>();
    for (const state of this.partitions.values())
      all.set(state.topic, [...(all.get(state.topic) ?? []), state.partition]);
    const list = offsets ?? this.positionsOf(all);
    if (this.mode === 'subscribe') {
      await this.member.commit(list, options.signal);
      return;
    }
    // Manual assignment: commit outside any generation, as Kafka's consumer does without a group membership.
    const results = await alterGroupOffsets(this.cluster, groupId, list, options);
    const failed = results.find((r) => r.error !== null);
    if (failed?.error) throw failed.error;
  }

  /** The group's committed offsets of `partitions` (-1n where none). */
  async committed(partitions: readonly TopicPartition[], options: { signal?: AbortSignal } = {}) {
    const groupId = this.groupId;
    if (groupId === undefined) throw new InvalidArgumentError('committed needs a groupId');
    return listGroupOffsets(this.cluster, groupId, { partitions, requireStable: true, ...options });
  }

  /** Commits (auto-commit only), leaves the group and closes the connections. */
  async close(): Promise<void> {
    if (this.isClosed) return;
    this.isClosed = true;
    try {
      if (this.autoCommit && this.partitions.size > 0) await this.commit().catch(() => undefined);
      await this.member?.leave();
    } finally {
      await this.cluster.close();
    }
  }
}
