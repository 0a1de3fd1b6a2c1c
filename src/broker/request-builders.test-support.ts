// Test-only request bodies with Kafka's defaults, so tests state only what they vary.
import {
  type CreateTopicsRequest,
  type FetchRequest,
  type ListOffsetsRequest,
  type MetadataRequest,
  type ProduceRequest,
  ZERO_UUID,
} from '../protocol/index.js';

export function createTopicsBody(
  topics: {
    name: string;
    numPartitions?: number;
    replicationFactor?: number;
    configs?: Record<string, string>;
  }[],
  validateOnly = false,
): CreateTopicsRequest {
  return {
    topics: topics.map((topic) => ({
      name: topic.name,
      numPartitions: topic.numPartitions ?? 1,
      replicationFactor: topic.replicationFactor ?? 1,
      assignments: [],
      configs: Object.entries(topic.configs ?? {}).map(([name, value]) => ({ name, value })),
    })),
    timeoutMs: 5000,
    validateOnly,
  };
}

export function produceBody(
  topic: string,
  partition: number,
  records: Buffer | null,
  acks = -1,
): ProduceRequest {
  return {
    transactionalId: null,
    acks,
    timeoutMs: 5000,
    topicData: [{ name: topic, partitionData: [{ index: partition, records }] }],
  };
}

export function fetchBody(
  topic: string,
  partition: number,
  fetchOffset: bigint,
  options: {
    maxWaitMs?: number;
    minBytes?: number;
    topicId?: string;
    partitionMaxBytes?: number;
    sessionId?: number;
    sessionEpoch?: number;
  } = {},
): FetchRequest {
  return {
    clusterId: null,
    replicaId: -1,
    replicaState: { replicaId: -1, replicaEpoch: -1n },
    maxWaitMs: options.maxWaitMs ?? 0,
    minBytes: options.minBytes ?? 1,
    maxBytes: 1024 * 1024,
    isolationLevel: 0,
    sessionId: options.sessionId ?? 0,
    sessionEpoch: options.sessionEpoch ?? -1,
    topics: [
      {
        topic,
        topicId: options.topicId ?? ZERO_UUID,
        partitions: [
          {
            partition,
            currentLeaderEpoch: -1,
            fetchOffset,
            lastFetchedEpoch: -1,
            logStartOffset: -1n,
            partitionMaxBytes: options.partitionMaxBytes ?? 1024 * 1024,
            replicaDirectoryId: ZERO_UUID,
          },
        ],
      },
    ],
    forgottenTopicsData: [],
    rackId: '',
  };
}

export function listOffsetsBody(topic: string, partition: number, timestamp: bigint): ListOffsetsRequest {
  return {
    replicaId: -1,
    isolationLevel: 0,
    topics: [
      {
        name: topic,
        partitions: [{ partitionIndex: partition, currentLeaderEpoch: -1, timestamp, maxNumOffsets: 1 }],
      },
    ],
    timeoutMs: 5000,
  };
}

export function metadataBody(topics: string[] | null, allowAutoTopicCreation = false): MetadataRequest {
  return {
    topics: topics === null ? null : topics.map((name) => ({ topicId: ZERO_UUID, name })),
    allowAutoTopicCreation,
    includeClusterAuthorizedOperations: false,
    includeTopicAuthorizedOperations: false,
  };
}
