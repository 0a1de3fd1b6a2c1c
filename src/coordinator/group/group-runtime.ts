// Drives the pure group coordinators with real time and a durable log: held responses, writes, timers.
import {
  type ConsumerGroupDescribeResponse,
  type ConsumerGroupHeartbeatRequest,
  type ConsumerGroupHeartbeatResponse,
  type DeleteGroupsRequest,
  type DeleteGroupsResponse,
  type DescribeGroupsRequest,
  type DescribeGroupsResponse,
  ErrorCode,
  type HeartbeatRequest,
  type HeartbeatResponse,
  type JoinGroupRequest,
  type JoinGroupResponse,
  type LeaveGroupRequest,
  type LeaveGroupResponse,
  type ListGroupsRequest,
  type ListGroupsResponse,
  type OffsetCommitRequest,
  type OffsetCommitResponse,
  type OffsetDeleteRequest,
  type OffsetDeleteResponse,
  type OffsetFetchRequest,
  type OffsetFetchResponse,
  PyralogError,
  type SyncGroupRequest,
  type SyncGroupResponse,
  type TxnOffsetCommitRequest,
  type TxnOffsetCommitResponse,
} from '../../protocol/index.js';
import type { CoordinatorLog } from '../internal-topic-log.js';
import type {
  ConsumerGroupCoordinator,
  ConsumerGroupWrite,
} from './consumer-group/consumer-group-coordinator.js';
import { heartbeatResponse } from './consumer-group/consumer-group-heartbeat.js';
import { type ConsumerGroup, consumerGroupStateName } from './consumer-group/consumer-group-state.js';
import { matchesListFilters } from './group-admin.js';
import type { TopicCatalog } from './group-config.js';
import type { ClientInfo, GroupCoordinator, GroupReply, GroupWrite } from './group-coordinator.js';
import { groupPartition } from './group-partition.js';
import {
  type EncodedGroupRecord,
  encodeGroupRecord,
  OffsetCommitKeyCache,
  type StoredGroupRecord,
  storedRecordGroupId,
} from './group-record-codec.js';
import { GroupWriteBatcher, type PartitionedRecord } from './group-write-batcher.js';
import { mapWriteError } from './group-write-errors.js';
import { joinErrorResponse } from './rebalance.js';

/** The durable side of __consumer_offsets (the shared coordinator log port). */
export type GroupLog = CoordinatorLog;

/** Time as the runtime sees it: a clock and one-shot timers (real ones in the broker, virtual in tests). */
export interface GroupClock {
  nowMs(): number;
  /** Calls `callback` after `delayMs`; the returned function cancels it. */
  schedule(delayMs: number, callback: () => void): () => void;
}

export interface GroupRuntimeOptions {
  readonly classic: GroupCoordinator;
  readonly consumer: ConsumerGroupCoordinator;
  readonly log: GroupLog;
  readonly clock: GroupClock;
  /** offsets.topic.num.partitions */
  readonly numPartitions: number;
  /** offsets.retention.check.interval.ms */
  readonly retentionCheckIntervalMs: number;
  /** The current topics (KIP-848 assignors, ConsumerGroupDescribe). */
  readonly topics: () => TopicCatalog;
  /** Called when a write fails or a timer step throws; the runtime keeps serving. */
  readonly onError: (error: unknown, what: string) => void;
  /**
   * One KIP-848 group as __consumer_offsets holds it now (undefined: the log holds none), read after a
   * repair write failed and memory and log may differ. Rejects when the log cannot be read.
   */
  readonly reloadConsumerGroup: (groupId: string) => Promise<ConsumerGroup | undefined>;
}

/** Wait before reading a group from the log again after a reload failed. */
export const RELOAD_RETRY_MS = 1_000;

function commitRefusal(request: OffsetCommitRequest, errorCode: number): OffsetCommitResponse {
  return {
    throttleTimeMs: 0,
    topics: request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode })),
    })),
  };
}

/** Node's setTimeout cannot wait longer than this. */
const MAX_TIMER_DELAY_MS = 2_147_483_647;

/** A request's promise, settled with its reply's `response` (the promise's own functions: no closure per request). */
interface Held {
  readonly resolve: (response: GroupReply['response']) => void;
  readonly reject: (error: GroupCoordinatorClosedError) => void;
}

/** A write that repairs __consumer_offsets after a lost one failed too (reported through onError). */
export class GroupWriteError extends PyralogError {
  readonly code = 'GROUP_WRITE_FAILED';
}

/** The coordinator stopped (broker shutdown) before it answered: handlers answer COORDINATOR_NOT_AVAILABLE. */
export class GroupCoordinatorClosedError extends PyralogError {
  readonly code = 'GROUP_COORDINATOR_CLOSED';
}

/**
 * The group coordinator of this node as the broker's handlers call it. Every call runs one step of the
 * pure coordinator synchronously (calls never interleave), then starts the writes it asked for and
 * sends the replies it released. A JoinGroup or SyncGroup waits for the rebalance as in Kafka: its
 * promise resolves when the coordinator releases the reply (no polling). Writes to the same partition
 * are appended in the order the coordinator produced them; held replies go out once durable.
 */
export class GroupRuntime {
  readonly #held = new Map<number, Held>();
  /** Non-transactional writes, coalesced per partition within one event-loop turn. */
  readonly #batcher: GroupWriteBatcher;
  /**
   * Per KIP-848 group, the outcome of its latest write still in flight together with those before it
   * (NONE once all are durable, else the first failure).
   */
  readonly #consumerWrites = new Map<string, Promise<number>>();
  /** Per KIP-848 group, its writes still in flight, oldest first. */
  readonly #consumerInFlight = new Map<string, ConsumerGroupWrite[]>();
  /** Encoded offset commit keys: a committer writes the same few keys over and over. */
  readonly #offsetKeys = new OffsetCommitKeyCache();
  /** The last group's partition (a pipelined committer asks for the same group every time). */
  #lastGroupId: string | null = null;
  #lastPartition = 0;
  /**
   * KIP-848 groups unloaded after a lost repair write, until reloaded from the log; their requests get
   * COORDINATOR_LOAD_IN_PROGRESS (Kafka unloads a coordinator whose write failed and loads it again).
   */
  readonly #reloading = new Set<string>();
  #nextRequestId = 1;
  #timerAtMs: number | null = null;
  #cancelTimer: (() => void) | null = null;
  #cancelRetention: (() => void) | null = null;
  #closed = false;

  constructor(private readonly options: GroupRuntimeOptions) {
    this.#batcher = new GroupWriteBatcher({
      log: options.log,
      afterBatch: () => this.#drain(),
      onError: options.onError,
    });
    this.#scheduleRetention();
    this.#schedule();
  }

  get classic(): GroupCoordinator {
    return this.options.classic;
  }

  get consumer(): ConsumerGroupCoordinator {
    return this.options.consumer;
  }

  /** The __consumer_offsets partition that holds `groupId`. */
  partitionFor(groupId: string): number {
    if (groupId === this.#lastGroupId) return this.#lastPartition;
    const partition = groupPartition(groupId, this.options.numPartitions);
    this.#lastGroupId = groupId;
    this.#lastPartition = partition;
    return partition;
  }

  /** A group id held by a KIP-848 group with members answers INCONSISTENT_GROUP_PROTOCOL. */
  joinGroup(request: JoinGroupRequest, version: number, client: ClientInfo): Promise<JoinGroupResponse> {
    if (this.#reloading.has(request.groupId)) {
      return Promise.resolve(joinErrorResponse(request.memberId, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS));
    }
    if (this.consumer.hasMembers(request.groupId)) {
      return Promise.resolve(joinErrorResponse(request.memberId, ErrorCode.INCONSISTENT_GROUP_PROTOCOL));
    }
    return this.#hold<JoinGroupResponse>(version, (pending, nowMs) =>
      this.classic.joinGroup(request, pending, client, nowMs),
    );
  }

  syncGroup(request: SyncGroupRequest, version: number): Promise<SyncGroupResponse> {
    return this.#hold<SyncGroupResponse>(version, (pending, nowMs) =>
      this.classic.syncGroup(request, pending, nowMs),
    );
  }

  leaveGroup(request: LeaveGroupRequest, version: number): Promise<LeaveGroupResponse> {
    return this.#hold<LeaveGroupResponse>(version, (pending, nowMs) =>
      this.classic.leaveGroup(request, pending, nowMs),
    );
  }

  /**
   * A commit to a KIP-848 group is checked against the member's epoch (UNKNOWN_MEMBER_ID,
   * STALE_MEMBER_EPOCH); an admin commit (no member, epoch -1) only while the group has no members.
   * It is then stored like a commit of a group without generation.
   */
  offsetCommit(request: OffsetCommitRequest, version: number): Promise<OffsetCommitResponse> {
    let checked = request;
    if (this.#reloading.has(request.groupId)) {
      return Promise.resolve(commitRefusal(request, ErrorCode.COORDINATOR_LOAD_IN_PROGRESS));
    }
    const consumerGroup = this.consumer.groups.get(request.groupId);
    if (consumerGroup !== undefined) {
      const isAdmin = request.generationIdOrMemberEpoch < 0 && request.memberId === '';
      const errorCode = isAdmin
        ? consumerGroup.members.size === 0
          ? ErrorCode.NONE
          : ErrorCode.UNKNOWN_MEMBER_ID
        : this.consumer.commitError(request.groupId, request.memberId, request.generationIdOrMemberEpoch);
      if (errorCode !== ErrorCode.NONE) return Promise.resolve(commitRefusal(request, errorCode));
      checked = { ...request, generationIdOrMemberEpoch: -1, memberId: '', groupInstanceId: null };
    }
    return this.#hold<OffsetCommitResponse>(version, (pending, nowMs) =>
      this.classic.offsetCommit(checked, pending, nowMs),
    );
  }

  /** TxnOffsetCommit: held until the offsets are durable as a transactional batch of the producer. */
  txnOffsetCommit(request: TxnOffsetCommitRequest, version: number): Promise<TxnOffsetCommitResponse> {
    return this.#hold<TxnOffsetCommitResponse>(version, (pending, nowMs) =>
      this.classic.txnOffsetCommit(request, pending, nowMs),
    );
  }

  /**
   * A transaction's COMMIT or ABORT marker is durable on these __consumer_offsets partitions: the
   * producer's pending offsets of the groups there become committed, or are dropped.
   */
  completeTransaction(producerId: bigint, committed: boolean, partitions: readonly number[]): void {
    const marked = new Set(partitions);
    this.#step(() =>
      this.classic.completeTransaction(
        producerId,
        committed,
        (groupId) => marked.has(this.partitionFor(groupId)),
        this.options.clock.nowMs(),
      ),
    );
  }

  offsetDelete(request: OffsetDeleteRequest, version: number): Promise<OffsetDeleteResponse> {
    return this.#hold<OffsetDeleteResponse>(version, (pending) =>
      this.classic.offsetDelete(request, pending),
    );
  }

  /** KIP-848 groups with members are NON_EMPTY_GROUP; empty ones go, with their offsets. */
  async deleteGroups(request: DeleteGroupsRequest, version: number): Promise<DeleteGroupsResponse> {
    const busy = new Set<string>();
    const emptied = new Set<string>();
    for (const groupId of request.groupsNames) {
      const group = this.consumer.groups.get(groupId);
      if (group === undefined) continue;
      if (group.members.size > 0) busy.add(groupId);
      else emptied.add(groupId);
    }
    const topics = this.options.topics();
    this.#step(() => {
      for (const groupId of emptied) this.consumer.deleteGroup(groupId, topics);
    });
    const tombstoned = new Map(
      [...emptied].map((groupId) => [groupId, this.#consumerWrites.get(groupId)] as const),
    );
    const rest = request.groupsNames.filter((id) => !busy.has(id));
    const answer = await this.#hold<DeleteGroupsResponse>(version, (pending, nowMs) =>
      this.classic.deleteGroups({ ...request, groupsNames: rest }, pending, nowMs),
    );
    for (const [groupId, write] of tombstoned) {
      const errorCode = write === undefined ? ErrorCode.NONE : await write;
      if (errorCode !== ErrorCode.NONE) busy.add(groupId);
    }
    const results = new Map(answer.results.map((r) => [r.groupId, r.errorCode]));
    return {
      ...answer,
      results: request.groupsNames.map((groupId) => {
        if (busy.has(groupId))
          return {
            groupId,
            errorCode: emptied.has(groupId) ? ErrorCode.COORDINATOR_NOT_AVAILABLE : ErrorCode.NON_EMPTY_GROUP,
          };
        const errorCode = results.get(groupId) ?? ErrorCode.GROUP_ID_NOT_FOUND;
        // A KIP-848 group without offsets has no classic trace: removing it above was the deletion.
        return {
          groupId,
          errorCode:
            emptied.has(groupId) && errorCode === ErrorCode.GROUP_ID_NOT_FOUND ? ErrorCode.NONE : errorCode,
        };
      }),
    };
  }

  heartbeat(request: HeartbeatRequest): HeartbeatResponse {
    return this.#step(() => this.classic.heartbeat(request, this.options.clock.nowMs()));
  }

  /**
   * OffsetFetch v9+ (KIP-848): a member of a consumer group names itself with its member id and epoch;
   * an unknown member gets UNKNOWN_MEMBER_ID and another epoch STALE_MEMBER_EPOCH, for that group. An
   * admin fetch (no member id, epoch -1) is not checked.
   */
  offsetFetch(request: OffsetFetchRequest, version: number): OffsetFetchResponse {
    const answer = this.classic.offsetFetch(request, version);
    if (version < 9) return answer;
    const groups = answer.groups.map((group, index) => {
      const asked = request.groups[index];
      if (asked === undefined || asked.memberId === null || asked.memberEpoch < 0) return group;
      if (!this.consumer.groups.has(asked.groupId)) return group;
      const errorCode = this.consumer.commitError(asked.groupId, asked.memberId, asked.memberEpoch);
      return errorCode === ErrorCode.NONE ? group : { ...group, topics: [], errorCode };
    });
    return { ...answer, groups };
  }

  /**
   * A KIP-848 group is not a classic group: Kafka answers it as Dead without members before
   * DescribeGroups v6 (and GROUP_ID_NOT_FOUND from v6); ConsumerGroupDescribe describes it.
   */
  describeGroups(request: DescribeGroupsRequest, version: number): DescribeGroupsResponse {
    const answer = this.classic.describeGroups(request, version);
    const groups = answer.groups.map((group) =>
      this.consumer.groups.has(group.groupId)
        ? {
            ...group,
            errorCode: version >= 6 ? ErrorCode.GROUP_ID_NOT_FOUND : ErrorCode.NONE,
            groupState: 'Dead',
            protocolType: '',
            protocolData: '',
            members: [],
          }
        : group,
    );
    return { ...answer, groups };
  }

  /** Classic and KIP-848 groups (a KIP-848 group id hides the offsets-only classic entry of the same id). */
  listGroups(request: ListGroupsRequest): ListGroupsResponse {
    const classic = this.classic.listGroups(request);
    const consumer = [...this.consumer.groups.values()]
      .map((g) => ({
        groupId: g.groupId,
        protocolType: 'consumer',
        groupState: consumerGroupStateName(g),
        groupType: 'consumer',
      }))
      .filter((g) => matchesListFilters(g, request.statesFilter, request.typesFilter));
    const groups = [...classic.groups.filter((g) => !this.consumer.groups.has(g.groupId)), ...consumer];
    return { ...classic, groups };
  }

  /**
   * A group id that a classic group with members holds answers GROUP_ID_NOT_FOUND, as Kafka's does. The
   * answer goes out once the group's records (this heartbeat's and any earlier still in flight) are
   * durable; if they cannot be written the change is undone and the member told to retry
   * (NOT_COORDINATOR or COORDINATOR_NOT_AVAILABLE, as for a failed classic write).
   */
  async consumerGroupHeartbeat(
    request: ConsumerGroupHeartbeatRequest,
    client: ClientInfo,
  ): Promise<ConsumerGroupHeartbeatResponse> {
    if (this.#closed) return Promise.reject(new GroupCoordinatorClosedError('the group coordinator stopped'));
    if (this.#reloading.has(request.groupId)) {
      return heartbeatResponse({
        errorCode: ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
        errorMessage: `${request.groupId} is being loaded from __consumer_offsets again`,
      });
    }
    if ((this.classic.groups.get(request.groupId)?.members.size ?? 0) > 0) {
      return heartbeatResponse({
        errorCode: ErrorCode.GROUP_ID_NOT_FOUND,
        errorMessage: `${request.groupId} is a classic group`,
      });
    }
    const response = this.#step(() =>
      this.consumer.heartbeat(request, client, this.options.topics(), this.options.clock.nowMs()),
    );
    const durable = this.#consumerWrites.get(request.groupId);
    const errorCode = durable === undefined ? ErrorCode.NONE : await durable;
    if (errorCode === ErrorCode.NONE) return response;
    return heartbeatResponse({
      errorCode: mapWriteError(errorCode),
      errorMessage: 'the group could not be written to __consumer_offsets',
    });
  }

  consumerGroupDescribe(groupIds: readonly string[]): ConsumerGroupDescribeResponse {
    const topics = this.options.topics();
    return { throttleTimeMs: 0, groups: groupIds.map((id) => this.consumer.describe(id, topics)) };
  }

  /** FindCoordinator's check: NONE once __consumer_offsets exists (created now if needed). */
  ensureLog(): Promise<number> {
    return this.options.log.ensureTopic();
  }

  /** Requests waiting for a rebalance or a write. */
  get heldCount(): number {
    return this.#held.size;
  }

  /**
   * Stops the timers and rejects every held request with GroupCoordinatorClosedError (answered as
   * COORDINATOR_NOT_AVAILABLE: a client then looks for the coordinator again), so a shutdown never
   * waits out a rebalance timeout.
   */
  close(): void {
    this.#closed = true;
    this.#cancelTimer?.();
    this.#cancelRetention?.();
    this.#cancelTimer = null;
    this.#cancelRetention = null;
    for (const reply of this.classic.ready().replies) this.#release(reply);
    const held = [...this.#held.values()];
    this.#held.clear();
    for (const h of held) h.reject(new GroupCoordinatorClosedError('the group coordinator stopped'));
  }

  #hold<R>(
    version: number,
    call: (pending: { requestId: number; version: number }, nowMs: number) => void,
  ): Promise<R> {
    if (this.#closed) return Promise.reject(new GroupCoordinatorClosedError('the group coordinator stopped'));
    const requestId = this.#nextRequestId++;
    const answered = new Promise<R>((resolve, reject) => {
      this.#held.set(requestId, { resolve: resolve as Held['resolve'], reject });
    });
    call({ requestId, version }, this.options.clock.nowMs());
    this.#drain();
    return answered;
  }

  /** Runs one coordinator call, then does the work it produced. */
  #step<T>(call: () => T): T {
    const result = call();
    this.#drain();
    return result;
  }

  #drain(): void {
    const work = this.classic.ready();
    for (const write of work.writes) this.#startWrite(write);
    for (const write of this.consumer.takeWrites()) this.#startConsumerWrite(write);
    for (const reply of work.replies) this.#release(reply);
    this.#schedule();
  }

  #release(reply: GroupReply): void {
    const held = this.#held.get(reply.request.requestId);
    if (held === undefined) return;
    this.#held.delete(reply.request.requestId);
    held.resolve(reply.response);
  }

  /**
   * Appends synchronously (offsets are taken now, in the coordinator's order); confirms once all are
   * durable. The batch that confirms a coalesced write drains the coordinator once for all its writes.
   */
  #startWrite(write: GroupWrite): void {
    if (write.transactional === undefined) {
      this.#batcher.write(this.#partitioned(write.records), this.#classicWriteDone, write.writeId);
      return;
    }
    // A transactional batch (TxnOffsetCommit) is its producer's own batch: never coalesced with others.
    void this.#appendTransactional(write.records, write.transactional).then((errorCode) => {
      this.classic.writeCompleted(write.writeId, errorCode);
      this.#drain();
    });
  }

  /**
   * Like #startWrite for a KIP-848 group: heartbeats of that group wait for it. A failure undoes the
   * change and every later one of the group still in flight (they were built on it); those later
   * writes then count as failed too, so no member is answered with a state that was undone.
   */
  #startConsumerWrite(write: ConsumerGroupWrite): void {
    const { groupId } = write;
    const inFlight = this.#consumerInFlight.get(groupId) ?? [];
    inFlight.push(write);
    this.#consumerInFlight.set(groupId, inFlight);
    const appended = new Promise<number>((resolve) =>
      this.#batcher.write(this.#partitioned(write.records), resolve),
    );
    const own = appended.then((errorCode) => {
      const pending = this.#consumerInFlight.get(groupId) ?? [];
      const at = pending.indexOf(write);
      // Not in the list: an earlier failure already undid this change. A lost change takes the later
      // ones with it (a lost repair undoes nothing).
      const undoesLater = errorCode !== ErrorCode.NONE && !write.isRepair;
      if (at >= 0) pending.splice(at, undoesLater ? pending.length - at : 1);
      if (pending.length === 0) this.#consumerInFlight.delete(groupId);
      if (at >= 0 && errorCode !== ErrorCode.NONE) this.#undoConsumerWrite(write, errorCode);
      return errorCode;
    });
    const before = this.#consumerWrites.get(groupId);
    const done =
      before === undefined
        ? own
        : Promise.all([before, own]).then(([earlier, mine]) => (earlier !== ErrorCode.NONE ? earlier : mine));
    this.#consumerWrites.set(groupId, done);
    void done.then(() => {
      if (this.#consumerWrites.get(groupId) === done) this.#consumerWrites.delete(groupId);
    });
  }

  #undoConsumerWrite(write: ConsumerGroupWrite, errorCode: number): void {
    // An unloaded group is rebuilt from the log: nothing in memory to undo.
    if (this.#reloading.has(write.groupId)) return;
    if (write.isRepair) {
      this.options.onError(
        new GroupWriteError(
          `the repair of KIP-848 group ${write.groupId} failed with error code ${errorCode}; reloading it from the log`,
        ),
        '__consumer_offsets append',
      );
      this.#unloadConsumerGroup(write.groupId);
      return;
    }
    // The repair starts a new chain: heartbeats after the undo wait for it, not for the lost write.
    this.#consumerWrites.delete(write.groupId);
    this.#step(() => this.consumer.revert(write, this.options.topics()));
  }

  /** The batcher's answer for a classic write (one function for all: the write id is its token). */
  readonly #classicWriteDone = (errorCode: number, writeId: number): void => {
    this.classic.writeCompleted(writeId, errorCode);
  };

  /**
   * A lost repair left memory and log apart: the group leaves memory (no timer or request changes it)
   * and, once its writes still in flight have settled, is read back from the log, which then holds
   * everything it will; until then its requests get COORDINATOR_LOAD_IN_PROGRESS. A failed read is
   * retried after RELOAD_RETRY_MS.
   */
  #unloadConsumerGroup(groupId: string): void {
    this.#reloading.add(groupId);
    this.consumer.unload(groupId);
    const settled = this.#consumerWrites.get(groupId) ?? Promise.resolve(ErrorCode.NONE);
    void settled.then(() => this.#reloadConsumerGroup(groupId));
  }

  #reloadConsumerGroup(groupId: string): void {
    if (this.#closed) return;
    this.options.reloadConsumerGroup(groupId).then(
      (group) => {
        if (this.#closed) return;
        this.#reloading.delete(groupId);
        if (group !== undefined) this.consumer.restore(new Map([[groupId, group]]));
        this.#drain();
      },
      (error: unknown) => {
        this.options.onError(error, `reloading KIP-848 group ${groupId}`);
        if (!this.#closed)
          this.options.clock.schedule(RELOAD_RETRY_MS, () => this.#reloadConsumerGroup(groupId));
      },
    );
  }

  #partitioned(records: readonly StoredGroupRecord[]): PartitionedRecord[] {
    const partitioned: PartitionedRecord[] = [];
    for (const record of records) {
      partitioned.push({
        partition: this.partitionFor(storedRecordGroupId(record)),
        record: encodeGroupRecord(record, this.#offsetKeys),
      });
    }
    return partitioned;
  }

  /** Appends each record to its group's partition as a transactional batch of the producer. */
  #appendTransactional(
    records: readonly StoredGroupRecord[],
    producer: NonNullable<GroupWrite['transactional']>,
  ): Promise<number> {
    const byPartition = new Map<number, EncodedGroupRecord[]>();
    for (const { partition, record } of this.#partitioned(records)) {
      const list = byPartition.get(partition) ?? [];
      list.push(record);
      byPartition.set(partition, list);
    }
    const appends = [...byPartition].map(([partition, list]) =>
      this.options.log.appendTransactional(partition, list, producer),
    );
    return Promise.all(appends).then(
      (codes) => codes.find((c) => c !== ErrorCode.NONE) ?? ErrorCode.NONE,
      (error: unknown) => {
        this.options.onError(error, '__consumer_offsets append');
        return ErrorCode.KAFKA_STORAGE_ERROR;
      },
    );
  }

  /** One timer at the earliest deadline of either coordinator; re-armed after every step. */
  #schedule(): void {
    if (this.#closed) return;
    const classicNext = this.classic.nextDeadlineMs();
    const consumerNext = this.consumer.nextDeadlineMs();
    const next =
      classicNext === null
        ? consumerNext
        : consumerNext === null
          ? classicNext
          : Math.min(classicNext, consumerNext);
    if (next === this.#timerAtMs) return;
    this.#cancelTimer?.();
    this.#cancelTimer = null;
    this.#timerAtMs = next;
    if (next === null) return;
    const delayMs = Math.min(Math.max(1, next - this.options.clock.nowMs()), MAX_TIMER_DELAY_MS);
    this.#cancelTimer = this.options.clock.schedule(delayMs, () => {
      this.#cancelTimer = null;
      this.#timerAtMs = null;
      this.#tick();
    });
  }

  #tick(): void {
    const nowMs = this.options.clock.nowMs();
    try {
      this.classic.tick(nowMs);
      this.consumer.tick(nowMs, this.options.topics());
    } catch (error: unknown) {
      this.options.onError(error, 'group timer');
    }
    this.#drain();
  }

  /**
   * Expires offsets; a KIP-848 group keeps those of topics its members subscribe to. As Kafka's
   * GroupMetadataManager does, an empty KIP-848 group is removed once it has no offsets left.
   */
  #expireOffsets(): void {
    const topics = this.options.topics();
    const emptied = this.classic.expireOffsets(this.options.clock.nowMs(), (groupId) =>
      this.consumer.subscribedTopics(groupId, topics),
    );
    for (const group of [...this.consumer.groups.values()]) {
      const hasOffsets =
        (this.classic.offsets.hasGroup(group.groupId) && !emptied.has(group.groupId)) ||
        this.classic.txnOffsets.hasGroup(group.groupId);
      if (group.members.size === 0 && !hasOffsets) this.consumer.deleteGroup(group.groupId, topics);
    }
  }

  #scheduleRetention(): void {
    const intervalMs = Math.min(this.options.retentionCheckIntervalMs, MAX_TIMER_DELAY_MS);
    this.#cancelRetention = this.options.clock.schedule(intervalMs, () => {
      try {
        this.#expireOffsets();
      } catch (error: unknown) {
        this.options.onError(error, 'offset expiry');
      }
      this.#drain();
      if (!this.#closed) this.#scheduleRetention();
    });
  }
}
