// The JSON documents of GET /v1/cluster, /v1/topics and /v1/groups (for scripts and the web console),
// as pure functions of what the broker exposes. Offsets are numbers (JSON has no bigint; offsets
// stay far below 2^53 in practice) and partitions are listed in order.

import { isInternalTopic } from '../broker/index.js';
import { partitionLag } from '../coordinator/index.js';
import { ConfigResourceType, configResourceKey } from '../metadata/index.js';
import { VERSION } from '../version.js';
import type { AdminSources } from './admin-sources.js';

export interface ClusterView {
  readonly clusterId: string;
  readonly nodeId: number;
  readonly controllerId: number;
  readonly version: string;
  readonly brokers: readonly {
    id: number;
    rack: string | null;
    fenced: boolean;
    endpoints: readonly { name: string; host: string; port: number }[];
  }[];
  readonly topicCount: number;
  readonly partitionCount: number;
}

export function clusterView(sources: AdminSources): ClusterView {
  const image = sources.metadata();
  let partitionCount = 0;
  for (const topic of image.topicsByName.values()) partitionCount += topic.partitions.size;
  return {
    clusterId: sources.clusterId,
    nodeId: sources.nodeId,
    // A single node is its own controller (the quorum controller arrives with replication).
    controllerId: sources.nodeId,
    version: VERSION,
    brokers: [...image.brokers.values()]
      .sort((a, b) => a.id - b.id)
      .map((broker) => ({
        id: broker.id,
        rack: broker.rack,
        fenced: broker.fenced,
        endpoints: broker.listeners.map((l) => ({ name: l.name, host: l.host, port: l.port })),
      })),
    topicCount: image.topicsByName.size,
    partitionCount,
  };
}

export interface TopicView {
  readonly name: string;
  readonly topicId: string;
  readonly internal: boolean;
  /** The topic's config overrides (defaults are not listed; DescribeConfigs has them). */
  readonly configs: Readonly<Record<string, string>>;
  readonly partitions: readonly {
    partition: number;
    leader: number;
    leaderEpoch: number;
    replicas: readonly number[];
    isr: readonly number[];
    /** The log's offsets and size on this broker; null when this broker does not host it. */
    logStartOffset: number | null;
    highWatermark: number | null;
    logEndOffset: number | null;
    sizeBytes: number | null;
  }[];
}

export function topicsView(sources: AdminSources): TopicView[] {
  const image = sources.metadata();
  return [...image.topicsByName.values()]
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .map((topic) => {
      const overrides = image.configs.get(
        configResourceKey({ type: ConfigResourceType.TOPIC, name: topic.name }),
      );
      return {
        name: topic.name,
        topicId: topic.id,
        internal: isInternalTopic(topic.name),
        configs: Object.fromEntries(overrides?.configs ?? []),
        partitions: [...topic.partitions.entries()]
          .sort(([a], [b]) => a - b)
          .map(([partition, registration]) => {
            const hosted = sources.replicas.getPartition(topic.name, partition);
            return {
              partition,
              leader: registration.leader,
              leaderEpoch: registration.leaderEpoch,
              replicas: registration.replicas,
              isr: registration.isr,
              logStartOffset: hosted === undefined ? null : Number(hosted.logStartOffset),
              highWatermark: hosted === undefined ? null : Number(hosted.highWatermark),
              logEndOffset: hosted === undefined ? null : Number(hosted.logEndOffset),
              sizeBytes: hosted === undefined ? null : hosted.log.sizeInBytes,
            };
          }),
      };
    });
}

export interface GroupView {
  readonly groupId: string;
  readonly groupType: string;
  readonly protocolType: string;
  readonly state: string;
  readonly members: readonly { memberId: string; clientId: string; clientHost: string }[];
  /** Committed offsets with the high watermark and the lag (null when the partition is not hosted). */
  readonly offsets: readonly {
    topic: string;
    partition: number;
    committedOffset: number;
    highWatermark: number | null;
    lag: number | null;
  }[];
  readonly totalLag: number;
}

export function groupsView(sources: AdminSources): GroupView[] {
  const listed = sources.groups.listGroups({ statesFilter: [], typesFilter: [] }).groups;
  const store = sources.groups.classic.offsets;
  const ids = [...listed.map((g) => g.groupId)].sort();
  const described = new Map(
    sources.groups
      .describeGroups({ groups: ids, includeAuthorizedOperations: false }, 5)
      .groups.map((g) => [g.groupId, g]),
  );
  return ids.map((groupId) => {
    const entry = listed.find((g) => g.groupId === groupId)!;
    const offsets = store
      .list(groupId)
      .map((offset) => {
        const hosted = sources.replicas.getPartition(offset.topic, offset.partition);
        const lag = hosted === undefined ? null : partitionLag(offset.offset, hosted.highWatermark);
        return {
          topic: offset.topic,
          partition: offset.partition,
          committedOffset: Number(offset.offset),
          highWatermark: hosted === undefined ? null : Number(hosted.highWatermark),
          lag: lag === null ? null : Number(lag),
        };
      })
      .sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
    const describedGroup = described.get(groupId);
    return {
      groupId,
      groupType: entry.groupType,
      protocolType: entry.protocolType,
      state: entry.groupState,
      members: (describedGroup?.members ?? []).map((m) => ({
        memberId: m.memberId,
        clientId: m.clientId,
        clientHost: m.clientHost,
      })),
      offsets,
      totalLag: offsets.reduce((total, o) => total + (o.lag ?? 0), 0),
    };
  });
}
