// The classic group coordinator facade: routes decoded requests to pure group transitions, holds responses until
// their records are durable, and tells the driver what to write, what to send and when to tick.
import {
  type DeleteGroupsRequest,
  type DeleteGroupsResponse,
  type DescribeGroupsRequest,
  type DescribeGroupsResponse,
  ErrorCode,
  type HeartbeatRequest,
  type HeartbeatResponse,
  type JoinGroupRequest,
  type LeaveGroupRequest,
  type ListGroupsRequest,
  type ListGroupsResponse,
  type OffsetCommitRequest,
  type OffsetCommitResponse,
  type OffsetDeleteRequest,
  type OffsetDeleteResponse,
  type OffsetFetchRequest,
  type OffsetFetchResponse,
  type SyncGroupRequest,
  type TxnOffsetCommitRequest,
  type TxnOffsetCommitResponse,
} from '../../protocol/index.js';
import { DeadlineMap } from './deadline-map.js';
import {
  describeClassicGroup,
  listedClassicGroup,
  matchesListFilters,
  planOffsetDelete,
} from './group-admin.js';
import type {
  GroupCoordinatorConfig,
  MemberIdGenerator,
  PendingTransactionalOffsets,
} from './group-config.js';
import { type ConsumerGroupTopics, deleteGroups, expireOffsets } from './group-retention.js';
import {
  type ClassicGroup,
  type ClassicReply,
  type ClassicTransition,
  newEmptyGroup,
  type PendingRequest,
} from './group-state.js';
import {
  type GroupRecord,
  groupMetadataRecord,
  offsetCommitRecord,
  offsetTombstone,
} from './group-store-records.js';
import { groupDeadlineMs, tickGroup } from './group-timers.js';
import { mapWriteError, withWriteError } from './group-write-errors.js';
import { heartbeat } from './heartbeat.js';
import { joinGroup } from './join-group.js';
import { leaveGroup } from './leave-group.js';
import { classicCommitError, planCommit } from './offset-commit.js';
import { fetchOffsets } from './offset-fetch.js';
import { type CommittedOffset, OffsetStore } from './offset-store.js';
import { joinErrorResponse, joinReply } from './rebalance.js';
import { failGeneration, syncGroup } from './sync-group.js';
import { planTxnCommit, TxnOffsetStore, txnCommitError } from './txn-offset-store.js';

/** A response for the driver to encode at `request.version` and send on the request's connection. */
export type GroupReply =
  | ClassicReply
  | {
      readonly api: 'offsetCommit';
      readonly request: PendingRequest;
      readonly response: OffsetCommitResponse;
    }
  | {
      readonly api: 'offsetDelete';
      readonly request: PendingRequest;
      readonly response: OffsetDeleteResponse;
    }
  | {
      readonly api: 'deleteGroups';
      readonly request: PendingRequest;
      readonly response: DeleteGroupsResponse;
    }
  | {
      readonly api: 'txnOffsetCommit';
      readonly request: PendingRequest;
      readonly response: TxnOffsetCommitResponse;
    };

/** Records to append to `__consumer_offsets` (each to its group's partition); confirm with `writeCompleted`. */
export interface GroupWrite {
  readonly writeId: number;
  readonly records: readonly GroupRecord[];
  /** TxnOffsetCommit: append as a transactional batch of this producer (visible once its COMMIT marker lands). */
  readonly transactional?: { readonly producerId: bigint; readonly producerEpoch: number };
}

/** Work for the driver, in this order: start the writes, send the replies. */
export interface GroupCoordinatorReady {
  readonly writes: readonly GroupWrite[];
  readonly replies: readonly GroupReply[];
}

export interface GroupCoordinatorPorts {
  readonly newMemberId: MemberIdGenerator;
  readonly pendingTransactionalOffsets?: PendingTransactionalOffsets;
}

export interface ClientInfo {
  readonly clientId: string;
  readonly clientHost: string;
}

interface InFlightWrite {
  readonly held: readonly GroupReply[];
  /** An OffsetCommit's offsets, stored once durable (data, not a closure: one per pipelined commit). */
  readonly commits?: { readonly groupId: string; readonly offsets: readonly CommittedOffset[] } | undefined;
  readonly onSuccess?: (() => void) | undefined;
  readonly onFailure?: ((errorCode: number) => void) | undefined;
}

/**
 * Owns every classic group and committed offset of this coordinator. Single-threaded by contract: the
 * driver calls one method at a time (one queue), then drains `ready()`. Never throws for a Kafka error.
 */
export class GroupCoordinator {
  /** Every classic group by id, indexed by its next deadline (`groupDeadlineMs`). */
  readonly groups = new DeadlineMap<ClassicGroup>(groupDeadlineMs);
  readonly offsets = new OffsetStore();
  /** Offsets of open transactions (TxnOffsetCommit), applied or dropped by `completeTransaction`. */
  readonly txnOffsets = new TxnOffsetStore();
  readonly #writes = new Map<number, InFlightWrite>();
  #newWrites: GroupWrite[] = [];
  #replies: GroupReply[] = [];
  #nextWriteId = 1;

  constructor(
    readonly config: GroupCoordinatorConfig,
    readonly ports: GroupCoordinatorPorts,
  ) {}

  joinGroup(request: JoinGroupRequest, pending: PendingRequest, client: ClientInfo, nowMs: number): void {
    const existing = this.groups.get(request.groupId);
    let refusal: number = ErrorCode.NONE;
    if (request.groupId === '') refusal = ErrorCode.INVALID_GROUP_ID;
    else if (existing === undefined && request.memberId !== '') refusal = ErrorCode.UNKNOWN_MEMBER_ID;
    else if (existing === undefined && this.groups.size >= this.config.maxGroups) {
      refusal = ErrorCode.COORDINATOR_NOT_AVAILABLE;
    }
    if (refusal !== ErrorCode.NONE) {
      this.#replies.push(joinReply(pending, joinErrorResponse(request.memberId, refusal)));
      return;
    }
    const group = existing ?? newEmptyGroup(request.groupId, nowMs);
    const ctx = { nowMs, config: this.config, newMemberId: this.ports.newMemberId };
    this.#apply(joinGroup(group, { request, pending, ...client }, ctx), nowMs);
  }

  syncGroup(request: SyncGroupRequest, pending: PendingRequest, nowMs: number): void {
    const group = this.groups.get(request.groupId);
    if (group === undefined) {
      const response = {
        throttleTimeMs: 0,
        errorCode: ErrorCode.UNKNOWN_MEMBER_ID,
        protocolType: null,
        protocolName: null,
        assignment: Buffer.alloc(0),
      };
      this.#replies.push({ api: 'syncGroup', request: pending, response });
      return;
    }
    this.#apply(syncGroup(group, { request, pending }, nowMs), nowMs);
  }

  heartbeat(request: HeartbeatRequest, nowMs: number): HeartbeatResponse {
    const group = this.groups.get(request.groupId);
    if (group === undefined) return { throttleTimeMs: 0, errorCode: ErrorCode.UNKNOWN_MEMBER_ID };
    const result = heartbeat(group, request, nowMs);
    this.groups.set(request.groupId, result.group);
    return { throttleTimeMs: 0, errorCode: result.errorCode };
  }

  leaveGroup(request: LeaveGroupRequest, pending: PendingRequest, nowMs: number): void {
    const group = this.groups.get(request.groupId) ?? newEmptyGroup(request.groupId, nowMs);
    const t = leaveGroup(group, { request, pending }, nowMs, this.config);
    if (this.groups.has(request.groupId)) this.#apply(t, nowMs);
    else this.#replies.push(...t.replies);
  }

  offsetCommit(request: OffsetCommitRequest, pending: PendingRequest, nowMs: number): void {
    const group = this.groups.get(request.groupId);
    let groupError = request.groupId === '' ? ErrorCode.INVALID_GROUP_ID : classicCommitError(group, request);
    if (group === undefined && groupError === ErrorCode.NONE && this.groups.size >= this.config.maxGroups) {
      groupError = ErrorCode.COORDINATOR_NOT_AVAILABLE;
    }
    const plan = planCommit(group, groupError, request, pending.version, nowMs, this.offsets, this.config);
    const reply: GroupReply = { api: 'offsetCommit', request: pending, response: plan.response };
    if (groupError === ErrorCode.NONE) {
      this.groups.set(request.groupId, plan.group ?? newEmptyGroup(request.groupId, nowMs));
    }
    if (plan.offsets.length === 0) {
      this.#replies.push(reply);
      return;
    }
    const records: GroupRecord[] = [];
    for (const offset of plan.offsets) records.push(offsetCommitRecord(request.groupId, offset));
    this.#write(records, [reply], { commits: { groupId: request.groupId, offsets: plan.offsets } });
  }

  /**
   * TxnOffsetCommit: the offsets are appended to the group's partition as a transactional batch of the
   * producer and held as pending (OffsetFetch with requireStable answers UNSTABLE_OFFSET_COMMIT for them)
   * until the transaction's marker: `completeTransaction`. Answered once the batch is durable.
   */
  txnOffsetCommit(request: TxnOffsetCommitRequest, pending: PendingRequest, nowMs: number): void {
    const group = this.groups.get(request.groupId);
    let groupError = txnCommitError(group, request);
    if (group === undefined && groupError === ErrorCode.NONE && this.groups.size >= this.config.maxGroups) {
      groupError = ErrorCode.COORDINATOR_NOT_AVAILABLE;
    }
    const plan = planTxnCommit(request, groupError, nowMs, this.config);
    const reply: GroupReply = { api: 'txnOffsetCommit', request: pending, response: plan.response };
    if (plan.offsets.length === 0) {
      this.#replies.push(reply);
      return;
    }
    if (group === undefined) this.groups.set(request.groupId, newEmptyGroup(request.groupId, nowMs));
    const records = plan.offsets.map((o) => offsetCommitRecord(request.groupId, o));
    const { producerId, producerEpoch } = request;
    this.#write(
      records,
      [reply],
      {
        onSuccess: () => {
          for (const offset of plan.offsets) this.txnOffsets.put(producerId, request.groupId, offset);
        },
      },
      { producerId, producerEpoch },
    );
  }

  /**
   * A transaction's marker is durable on the __consumer_offsets partitions `inPartition` accepts (Kafka's
   * onTransactionCompleted): COMMIT makes the producer's pending offsets of those groups committed
   * (their records are already in the log), ABORT drops them.
   */
  completeTransaction(
    producerId: bigint,
    committed: boolean,
    inPartition: (groupId: string) => boolean,
    nowMs: number,
  ): void {
    for (const [groupId, offsets] of this.txnOffsets.take(producerId, inPartition)) {
      if (!committed) continue;
      if (!this.groups.has(groupId)) this.groups.set(groupId, newEmptyGroup(groupId, nowMs));
      for (const offset of offsets) this.offsets.put(groupId, offset);
    }
  }

  offsetFetch(request: OffsetFetchRequest, version: number): OffsetFetchResponse {
    const pendingTxn =
      this.ports.pendingTransactionalOffsets ??
      ((groupId: string, topic: string, partition: number) => this.txnOffsets.has(groupId, topic, partition));
    if (version >= 8) {
      const groups = request.groups.map((g) => ({
        groupId: g.groupId,
        topics: fetchOffsets(this.offsets, g.groupId, g.topics, request.requireStable, pendingTxn),
        errorCode: ErrorCode.NONE,
      }));
      return { throttleTimeMs: 0, topics: [], errorCode: ErrorCode.NONE, groups };
    }
    const topics = fetchOffsets(
      this.offsets,
      request.groupId,
      request.topics,
      request.requireStable,
      pendingTxn,
    );
    return { throttleTimeMs: 0, topics, errorCode: ErrorCode.NONE, groups: [] };
  }

  offsetDelete(request: OffsetDeleteRequest, pending: PendingRequest): void {
    const plan = planOffsetDelete(this.groups.get(request.groupId), request, this.offsets, null);
    const reply: GroupReply = { api: 'offsetDelete', request: pending, response: plan.response };
    if (plan.deletions.length === 0) {
      this.#replies.push(reply);
      return;
    }
    const records = plan.deletions.map((d) => offsetTombstone(request.groupId, d.topic, d.partition));
    this.#write(records, [reply], {
      onSuccess: () => {
        for (const d of plan.deletions) this.offsets.delete(request.groupId, d.topic, d.partition);
      },
    });
  }

  describeGroups(request: DescribeGroupsRequest, version: number): DescribeGroupsResponse {
    const groups = request.groups.map((id) => describeClassicGroup(this.groups.get(id), id, version));
    return { throttleTimeMs: 0, groups };
  }

  listGroups(request: ListGroupsRequest): ListGroupsResponse {
    const groups = [...this.groups.values()]
      .filter((g) => g.kind !== 'dead')
      .map(listedClassicGroup)
      .filter((g) => matchesListFilters(g, request.statesFilter, request.typesFilter));
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, groups };
  }

  deleteGroups(request: DeleteGroupsRequest, pending: PendingRequest, nowMs: number): void {
    const plan = deleteGroups(this.groups, this.offsets, request.groupsNames, nowMs);
    for (const [groupId, group] of plan.dead) this.groups.set(groupId, group);
    const reply: GroupReply = { api: 'deleteGroups', request: pending, response: plan.response };
    if (plan.records.length === 0) {
      this.#replies.push(reply);
      return;
    }
    this.#write(plan.records, [reply], {
      onSuccess: () => {
        for (const groupId of plan.dead.keys()) {
          this.groups.delete(groupId);
          this.offsets.deleteGroup(groupId);
        }
      },
      onFailure: () => {
        for (const [groupId, previous] of plan.previous) this.groups.set(groupId, previous);
      },
    });
  }

  /**
   * offsets.retention.minutes: tombstones expired offsets (and then-empty groups); call every
   * offsets.retention.check.interval.ms. `consumerGroupTopics` says which groups are KIP-848 groups and
   * what their members subscribe to. Returns the groups left without offsets once the tombstones are written.
   */
  expireOffsets(nowMs: number, consumerGroupTopics?: ConsumerGroupTopics): ReadonlySet<string> {
    const plan = expireOffsets(
      this.groups,
      this.offsets,
      nowMs,
      this.config.offsetsRetentionMs,
      consumerGroupTopics,
      this.txnOffsets,
    );
    if (plan.records.length === 0) return plan.emptied;
    for (const [groupId, group] of plan.dead) this.groups.set(groupId, group);
    this.#write(plan.records, [], {
      onSuccess: () => {
        for (const e of plan.expired) {
          if (this.offsets.get(e.groupId, e.offset.topic, e.offset.partition) === e.offset) {
            this.offsets.delete(e.groupId, e.offset.topic, e.offset.partition);
          }
        }
        for (const groupId of plan.dead.keys())
          if (this.groups.get(groupId)?.kind === 'dead') this.groups.delete(groupId);
      },
      onFailure: () => {
        for (const [groupId, previous] of plan.previous) this.groups.set(groupId, previous);
      },
    });
    return plan.emptied;
  }

  tick(nowMs: number): void {
    for (const groupId of this.groups.dueKeys(nowMs)) {
      const group = this.groups.get(groupId);
      if (group !== undefined) this.#apply(tickGroup(group, nowMs, this.config), nowMs);
    }
  }

  /** When `tick` next has work, or null; the driver also wakes on any request. */
  nextDeadlineMs(): number | null {
    return this.groups.nextDeadlineMs();
  }

  /** Drains the work produced since the last call. */
  ready(): GroupCoordinatorReady {
    const work = { writes: this.#newWrites, replies: this.#replies };
    this.#newWrites = [];
    this.#replies = [];
    return work;
  }

  /**
   * The driver's answer for a write: NONE once every record is durable, else the append's error code.
   * Held replies are then released (with the error mapped as Kafka does on a failed append).
   */
  writeCompleted(writeId: number, errorCode: number): void {
    const write = this.#writes.get(writeId);
    if (write === undefined) return;
    this.#writes.delete(writeId);
    if (errorCode === ErrorCode.NONE) {
      if (write.commits !== undefined) {
        for (const offset of write.commits.offsets) this.offsets.put(write.commits.groupId, offset);
      }
      write.onSuccess?.();
      for (const reply of write.held) this.#replies.push(reply);
      return;
    }
    const mapped = mapWriteError(errorCode);
    write.onFailure?.(mapped);
    this.#replies.push(...write.held.map((reply) => withWriteError(reply, mapped)));
  }

  /** Writes started but not yet confirmed. */
  get pendingWriteCount(): number {
    return this.#writes.size;
  }

  #apply(t: ClassicTransition, nowMs: number): void {
    const group = t.group;
    this.groups.set(group.groupId, group);
    this.#replies.push(...t.replies);
    if (!t.persistGroup && t.afterWrite.length === 0) return;
    const generationId = group.generationId;
    this.#write([groupMetadataRecord(group)], t.afterWrite, {
      onFailure: () => {
        const current = this.groups.get(group.groupId);
        if (current !== undefined)
          this.#apply(failGeneration(current, generationId, nowMs, this.config), nowMs);
      },
    });
  }

  #write(
    records: GroupRecord[],
    held: readonly GroupReply[],
    handlers: Omit<InFlightWrite, 'held'>,
    transactional?: GroupWrite['transactional'],
  ): void {
    const writeId = this.#nextWriteId++;
    // One shape for every write (a spread of differently shaped handlers made them megamorphic).
    this.#writes.set(writeId, {
      held,
      commits: handlers.commits,
      onSuccess: handlers.onSuccess,
      onFailure: handlers.onFailure,
    });
    this.#newWrites.push(
      transactional === undefined ? { writeId, records } : { writeId, records, transactional },
    );
  }
}
