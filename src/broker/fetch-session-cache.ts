/** Kafka's default `max.incremental.fetch.session.cache.slots`. */
export const DEFAULT_FETCH_SESSION_CACHE_SLOTS = 1000;
/** Kafka's `min.incremental.fetch.session.eviction.ms` (KIP-227): a session unused this long is stale. */
export const FETCH_SESSION_EVICTION_MS = 120_000;

/** What a session remembers of one partition: the fetcher's last request and the last answer sent. */
export interface CachedPartition {
  /** The topic name ('' when a v13+ topic id resolved to none). */
  readonly topic: string;
  /** The topic id the partition was added with (ZERO_UUID when the topic was unknown then). */
  readonly topicId: string;
  readonly partition: number;
  fetchOffset: bigint;
  partitionMaxBytes: number;
  currentLeaderEpoch: number;
  lastFetchedEpoch: number;
  /** The high watermark, last stable offset and log start offset last sent (-1 before any). */
  highWatermark: bigint;
  lastStableOffset: bigint;
  logStartOffset: bigint;
}

/**
 * One KIP-227 incremental fetch session: its partitions in fetch order and the epoch the next
 * incremental request must carry. Followers' sessions are privileged (they survive eviction by
 * consumers' sessions).
 */
export interface FetchSession {
  readonly id: number;
  readonly privileged: boolean;
  /** True when created by Fetch v13+ (partitions keyed by topic id, not name). */
  readonly usesTopicIds: boolean;
  readonly creationMs: number;
  lastUsedMs: number;
  epoch: number;
  readonly partitions: Map<string, CachedPartition>;
  /** Set at each touch, as Kafka does: may a new session of any kind, or only a privileged one, evict it? */
  evictableByAll: boolean;
  evictableByPrivileged: boolean;
}

/** The key of a partition within a session: by topic id in v13+ sessions, else by name. */
export function cachedPartitionKey(
  usesTopicIds: boolean,
  topic: string,
  topicId: string,
  partition: number,
): string {
  return `${usesTopicIds ? topicId : topic}:${partition}`;
}

export interface FetchSessionCacheOptions {
  /** [max.incremental.fetch.session.cache.slots] */
  readonly maxEntries?: number;
  readonly evictionMs?: number;
  /** A random int32; the cache keeps drawing until it is positive and unused. */
  readonly randomInt: () => number;
}

/** Kafka's EvictableKey order: unprivileged before privileged, then fewer partitions, then lower id. */
function compareKeys(
  a: { privileged: boolean; size: number; id: number },
  b: { privileged: boolean; size: number; id: number },
): number {
  if (a.privileged !== b.privileged) return a.privileged ? 1 : -1;
  if (a.size !== b.size) return a.size - b.size;
  return a.id - b.id;
}

function keyOf(session: FetchSession): { privileged: boolean; size: number; id: number } {
  return { privileged: session.privileged, size: session.partitions.size, id: session.id };
}

/**
 * The broker's fetch sessions, bounded at `maxEntries` (Kafka's FetchSessionCache). Pure: every
 * call takes the time, session ids come from the injected random source. When full, a new session
 * takes the slot of (1) the least recently used session unused for `evictionMs`, else (2) the
 * smallest evictable session if the new one is worth more: a session is evictable by anyone once
 * it has lived `evictionMs`, and by a privileged (follower) session whenever it is unprivileged.
 * Otherwise no session is created and the fetch is answered with session id 0 (sessionless).
 */
export class FetchSessionCache {
  private readonly sessions = new Map<number, FetchSession>();
  readonly maxEntries: number;
  readonly evictionMs: number;
  private readonly randomInt: () => number;
  private evictionCount = 0;

  constructor(options: FetchSessionCacheOptions) {
    this.maxEntries = options.maxEntries ?? DEFAULT_FETCH_SESSION_CACHE_SLOTS;
    this.evictionMs = options.evictionMs ?? FETCH_SESSION_EVICTION_MS;
    this.randomInt = options.randomInt;
  }

  get size(): number {
    return this.sessions.size;
  }

  /** Sessions evicted to make room so far (Kafka's IncrementalFetchSessionEvictionsPerSec). */
  get evictions(): number {
    return this.evictionCount;
  }

  get(id: number): FetchSession | undefined {
    return this.sessions.get(id);
  }

  remove(id: number): FetchSession | undefined {
    const session = this.sessions.get(id);
    this.sessions.delete(id);
    return session;
  }

  /** Marks a session used now and recomputes whether it may be evicted. */
  touch(session: FetchSession, nowMs: number): void {
    session.lastUsedMs = nowMs;
    const isOld = nowMs - session.creationMs > this.evictionMs;
    session.evictableByAll = isOld;
    session.evictableByPrivileged = isOld || !session.privileged;
  }

  /**
   * Creates a session holding `partitions` (in order) if a slot is free or can be freed; returns it,
   * or undefined when the cache keeps its current sessions (or `maxEntries` is 0).
   */
  maybeCreate(
    nowMs: number,
    privileged: boolean,
    usesTopicIds: boolean,
    partitions: Map<string, CachedPartition>,
  ): FetchSession | undefined {
    if (this.maxEntries <= 0) return undefined;
    if (this.sessions.size >= this.maxEntries && !this.tryEvict(privileged, partitions.size, nowMs)) {
      return undefined;
    }
    const session: FetchSession = {
      id: this.newSessionId(),
      privileged,
      usesTopicIds,
      creationMs: nowMs,
      lastUsedMs: nowMs,
      epoch: 1,
      partitions,
      evictableByAll: false,
      evictableByPrivileged: !privileged,
    };
    this.sessions.set(session.id, session);
    this.touch(session, nowMs);
    return session;
  }

  private tryEvict(privileged: boolean, size: number, nowMs: number): boolean {
    let stalest: FetchSession | undefined;
    let cheapest: FetchSession | undefined;
    for (const session of this.sessions.values()) {
      if (stalest === undefined || session.lastUsedMs < stalest.lastUsedMs) stalest = session;
      const evictable = privileged ? session.evictableByPrivileged : session.evictableByAll;
      if (evictable && (cheapest === undefined || compareKeys(keyOf(session), keyOf(cheapest)) < 0)) {
        cheapest = session;
      }
    }
    const victim =
      stalest !== undefined && nowMs - stalest.lastUsedMs > this.evictionMs
        ? stalest
        : cheapest !== undefined && compareKeys({ privileged, size, id: 0 }, keyOf(cheapest)) >= 0
          ? cheapest
          : undefined;
    if (victim === undefined) return false;
    this.sessions.delete(victim.id);
    this.evictionCount += 1;
    return true;
  }

  private newSessionId(): number {
    for (;;) {
      const id = this.randomInt() | 0;
      if (id > 0 && !this.sessions.has(id)) return id;
    }
  }
}
