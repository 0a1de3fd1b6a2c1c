import type { Uuid } from '../protocol/index.js';
import type { MetadataImage, PartitionRegistration, TopicImage } from './metadata-image.js';

/** A partition named by topic id, topic name and partition id. */
export interface LocalPartition {
  readonly topicId: Uuid;
  readonly topicName: string;
  readonly partitionId: number;
}

/** A partition this broker now hosts, with its registration in the new image. */
export interface LocalReplica extends LocalPartition {
  readonly partition: PartitionRegistration;
  /** True when this broker did not host the partition in the old image: its log must be created. */
  readonly isNew: boolean;
}

/**
 * What one broker must do after an image change. A partition appears at most once in `leaders` or
 * `followers`, never in both, and never also in `deletes` (a topic deleted and re-created under the
 * same name has a new id, so the old id is deleted and the new one created).
 */
export interface LocalReplicaChanges {
  /** Partitions this broker hosted and no longer does: stop serving them and delete their logs. */
  readonly deletes: readonly LocalPartition[];
  /** Partitions this broker leads whose registration changed (or that are new here). */
  readonly leaders: readonly LocalReplica[];
  /** Partitions this broker follows whose registration changed (or that are new here). */
  readonly followers: readonly LocalReplica[];
}

function hosts(partition: PartitionRegistration, brokerId: number): boolean {
  return partition.replicas.includes(brokerId);
}

function changedTopicIds(oldImage: MetadataImage, newImage: MetadataImage): Set<Uuid> {
  const ids = new Set<Uuid>();
  for (const [id, topic] of newImage.topicsById) if (oldImage.topicsById.get(id) !== topic) ids.add(id);
  for (const id of oldImage.topicsById.keys()) if (!newImage.topicsById.has(id)) ids.add(id);
  return ids;
}

/**
 * The partitions `brokerId` must create, delete, lead or follow to go from `oldImage` to `newImage`.
 * Pure; topics shared by both images (same object) are skipped, so the cost follows the size of the
 * change. A partition is reported again (as leader or follower) whenever its partitionEpoch changed,
 * as Kafka's broker does: the replica manager compares leader epochs to decide what to do.
 */
export function computeLocalReplicaChanges(
  oldImage: MetadataImage,
  newImage: MetadataImage,
  brokerId: number,
): LocalReplicaChanges {
  const deletes: LocalPartition[] = [];
  const leaders: LocalReplica[] = [];
  const followers: LocalReplica[] = [];
  for (const topicId of changedTopicIds(oldImage, newImage)) {
    const before: TopicImage | undefined = oldImage.topicsById.get(topicId);
    const after: TopicImage | undefined = newImage.topicsById.get(topicId);
    const topicName = after?.name ?? before?.name ?? '';
    for (const [partitionId, previous] of before?.partitions ?? []) {
      const current = after?.partitions.get(partitionId);
      if (hosts(previous, brokerId) && (current === undefined || !hosts(current, brokerId))) {
        deletes.push({ topicId, topicName, partitionId });
      }
    }
    for (const [partitionId, current] of after?.partitions ?? []) {
      if (!hosts(current, brokerId)) continue;
      const previous = before?.partitions.get(partitionId);
      const isNew = previous === undefined || !hosts(previous, brokerId);
      if (!isNew && previous.partitionEpoch === current.partitionEpoch) continue;
      const replica: LocalReplica = { topicId, topicName, partitionId, partition: current, isNew };
      if (current.leader === brokerId) leaders.push(replica);
      else followers.push(replica);
    }
  }
  return { deletes, leaders, followers };
}
