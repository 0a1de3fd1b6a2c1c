import type { PartitionChangeRecord, PartitionRecord, TopicRecord, Uuid } from '../protocol/index.js';
import { MetadataReplayError } from './metadata-errors.js';
import type { MetadataImage, PartitionRegistration, TopicImage } from './metadata-image.js';
import { applyPartitionChange, checkPartition, frozen, frozenOrNull } from './partition-change.js';

interface WorkingTopic {
  readonly name: string;
  readonly id: Uuid;
  readonly partitions: Map<number, PartitionRegistration>;
}

/**
 * The topic half of a MetadataDelta: topics created, changed or removed since the base image. Base
 * topics are copied on their first change only, and untouched ones are shared with the new image.
 */
export class TopicsDelta {
  private readonly working = new Map<Uuid, WorkingTopic>();
  private readonly workingIdByName = new Map<string, Uuid>();
  private readonly removed = new Map<Uuid, TopicImage>();

  constructor(private readonly base: MetadataImage) {}

  /** The topic as of this delta, or undefined when it does not exist (or was removed). */
  topicById(
    id: Uuid,
  ): { readonly name: string; readonly partitions: ReadonlyMap<number, PartitionRegistration> } | undefined {
    const working = this.working.get(id);
    if (working !== undefined) return working;
    if (this.removed.has(id)) return undefined;
    return this.base.topicsById.get(id);
  }

  /** The id of the topic named `name` as of this delta. */
  topicIdByName(name: string): Uuid | undefined {
    const id = this.workingIdByName.get(name);
    if (id !== undefined) return id;
    const baseTopic = this.base.topicsByName.get(name);
    if (baseTopic === undefined || this.removed.has(baseTopic.id)) return undefined;
    return baseTopic.id;
  }

  replayTopic(record: TopicRecord): void {
    if (record.name === '') throw new MetadataReplayError('TopicRecord with an empty topic name');
    const sameId = this.topicById(record.topicId);
    if (sameId !== undefined) {
      throw new MetadataReplayError(
        `TopicRecord ${record.name}: topic id ${record.topicId} already belongs to topic ${sameId.name}`,
      );
    }
    if (this.topicIdByName(record.name) !== undefined) {
      throw new MetadataReplayError(`TopicRecord ${record.name}: a topic with that name exists`);
    }
    this.working.set(record.topicId, { name: record.name, id: record.topicId, partitions: new Map() });
    this.workingIdByName.set(record.name, record.topicId);
  }

  replayPartition(record: PartitionRecord): void {
    const topic = this.workingTopic(record.topicId, 'PartitionRecord');
    const where = `PartitionRecord ${topic.name}-${record.partitionId}`;
    if (record.partitionId < 0) throw new MetadataReplayError(`${where}: negative partition id`);
    if (topic.partitions.has(record.partitionId)) throw new MetadataReplayError(`${where}: partition exists`);
    const partition: PartitionRegistration = Object.freeze({
      replicas: frozen(record.replicas),
      isr: frozen(record.isr),
      removingReplicas: frozen(record.removingReplicas),
      addingReplicas: frozen(record.addingReplicas),
      leader: record.leader,
      leaderRecoveryState: record.leaderRecoveryState,
      leaderEpoch: record.leaderEpoch,
      partitionEpoch: record.partitionEpoch,
      directories: frozen(record.directories),
      eligibleLeaderReplicas: frozenOrNull(record.eligibleLeaderReplicas),
      lastKnownElr: frozenOrNull(record.lastKnownElr),
    });
    checkPartition(partition, where);
    topic.partitions.set(record.partitionId, partition);
  }

  replayPartitionChange(record: PartitionChangeRecord): void {
    const topic = this.workingTopic(record.topicId, 'PartitionChangeRecord');
    const where = `PartitionChangeRecord ${topic.name}-${record.partitionId}`;
    const current = topic.partitions.get(record.partitionId);
    if (current === undefined) throw new MetadataReplayError(`${where}: no such partition`);
    const next = applyPartitionChange(current, record);
    checkPartition(next, where);
    topic.partitions.set(record.partitionId, next);
  }

  /** Removes the topic and returns its name (its configs go with it). */
  replayRemoveTopic(topicId: Uuid): string {
    const topic = this.topicById(topicId);
    if (topic === undefined) throw new MetadataReplayError(`RemoveTopicRecord: no topic with id ${topicId}`);
    this.working.delete(topicId);
    this.workingIdByName.delete(topic.name);
    const baseTopic = this.base.topicsById.get(topicId);
    if (baseTopic !== undefined) this.removed.set(topicId, baseTopic);
    return topic.name;
  }

  /** True when nothing changed, so the base maps can be shared as they are. */
  get isEmpty(): boolean {
    return this.working.size === 0 && this.removed.size === 0;
  }

  /** The topic maps of the new image; the base maps themselves when nothing changed. */
  apply(): { topicsByName: ReadonlyMap<string, TopicImage>; topicsById: ReadonlyMap<Uuid, TopicImage> } {
    if (this.isEmpty) return { topicsByName: this.base.topicsByName, topicsById: this.base.topicsById };
    const topicsByName = new Map(this.base.topicsByName);
    const topicsById = new Map(this.base.topicsById);
    for (const topic of this.removed.values()) {
      topicsById.delete(topic.id);
      topicsByName.delete(topic.name);
    }
    for (const topic of this.working.values()) {
      const image: TopicImage = Object.freeze({
        name: topic.name,
        id: topic.id,
        partitions: new Map(topic.partitions),
      });
      topicsById.set(topic.id, image);
      topicsByName.set(topic.name, image);
    }
    return { topicsByName, topicsById };
  }

  private workingTopic(id: Uuid, what: string): WorkingTopic {
    const existing = this.working.get(id);
    if (existing !== undefined) return existing;
    const baseTopic = this.removed.has(id) ? undefined : this.base.topicsById.get(id);
    if (baseTopic === undefined) throw new MetadataReplayError(`${what}: no topic with id ${id}`);
    const copy = { name: baseTopic.name, id, partitions: new Map(baseTopic.partitions) };
    this.working.set(id, copy);
    this.workingIdByName.set(copy.name, id);
    return copy;
  }
}
