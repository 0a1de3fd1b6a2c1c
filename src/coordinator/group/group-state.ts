// The classic group as a discriminated union (Kafka's five states) and the pure helpers every event shares.
import {
  ErrorCode,
  type JoinGroupResponse,
  type LeaveGroupResponse,
  type SyncGroupResponse,
} from '../../protocol/index.js';

/** One protocol a member supports, with its opaque metadata (the consumer's subscription). */
export interface MemberProtocol {
  readonly name: string;
  readonly metadata: Buffer;
}

/** A held response: the driver's id for the request and the API version it must be encoded at. */
export interface PendingRequest {
  readonly requestId: number;
  readonly version: number;
}

export interface ClassicMember {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  readonly sessionTimeoutMs: number;
  readonly rebalanceTimeoutMs: number;
  readonly protocolType: string;
  readonly protocols: readonly MemberProtocol[];
  /** The assignment of the current generation, empty until the leader's SyncGroup. */
  readonly assignment: Buffer;
  /** The member is removed when `nowMs >= heartbeatDeadlineMs` unless a response is held for it. */
  readonly heartbeatDeadlineMs: number;
  /** The JoinGroup response held until the rebalance completes (at most one per member). */
  readonly pendingJoin: PendingRequest | null;
  /** The SyncGroup response held until the leader's assignment is persisted (at most one per member). */
  readonly pendingSync: PendingRequest | null;
}

export type MemberMap = ReadonlyMap<string, ClassicMember>;

interface GroupBase {
  readonly groupId: string;
  readonly protocolType: string | null;
  readonly protocolName: string | null;
  readonly generationId: number;
  readonly leaderId: string | null;
  readonly members: MemberMap;
  /** KIP-394: member ids handed out with MEMBER_ID_REQUIRED, with the deadline for their second JoinGroup. */
  readonly pendingMembers: ReadonlyMap<string, number>;
  /** group.instance.id → member id (KIP-345). */
  readonly staticMembers: ReadonlyMap<string, string>;
  /** When the group entered its current state (GroupMetadataValue.currentStateTimestamp). */
  readonly currentStateTimestampMs: number;
}

export type ClassicGroup =
  | (GroupBase & { readonly kind: 'empty' })
  | (GroupBase & {
      readonly kind: 'preparingRebalance';
      readonly rebalanceDeadlineMs: number;
      /** Set while the first generation waits out group.initial.rebalance.delay.ms; never later than this bound. */
      readonly initialDelayLimitMs: number | null;
    })
  | (GroupBase & { readonly kind: 'completingRebalance'; readonly syncDeadlineMs: number })
  | (GroupBase & { readonly kind: 'stable' })
  | (GroupBase & { readonly kind: 'dead' });

export type ClassicGroupKind = ClassicGroup['kind'];

/** Kafka's names, as DescribeGroups and ListGroups report them. */
export const CLASSIC_STATE_NAME: Readonly<Record<ClassicGroupKind, string>> = Object.freeze({
  empty: 'Empty',
  preparingRebalance: 'PreparingRebalance',
  completingRebalance: 'CompletingRebalance',
  stable: 'Stable',
  dead: 'Dead',
});

/** A response the core hands to the driver, tagged with the API so the broker picks the encoder. */
export type ClassicReply =
  | { readonly api: 'joinGroup'; readonly request: PendingRequest; readonly response: JoinGroupResponse }
  | { readonly api: 'syncGroup'; readonly request: PendingRequest; readonly response: SyncGroupResponse }
  | { readonly api: 'leaveGroup'; readonly request: PendingRequest; readonly response: LeaveGroupResponse };

/** What a classic event produced: the next group, responses to send now, and whether the group must be written. */
export interface ClassicTransition {
  readonly group: ClassicGroup;
  readonly replies: readonly ClassicReply[];
  /** Replies that may only be sent once the group's metadata record is durable (SyncGroup of a new generation). */
  readonly afterWrite: readonly ClassicReply[];
  readonly persistGroup: boolean;
}

export function newEmptyGroup(groupId: string, nowMs: number): ClassicGroup {
  return {
    kind: 'empty',
    groupId,
    protocolType: null,
    protocolName: null,
    generationId: 0,
    leaderId: null,
    members: new Map(),
    pendingMembers: new Map(),
    staticMembers: new Map(),
    currentStateTimestampMs: nowMs,
  };
}

export function transition(
  group: ClassicGroup,
  replies: readonly ClassicReply[] = [],
  extra: { afterWrite?: readonly ClassicReply[]; persistGroup?: boolean } = {},
): ClassicTransition {
  return { group, replies, afterWrite: extra.afterWrite ?? [], persistGroup: extra.persistGroup ?? false };
}

/** `t` with `replies` answered before its own replies. */
export function repliesFirst(replies: readonly ClassicReply[], t: ClassicTransition): ClassicTransition {
  return { ...t, replies: [...replies, ...t.replies] };
}

export function withMember(members: MemberMap, member: ClassicMember): Map<string, ClassicMember> {
  const next = new Map(members);
  next.set(member.memberId, member);
  return next;
}

export function withoutKey<K, V>(map: ReadonlyMap<K, V>, key: K): Map<K, V> {
  const next = new Map(map);
  next.delete(key);
  return next;
}

/** Protocols every member supports, in no particular order. */
export function commonProtocols(members: Iterable<ClassicMember>): Set<string> | null {
  const all = [...members];
  const first = all[0];
  if (first === undefined) return null;
  const common = new Set<string>(first.protocols.map((p) => p.name));
  for (const member of all) {
    const names = new Set<string>(member.protocols.map((p) => p.name));
    for (const name of common) if (!names.has(name)) common.delete(name);
  }
  return common;
}

/**
 * Whether a joining member fits the group: same protocol type and at least one protocol every
 * current member also supports (otherwise INCONSISTENT_GROUP_PROTOCOL).
 */
export function isCompatible(
  group: ClassicGroup,
  protocolType: string,
  protocols: readonly MemberProtocol[],
  ignoreMemberId: string | null,
): boolean {
  if (protocols.length === 0 || protocolType === '') return false;
  const others = [...group.members.values()].filter((m) => m.memberId !== ignoreMemberId);
  if (others.length === 0) return true;
  if (group.protocolType !== null && group.protocolType !== protocolType) return false;
  const common = commonProtocols(others);
  return protocols.some((p) => common?.has(p.name) === true);
}

/**
 * The group's protocol by vote: among protocols every member supports, each member votes for its
 * most preferred one (the first it listed); most votes wins, ties go to the name first in order.
 */
export function selectProtocol(members: Iterable<ClassicMember>): string | null {
  const all = [...members];
  const common = commonProtocols(all);
  if (common === null || common.size === 0) return null;
  const votes = new Map<string, number>();
  for (const member of all) {
    const choice = member.protocols.find((p) => common.has(p.name));
    if (choice !== undefined) votes.set(choice.name, (votes.get(choice.name) ?? 0) + 1);
  }
  let best: string | null = null;
  let bestVotes = -1;
  for (const name of [...votes.keys()].sort()) {
    const count = votes.get(name) ?? 0;
    if (count > bestVotes) {
      best = name;
      bestVotes = count;
    }
  }
  return best;
}

export function protocolMetadata(member: ClassicMember, protocolName: string | null): Buffer {
  return member.protocols.find((p) => p.name === protocolName)?.metadata ?? Buffer.alloc(0);
}

export function sameProtocols(a: readonly MemberProtocol[], b: readonly MemberProtocol[]): boolean {
  return (
    a.length === b.length &&
    a.every((p, i) => {
      const q = b[i];
      return q !== undefined && q.name === p.name && q.metadata.equals(p.metadata);
    })
  );
}

/** The longest rebalance timeout among members: how long a rebalance waits for rejoins. */
export function maxRebalanceTimeoutMs(members: MemberMap): number {
  let max = 0;
  for (const member of members.values()) max = Math.max(max, member.rebalanceTimeoutMs);
  return max;
}

export function isFull(group: ClassicGroup, maxSize: number): boolean {
  return group.members.size + group.pendingMembers.size >= maxSize;
}

/** True when every member has a JoinGroup held and no KIP-394 member is still expected. */
export function hasAllMembersJoined(group: ClassicGroup): boolean {
  for (const member of group.members.values()) if (member.pendingJoin === null) return false;
  return group.pendingMembers.size === 0;
}

/**
 * The checks SyncGroup, Heartbeat and OffsetCommit share, in Kafka's order: unknown member, then a
 * static instance that now belongs to another member id (KIP-345 fencing), then a stale generation.
 */
export function checkMember(
  group: ClassicGroup,
  memberId: string,
  groupInstanceId: string | null,
  generationId: number,
): number {
  if (groupInstanceId !== null) {
    const owner = group.staticMembers.get(groupInstanceId);
    if (owner !== undefined && owner !== memberId) return ErrorCode.FENCED_INSTANCE_ID;
  }
  const member = group.members.get(memberId);
  if (member === undefined) return ErrorCode.UNKNOWN_MEMBER_ID;
  if (
    member.groupInstanceId !== null &&
    groupInstanceId !== null &&
    member.groupInstanceId !== groupInstanceId
  ) {
    return ErrorCode.FENCED_INSTANCE_ID;
  }
  if (generationId !== group.generationId) return ErrorCode.ILLEGAL_GENERATION;
  return ErrorCode.NONE;
}

/** The group with one member's heartbeat deadline pushed to now + its session timeout. */
export function refreshSession(group: ClassicGroup, memberId: string, nowMs: number): ClassicGroup {
  const member = group.members.get(memberId);
  if (member === undefined) return group;
  return {
    ...group,
    members: withMember(group.members, { ...member, heartbeatDeadlineMs: nowMs + member.sessionTimeoutMs }),
  };
}
