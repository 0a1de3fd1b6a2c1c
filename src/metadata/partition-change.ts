import type { PartitionChangeRecord } from '../protocol/index.js';
import { MetadataReplayError } from './metadata-errors.js';
import { NO_LEADER, type PartitionRegistration } from './metadata-image.js';

/** PartitionChangeRecord.leader when the leader did not change. */
export const NO_LEADER_CHANGE = -2;

/** PartitionChangeRecord.leaderRecoveryState when it did not change. */
const NO_RECOVERY_STATE_CHANGE = -1;

/** A frozen copy of `values`. */
export function frozen<T>(values: readonly T[]): readonly T[] {
  return Object.freeze([...values]);
}

/** A frozen copy of `values`, or null. */
export function frozenOrNull<T>(values: readonly T[] | null): readonly T[] | null {
  return values === null ? null : frozen(values);
}

/**
 * The partition after a PartitionChangeRecord: each null (or "no change" sentinel) field keeps its
 * value. As Kafka's controller expects, any record naming a leader (even the same one) bumps the
 * leader epoch, and every change bumps the partition epoch.
 */
export function applyPartitionChange(
  current: PartitionRegistration,
  change: PartitionChangeRecord,
): PartitionRegistration {
  const leaderChanged = change.leader !== NO_LEADER_CHANGE;
  return Object.freeze({
    replicas: change.replicas === null ? current.replicas : frozen(change.replicas),
    isr: change.isr === null ? current.isr : frozen(change.isr),
    removingReplicas:
      change.removingReplicas === null ? current.removingReplicas : frozen(change.removingReplicas),
    addingReplicas: change.addingReplicas === null ? current.addingReplicas : frozen(change.addingReplicas),
    leader: leaderChanged ? change.leader : current.leader,
    leaderRecoveryState:
      change.leaderRecoveryState === NO_RECOVERY_STATE_CHANGE
        ? current.leaderRecoveryState
        : change.leaderRecoveryState,
    leaderEpoch: leaderChanged ? current.leaderEpoch + 1 : current.leaderEpoch,
    partitionEpoch: current.partitionEpoch + 1,
    directories: change.directories === null ? current.directories : frozen(change.directories),
    eligibleLeaderReplicas:
      change.eligibleLeaderReplicas === null
        ? current.eligibleLeaderReplicas
        : frozen(change.eligibleLeaderReplicas),
    lastKnownElr: change.lastKnownElr === null ? current.lastKnownElr : frozen(change.lastKnownElr),
  });
}

/**
 * Throws MetadataReplayError unless the partition is one a controller could have written: at least
 * one replica and no replica twice, a leader that is a replica (or none), an ISR and adding/removing
 * sets within the replicas, and either no directories or one per replica.
 */
export function checkPartition(partition: PartitionRegistration, where: string): void {
  const problems: string[] = [];
  const replicas = new Set(partition.replicas);
  if (partition.replicas.length === 0) problems.push('no replicas');
  if (replicas.size !== partition.replicas.length)
    problems.push(`duplicate replicas [${partition.replicas}]`);
  if (partition.leader !== NO_LEADER && !replicas.has(partition.leader)) {
    problems.push(`leader ${partition.leader} is not a replica`);
  }
  for (const [name, members] of [
    ['isr', partition.isr],
    ['addingReplicas', partition.addingReplicas],
    ['removingReplicas', partition.removingReplicas],
  ] as const) {
    const outside = members.filter((id) => !replicas.has(id));
    if (outside.length > 0) problems.push(`${name} [${outside}] not among replicas [${partition.replicas}]`);
  }
  if (partition.directories.length !== 0 && partition.directories.length !== partition.replicas.length) {
    problems.push(`${partition.directories.length} directories for ${partition.replicas.length} replicas`);
  }
  if (problems.length > 0) throw new MetadataReplayError(`${where}: ${problems.join('; ')}`);
}
