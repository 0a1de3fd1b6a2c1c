// Heartbeat on a classic group: keeps a member's session alive and tells it when to rejoin.
import { ErrorCode, type HeartbeatRequest } from '../../protocol/index.js';
import { assertNever } from './assert.js';
import { type ClassicGroup, checkMember, refreshSession } from './group-state.js';

export interface HeartbeatResult {
  readonly group: ClassicGroup;
  readonly errorCode: number;
}

/**
 * REBALANCE_IN_PROGRESS tells a member of the previous generation to rejoin; its session is still
 * refreshed so it is not expired while it does. CompletingRebalance answers NONE: the member already
 * joined and is waiting for its SyncGroup answer.
 */
export function heartbeat(group: ClassicGroup, request: HeartbeatRequest, nowMs: number): HeartbeatResult {
  if (group.kind === 'dead') return { group, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE };
  const error = checkMember(group, request.memberId, request.groupInstanceId, request.generationId);
  if (error !== ErrorCode.NONE) return { group, errorCode: error };
  switch (group.kind) {
    case 'empty':
      return { group, errorCode: ErrorCode.UNKNOWN_MEMBER_ID };
    case 'preparingRebalance':
      return {
        group: refreshSession(group, request.memberId, nowMs),
        errorCode: ErrorCode.REBALANCE_IN_PROGRESS,
      };
    case 'completingRebalance':
    case 'stable':
      return { group: refreshSession(group, request.memberId, nowMs), errorCode: ErrorCode.NONE };
    default:
      return assertNever(group);
  }
}
