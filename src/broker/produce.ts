import {
  ApiKey,
  ErrorCode,
  type ProduceRequest,
  type ProduceResponse,
  type ProduceResponsePartitionProduceResponse,
  PyralogError,
} from '../protocol/index.js';
import type { Acks, LeaderAppend, Partition } from '../replication/index.js';
import type { ApiHandler } from './api-handler.js';
import type { BrokerContext } from './broker-context.js';
import { type ProduceRules, validateProduce } from './produce-validation.js';
import { supportedVersions } from './supported-apis.js';

type PartitionResponse = ProduceResponsePartitionProduceResponse;

function partitionResponse(
  index: number,
  errorCode: number,
  errorMessage: string | null = null,
): PartitionResponse {
  return {
    index,
    errorCode,
    baseOffset: -1n,
    logAppendTimeMs: -1n,
    logStartOffset: -1n,
    recordErrors: [],
    errorMessage,
    currentLeader: { leaderId: -1, leaderEpoch: -1 },
  };
}

function isAcks(acks: number): acks is Acks {
  return acks === 0 || acks === 1 || acks === -1;
}

interface Pending {
  readonly response: PartitionResponse;
  readonly append: LeaderAppend;
}

function rulesOf(partition: Partition): ProduceRules {
  return {
    maxMessageBytes: partition.maxMessageBytes,
    usesLogAppendTime: partition.usesLogAppendTime,
    timestampBeforeMaxMs: partition.timestampBeforeMaxMs,
    timestampAfterMaxMs: partition.timestampAfterMaxMs,
    isCompacted: partition.isCompacted,
    compressionType: partition.compressionType,
  };
}

/** Appends one partition's data synchronously (keeps the connection's order); errors become codes. */
function appendPartition(
  context: BrokerContext,
  topic: string,
  index: number,
  records: Buffer | null,
  acks: Acks,
  apiVersion: number,
): PartitionResponse | Pending {
  const partition = context.replicas.getPartition(topic, index);
  if (partition === undefined) return partitionResponse(index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  const stats = context.stats.topics.topic(topic);
  stats.produceRequests += 1;
  const nowMs = context.nowMs();
  const checked = validateProduce(records, apiVersion, rulesOf(partition), nowMs);
  if (checked.kind === 'refused') {
    stats.failedProduceRequests += 1;
    stats.bytesRejected += records?.length ?? 0;
    const response = partitionResponse(index, checked.errorCode, checked.message);
    response.recordErrors = checked.recordErrors;
    return response;
  }
  if (acks === -1 && partition.isrSize < partition.minInsyncReplicas) {
    stats.failedProduceRequests += 1;
    const message = `${partition.isrSize} in-sync replica(s), min.insync.replicas is ${partition.minInsyncReplicas}`;
    return partitionResponse(index, ErrorCode.NOT_ENOUGH_REPLICAS, message);
  }
  let logAppendTimeMs = -1n;
  if (partition.usesLogAppendTime) {
    logAppendTimeMs = BigInt(nowMs);
    checked.view.setLogAppendTime(logAppendTimeMs);
  }
  const append = partition.appendAsLeader([checked.view], acks);
  if ('errorCode' in append) {
    stats.failedProduceRequests += 1;
    return partitionResponse(index, append.errorCode, append.message);
  }
  if (append.duplicateOf === undefined) {
    // As Kafka's BytesInPerSec: the batch bytes as the producer sent them (records was checked non-null).
    stats.bytesIn += records?.length ?? 0;
    stats.messagesIn += checked.view.recordsCount;
  }
  const response = partitionResponse(index, ErrorCode.NONE);
  response.baseOffset = append.firstOffset;
  // A producer's retry of a batch already appended gets the original's offsets and append time.
  response.logAppendTimeMs =
    append.duplicateOf !== undefined && logAppendTimeMs >= 0n
      ? append.duplicateOf.timestampMs
      : logAppendTimeMs;
  response.logStartOffset = append.logStartOffset;
  return { response, append };
}

/**
 * A synchronous failure of one partition's append answers that partition alone, as Kafka's
 * ReplicaManager does: a closed log (the partition is going away) NOT_LEADER_OR_FOLLOWER, a failed
 * log KAFKA_STORAGE_ERROR, anything else UNKNOWN_SERVER_ERROR plus one log line.
 */
function appendFailure(
  context: BrokerContext,
  topic: string,
  index: number,
  error: unknown,
): PartitionResponse {
  if (error instanceof PyralogError && error.code === 'LOG_CLOSED') {
    return partitionResponse(index, ErrorCode.NOT_LEADER_OR_FOLLOWER, error.message);
  }
  if (error instanceof PyralogError && error.code === 'LOG_FAILED') {
    return partitionResponse(index, ErrorCode.KAFKA_STORAGE_ERROR, error.message);
  }
  context.logger.error({ err: error, topic, partition: index }, 'produce append failed');
  return partitionResponse(
    index,
    ErrorCode.UNKNOWN_SERVER_ERROR,
    'unexpected error appending to this partition',
  );
}

/** Waits for the acknowledgement, up to the request's timeout (REQUEST_TIMED_OUT after it). */
async function acknowledge(context: BrokerContext, pending: Pending, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), Math.max(0, timeoutMs));
  });
  try {
    const outcome = await Promise.race([pending.append.acknowledged.then(() => 'done' as const), timeout]);
    if (outcome === 'timeout') pending.response.errorCode = ErrorCode.REQUEST_TIMED_OUT;
  } catch (error: unknown) {
    context.logger.error({ error: String(error) }, 'produce append failed');
    pending.response.errorCode = ErrorCode.KAFKA_STORAGE_ERROR;
    pending.response.baseOffset = -1n;
  } finally {
    clearTimeout(timer);
  }
}

function errorBody(body: ProduceRequest, errorCode: number): ProduceResponse {
  return {
    responses: body.topicData.map((topic) => ({
      name: topic.name,
      partitionResponses: topic.partitionData.map((data) => partitionResponse(data.index, errorCode)),
    })),
    throttleTimeMs: 0,
    nodeEndpoints: [],
  };
}

/**
 * Produce: per partition, validate the one batch (CRC, header, max.message.bytes), stamp
 * LogAppendTime when the topic asks, append as leader, and answer once acks allow: acks=1 after the
 * write, acks=-1 once the high watermark covers it (after fsync by default), acks=0 never (null).
 * All appends happen before the first await, so a connection's produce requests keep their order.
 * Errors: INVALID_REQUIRED_ACKS, UNKNOWN_TOPIC_OR_PARTITION, CORRUPT_MESSAGE, INVALID_RECORD,
 * MESSAGE_TOO_LARGE, NOT_ENOUGH_REPLICAS (acks=all below min.insync.replicas), REQUEST_TIMED_OUT,
 * KAFKA_STORAGE_ERROR; v8+ carry an errorMessage (record-level errors are not produced yet).
 * Producer ids and sequences are stored but not checked yet (no idempotence).
 */
export const produceHandler: ApiHandler<typeof ApiKey.Produce> = {
  apiKey: ApiKey.Produce,
  versions: supportedVersions(ApiKey.Produce),
  async handle(context, body, request) {
    const acks = body.acks;
    if (!isAcks(acks)) return errorBody(body, ErrorCode.INVALID_REQUIRED_ACKS);
    const pending: Pending[] = [];
    const responses = body.topicData.map((topic) => ({
      name: topic.name,
      partitionResponses: topic.partitionData.map((data) => {
        let outcome: PartitionResponse | Pending;
        try {
          outcome = appendPartition(context, topic.name, data.index, data.records, acks, request.apiVersion);
        } catch (error: unknown) {
          return appendFailure(context, topic.name, data.index, error);
        }
        if (!('append' in outcome)) return outcome;
        pending.push(outcome);
        return outcome.response;
      }),
    }));
    request.trace?.mark('appended');
    if (acks === 0) return null;
    if (acks !== -1 || pending.length === 0) {
      await Promise.all(pending.map((entry) => acknowledge(context, entry, body.timeoutMs)));
      return { responses, throttleTimeMs: 0, nodeEndpoints: [] };
    }
    context.stats.delayedProduces += 1;
    try {
      await Promise.all(pending.map((entry) => acknowledge(context, entry, body.timeoutMs)));
    } finally {
      context.stats.delayedProduces -= 1;
    }
    return { responses, throttleTimeMs: 0, nodeEndpoints: [] };
  },
  errorResponse: errorBody,
};
