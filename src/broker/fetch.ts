import type { NetworkRequest } from '../network/index.js';
import {
  ApiKey,
  ErrorCode,
  type FetchableTopicResponse,
  type FetchRequest,
  type FetchResponse,
  type FetchResponsePartitionData,
  ZERO_UUID,
} from '../protocol/index.js';
import type { IsolationLevel, Partition } from '../replication/index.js';
import type { ApiHandler } from './api-handler.js';
import type { BrokerContext } from './broker-context.js';
import { BufferLoan } from './buffer-loan.js';
import { type FetchReadAhead, ReadSpec } from './fetch-read-ahead.js';
import { RECORDS_AS_STORED_VERSION, recordsForVersion } from './fetch-records-format.js';
import type { CachedPartition } from './fetch-session-cache.js';
import {
  completeFetch,
  type FetchContext,
  type FetchSessionRequest,
  newFetchContext,
  PartitionOutcome,
  type RequestedPartition,
} from './fetch-session-context.js';
import { supportedVersions } from './supported-apis.js';

const READ_COMMITTED = 1;
const MAX_INT32 = 2147483647;
const TOPIC_IDS_VERSION = 13;

/**
 * One partition the fetch reads, resolved to the local Partition or to the error that answers it.
 * A class, as every object on this path: one shape for V8 whichever way it was made, so the
 * optimized fetch path is not thrown away ("wrong map") when a second shape shows up.
 */
class FetchTarget {
  /** The latest read of the partition (the next range is read ahead with the same limits). */
  read: ReadSpec | undefined = undefined;

  constructor(
    readonly cached: CachedPartition,
    readonly response: FetchResponsePartitionData,
    readonly partition: Partition | undefined,
  ) {}
}

/** The "none" values of a partition's optional fields; the encoder only reads them, so they are shared. */
const NO_DIVERGING_EPOCH = Object.freeze({ epoch: -1, endOffset: -1n });
const NO_CURRENT_LEADER = Object.freeze({ leaderId: -1, leaderEpoch: -1 });
const NO_SNAPSHOT_ID = Object.freeze({ endOffset: -1n, epoch: -1 });

function partitionData(
  partitionIndex: number,
  errorCode: number,
  readCommitted: boolean,
): FetchResponsePartitionData {
  return {
    partitionIndex,
    errorCode,
    highWatermark: -1n,
    lastStableOffset: -1n,
    logStartOffset: -1n,
    divergingEpoch: NO_DIVERGING_EPOCH,
    currentLeader: NO_CURRENT_LEADER,
    snapshotId: NO_SNAPSHOT_ID,
    abortedTransactions: readCommitted ? [] : null,
    preferredReadReplica: -1,
    records: null,
  };
}

/** The request's partitions with each topic known both by name and by id (v13+ names by id). */
function sessionRequest(context: BrokerContext, body: FetchRequest, version: number): FetchSessionRequest {
  const image = context.metadata();
  const usesTopicIds = version >= TOPIC_IDS_VERSION;
  const nameOf = (topic: string, topicId: string): string =>
    usesTopicIds ? (image.topicsById.get(topicId)?.name ?? '') : topic;
  const idOf = (topic: string, topicId: string): string =>
    usesTopicIds ? topicId : (image.topicsByName.get(topic)?.id ?? ZERO_UUID);
  const partitions: RequestedPartition[] = [];
  for (const requested of body.topics) {
    const topic = nameOf(requested.topic, requested.topicId);
    const topicId = idOf(requested.topic, requested.topicId);
    for (const p of requested.partitions) {
      partitions.push({
        topic,
        topicId,
        partition: p.partition,
        fetchOffset: p.fetchOffset,
        partitionMaxBytes: p.partitionMaxBytes,
        currentLeaderEpoch: p.currentLeaderEpoch,
        lastFetchedEpoch: p.lastFetchedEpoch,
      });
    }
  }
  const forgotten: { topic: string; topicId: string; partition: number }[] = [];
  for (const requested of body.forgottenTopicsData) {
    const topic = nameOf(requested.topic, requested.topicId);
    const topicId = idOf(requested.topic, requested.topicId);
    for (const partition of requested.partitions) forgotten.push({ topic, topicId, partition });
  }
  return {
    sessionId: body.sessionId,
    sessionEpoch: body.sessionEpoch,
    usesTopicIds,
    privileged: body.replicaId >= 0 || body.replicaState.replicaId >= 0,
    partitions,
    forgotten,
  };
}

/**
 * Resolves a (possibly cached) partition against the current metadata: a v13+ id that names no
 * topic is UNKNOWN_TOPIC_ID; a partition added under another id of the same name (the topic was
 * deleted and created again since) is INCONSISTENT_TOPIC_ID, as Kafka checks ids against the log.
 */
function resolveTarget(
  context: BrokerContext,
  cached: CachedPartition,
  usesTopicIds: boolean,
  readCommitted: boolean,
): FetchTarget {
  const fail = (errorCode: number): FetchTarget =>
    new FetchTarget(cached, partitionData(cached.partition, errorCode, readCommitted), undefined);
  const image = context.metadata();
  const topic = usesTopicIds ? image.topicsById.get(cached.topicId) : image.topicsByName.get(cached.topic);
  if (topic === undefined) {
    return fail(usesTopicIds ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  }
  if (cached.topicId !== ZERO_UUID && topic.id !== cached.topicId)
    return fail(ErrorCode.INCONSISTENT_TOPIC_ID);
  const partition = context.replicas.getPartition(topic.name, cached.partition);
  if (partition === undefined) return fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  if (partition.topicId !== topic.id) return fail(ErrorCode.INCONSISTENT_TOPIC_ID);
  return new FetchTarget(cached, partitionData(cached.partition, ErrorCode.NONE, readCommitted), partition);
}

/**
 * Reads every partition once, in fetch order, within the response's `maxBytes`: each partition
 * gets at most its partitionMaxBytes of what remains, and the first partition that returns data
 * may exceed both by its first batch (KIP-74), so a consumer always progresses. Returns the bytes
 * read and whether some partition answered with an error (which answers the fetch at once).
 */
async function readAll(
  targets: readonly FetchTarget[],
  maxBytes: number,
  isolationLevel: IsolationLevel,
  loan: BufferLoan,
  readAhead: FetchReadAhead,
): Promise<{ bytes: number; hasError: boolean }> {
  let remaining = maxBytes;
  let bytes = 0;
  let hasError = false;
  for (let index = 0; index < targets.length; index += 1) {
    const { partition, response, cached } = targets[index]!;
    if (partition === undefined) {
      hasError = true;
      continue;
    }
    if (partition.isRemoved) {
      // Its topic was deleted while the fetch waited (the removal woke it): the log is gone.
      response.errorCode = ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
      response.records = null;
      hasError = true;
      continue;
    }
    const spec = new ReadSpec(
      cached.fetchOffset,
      Math.max(0, Math.min(cached.partitionMaxBytes, remaining)),
      bytes === 0,
      isolationLevel,
    );
    targets[index]!.read = spec;
    const readEarlier = readAhead.claim(partition, spec, loan, index);
    const read =
      (readEarlier === undefined ? undefined : await readEarlier) ??
      (await partition.read(
        spec.fetchOffset,
        spec.maxBytes,
        spec.minOneBatch,
        isolationLevel,
        loan.allocator(index),
      ));
    response.highWatermark = read.highWatermark;
    response.lastStableOffset = read.lastStableOffset;
    response.logStartOffset = read.logStartOffset;
    if (read.kind === 'offsetOutOfRange') {
      response.errorCode = ErrorCode.OFFSET_OUT_OF_RANGE;
      response.records = null;
      hasError = true;
      continue;
    }
    response.errorCode = ErrorCode.NONE;
    response.records = read.records;
    if (read.abortedTxns !== undefined) {
      response.abortedTransactions = read.abortedTxns.map((txn) => ({
        producerId: txn.producerId,
        firstOffset: txn.firstOffset,
      }));
    }
    bytes += read.records.length;
    remaining -= read.records.length;
  }
  return { bytes, hasError };
}

/**
 * Starts reading ahead (FetchReadAhead) after every partition whose records came from a log file:
 * the consumer's next fetch is likely to start where these end. `records` are still as stored.
 */
function readAheadAfter(targets: readonly FetchTarget[], loan: BufferLoan, readAhead: FetchReadAhead): void {
  for (let index = 0; index < targets.length; index += 1) {
    const { partition, response, read } = targets[index]!;
    if (partition === undefined || read === undefined || response.errorCode !== ErrorCode.NONE) continue;
    if (response.records === null || !loan.hasBuffer(index)) continue;
    readAhead.maybeReadAhead(partition, read, response.records);
  }
}

/**
 * Rewrites each partition's records for what the version reads (see recordsForVersion); only
 * versions below RECORDS_AS_STORED_VERSION need it.
 */
async function formatRecords(targets: readonly FetchTarget[], version: number): Promise<void> {
  for (const { response, partition } of targets) {
    if (partition === undefined || response.errorCode !== ErrorCode.NONE || response.records === null)
      continue;
    const formatted = await recordsForVersion(response.records, version, partition.compressionType);
    if ('errorCode' in formatted) {
      response.errorCode = formatted.errorCode;
      response.records = null;
    } else {
      response.records = formatted.records;
    }
  }
}

/** Groups consecutive partitions of one topic, as Kafka's response does. */
function topicResponses(targets: readonly FetchTarget[], usesTopicIds: boolean): FetchableTopicResponse[] {
  const topics: FetchableTopicResponse[] = [];
  let last: { key: string; entry: FetchableTopicResponse } | undefined;
  for (const { cached, response } of targets) {
    const key = usesTopicIds ? cached.topicId : cached.topic;
    if (last === undefined || last.key !== key) {
      const entry: FetchableTopicResponse = {
        topic: usesTopicIds ? '' : cached.topic,
        topicId: usesTopicIds ? cached.topicId : ZERO_UUID,
        partitions: [],
      };
      topics.push(entry);
      last = { key, entry };
    }
    last.entry.partitions.push(response);
  }
  return topics;
}

function outcomesOf(targets: readonly FetchTarget[]): PartitionOutcome[] {
  const outcomes: PartitionOutcome[] = [];
  for (const { response } of targets) {
    outcomes.push(
      new PartitionOutcome(
        response.errorCode,
        response.highWatermark,
        response.lastStableOffset,
        response.logStartOffset,
        response.records?.length ?? 0,
      ),
    );
  }
  return outcomes;
}

/** The partitions hosted here, which a long poll waits on. */
function hostedPartitions(targets: readonly FetchTarget[]): Partition[] {
  const partitions: Partition[] = [];
  for (const { partition } of targets) if (partition !== undefined) partitions.push(partition);
  return partitions;
}

/**
 * Kafka's per-topic TotalFetchRequestsPerSec, FailedFetchRequestsPerSec and BytesOutPerSec: every
 * partition read from a hosted log counts, and its records' bytes as they go out (after conversion).
 */
function countFetch(context: BrokerContext, targets: readonly FetchTarget[]): void {
  const topics = context.stats.topics;
  for (const { partition, response } of targets) {
    if (partition === undefined) continue;
    const stats = topics.topic(partition.topic);
    stats.fetchRequests += 1;
    if (response.errorCode !== ErrorCode.NONE) stats.failedFetchRequests += 1;
    else stats.bytesOut += response.records?.length ?? 0;
  }
}

function emptyResponse(errorCode: number): FetchResponse {
  return { throttleTimeMs: 0, errorCode, sessionId: 0, responses: [], nodeEndpoints: [] };
}

async function fetchWithWait(
  context: BrokerContext,
  body: FetchRequest,
  fetchContext: Exclude<FetchContext, { kind: 'error' }>,
  request: NetworkRequest,
): Promise<FetchResponse> {
  const version = request.apiVersion;
  const trace = request.trace;
  const usesTopicIds = version >= TOPIC_IDS_VERSION;
  const readCommitted = body.isolationLevel === READ_COMMITTED;
  const isolationLevel: IsolationLevel = readCommitted ? 'readCommitted' : 'readUncommitted';
  const targets: FetchTarget[] = [];
  for (const cached of fetchContext.partitions)
    targets.push(resolveTarget(context, cached, usesTopicIds, readCommitted));
  const maxBytes = version >= 3 ? body.maxBytes : MAX_INT32;
  const partitions = hostedPartitions(targets);
  const deadline = performance.now() + Math.max(0, body.maxWaitMs);
  // File reads go into pooled buffers the response's records are views of; they go back to the pool
  // once the response was written (never earlier: the socket reads them until then).
  const loan = new BufferLoan(context.readBuffers);
  request.afterResponseWritten(() => loan.giveBack());
  for (;;) {
    const { bytes, hasError } = await readAll(targets, maxBytes, isolationLevel, loan, context.readAhead);
    trace?.mark('read');
    const waitMs = deadline - performance.now();
    if (hasError || bytes >= body.minBytes || waitMs <= 0 || partitions.length === 0) break;
    const outcome = await context.replicas.delayedFetches.waitForAdvance(partitions, Math.ceil(waitMs));
    trace?.mark(outcome === 'advanced' ? 'woken' : outcome);
    if (outcome !== 'advanced') {
      if (outcome === 'expired') continue;
      await readAll(targets, maxBytes, isolationLevel, loan, context.readAhead);
      break;
    }
  }
  readAheadAfter(targets, loan, context.readAhead);
  if (version < RECORDS_AS_STORED_VERSION) await formatRecords(targets, version);
  countFetch(context, targets);
  const { sessionId, included } = completeFetch(
    context.fetchSessions,
    fetchContext,
    outcomesOf(targets),
    context.nowMs(),
  );
  const answered: FetchTarget[] = [];
  for (let index = 0; index < targets.length; index += 1) if (included[index]) answered.push(targets[index]!);
  return {
    throttleTimeMs: 0,
    errorCode: ErrorCode.NONE,
    sessionId,
    responses: topicResponses(answered, usesTopicIds),
    nodeEndpoints: [],
  };
}

/**
 * Fetch for consumers, with KIP-227 fetch sessions (v7+): epoch 0 opens a session holding the
 * request's partitions, later requests send only changes (new offsets, added and forgotten
 * partitions) and get back only partitions with something new; see fetch-session-context.ts for
 * the session rules and FetchSessionCache for the bounded cache. read_uncommitted (isolation_level
 * 0) reads up to the high watermark; read_committed (1, v4+) up to the last stable offset, with the
 * aborted transactions overlapping the records returned, which consumers skip. Waits up to max.wait.ms for min.bytes
 * through the delayed fetches (wake-ups on high watermark advances). v0-3 get their records
 * down-converted to magic 0/1. Errors: FETCH_SESSION_ID_NOT_FOUND, INVALID_FETCH_SESSION_EPOCH,
 * FETCH_SESSION_TOPIC_ID_ERROR (request level); UNKNOWN_TOPIC_OR_PARTITION, UNKNOWN_TOPIC_ID and
 * INCONSISTENT_TOPIC_ID (v13+ ids), OFFSET_OUT_OF_RANGE, UNSUPPORTED_COMPRESSION_TYPE (zstd below v10).
 */
export const fetchHandler: ApiHandler<typeof ApiKey.Fetch> = {
  apiKey: ApiKey.Fetch,
  versions: supportedVersions(ApiKey.Fetch),
  async handle(context, body, request: NetworkRequest) {
    const version = request.apiVersion;
    const fetchContext = newFetchContext(
      context.fetchSessions,
      sessionRequest(context, body, version),
      context.nowMs(),
    );
    if (fetchContext.kind === 'error') return emptyResponse(fetchContext.errorCode);
    return fetchWithWait(context, body, fetchContext, request);
  },
  errorResponse(body, errorCode, version) {
    const readCommitted = body.isolationLevel === READ_COMMITTED;
    return {
      throttleTimeMs: 0,
      errorCode: version >= 7 ? errorCode : 0,
      sessionId: 0,
      responses: body.topics.map((topic) => ({
        topic: topic.topic,
        topicId: topic.topicId,
        partitions: topic.partitions.map((p) => partitionData(p.partition, errorCode, readCommitted)),
      })),
      nodeEndpoints: [],
    };
  },
};
