import type { NetworkRequest } from '../network/index.js';
import {
  ApiKey,
  ErrorCode,
  type FetchRequest,
  type FetchResponse,
  type FetchResponsePartitionData,
  ZERO_UUID,
} from '../protocol/index.js';
import type { Partition } from '../replication/index.js';
import type { ApiHandler } from './api-handler.js';
import type { BrokerContext } from './broker-context.js';
import { supportedVersions } from './supported-apis.js';

const READ_COMMITTED = 1;
const MAX_INT32 = 2147483647;

/** One requested partition, resolved to the local Partition or to the error that answers it. */
interface FetchTarget {
  readonly response: FetchResponsePartitionData;
  readonly partition: Partition | undefined;
  readonly fetchOffset: bigint;
  readonly partitionMaxBytes: number;
}

interface TopicTargets {
  readonly topic: string;
  readonly topicId: string;
  readonly targets: FetchTarget[];
}

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
    divergingEpoch: { epoch: -1, endOffset: -1n },
    currentLeader: { leaderId: -1, leaderEpoch: -1 },
    snapshotId: { endOffset: -1n, epoch: -1 },
    abortedTransactions: readCommitted ? [] : null,
    preferredReadReplica: -1,
    records: null,
  };
}

/** Topics by name (v0-12) or by id (v13+); unknown ones answer every partition with an error. */
function resolveTargets(context: BrokerContext, body: FetchRequest, version: number): TopicTargets[] {
  const image = context.metadata();
  const readCommitted = body.isolationLevel === READ_COMMITTED;
  return body.topics.map((requested) => {
    const byId = version >= 13;
    const name = byId ? image.topicsById.get(requested.topicId)?.name : requested.topic;
    const missing = byId ? ErrorCode.UNKNOWN_TOPIC_ID : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION;
    const targets = requested.partitions.map((p): FetchTarget => {
      const partition = name === undefined ? undefined : context.replicas.getPartition(name, p.partition);
      const errorCode =
        name === undefined ? missing : partition === undefined ? ErrorCode.UNKNOWN_TOPIC_OR_PARTITION : 0;
      return {
        response: partitionData(p.partition, errorCode, readCommitted),
        partition,
        fetchOffset: p.fetchOffset,
        partitionMaxBytes: p.partitionMaxBytes,
      };
    });
    return { topic: requested.topic, topicId: requested.topicId, targets };
  });
}

/**
 * Reads every partition once, in request order, within the response's `maxBytes`: each partition
 * gets at most its partitionMaxBytes of what remains, and the first partition that returns data
 * may exceed both by its first batch (KIP-74), so a consumer always progresses. Returns the bytes
 * read and whether some partition answered with an error (which answers the fetch at once).
 */
async function readAll(
  all: readonly TopicTargets[],
  maxBytes: number,
): Promise<{ bytes: number; hasError: boolean }> {
  let remaining = maxBytes;
  let bytes = 0;
  let hasError = false;
  for (const { targets } of all) {
    for (const target of targets) {
      const { partition, response } = target;
      if (partition === undefined) {
        hasError = true;
        continue;
      }
      const minOneBatch = bytes === 0;
      const limit = Math.max(0, Math.min(target.partitionMaxBytes, remaining));
      const read = await partition.read(target.fetchOffset, limit, minOneBatch);
      response.highWatermark = read.highWatermark;
      response.lastStableOffset = read.highWatermark;
      response.logStartOffset = read.logStartOffset;
      if (read.kind === 'offsetOutOfRange') {
        response.errorCode = ErrorCode.OFFSET_OUT_OF_RANGE;
        response.records = null;
        hasError = true;
        continue;
      }
      response.errorCode = ErrorCode.NONE;
      response.records = read.records;
      bytes += read.records.length;
      remaining -= read.records.length;
    }
  }
  return { bytes, hasError };
}

function responseOf(all: readonly TopicTargets[], version: number, errorCode = 0): FetchResponse {
  return {
    throttleTimeMs: 0,
    errorCode,
    sessionId: 0,
    responses: all.map(({ topic, topicId, targets }) => ({
      topic: version >= 13 ? '' : topic,
      topicId: version >= 13 ? topicId : ZERO_UUID,
      partitions: targets.map((target) => target.response),
    })),
    nodeEndpoints: [],
  };
}

async function fetchWithWait(
  context: BrokerContext,
  body: FetchRequest,
  request: NetworkRequest,
): Promise<FetchResponse> {
  const version = request.apiVersion;
  const all = resolveTargets(context, body, version);
  const maxBytes = version >= 3 ? body.maxBytes : MAX_INT32;
  const partitions = all.flatMap(({ targets }) =>
    targets.flatMap((t) => (t.partition === undefined ? [] : [t.partition])),
  );
  const deadline = performance.now() + Math.max(0, body.maxWaitMs);
  for (;;) {
    const { bytes, hasError } = await readAll(all, maxBytes);
    const waitMs = deadline - performance.now();
    if (hasError || bytes >= body.minBytes || waitMs <= 0 || partitions.length === 0) break;
    const outcome = await context.replicas.delayedFetches.waitForAdvance(partitions, Math.ceil(waitMs));
    if (outcome !== 'advanced') {
      if (outcome === 'expired') continue;
      await readAll(all, maxBytes);
      break;
    }
  }
  return responseOf(all, version);
}

/**
 * Fetch for consumers: full fetches only (no KIP-227 sessions: sessionId 0 tells the client to
 * keep sending full requests; an incremental request gets FETCH_SESSION_ID_NOT_FOUND). Reads up to
 * the high watermark; the last stable offset equals it (no transactions yet). Waits up to
 * max.wait.ms for min.bytes through the delayed fetches (wake-ups on high watermark advances).
 * Errors: UNKNOWN_TOPIC_OR_PARTITION, UNKNOWN_TOPIC_ID (v13+), OFFSET_OUT_OF_RANGE.
 */
export const fetchHandler: ApiHandler<typeof ApiKey.Fetch> = {
  apiKey: ApiKey.Fetch,
  versions: supportedVersions(ApiKey.Fetch),
  async handle(context, body, request) {
    if (body.sessionId !== 0 || body.sessionEpoch > 0) {
      return responseOf([], request.apiVersion, ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
    }
    return fetchWithWait(context, body, request);
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
