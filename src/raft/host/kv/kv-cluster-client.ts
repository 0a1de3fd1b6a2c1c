import { ErrorCode } from '../../../protocol/index.js';
import type { NodeId } from '../../core/log-entry.js';
import type { PeerAddress } from '../raft-peer-link.js';
import { KvClient, type KvResponse } from './kv-client.js';

export interface KvClusterClientOptions {
  /** The client address of each node, asked again after every failure (a restarted node moves). */
  readonly clientAddress: (nodeId: NodeId) => PeerAddress | undefined;
  readonly nodeIds: readonly NodeId[];
  /** Pause before retrying when no leader is known or a node is unreachable; default 10 ms. */
  readonly retryBackoffMs?: number;
  /**
   * How long one attempt waits for its answer before trying the next node; default 2,000 ms. Without
   * it a request sent to a node that stays up but never answers (a deposed leader whose entry nobody
   * overwrites while every client waits on it) waits for its whole deadline.
   */
  readonly attemptTimeoutMs?: number;
}

/** What the client did so far, for benchmarks: attempts beyond the first per request, and why. */
export interface KvClusterClientCounters {
  requests: number;
  attempts: number;
  /** Attempts that got no answer within attemptTimeoutMs. */
  timeouts: number;
  /** Attempts whose connection failed or closed before the answer. */
  connectionErrors: number;
  /** Answers with an error code (NOT_LEADER_OR_FOLLOWER, back-pressure...). */
  errorAnswers: number;
}

/** A put or get that succeeded, and which node answered it. */
export interface KvAnswer {
  readonly nodeId: NodeId;
  readonly response: KvResponse;
}

/** No node answered the request successfully before its deadline. */
export class KvDeadlineError extends Error {}

const RETRY_AT_SAME_NODE = new Set<number>([
  ErrorCode.NOT_ENOUGH_REPLICAS,
  ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND,
]);

/**
 * Finds the leader and retries until the request succeeds or its deadline passes: a NOT_LEADER answer
 * names the leader to go to, an unreachable node or a connection that closed mid-request moves on to
 * the next node. Puts are retried after an unknown outcome, so they should be idempotent (same key,
 * same value). For tests and benchmarks of the demo node.
 */
export class KvClusterClient {
  readonly #options: KvClusterClientOptions;
  readonly #clients = new Map<NodeId, KvClient>();
  readonly #connecting = new Map<NodeId, Promise<KvClient>>();
  #target: NodeId;
  readonly counters: KvClusterClientCounters = {
    requests: 0,
    attempts: 0,
    timeouts: 0,
    connectionErrors: 0,
    errorAnswers: 0,
  };

  constructor(options: KvClusterClientOptions) {
    this.#options = options;
    this.#target = options.nodeIds[0]!;
  }

  /** The node believed to lead (the last one that answered successfully or was named leader). */
  get leaderGuess(): NodeId {
    return this.#target;
  }

  put(key: Uint8Array, value: Uint8Array, deadlineMs: number): Promise<KvAnswer> {
    return this.#retry((client) => client.put(key, value), deadlineMs);
  }

  get(key: Uint8Array, deadlineMs: number): Promise<KvAnswer> {
    return this.#retry((client) => client.get(key), deadlineMs);
  }

  close(): void {
    for (const client of this.#clients.values()) client.close();
    this.#clients.clear();
  }

  async #retry(call: (client: KvClient) => Promise<KvResponse>, deadlineMs: number): Promise<KvAnswer> {
    let lastProblem = 'no attempt';
    const counters = this.counters;
    counters.requests++;
    while (Date.now() < deadlineMs) {
      const nodeId = this.#target;
      counters.attempts++;
      let response: KvResponse | undefined;
      try {
        response = await this.#attempt(nodeId, call, deadlineMs);
      } catch (error: unknown) {
        counters.connectionErrors++;
        lastProblem = `node ${nodeId}: ${error instanceof Error ? error.message : String(error)}`;
        this.#drop(nodeId);
        this.#moveOn(nodeId);
        await this.#pause();
        continue;
      }
      if (response === undefined) {
        // No answer in time: the node may be alive but unable to finish it; the put is retried elsewhere.
        counters.timeouts++;
        lastProblem = `node ${nodeId}: no answer within ${this.#attemptTimeoutMs()} ms`;
        this.#moveOn(nodeId);
        continue;
      }
      if (response.errorCode === ErrorCode.NONE) return { nodeId, response };
      counters.errorAnswers++;
      lastProblem = `node ${nodeId}: error code ${response.errorCode}`;
      if (response.errorCode === ErrorCode.NOT_LEADER_OR_FOLLOWER) {
        if (response.leaderId >= 0 && response.leaderId !== nodeId) {
          this.#target = response.leaderId;
          continue;
        }
        this.#moveOn(nodeId);
      } else if (!RETRY_AT_SAME_NODE.has(response.errorCode)) {
        this.#moveOn(nodeId);
      }
      await this.#pause();
    }
    throw new KvDeadlineError(`request not answered before its deadline (last: ${lastProblem})`);
  }

  /** One request to `nodeId`; undefined when it got no answer within the attempt timeout. */
  async #attempt(
    nodeId: NodeId,
    call: (client: KvClient) => Promise<KvResponse>,
    deadlineMs: number,
  ): Promise<KvResponse | undefined> {
    const waitMs = Math.max(0, Math.min(this.#attemptTimeoutMs(), deadlineMs - Date.now()));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), waitMs);
    });
    try {
      return await Promise.race([this.#client(nodeId).then(call), timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }

  #attemptTimeoutMs(): number {
    return this.#options.attemptTimeoutMs ?? 2000;
  }

  #moveOn(from: NodeId): void {
    if (this.#target !== from) return;
    const ids = this.#options.nodeIds;
    this.#target = ids[(ids.indexOf(from) + 1) % ids.length]!;
  }

  #drop(nodeId: NodeId): void {
    this.#clients.get(nodeId)?.close();
    this.#clients.delete(nodeId);
  }

  #pause(): Promise<void> {
    return new Promise((resolve) => setTimeout(resolve, this.#options.retryBackoffMs ?? 10));
  }

  async #client(nodeId: NodeId): Promise<KvClient> {
    const existing = this.#clients.get(nodeId);
    if (existing !== undefined && !existing.isClosed) return existing;
    // Concurrent requests share one connection attempt.
    let pending = this.#connecting.get(nodeId);
    if (pending === undefined) {
      const address = this.#options.clientAddress(nodeId);
      if (address === undefined) throw new Error(`node ${nodeId} has no known address`);
      pending = KvClient.connect(address.host, address.port).finally(() => this.#connecting.delete(nodeId));
      this.#connecting.set(nodeId, pending);
    }
    const client = await pending;
    this.#clients.set(nodeId, client);
    return client;
  }
}
