import {
  ApiKey,
  CorruptRecordError,
  ErrorCode,
  type ProduceRequest,
  type ProduceResponse,
  type ProduceResponsePartitionProduceResponse,
  type RecordBatchView,
  viewRecordBatches,
} from '../protocol/index.js';
import type { Acks, LeaderAppend, Partition } from '../replication/index.js';
import type { ApiHandler } from './api-handler.js';
import type { BrokerContext } from './broker-context.js';
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

/** The batches of one partition's records, or the error code and message that refuse them. */
function validate(
  partition: Partition,
  records: Buffer | null,
): { views: RecordBatchView[] } | { errorCode: number; message: string } {
  if (records === null || records.length === 0) {
    return { errorCode: ErrorCode.CORRUPT_MESSAGE, message: 'no record batch in the request' };
  }
  let views: RecordBatchView[];
  try {
    views = viewRecordBatches(records, { isProduce: true });
  } catch (error: unknown) {
    if (!(error instanceof CorruptRecordError)) throw error;
    return { errorCode: ErrorCode.CORRUPT_MESSAGE, message: error.message };
  }
  // Produce v3+ carries exactly one batch per partition (Kafka's LogValidator).
  if (views.length !== 1) {
    return { errorCode: ErrorCode.INVALID_RECORD, message: `${views.length} record batches; expected one` };
  }
  const view = views[0]!;
  if (view.sizeInBytes > partition.maxMessageBytes) {
    return {
      errorCode: ErrorCode.MESSAGE_TOO_LARGE,
      message: `batch of ${view.sizeInBytes} bytes is over max.message.bytes ${partition.maxMessageBytes}`,
    };
  }
  return { views };
}

interface Pending {
  readonly response: PartitionResponse;
  readonly append: LeaderAppend;
}

/** Appends one partition's data synchronously (keeps the connection's order); errors become codes. */
function appendPartition(
  context: BrokerContext,
  topic: string,
  index: number,
  records: Buffer | null,
  acks: Acks,
): PartitionResponse | Pending {
  const partition = context.replicas.getPartition(topic, index);
  if (partition === undefined) return partitionResponse(index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  const checked = validate(partition, records);
  if ('errorCode' in checked) return partitionResponse(index, checked.errorCode, checked.message);
  if (acks === -1 && partition.isrSize < partition.minInsyncReplicas) {
    const message = `${partition.isrSize} in-sync replica(s), min.insync.replicas is ${partition.minInsyncReplicas}`;
    return partitionResponse(index, ErrorCode.NOT_ENOUGH_REPLICAS, message);
  }
  let logAppendTimeMs = -1n;
  if (partition.usesLogAppendTime) {
    logAppendTimeMs = BigInt(context.nowMs());
    for (const view of checked.views) view.setLogAppendTime(logAppendTimeMs);
  }
  const append = partition.appendAsLeader(checked.views, acks);
  const response = partitionResponse(index, ErrorCode.NONE);
  response.baseOffset = append.firstOffset;
  response.logAppendTimeMs = logAppendTimeMs;
  response.logStartOffset = append.logStartOffset;
  return { response, append };
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
  async handle(context, body) {
    const acks = body.acks;
    if (!isAcks(acks)) return errorBody(body, ErrorCode.INVALID_REQUIRED_ACKS);
    const pending: Pending[] = [];
    const responses = body.topicData.map((topic) => ({
      name: topic.name,
      partitionResponses: topic.partitionData.map((data) => {
        const outcome = appendPartition(context, topic.name, data.index, data.records, acks);
        if (!('append' in outcome)) return outcome;
        pending.push(outcome);
        return outcome.response;
      }),
    }));
    if (acks === 0) return null;
    await Promise.all(pending.map((entry) => acknowledge(context, entry, body.timeoutMs)));
    return { responses, throttleTimeMs: 0, nodeEndpoints: [] };
  },
  errorResponse: errorBody,
};
