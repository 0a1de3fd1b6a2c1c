import type { NetworkRequest } from '../network/index.js';
import {
  ApiKey,
  ATTRIBUTES_OFFSET,
  CURRENT_MAGIC,
  ErrorCode,
  MAGIC_OFFSET,
  type ProduceRequest,
  type ProduceResponse,
  type ProduceResponsePartitionProduceResponse,
  PyralogError,
  type RecordBatchView,
  TRANSACTIONAL_BIT,
} from '../protocol/index.js';
import type {
  Acks,
  DelayedProduce,
  DelayedProduces,
  LeaderAppend,
  Partition,
  PartitionAck,
} from '../replication/index.js';
import type { ApiHandler } from './api-handler.js';
import type { BrokerContext } from './broker-context.js';
import type { TopicStats } from './broker-stats.js';
import { validateProduce } from './produce-validation.js';
import { supportedVersions } from './supported-apis.js';

type PartitionResponse = ProduceResponsePartitionProduceResponse;

/** The "none" values of a partition's optional fields; the encoder only reads them, so they are shared. */
const NO_RECORD_ERRORS = Object.freeze([]) as unknown as PartitionResponse['recordErrors'];
const NO_CURRENT_LEADER = Object.freeze({ leaderId: -1, leaderEpoch: -1 });
const NO_NODE_ENDPOINTS = Object.freeze([]) as unknown as ProduceResponse['nodeEndpoints'];

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
    recordErrors: NO_RECORD_ERRORS,
    errorMessage,
    currentLeader: NO_CURRENT_LEADER,
  };
}

function isAcks(acks: number): acks is Acks {
  return acks === 0 || acks === 1 || acks === -1;
}

interface Pending {
  readonly response: PartitionResponse;
  readonly append: LeaderAppend;
  /** Its wait in the produce purgatory (acks 1 and -1), once the request joined it. */
  ack: PartitionAck | undefined;
}

type Outcome = PartitionResponse | Pending;

/**
 * Transactional batches waiting for KIP-890 verification, per partition: later transactional
 * batches of the partition queue behind them, so verification never reorders a producer's batches.
 */
const verificationChains = new WeakMap<Partition, Promise<unknown>>();

/** Coordinator errors a producer may not know as Produce errors: answered as a retriable one (Kafka's mapping). */
const VERIFICATION_RETRIABLE = new Set<number>([
  ErrorCode.COORDINATOR_NOT_AVAILABLE,
  ErrorCode.NOT_COORDINATOR,
  ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
  ErrorCode.CONCURRENT_TRANSACTIONS,
]);

/**
 * Appends one partition's data synchronously (keeps the connection's order); errors become codes.
 * The first transactional batch of a producer's transaction in the partition is appended once the
 * coordinator has verified it (KIP-890), so that outcome comes as a promise.
 */
function appendPartition(
  context: BrokerContext,
  topic: string,
  index: number,
  records: Buffer | null,
  acks: Acks,
  apiVersion: number,
  transactionalId: string | null,
): Outcome | Promise<Outcome> {
  const partition = context.replicas.getPartition(topic, index);
  if (partition === undefined) return partitionResponse(index, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  const stats = context.stats.topics.topic(topic);
  stats.produceRequests += 1;
  const nowMs = context.nowMs();
  // The partition's getters are the topic's ProduceRules, read only where validation needs them.
  const checked = validateProduce(records, apiVersion, partition, nowMs);
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
  const view = checked.view;
  const verifier = context.transactionVerifier;
  const chain = view.isTransactional ? verificationChains.get(partition) : undefined;
  if (verifier === undefined || (chain === undefined && !partition.needsTxnVerification(view))) {
    return appendValidated(partition, index, view, acks, nowMs, stats, records?.length ?? 0);
  }
  const verified = (chain ?? Promise.resolve()).then(async (): Promise<Outcome> => {
    if (partition.needsTxnVerification(view)) {
      const errorCode = await verifier.verifyTransaction(
        transactionalId ?? '',
        view.producerId,
        view.producerEpoch,
        topic,
        index,
      );
      if (errorCode !== ErrorCode.NONE) {
        const answered = VERIFICATION_RETRIABLE.has(errorCode) ? ErrorCode.NOT_ENOUGH_REPLICAS : errorCode;
        const message = `the transaction coordinator did not verify producer ${view.producerId}'s transaction on ${topic}-${index} (error ${errorCode})`;
        stats.failedProduceRequests += 1;
        return partitionResponse(index, answered, message);
      }
    }
    try {
      return appendValidated(partition, index, view, acks, context.nowMs(), stats, records?.length ?? 0);
    } catch (error: unknown) {
      return appendFailure(context, topic, index, error);
    }
  });
  const settled = verified.catch(() => {});
  verificationChains.set(partition, settled);
  void settled.then(() => {
    if (verificationChains.get(partition) === settled) verificationChains.delete(partition);
  });
  return verified;
}

function appendValidated(
  partition: Partition,
  index: number,
  view: RecordBatchView,
  acks: Acks,
  nowMs: number,
  stats: TopicStats,
  sentBytes: number,
): Outcome {
  let logAppendTimeMs = -1n;
  if (partition.usesLogAppendTime) {
    logAppendTimeMs = BigInt(nowMs);
    view.setLogAppendTime(logAppendTimeMs);
  }
  const append = partition.appendAsLeader([view], acks);
  if ('errorCode' in append) {
    stats.failedProduceRequests += 1;
    return partitionResponse(index, append.errorCode, append.message);
  }
  if (append.duplicateOf === undefined) {
    // As Kafka's BytesInPerSec: the batch bytes as the producer sent them.
    stats.bytesIn += sentBytes;
    stats.messagesIn += view.recordsCount;
  }
  const response = partitionResponse(index, ErrorCode.NONE);
  response.baseOffset = append.firstOffset;
  // A producer's retry of a batch already appended gets the original's offsets and append time.
  response.logAppendTimeMs =
    append.duplicateOf !== undefined && logAppendTimeMs >= 0n
      ? append.duplicateOf.timestampMs
      : logAppendTimeMs;
  response.logStartOffset = append.logStartOffset;
  return { response, append, ack: undefined };
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

/**
 * Settles once no log holds a view of the request's records any more: every partition's outcome is
 * known (a transactional batch may wait for verification first) and each append is in its file or
 * failed (PartitionLog keeps no view of an append once written). Never rejects.
 */
async function appendsWritten(outcomes: readonly (readonly (Outcome | Promise<Outcome>)[])[]): Promise<void> {
  for (const topic of outcomes) {
    for (const outcome of topic) {
      const settled = await Promise.resolve(outcome).catch(() => undefined);
      if (settled !== undefined && 'append' in settled) await settled.append.written;
    }
  }
}

/** Recycles the request's frame once appendsWritten(outcomes) would settle; without promises of its own for one plain append. */
function afterAppendsWritten(
  outcomes: readonly (readonly (Outcome | Promise<Outcome>)[])[],
  request: NetworkRequest,
): void {
  const only = outcomes.length === 1 && outcomes[0]!.length === 1 ? outcomes[0]![0]! : undefined;
  if (only === undefined || only instanceof Promise) {
    void appendsWritten(outcomes).then(() => request.recycleFrame());
  } else if ('append' in only) {
    only.append.afterWritten(() => request.recycleFrame());
  } else {
    request.recycleFrame();
  }
}

/**
 * The answer of a partition whose wait ended: acknowledged (unchanged), REQUEST_TIMED_OUT (keeping
 * its offset, as Kafka), or the partition's error (KAFKA_STORAGE_ERROR, NOT_LEADER_OR_FOLLOWER,
 * UNKNOWN_TOPIC_OR_PARTITION) with no offset.
 */
function applyAck(response: PartitionResponse, ack: PartitionAck | undefined): void {
  if (ack === undefined || ack.errorCode === ErrorCode.NONE) return;
  response.errorCode = ack.errorCode;
  if (ack.errorCode !== ErrorCode.REQUEST_TIMED_OUT) response.baseOffset = -1n;
}

/**
 * A partition whose append waited for a KIP-890 verification: its own wait in purgatory, with the
 * request's deadline.
 */
async function answerLate(
  purgatory: DelayedProduces,
  outcome: Promise<Outcome>,
  acks: Acks,
  deadlineMs: number,
): Promise<PartitionResponse> {
  const settled = await outcome;
  if (!('append' in settled)) return settled;
  if (acks === 0) return settled.response;
  const delayed = purgatory.createWithDeadline(deadlineMs);
  const ack = settled.append.waitIn(delayed);
  await delayed.completed();
  applyAck(settled.response, ack);
  return settled.response;
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
 * Idempotent and transactional batches are checked against the partition's producer state
 * (OUT_OF_ORDER_SEQUENCE_NUMBER, INVALID_PRODUCER_EPOCH, INVALID_TXN_STATE for a
 * non-transactional batch inside an open transaction); a request with transactional batches but
 * no transactional id is refused whole with TRANSACTIONAL_ID_AUTHORIZATION_FAILED, as Kafka does;
 * a transaction's first batch in a partition waits for the coordinator's KIP-890 verification.
 */
export const produceHandler: ApiHandler<typeof ApiKey.Produce> = {
  apiKey: ApiKey.Produce,
  versions: supportedVersions(ApiKey.Produce),
  // Not an async function: this runs for every produce, and one promise (the purgatory's) is all
  // an acks=all answer needs to wait for.
  handle(context, body, request) {
    const acks = body.acks;
    if (!isAcks(acks)) return Promise.resolve(errorBody(body, ErrorCode.INVALID_REQUIRED_ACKS));
    if (body.transactionalId === null && hasTransactionalRecords(body)) {
      return Promise.resolve(errorBody(body, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED));
    }
    const outcomes = appendAll(context, body, acks, request.apiVersion);
    request.trace?.mark('appended');
    // The frame's memory may serve a later request once the response left (it holds no records, but
    // an error response is built from the body) and the logs hold no view of the records any more.
    // A frame that is a view of a socket read is never reused: then there is nothing to wait for, and
    // no closure, release or written-promise callback is made for it (most produces: small frames).
    if (request.isFrameRecyclable) request.afterResponseWritten(() => afterAppendsWritten(outcomes, request));
    if (acks === 0) return Promise.resolve(null);
    // Every partition's wait starts now, under one request timeout: the appended partitions join one
    // purgatory entry (Kafka's DelayedProduce); one still being verified joins later, same deadline.
    const purgatory = context.replicas.delayedProduces;
    let delayed: DelayedProduce | undefined;
    let isLate = false;
    for (const topic of outcomes) {
      for (const outcome of topic) {
        if (outcome instanceof Promise) isLate = true;
        else if ('append' in outcome) {
          delayed ??= purgatory.create(body.timeoutMs);
          outcome.ack = outcome.append.waitIn(delayed);
        }
      }
    }
    if (isLate) return answerWithLate(context, body, outcomes, acks, delayed);
    if (delayed === undefined) return Promise.resolve(produceResponse(body, outcomes));
    const stats = context.stats;
    const isDelayed = acks === -1;
    if (isDelayed) stats.delayedProduces += 1;
    return delayed.completed().then(() => {
      if (isDelayed) stats.delayedProduces -= 1;
      return produceResponse(body, outcomes);
    });
  },
  errorResponse: errorBody,
};

type Outcomes = (Outcome | Promise<Outcome>)[][];

/**
 * Appends every partition's data in request order, before anything is awaited (a connection's
 * produces keep their order). Arrays are made at their final length (a pushed-to array reserves 16 slots).
 */
function appendAll(context: BrokerContext, body: ProduceRequest, acks: Acks, apiVersion: number): Outcomes {
  const topics = body.topicData;
  const outcomes: Outcomes = new Array(topics.length);
  for (let topicIndex = 0; topicIndex < topics.length; topicIndex += 1) {
    const topic = topics[topicIndex]!;
    const partitions = topic.partitionData;
    const topicOutcomes: (Outcome | Promise<Outcome>)[] = new Array(partitions.length);
    for (let index = 0; index < partitions.length; index += 1) {
      const data = partitions[index]!;
      try {
        topicOutcomes[index] = appendPartition(
          context,
          topic.name,
          data.index,
          data.records,
          acks,
          apiVersion,
          body.transactionalId,
        );
      } catch (error: unknown) {
        topicOutcomes[index] = appendFailure(context, topic.name, data.index, error);
      }
    }
    outcomes[topicIndex] = topicOutcomes;
  }
  return outcomes;
}

/** The response once every partition has its answer (no outcome is a promise any more). */
function produceResponse(body: ProduceRequest, outcomes: Outcomes): ProduceResponse {
  const responses: ProduceResponse['responses'] = new Array(outcomes.length);
  for (let topicIndex = 0; topicIndex < outcomes.length; topicIndex += 1) {
    const topicOutcomes = outcomes[topicIndex]!;
    const partitionResponses: PartitionResponse[] = new Array(topicOutcomes.length);
    for (let index = 0; index < topicOutcomes.length; index += 1) {
      const settled = topicOutcomes[index] as Outcome;
      if ('append' in settled) {
        applyAck(settled.response, settled.ack);
        partitionResponses[index] = settled.response;
      } else {
        partitionResponses[index] = settled;
      }
    }
    responses[topicIndex] = { name: body.topicData[topicIndex]!.name, partitionResponses };
  }
  return { responses, throttleTimeMs: 0, nodeEndpoints: NO_NODE_ENDPOINTS };
}

/**
 * A request with a partition still being verified (KIP-890): the appended partitions wait in
 * `delayed` (if any) while the verified ones join the purgatory as they come, with the request's
 * deadline; each late answer then takes its outcome's place in a copy of `outcomes` (the original
 * stays as it is: afterAppendsWritten reads the appends from it once the response is written), and
 * the response is built as for any other request. A verification that throws fails the request (the
 * first in request order).
 */
async function answerWithLate(
  context: BrokerContext,
  body: ProduceRequest,
  outcomes: Outcomes,
  acks: Acks,
  delayed: DelayedProduce | undefined,
): Promise<ProduceResponse> {
  const purgatory = context.replicas.delayedProduces;
  const deadlineMs = purgatory.nowMs() + Math.max(0, body.timeoutMs);
  const late: {
    readonly topic: Outcomes[number];
    readonly index: number;
    readonly answer: Promise<PartitionResponse>;
  }[] = [];
  const answered: Outcomes = outcomes.map((topic) => topic.slice());
  for (const topic of answered) {
    for (let index = 0; index < topic.length; index += 1) {
      const outcome = topic[index]!;
      if (!(outcome instanceof Promise)) continue;
      const answer = answerLate(purgatory, outcome, acks, deadlineMs);
      // Handled here: a rejection fails the request when its turn comes (an earlier one may fail first).
      answer.catch(() => {});
      late.push({ topic, index, answer });
    }
  }
  const isDelayed = acks === -1;
  if (isDelayed) context.stats.delayedProduces += 1;
  try {
    if (delayed !== undefined) await delayed.completed();
    for (const { topic, index, answer } of late) topic[index] = await answer;
    return produceResponse(body, answered);
  } finally {
    if (isDelayed) context.stats.delayedProduces -= 1;
  }
}

/** True when some partition's data is a v2 batch flagged transactional (the first batch's attributes). */
function hasTransactionalRecords(body: ProduceRequest): boolean {
  return body.topicData.some((topic) =>
    topic.partitionData.some((data) => data.records !== null && isTransactionalBatch(data.records)),
  );
}

/** A v2 batch header with the transactional attribute (read before validation: bounds checked here). */
function isTransactionalBatch(records: Buffer): boolean {
  return (
    records.length >= ATTRIBUTES_OFFSET + 2 &&
    records[MAGIC_OFFSET] === CURRENT_MAGIC &&
    (records.readInt16BE(ATTRIBUTES_OFFSET) & TRANSACTIONAL_BIT) !== 0
  );
}
