// describeConsumerGroups: one description for classic groups (DescribeGroups) and KIP-848 consumer
// groups (ConsumerGroupDescribe), as Kafka's Admin#describeConsumerGroups gives since KIP-848.
import { ApiKey, ErrorCode, KafkaError, kafkaErrorFromCode } from '../../protocol/index.js';
import type { Cluster } from '../cluster.js';
import type { TopicPartitionMap } from '../consumer-protocol.js';
import type { NodeConnection } from '../node-connection.js';
import { type AdminCallOptions, requestOptions } from './admin-call.js';
import { describeGroupOn, type GroupDescription } from './group-admin.js';
import { callCoordinator, throwIfRetriableGroupError } from './group-call.js';

export interface ConsumerGroupMember {
  readonly memberId: string;
  readonly groupInstanceId: string | null;
  readonly clientId: string;
  readonly clientHost: string;
  /** KIP-848 member epoch; null for a classic group's member. */
  readonly memberEpoch: number | null;
  /** Null when a classic member's metadata could not be decoded. */
  readonly subscribedTopics: readonly string[] | null;
  /** The partitions the member owns now. */
  readonly assignment: TopicPartitionMap;
  /** KIP-848: the partitions the member is moving to; null for a classic group. */
  readonly targetAssignment: TopicPartitionMap | null;
}

export interface ConsumerGroupDescription {
  readonly groupId: string;
  /** 'consumer' for a KIP-848 group, 'classic' otherwise. */
  readonly type: 'classic' | 'consumer';
  /** Kafka's state names: Empty, Stable, PreparingRebalance, … (Assigning, Reconciling for KIP-848). */
  readonly state: string;
  /** The classic protocol type ('consumer', 'connect', …); 'consumer' for a KIP-848 group. */
  readonly protocolType: string;
  /** The classic group's chosen protocol or the KIP-848 group's server assignor. */
  readonly assignor: string;
  /** KIP-848 group epoch; null for a classic group. */
  readonly groupEpoch: number | null;
  readonly members: readonly ConsumerGroupMember[];
  readonly coordinatorId: number;
  /** GROUP_ID_NOT_FOUND for a group the coordinator does not know, or another error; null when described. */
  readonly error: KafkaError | null;
}

function fromClassic(group: GroupDescription): ConsumerGroupDescription {
  return {
    groupId: group.groupId,
    type: 'classic',
    state: group.state,
    protocolType: group.protocolType,
    assignor: group.protocol,
    groupEpoch: null,
    members: group.members.map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      memberEpoch: null,
      subscribedTopics: m.subscribedTopics,
      assignment: m.assignment,
      targetAssignment: null,
    })),
    coordinatorId: group.coordinatorId,
    error: group.error,
  };
}

function partitionMap(assignment: {
  topicPartitions: { topicName: string; partitions: number[] }[];
}): TopicPartitionMap {
  return new Map(
    assignment.topicPartitions.map((t) => [t.topicName, [...t.partitions].sort((a, b) => a - b)] as const),
  );
}

/** ConsumerGroupDescribe of one group; undefined when the coordinator does not know it as a consumer group. */
async function describeConsumerGroupOn(
  connection: NodeConnection,
  groupId: string,
  options: AdminCallOptions,
): Promise<ConsumerGroupDescription | undefined> {
  const version = connection.maybeVersion(ApiKey.ConsumerGroupDescribe, { max: 0 });
  if (version === undefined) return undefined;
  const response = await connection.request(
    ApiKey.ConsumerGroupDescribe,
    version,
    { groupIds: [groupId], includeAuthorizedOperations: false },
    requestOptions(options),
  );
  const group = response.groups.find((g) => g.groupId === groupId) ?? response.groups[0];
  if (group === undefined) throw new KafkaError('UNKNOWN_SERVER_ERROR', 'empty ConsumerGroupDescribe answer');
  // A classic group (or none at all) is GROUP_ID_NOT_FOUND here: DescribeGroups then has the answer.
  if (group.errorCode === ErrorCode.GROUP_ID_NOT_FOUND) return undefined;
  throwIfRetriableGroupError(group.errorCode, group.errorMessage);
  const error = kafkaErrorFromCode(group.errorCode, group.errorMessage);
  return {
    groupId,
    type: 'consumer',
    state: group.groupState,
    protocolType: 'consumer',
    assignor: group.assignorName,
    groupEpoch: group.groupEpoch,
    members: group.members.map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.instanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      memberEpoch: m.memberEpoch,
      subscribedTopics: [...m.subscribedTopicNames],
      assignment: partitionMap(m.assignment),
      targetAssignment: partitionMap(m.targetAssignment),
    })),
    coordinatorId: connection.nodeId,
    error: error ?? null,
  };
}

/**
 * Describes each group on its coordinator: ConsumerGroupDescribe first (KIP-848 groups; skipped by
 * brokers without it), DescribeGroups for a group it does not know. Results in the order asked; an
 * unknown group comes back with its error (GROUP_ID_NOT_FOUND, or state Dead from brokers before DescribeGroups v6).
 */
export function describeConsumerGroups(
  cluster: Cluster,
  groupIds: readonly string[],
  options: AdminCallOptions = {},
): Promise<ConsumerGroupDescription[]> {
  return Promise.all(
    groupIds.map((groupId) =>
      callCoordinator(cluster, groupId, options, async (connection) => {
        const consumer = await describeConsumerGroupOn(connection, groupId, options);
        if (consumer !== undefined) return consumer;
        return fromClassic(await describeGroupOn(connection, groupId, options));
      }),
    ),
  );
}
