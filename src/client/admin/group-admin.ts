// Admin operations on consumer groups: list, describe, delete, and their committed offsets.
import { ApiKey, ErrorCode, KafkaError, kafkaErrorFromCode } from '../../protocol/index.js';
import type { Cluster } from '../cluster.js';
import { decodeAssignment, decodeSubscription, type TopicPartitionMap } from '../consumer-protocol.js';
import type { NodeConnection } from '../node-connection.js';
import { withRetries } from '../retry.js';
import { type AdminCallOptions, errorOf, requestOptions } from './admin-call.js';
import { callCoordinator, throwIfRetriableGroupError } from './group-call.js';

export interface GroupListing {
  readonly groupId: string;
  readonly protocolType: string;
  /** Empty when the broker is older than ListGroups v4. */
  readonly groupState: string;
  /** 'classic' or 'consumer' (KIP-848); empty before ListGroups v5. */
  readonly groupType: string;
  readonly coordinatorId: number;
}

/**
 * ListGroups on every broker (each lists the groups it coordinates), merged and sorted by id.
 * `states` / `types` filter on brokers that support it (v4 / v5). A broker that cannot answer fails the call.
 */
export async function listGroups(
  cluster: Cluster,
  options: AdminCallOptions & { states?: readonly string[]; types?: readonly string[] } = {},
): Promise<GroupListing[]> {
  const view = await cluster.refresh({ topics: [], signal: options.signal });
  const perBroker = await Promise.all(
    [...view.brokers.keys()].map((nodeId) =>
      withRetries(
        async () => {
          const connection = await cluster.connectionTo(nodeId, options.signal);
          const version = connection.version(ApiKey.ListGroups, { max: 5 });
          const response = await connection.request(
            ApiKey.ListGroups,
            version,
            {
              statesFilter: version >= 4 ? [...(options.states ?? [])] : [],
              typesFilter: version >= 5 ? [...(options.types ?? [])] : [],
            },
            requestOptions(options),
          );
          const error = kafkaErrorFromCode(response.errorCode);
          if (error !== undefined) throw error;
          return response.groups.map(
            (group): GroupListing => ({
              groupId: group.groupId,
              protocolType: group.protocolType,
              groupState: group.groupState,
              groupType: group.groupType,
              coordinatorId: nodeId,
            }),
          );
        },
        cluster.options.retryPolicy,
        { signal: options.signal },
      ),
    ),
  );
  const states = options.states?.map((s) => s.toLowerCase());
  return perBroker
    .flat()
    .filter(
      (group) =>
        states === undefined || group.groupState === '' || states.includes(group.groupState.toLowerCase()),
    )
    .sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0));
}

export interface MemberDescription {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  /** Decoded for protocol type "consumer"; null otherwise or when undecodable. */
  readonly subscribedTopics: readonly string[] | null;
  /** Decoded for protocol type "consumer"; empty otherwise. */
  readonly assignment: TopicPartitionMap;
  readonly memberMetadata: Buffer;
  readonly memberAssignment: Buffer;
}

export interface GroupDescription {
  readonly groupId: string;
  /** Kafka's state names: Empty, PreparingRebalance, CompletingRebalance, Stable, Dead. */
  readonly state: string;
  readonly protocolType: string;
  /** The assignor the group chose (e.g. range). */
  readonly protocol: string;
  readonly members: readonly MemberDescription[];
  readonly coordinatorId: number;
  /** GROUP_ID_NOT_FOUND for an unknown group (DescribeGroups v6), or another error; null when described. */
  readonly error: KafkaError | null;
}

function describeMember(
  protocolType: string,
  member: {
    memberId: string;
    groupInstanceId: string | null;
    clientId: string;
    clientHost: string;
    memberMetadata: Buffer;
    memberAssignment: Buffer;
  },
): MemberDescription {
  let subscribedTopics: readonly string[] | null = null;
  let assignment: TopicPartitionMap = new Map();
  if (protocolType === 'consumer') {
    try {
      if (member.memberMetadata.length > 0)
        subscribedTopics = decodeSubscription(member.memberMetadata).topics;
      assignment = decodeAssignment(member.memberAssignment).partitions;
    } catch (error: unknown) {
      // A member of another client library may carry metadata we cannot read: show the raw bytes.
      if (!(error instanceof Error)) throw error;
    }
  }
  return {
    memberId: member.memberId,
    groupInstanceId: member.groupInstanceId,
    clientId: member.clientId,
    clientHost: member.clientHost,
    subscribedTopics,
    assignment,
    memberMetadata: member.memberMetadata,
    memberAssignment: member.memberAssignment,
  };
}

/** DescribeGroups on each group's coordinator, results in the order asked. */
export function describeGroups(
  cluster: Cluster,
  groupIds: readonly string[],
  options: AdminCallOptions = {},
): Promise<GroupDescription[]> {
  return Promise.all(
    groupIds.map((groupId) =>
      callCoordinator(cluster, groupId, options, (connection) =>
        describeGroupOn(connection, groupId, options),
      ),
    ),
  );
}

/** DescribeGroups of one group on `connection` (its coordinator); a retriable group error throws. */
export async function describeGroupOn(
  connection: NodeConnection,
  groupId: string,
  options: AdminCallOptions,
): Promise<GroupDescription> {
  const version = connection.version(ApiKey.DescribeGroups, { max: 5 });
  const response = await connection.request(
    ApiKey.DescribeGroups,
    version,
    { groups: [groupId], includeAuthorizedOperations: false },
    requestOptions(options),
  );
  const group = response.groups.find((g) => g.groupId === groupId) ?? response.groups[0];
  if (group === undefined) throw new KafkaError('UNKNOWN_SERVER_ERROR', 'empty DescribeGroups answer');
  throwIfRetriableGroupError(group.errorCode);
  return {
    groupId,
    state: group.groupState,
    protocolType: group.protocolType,
    protocol: group.protocolData,
    members: group.members.map((member) => describeMember(group.protocolType, member)),
    coordinatorId: connection.nodeId,
    error: errorOf(group.errorCode),
  };
}

export interface DeleteGroupResult {
  readonly groupId: string;
  /** e.g. NON_EMPTY_GROUP, GROUP_ID_NOT_FOUND. */
  readonly error: KafkaError | null;
}

/** DeleteGroups on each group's coordinator. */
export function deleteGroups(
  cluster: Cluster,
  groupIds: readonly string[],
  options: AdminCallOptions = {},
): Promise<DeleteGroupResult[]> {
  return Promise.all(
    groupIds.map((groupId) =>
      callCoordinator(cluster, groupId, options, async (connection) => {
        const version = connection.version(ApiKey.DeleteGroups, { max: 2 });
        const response = await connection.request(
          ApiKey.DeleteGroups,
          version,
          { groupsNames: [groupId] },
          requestOptions(options),
        );
        const result = response.results.find((r) => r.groupId === groupId);
        const code = result?.errorCode ?? ErrorCode.UNKNOWN_SERVER_ERROR;
        throwIfRetriableGroupError(code);
        return { groupId, error: errorOf(code) };
      }),
    ),
  );
}

export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

export interface CommittedOffset extends TopicPartition {
  /** -1n when the group has no committed offset for the partition. */
  readonly offset: bigint;
  readonly leaderEpoch: number;
  readonly metadata: string | null;
  readonly error: KafkaError | null;
}

/**
 * OffsetFetch: the group's committed offsets, of `partitions` or of every partition it committed.
 * A group-level error (e.g. GROUP_AUTHORIZATION_FAILED) throws.
 */
export function listGroupOffsets(
  cluster: Cluster,
  groupId: string,
  options: AdminCallOptions & { partitions?: readonly TopicPartition[]; requireStable?: boolean } = {},
): Promise<CommittedOffset[]> {
  const topics =
    options.partitions === undefined
      ? null
      : [...groupByTopic(options.partitions)].map(([name, partitionIndexes]) => ({ name, partitionIndexes }));
  return callCoordinator(cluster, groupId, options, async (connection) => {
    const version = connection.version(ApiKey.OffsetFetch, { min: topics === null ? 2 : 1, max: 9 });
    const response = await connection.request(
      ApiKey.OffsetFetch,
      version,
      {
        groupId: version <= 7 ? groupId : '',
        topics: version <= 7 ? topics : [],
        groups: version >= 8 ? [{ groupId, memberId: null, memberEpoch: -1, topics }] : [],
        requireStable: version >= 7 && (options.requireStable ?? false),
      },
      requestOptions(options),
    );
    const group =
      version >= 8 ? response.groups[0] : { errorCode: response.errorCode, topics: response.topics };
    if (group === undefined) throw new KafkaError('UNKNOWN_SERVER_ERROR', 'empty OffsetFetch answer');
    throwIfRetriableGroupError(group.errorCode);
    const groupError = kafkaErrorFromCode(group.errorCode);
    if (groupError !== undefined) throw groupError;
    const offsets: CommittedOffset[] = [];
    for (const topic of group.topics) {
      for (const partition of topic.partitions) {
        throwIfRetriableGroupError(partition.errorCode);
        offsets.push({
          topic: topic.name,
          partition: partition.partitionIndex,
          offset: partition.committedOffset,
          leaderEpoch: partition.committedLeaderEpoch,
          metadata: partition.metadata,
          error: errorOf(partition.errorCode),
        });
      }
    }
    return offsets.sort(byTopicPartition);
  });
}

export interface OffsetToCommit extends TopicPartition {
  readonly offset: bigint;
  readonly leaderEpoch?: number;
  readonly metadata?: string | null;
}

export interface PartitionResult extends TopicPartition {
  readonly error: KafkaError | null;
}

/**
 * OffsetCommit outside any generation (as Kafka's admin alterConsumerGroupOffsets): the group must have
 * no active members, else the partitions answer UNKNOWN_MEMBER_ID.
 */
export function alterGroupOffsets(
  cluster: Cluster,
  groupId: string,
  offsets: readonly OffsetToCommit[],
  options: AdminCallOptions = {},
): Promise<PartitionResult[]> {
  return callCoordinator(cluster, groupId, options, async (connection) => {
    const version = connection.version(ApiKey.OffsetCommit, { max: 9 });
    const byTopic = new Map<string, OffsetToCommit[]>();
    for (const offset of offsets) byTopic.set(offset.topic, [...(byTopic.get(offset.topic) ?? []), offset]);
    const response = await connection.request(
      ApiKey.OffsetCommit,
      version,
      {
        groupId,
        generationIdOrMemberEpoch: -1,
        memberId: '',
        groupInstanceId: null,
        retentionTimeMs: -1n,
        topics: [...byTopic].map(([name, list]) => ({
          name,
          partitions: list.map((offset) => ({
            partitionIndex: offset.partition,
            committedOffset: offset.offset,
            committedLeaderEpoch: offset.leaderEpoch ?? -1,
            commitTimestamp: -1n,
            committedMetadata: offset.metadata ?? '',
          })),
        })),
      },
      requestOptions(options),
    );
    const results: PartitionResult[] = [];
    for (const topic of response.topics) {
      for (const partition of topic.partitions) {
        throwIfRetriableGroupError(partition.errorCode);
        results.push({
          topic: topic.name,
          partition: partition.partitionIndex,
          error: errorOf(partition.errorCode),
        });
      }
    }
    return results.sort(byTopicPartition);
  });
}

/** OffsetDelete (KIP-496): removes committed offsets of partitions the group no longer consumes. */
export function deleteGroupOffsets(
  cluster: Cluster,
  groupId: string,
  partitions: readonly TopicPartition[],
  options: AdminCallOptions = {},
): Promise<PartitionResult[]> {
  return callCoordinator(cluster, groupId, options, async (connection) => {
    const version = connection.version(ApiKey.OffsetDelete, { max: 0 });
    const response = await connection.request(
      ApiKey.OffsetDelete,
      version,
      {
        groupId,
        topics: [...groupByTopic(partitions)].map(([name, list]) => ({
          name,
          partitions: list.map((partitionIndex) => ({ partitionIndex })),
        })),
      },
      requestOptions(options),
    );
    throwIfRetriableGroupError(response.errorCode);
    const groupError = kafkaErrorFromCode(response.errorCode);
    if (groupError !== undefined) throw groupError;
    const results: PartitionResult[] = [];
    for (const topic of response.topics) {
      for (const partition of topic.partitions) {
        results.push({
          topic: topic.name,
          partition: partition.partitionIndex,
          error: errorOf(partition.errorCode),
        });
      }
    }
    return results.sort(byTopicPartition);
  });
}

export function groupByTopic(partitions: readonly TopicPartition[]): Map<string, number[]> {
  const map = new Map<string, number[]>();
  for (const { topic, partition } of partitions) map.set(topic, [...(map.get(topic) ?? []), partition]);
  return map;
}

export function byTopicPartition(a: TopicPartition, b: TopicPartition): number {
  if (a.topic !== b.topic) return a.topic < b.topic ? -1 : 1;
  return a.partition - b.partition;
}
