// KIP-848 reconciliation: moves one member toward its target, revoking before anything is reassigned.
import {
  type ConsumerGroup,
  type ConsumerMember,
  difference,
  intersection,
  type PartitionSet,
} from './consumer-group-state.js';

/**
 * One reconciliation step for `member`. While a revocation is unacknowledged nothing changes. If the
 * member holds partitions outside its target it is asked to revoke them first (its epoch stays, so it
 * cannot take new partitions yet). Otherwise it advances to the assignment epoch and receives the
 * target partitions that no other member still holds or is revoking; the rest come on a later
 * heartbeat, once released. Hence no partition is ever held by two members.
 */
export function reconcile(group: ConsumerGroup, member: ConsumerMember, nowMs: number): ConsumerMember {
  if (member.pendingRevocation.size > 0) return member;
  const target: PartitionSet = group.target.get(member.memberId) ?? new Set();
  const keep = intersection(member.assigned, target);
  const revoke = difference(member.assigned, target);
  if (revoke.size > 0) {
    return {
      ...member,
      assigned: keep,
      pendingRevocation: revoke,
      revocationDeadlineMs: nowMs + member.rebalanceTimeoutMs,
    };
  }
  const heldByOthers = new Set<string>();
  for (const other of group.members.values()) {
    if (other.memberId === member.memberId) continue;
    for (const p of other.assigned) heldByOthers.add(p);
    for (const p of other.pendingRevocation) heldByOthers.add(p);
  }
  const free = difference(difference(target, member.assigned), heldByOthers);
  const assigned = new Set([...member.assigned, ...free]);
  const advanced = member.memberEpoch !== group.assignmentEpoch;
  return {
    ...member,
    assigned,
    revocationDeadlineMs: null,
    memberEpoch: group.assignmentEpoch,
    previousMemberEpoch: advanced ? member.memberEpoch : member.previousMemberEpoch,
  };
}

/** The member reported what it owns: revoked partitions it no longer lists are released. */
export function acknowledgeOwned(member: ConsumerMember, owned: PartitionSet | null): ConsumerMember {
  if (owned === null || member.pendingRevocation.size === 0) return member;
  const stillRevoking = intersection(member.pendingRevocation, owned);
  return {
    ...member,
    pendingRevocation: stillRevoking,
    revocationDeadlineMs: stillRevoking.size === 0 ? null : member.revocationDeadlineMs,
  };
}
