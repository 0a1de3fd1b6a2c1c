import { connect, type Socket } from 'node:net';
import type { Logger } from 'pino';
import type { NodeId } from '../core/log-entry.js';
import { reconnectBackoffMs } from './reconnect-backoff.js';

export interface PeerAddress {
  readonly host: string;
  readonly port: number;
}

export interface RaftPeerLinkOptions {
  readonly peerId: NodeId;
  /** Asked at every connection attempt, so a restarted peer on a new port is found (undefined: not yet known). */
  readonly address: () => PeerAddress | undefined;
  /** Bytes buffered towards the peer (in Node's socket buffer) beyond which new frames are dropped. */
  readonly maxQueuedBytes: number;
  readonly reconnectBackoffMs: number;
  readonly reconnectBackoffMaxMs: number;
  readonly logger: Logger;
}

/**
 * The outbound half of the link to one peer: one TCP connection, created on demand and re-created after
 * a failure with exponential backoff. The frames of one `send()` batch are written together: the socket
 * is corked at the first and uncorked by `flush()`, so a batch is one writev (Nagle off) instead of a
 * write per chunk (a frame is a size prefix and a body): on loopback each write is a syscall that also
 * wakes the peer, which then may read a bare size prefix and sleep again. While connecting, Node buffers
 * them. The buffer is bounded: a frame that does not fit, or one sent while the peer is
 * known to be down (during the backoff), is dropped and counted, which Raft tolerates (it retries by
 * heartbeat, probe and election timeout). Inbound traffic never arrives on this connection.
 */
export class RaftPeerLink {
  readonly #options: RaftPeerLinkOptions;
  #socket: Socket | undefined;
  #failedAttempts = 0;
  #retryTimer: NodeJS.Timeout | undefined;
  #closed = false;
  /** The socket corked by send() until flush(). */
  #corked: Socket | undefined;
  droppedFrames = 0;

  constructor(options: RaftPeerLinkOptions) {
    this.#options = options;
  }

  get isConnected(): boolean {
    return this.#socket !== undefined && !this.#socket.connecting && !this.#socket.destroyed;
  }

  /**
   * Queues one frame (its chunks) until `flush()`, or drops it. Never throws, never blocks. The caller
   * calls `flush()` once its batch is queued (in the same synchronous run).
   */
  send(chunks: readonly Buffer[], bytes: number): void {
    if (this.#closed) return;
    const socket = this.#socket ?? this.#connect();
    if (socket === undefined || socket.writableLength + bytes > this.#options.maxQueuedBytes) {
      this.droppedFrames++;
      return;
    }
    if (this.#corked !== socket) {
      this.flush();
      socket.cork();
      this.#corked = socket;
    }
    for (const chunk of chunks) socket.write(chunk);
  }

  /** Writes what send() queued since the last flush, in one writev. */
  flush(): void {
    const corked = this.#corked;
    if (corked === undefined) return;
    this.#corked = undefined;
    corked.uncork();
  }

  /**
   * The peer just spoke to us (on a connection it dialled): it is up, so a backoff running since it was
   * last unreachable ends now and the link reconnects at once. A restarted peer is thus reachable as
   * soon as it says anything, not after a backoff that grew while it was down.
   */
  peerSeen(): void {
    if (this.#closed || this.#retryTimer === undefined) return;
    clearTimeout(this.#retryTimer);
    this.#retryTimer = undefined;
    this.#failedAttempts = 0;
    if (this.#socket === undefined) this.#connect();
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    this.#socket?.destroy();
    this.#socket = undefined;
  }

  #connect(): Socket | undefined {
    if (this.#retryTimer !== undefined) return undefined;
    const address = this.#options.address();
    if (address === undefined) {
      this.#scheduleRetry();
      return undefined;
    }
    const socket = connect({ host: address.host, port: address.port, noDelay: true });
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.on('connect', () => {
      this.#failedAttempts = 0;
      this.#options.logger.debug({ peerId: this.#options.peerId, ...address }, 'raft peer connected');
    });
    // Nothing is expected from the peer on this connection; reading keeps the socket's state machine going.
    socket.on('data', () => {});
    socket.on('error', (error) => {
      this.#options.logger.debug(
        { peerId: this.#options.peerId, err: error.message },
        'raft peer connection failed',
      );
    });
    socket.on('close', () => {
      if (this.#socket !== socket) return;
      this.#socket = undefined;
      this.#failedAttempts++;
      if (!this.#closed) this.#scheduleRetry();
    });
    return socket;
  }

  /** Marks the peer down for one backoff; the next send after it reconnects. */
  #scheduleRetry(): void {
    const delayMs = reconnectBackoffMs(
      this.#failedAttempts,
      this.#options.reconnectBackoffMs,
      this.#options.reconnectBackoffMaxMs,
      Math.random(),
    );
    this.#retryTimer = setTimeout(() => {
      this.#retryTimer = undefined;
      // Reconnect eagerly: a peer that just came back should not wait for our next message.
      if (!this.#closed && this.#socket === undefined) this.#connect();
    }, delayMs);
    this.#retryTimer.unref();
  }
}
