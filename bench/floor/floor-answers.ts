// The floor responder's answers (bench/floor), as response bodies for the generated codecs: one
// broker (itself), any topic asked for exists with one partition it leads, offsets and records from
// the in-memory FloorLog of that topic. No I/O here: the responder owns sockets, waits and the file.
import {
  ApiKey,
  type ApiVersionsResponse,
  ErrorCode,
  type FetchRequest,
  type FetchResponse,
  type ListOffsetsRequest,
  type ListOffsetsResponse,
  type MetadataRequest,
  type MetadataResponse,
  type VersionRange,
  ZERO_UUID,
} from '../../src/protocol/index.js';
import type { FloorLog } from './floor-log.js';

/**
 * What ApiVersions advertises: only the APIs served, and of those only versions that carry v2
 * record batches (Produce 3+, Fetch 4+) and name topics (Fetch 13+ names them by id).
 */
export const SERVED_APIS: ReadonlyMap<number, VersionRange> = new Map([
  [ApiKey.Produce, { min: 3, max: 11 }],
  [ApiKey.Fetch, { min: 4, max: 12 }],
  [ApiKey.ListOffsets, { min: 1, max: 10 }],
  [ApiKey.Metadata, { min: 0, max: 12 }],
  [ApiKey.ApiVersions, { min: 0, max: 4 }],
]);

export const NODE_ID = 0;
/** Kafka's "not requested" value for authorized-operations fields. */
const NO_AUTHORIZED_OPERATIONS = -2147483648;
/** ListOffsets' timestamps that ask for the log end and the log start. */
const LATEST_TIMESTAMP = -1n;
const EARLIEST_TIMESTAMP = -2n;

/** The topic's partition log, made on first use (any topic exists). */
export type LogFor = (topic: string) => FloorLog;

export function apiVersionsResponse(errorCode: number): ApiVersionsResponse {
  const served =
    errorCode === ErrorCode.NONE ? [...SERVED_APIS] : [[ApiKey.ApiVersions, SERVED_APIS.get(18)!] as const];
  return {
    errorCode,
    apiKeys: served.map(([apiKey, range]) => ({ apiKey, minVersion: range.min, maxVersion: range.max })),
    throttleTimeMs: 0,
    supportedFeatures: [],
    finalizedFeaturesEpoch: -1n,
    finalizedFeatures: [],
    zkMigrationReady: false,
  };
}

export function metadataResponse(
  request: MetadataRequest,
  host: string,
  port: number,
  logFor: LogFor,
  knownTopics: () => Iterable<string>,
): MetadataResponse {
  const names =
    request.topics === null
      ? [...knownTopics()]
      : request.topics.flatMap((topic) => (topic.name === null ? [] : [topic.name]));
  return {
    throttleTimeMs: 0,
    brokers: [{ nodeId: NODE_ID, host, port, rack: null }],
    clusterId: 'pyralog-floor',
    controllerId: NODE_ID,
    topics: names.map((name) => {
      logFor(name);
      return {
        errorCode: ErrorCode.NONE,
        name,
        topicId: ZERO_UUID,
        isInternal: false,
        partitions: [
          {
            errorCode: ErrorCode.NONE,
            partitionIndex: 0,
            leaderId: NODE_ID,
            leaderEpoch: -1,
            replicaNodes: [NODE_ID],
            isrNodes: [NODE_ID],
            offlineReplicas: [],
          },
        ],
        topicAuthorizedOperations: NO_AUTHORIZED_OPERATIONS,
      };
    }),
    clusterAuthorizedOperations: NO_AUTHORIZED_OPERATIONS,
  };
}

/** Latest and earliest only; any other timestamp finds no offset (-1), as Kafka answers past the end. */
export function listOffsetsResponse(request: ListOffsetsRequest, logFor: LogFor): ListOffsetsResponse {
  return {
    throttleTimeMs: 0,
    topics: request.topics.map((topic) => ({
      name: topic.name,
      partitions: topic.partitions.map((partition) => {
        if (partition.partitionIndex !== 0) {
          return {
            partitionIndex: partition.partitionIndex,
            errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
            oldStyleOffsets: [],
            timestamp: -1n,
            offset: -1n,
            leaderEpoch: -1,
          };
        }
        const log = logFor(topic.name);
        const offset =
          partition.timestamp === LATEST_TIMESTAMP
            ? log.highWatermark
            : partition.timestamp === EARLIEST_TIMESTAMP
              ? log.logStartOffset
              : -1;
        return {
          partitionIndex: 0,
          errorCode: ErrorCode.NONE,
          oldStyleOffsets: [],
          timestamp: -1n,
          offset: BigInt(offset),
          leaderEpoch: -1,
        };
      }),
    })),
  };
}

/**
 * The fetch's answer as it stands: `isReady` when a partition has records or an error, so a long
 * poll answers now; otherwise the caller waits for an append or maxWaitMs and asks again. Records
 * are at most the request's maxBytes and each partition's partitionMaxBytes, but at least one batch
 * for the first partition with data (KIP-74).
 */
export function fetchResponse(
  request: FetchRequest,
  logFor: LogFor,
): { body: FetchResponse; isReady: boolean } {
  let isReady = false;
  let remainingBytes = request.maxBytes;
  const responses = request.topics.map((topic) => ({
    topic: topic.topic,
    topicId: topic.topicId,
    partitions: topic.partitions.map((partition) => {
      const log = partition.partition === 0 ? logFor(topic.topic) : undefined;
      const fetchOffset = Number(partition.fetchOffset);
      const errorCode =
        log === undefined
          ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION
          : fetchOffset < log.logStartOffset || fetchOffset > log.highWatermark
            ? ErrorCode.OFFSET_OUT_OF_RANGE
            : ErrorCode.NONE;
      const records =
        log === undefined || errorCode !== ErrorCode.NONE || remainingBytes <= 0
          ? Buffer.alloc(0)
          : log.read(fetchOffset, Math.min(remainingBytes, partition.partitionMaxBytes));
      remainingBytes -= records.length;
      if (records.length > 0 || errorCode !== ErrorCode.NONE) isReady = true;
      return {
        partitionIndex: partition.partition,
        errorCode,
        highWatermark: BigInt(log?.highWatermark ?? -1),
        lastStableOffset: BigInt(log?.highWatermark ?? -1),
        logStartOffset: BigInt(log?.logStartOffset ?? -1),
        divergingEpoch: { epoch: -1, endOffset: -1n },
        currentLeader: { leaderId: -1, leaderEpoch: -1 },
        snapshotId: { endOffset: -1n, epoch: -1 },
        abortedTransactions: null,
        preferredReadReplica: -1,
        records,
      };
    }),
  }));
  return {
    body: { throttleTimeMs: 0, errorCode: ErrorCode.NONE, sessionId: 0, responses, nodeEndpoints: [] },
    isReady,
  };
}
