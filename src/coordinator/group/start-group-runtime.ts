// Builds this node's group coordinator: replays __consumer_offsets, then starts the runtime on it.
import type { ReplicaManager } from '../../replication/index.js';
import type { ReplayedEntry } from '../internal-topic-log.js';
import { ConsumerGroupCoordinator } from './consumer-group/consumer-group-coordinator.js';
import { type ConsumerGroupRecord, loadConsumerGroups } from './consumer-group/consumer-group-records.js';
import { ConsumerOffsetsLog, type CreateOffsetsTopic } from './consumer-offsets-log.js';
import type { GroupCoordinatorConfig, MemberIdGenerator, TopicCatalog } from './group-config.js';
import { loadGroupCoordinator } from './group-loader.js';
import { groupPartition } from './group-partition.js';
import { decodeGroupRecord, type StoredGroupRecord } from './group-record-codec.js';
import { type GroupClock, GroupRuntime } from './group-runtime.js';
import type { GroupRecord } from './group-store-records.js';
import { offsetFromRecord } from './offset-store.js';

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
  const { records: replayed, pending } = replayOffsets(await log.replay(setup.numPartitions));
  const records: GroupRecord[] = [];
  const consumerRecords: ConsumerGroupRecord[] = [];
  for (const record of replayed) {
    if (record.kind === 'groupMetadata' || record.kind === 'offsetCommit') records.push(record);
    else consumerRecords.push(record);
  }
  const classic = loadGroupCoordinator(
    records,
    setup.config,
    { newMemberId: setup.newMemberId },
    setup.clock.nowMs(),
  );
  for (const [producerId, held] of pending) {
    for (const record of held) {
      if (record.kind === 'offsetCommit' && record.value !== null) {
        classic.txnOffsets.put(producerId, record.key.group, offsetFromRecord(record.key, record.value));
      }
    }
  }
  const consumer = new ConsumerGroupCoordinator(setup.config, setup.newMemberId, setup.config.maxGroups);
  const loadContext = () => ({
    nowMs: setup.clock.nowMs(),
    sessionTimeoutMs: setup.config.consumerGroupSessionTimeoutMs,
    defaultAssignor: setup.config.consumerGroupDefaultAssignor,
  });
  consumer.restore(loadConsumerGroups(consumerRecords, loadContext()));
  // After a lost repair write: the group as its partition holds it now.
  const reloadConsumerGroup = async (groupId: string) => {
    const entries = await log.replayPartition(groupPartition(groupId, setup.numPartitions));
    const own: ConsumerGroupRecord[] = [];
    for (const record of replayOffsets(entries).records) {
      if (record.kind !== 'groupMetadata' && record.kind !== 'offsetCommit' && record.groupId === groupId)
        own.push(record);
    }
    return loadConsumerGroups(own, loadContext()).get(groupId);
  };
  return new GroupRuntime({
    classic,
    consumer,
    log,
    clock: setup.clock,
    numPartitions: setup.numPartitions,
    retentionCheckIntervalMs: setup.retentionCheckIntervalMs,
    topics: setup.topics,
    onError: setup.onError,
    reloadConsumerGroup,
  });
}

/**
 * The records of __consumer_offsets in the order they take effect: a transactional batch's records
 * (TxnOffsetCommit) count where their COMMIT marker is, and not at all after an ABORT; those of
 * transactions without a marker yet come back as pending, per producer (their coordinator writes the
 * marker after its own replay).
 */
function replayOffsets(entries: readonly ReplayedEntry[]): {
  records: StoredGroupRecord[];
  pending: Map<bigint, StoredGroupRecord[]>;
} {
  const records: StoredGroupRecord[] = [];
  const open = new Map<string, { producerId: bigint; records: StoredGroupRecord[] }>();
  for (const entry of entries) {
    const key = `${entry.partition}:${entry.producerId}`;
    if (entry.kind === 'marker') {
      const txn = open.get(key);
      open.delete(key);
      if (txn !== undefined && entry.committed) records.push(...txn.records);
      continue;
    }
    const record = decodeGroupRecord(entry.key, entry.value);
    if (record === null) continue;
    if (entry.producerId === null) {
      records.push(record);
      continue;
    }
    const txn = open.get(key) ?? { producerId: entry.producerId, records: [] };
    txn.records.push(record);
    open.set(key, txn);
  }
  const pending = new Map<bigint, StoredGroupRecord[]>();
  for (const txn of open.values())
    pending.set(txn.producerId, [...(pending.get(txn.producerId) ?? []), ...txn.records]);
  return { records, pending };
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
