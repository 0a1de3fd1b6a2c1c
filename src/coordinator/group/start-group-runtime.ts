// Builds this node's group coordinator: replays __consumer_offsets, then starts the runtime on it.
import type { ReplicaManager } from '../../replication/index.js';
import { ConsumerGroupCoordinator } from './consumer-group/consumer-group-coordinator.js';
import { type ConsumerGroupRecord, loadConsumerGroups } from './consumer-group/consumer-group-records.js';
import { ConsumerOffsetsLog, type CreateOffsetsTopic } from './consumer-offsets-log.js';
import type { GroupCoordinatorConfig, MemberIdGenerator, TopicCatalog } from './group-config.js';
import { loadGroupCoordinator } from './group-loader.js';
import { decodeGroupRecord } from './group-record-codec.js';
import { type GroupClock, GroupRuntime } from './group-runtime.js';
import type { GroupRecord } from './group-store-records.js';

export interface GroupRuntimeSetup {
  readonly replicas: ReplicaManager;
  readonly createTopic: CreateOffsetsTopic;
  readonly config: GroupCoordinatorConfig;
  /** offsets.topic.num.partitions */
  readonly numPartitions: number;
  /** offsets.retention.check.interval.ms */
  readonly retentionCheckIntervalMs: number;
  readonly clock: GroupClock;
  readonly topics: () => TopicCatalog;
  readonly newMemberId: MemberIdGenerator;
  readonly onError: (error: unknown, what: string) => void;
}

/**
 * Replays every __consumer_offsets partition this node holds (a topic not created yet holds nothing)
 * and returns the runtime serving the loaded groups and offsets. Throws CorruptGroupRecordError when a
 * record does not decode: starting without it could hand out offsets older than the committed ones.
 */
export async function startGroupRuntime(setup: GroupRuntimeSetup): Promise<GroupRuntime> {
  const log = new ConsumerOffsetsLog(setup.replicas, setup.createTopic, () => setup.clock.nowMs());
  const records: GroupRecord[] = [];
  const consumerRecords: ConsumerGroupRecord[] = [];
  for (const encoded of await log.readAll(setup.numPartitions)) {
    const record = decodeGroupRecord(encoded.key, encoded.value);
    if (record === null) continue;
    if (record.kind === 'groupMetadata' || record.kind === 'offsetCommit') records.push(record);
    else consumerRecords.push(record);
  }
  const classic = loadGroupCoordinator(
    records,
    setup.config,
    { newMemberId: setup.newMemberId },
    setup.clock.nowMs(),
  );
  const consumer = new ConsumerGroupCoordinator(setup.config, setup.newMemberId, setup.config.maxGroups);
  consumer.restore(
    loadConsumerGroups(consumerRecords, {
      nowMs: setup.clock.nowMs(),
      sessionTimeoutMs: setup.config.consumerGroupSessionTimeoutMs,
      defaultAssignor: setup.config.consumerGroupDefaultAssignor,
    }),
  );
  return new GroupRuntime({
    classic,
    consumer,
    log,
    clock: setup.clock,
    numPartitions: setup.numPartitions,
    retentionCheckIntervalMs: setup.retentionCheckIntervalMs,
    topics: setup.topics,
    onError: setup.onError,
  });
}

/** Real time: Date.now and unref'd timers (a forgotten runtime never keeps a process alive). */
export const systemGroupClock: GroupClock = Object.freeze({
  nowMs: () => Date.now(),
  schedule(delayMs: number, callback: () => void): () => void {
    const timer = setTimeout(callback, delayMs);
    timer.unref();
    return () => clearTimeout(timer);
  },
});
