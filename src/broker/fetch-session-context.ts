import { ErrorCode } from '../protocol/index.js';
import {
  type CachedPartition,
  cachedPartitionKey,
  type FetchSession,
  type FetchSessionCache,
} from './fetch-session-cache.js';

/** KIP-227's reserved values: epoch 0 opens a session, -1 asks for none (and closes `sessionId`). */
export const INITIAL_EPOCH = 0;
export const FINAL_EPOCH = -1;
export const INVALID_SESSION_ID = 0;
const MAX_EPOCH = 2147483647;

/** A partition as the request names it, its topic resolved both ways by the handler. */
export interface RequestedPartition {
  readonly topic: string;
  readonly topicId: string;
  readonly partition: number;
  readonly fetchOffset: bigint;
  readonly partitionMaxBytes: number;
  readonly currentLeaderEpoch: number;
  readonly lastFetchedEpoch: number;
}

export interface ForgottenPartition {
  readonly topic: string;
  readonly topicId: string;
  readonly partition: number;
}

export interface FetchSessionRequest {
  readonly sessionId: number;
  readonly sessionEpoch: number;
  /** Fetch v13+: topics by id. */
  readonly usesTopicIds: boolean;
  /** From a follower (replicaId >= 0): its session outranks consumers' in eviction. */
  readonly privileged: boolean;
  readonly partitions: readonly RequestedPartition[];
  readonly forgotten: readonly ForgottenPartition[];
}

/**
 * What a fetch reads and how it answers (Kafka's FetchContext): an error for the whole request; a
 * sessionless or full fetch of the request's partitions (a full one opens a session afterwards);
 * or an incremental fetch of every partition of `session`, the request's changes applied.
 */
export type FetchContext =
  | { readonly kind: 'error'; readonly errorCode: number }
  | { readonly kind: 'sessionless'; readonly partitions: CachedPartition[] }
  | { readonly kind: 'full'; readonly partitions: CachedPartition[]; readonly request: FetchSessionRequest }
  | { readonly kind: 'incremental'; readonly partitions: CachedPartition[]; readonly session: FetchSession };

/** The part of one partition's read that decides whether an incremental response must carry it. */
export class PartitionOutcome {
  constructor(
    readonly errorCode: number,
    readonly highWatermark: bigint,
    readonly lastStableOffset: bigint,
    readonly logStartOffset: bigint,
    readonly recordsBytes: number,
  ) {}
}

export function nextEpoch(epoch: number): number {
  if (epoch < 0) return FINAL_EPOCH;
  return epoch === MAX_EPOCH ? 1 : epoch + 1;
}

function cached(requested: RequestedPartition): CachedPartition {
  return {
    topic: requested.topic,
    topicId: requested.topicId,
    partition: requested.partition,
    fetchOffset: requested.fetchOffset,
    partitionMaxBytes: requested.partitionMaxBytes,
    currentLeaderEpoch: requested.currentLeaderEpoch,
    lastFetchedEpoch: requested.lastFetchedEpoch,
    highWatermark: -1n,
    lastStableOffset: -1n,
    logStartOffset: -1n,
  };
}

function keyOf(usesTopicIds: boolean, p: { topic: string; topicId: string; partition: number }): string {
  return cachedPartitionKey(usesTopicIds, p.topic, p.topicId, p.partition);
}

/** Adds the request's new partitions, updates the ones it names again, drops the forgotten ones. */
function applyChanges(session: FetchSession, request: FetchSessionRequest): void {
  for (const requested of request.partitions) {
    const key = keyOf(session.usesTopicIds, requested);
    const existing = session.partitions.get(key);
    if (existing === undefined) {
      session.partitions.set(key, cached(requested));
      continue;
    }
    existing.fetchOffset = requested.fetchOffset;
    existing.partitionMaxBytes = requested.partitionMaxBytes;
    existing.currentLeaderEpoch = requested.currentLeaderEpoch;
    existing.lastFetchedEpoch = requested.lastFetchedEpoch;
  }
  for (const forgotten of request.forgotten)
    session.partitions.delete(keyOf(session.usesTopicIds, forgotten));
}

/**
 * Kafka's FetchManager.newContext. Epoch 0 or -1 is a full fetch: `sessionId`, if any, is closed
 * first; -1 then stays sessionless. A positive epoch continues session `sessionId`: unknown →
 * FETCH_SESSION_ID_NOT_FOUND, another epoch than expected → INVALID_FETCH_SESSION_EPOCH, a v13+
 * request on a name-keyed session or the reverse → FETCH_SESSION_TOPIC_ID_ERROR; otherwise the
 * changes apply, the expected epoch advances and the session counts as used at `nowMs`.
 */
export function newFetchContext(
  cache: FetchSessionCache,
  request: FetchSessionRequest,
  nowMs: number,
): FetchContext {
  const { sessionId, sessionEpoch } = request;
  if (sessionEpoch === INITIAL_EPOCH || sessionEpoch === FINAL_EPOCH) {
    if (sessionId !== INVALID_SESSION_ID) cache.remove(sessionId);
    const partitions: CachedPartition[] = [];
    for (const requested of request.partitions) partitions.push(cached(requested));
    return sessionEpoch === FINAL_EPOCH
      ? { kind: 'sessionless', partitions }
      : { kind: 'full', partitions, request };
  }
  const session = cache.get(sessionId);
  if (session === undefined) return { kind: 'error', errorCode: ErrorCode.FETCH_SESSION_ID_NOT_FOUND };
  if (session.epoch !== sessionEpoch)
    return { kind: 'error', errorCode: ErrorCode.INVALID_FETCH_SESSION_EPOCH };
  if (session.usesTopicIds !== request.usesTopicIds) {
    return { kind: 'error', errorCode: ErrorCode.FETCH_SESSION_TOPIC_ID_ERROR };
  }
  applyChanges(session, request);
  session.epoch = nextEpoch(session.epoch);
  cache.touch(session, nowMs);
  return { kind: 'incremental', partitions: [...session.partitions.values()], session };
}

/** Records what was sent; true when something changed since the last response (Kafka's mustRespond). */
function remember(partition: CachedPartition, outcome: PartitionOutcome): boolean {
  let changed = outcome.errorCode !== ErrorCode.NONE || outcome.recordsBytes > 0;
  if (outcome.highWatermark !== partition.highWatermark) {
    partition.highWatermark = outcome.highWatermark;
    changed = true;
  }
  if (outcome.lastStableOffset !== partition.lastStableOffset) {
    partition.lastStableOffset = outcome.lastStableOffset;
    changed = true;
  }
  if (outcome.logStartOffset !== partition.logStartOffset) {
    partition.logStartOffset = outcome.logStartOffset;
    changed = true;
  }
  return changed;
}

/**
 * Ends a fetch once its partitions were read (`outcomes` in `context.partitions` order): the
 * response's session id and which partitions it carries. A full fetch opens its session now (id 0
 * when the cache has no room) and carries everything; an incremental one carries only partitions
 * with records, an error or a changed high watermark, last stable or log start offset, and moves
 * those that returned records to the end of the session so the others get their turn next.
 */
export function completeFetch(
  cache: FetchSessionCache,
  context: Exclude<FetchContext, { kind: 'error' }>,
  outcomes: readonly PartitionOutcome[],
  nowMs: number,
): { sessionId: number; included: boolean[] } {
  const { partitions } = context;
  // Loops rather than map/forEach: the arrays they make take the shape of whichever tier of V8 code
  // made them, and a consumer optimized for one shape is thrown away when it meets the other.
  const changed: boolean[] = [];
  for (let index = 0; index < partitions.length; index += 1)
    changed.push(remember(partitions[index]!, outcomes[index]!));
  switch (context.kind) {
    case 'sessionless':
      return { sessionId: INVALID_SESSION_ID, included: changed.fill(true) };
    case 'full': {
      const { usesTopicIds, privileged } = context.request;
      const byKey = new Map<string, CachedPartition>();
      for (const partition of partitions) byKey.set(keyOf(usesTopicIds, partition), partition);
      const session = cache.maybeCreate(nowMs, privileged, usesTopicIds, byKey);
      return { sessionId: session?.id ?? INVALID_SESSION_ID, included: changed.fill(true) };
    }
    case 'incremental': {
      const { session } = context;
      for (let index = 0; index < partitions.length; index += 1) {
        if (outcomes[index]!.recordsBytes === 0) continue;
        const partition = partitions[index]!;
        const key = keyOf(session.usesTopicIds, partition);
        if (session.partitions.delete(key)) session.partitions.set(key, partition);
      }
      return { sessionId: session.id, included: changed };
    }
  }
}
