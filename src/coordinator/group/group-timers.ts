// Time-driven classic group events: session expiry, KIP-394 pending member expiry, rebalance and sync timeouts.
import { ErrorCode } from '../../protocol/index.js';
import type { GroupCoordinatorConfig } from './group-config.js';
import type { ClassicGroup, ClassicReply, ClassicTransition } from './group-state.js';
import { completeJoin, removeMember } from './rebalance.js';

/**
 * Applies every deadline at or before `nowMs`. A member whose JoinGroup or SyncGroup response is held
 * is not expired: it is waiting on the coordinator, not silent. The join phase ends at its deadline
 * (dropping members that did not rejoin); the sync phase ends by removing members that sent no SyncGroup.
 */
export function tickGroup(
  group: ClassicGroup,
  nowMs: number,
  config: GroupCoordinatorConfig,
): ClassicTransition {
  let current = group;
  let persistGroup = false;
  const replies: ClassicReply[] = [];
  const apply = (t: ClassicTransition): void => {
    current = t.group;
    replies.push(...t.replies);
    persistGroup ||= t.persistGroup;
  };
  for (const [memberId, deadlineMs] of group.pendingMembers) {
    if (deadlineMs <= nowMs)
      apply(removeMember(current, memberId, ErrorCode.UNKNOWN_MEMBER_ID, nowMs, config));
  }
  for (const member of group.members.values()) {
    const live = current.members.get(member.memberId);
    if (live === undefined || live.pendingJoin !== null || live.pendingSync !== null) continue;
    if (live.heartbeatDeadlineMs <= nowMs) {
      apply(removeMember(current, live.memberId, ErrorCode.UNKNOWN_MEMBER_ID, nowMs, config));
    }
  }
  if (current.kind === 'preparingRebalance' && current.rebalanceDeadlineMs <= nowMs)
    apply(completeJoin(current, nowMs));
  if (current.kind === 'completingRebalance' && current.syncDeadlineMs <= nowMs) {
    const laggards = [...current.members.values()]
      .filter((m) => m.pendingSync === null)
      .map((m) => m.memberId);
    for (const memberId of laggards) {
      apply(removeMember(current, memberId, ErrorCode.UNKNOWN_MEMBER_ID, nowMs, config));
    }
  }
  return { group: current, replies, afterWrite: [], persistGroup };
}

/** The earliest time at which `tickGroup` would change this group, or null. */
export function groupDeadlineMs(group: ClassicGroup): number | null {
  let next = Number.POSITIVE_INFINITY;
  for (const deadlineMs of group.pendingMembers.values()) next = Math.min(next, deadlineMs);
  for (const member of group.members.values()) {
    if (member.pendingJoin === null && member.pendingSync === null)
      next = Math.min(next, member.heartbeatDeadlineMs);
  }
  if (group.kind === 'preparingRebalance') next = Math.min(next, group.rebalanceDeadlineMs);
  if (group.kind === 'completingRebalance') next = Math.min(next, group.syncDeadlineMs);
  return Number.isFinite(next) ? next : null;
}
