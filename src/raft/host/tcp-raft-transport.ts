import { createServer, type Server, type Socket } from 'node:net';
import { type Logger, pino } from 'pino';
import { FrameDecoder, FrameError } from '../../network/index.js';
import type { NodeId } from '../core/log-entry.js';
import type { RaftMessage } from '../core/raft-message.js';
import type { RaftTransport } from './driver-ports.js';
import { type PeerAddress, RaftPeerLink } from './raft-peer-link.js';
import { type DecodedRaftFrame, decodeRaftFrame, encodeRaftFrame } from './raft-wire-codec.js';

export interface TcpRaftTransportOptions {
  readonly selfId: NodeId;
  /** Frames of another cluster are refused (a misconfigured peer list must not merge two clusters). */
  readonly clusterId: string;
  /** Where a peer listens, asked at every connection attempt. */
  readonly peerAddress: (peerId: NodeId) => PeerAddress | undefined;
  readonly onMessage: (message: RaftMessage) => void;
  /**
   * A connection from `peer` (known from the frames it carried) closed: for RaftNode.peerDisconnected,
   * since a killed peer's connections close at once. Not called when this transport closes them.
   */
  readonly onPeerDisconnected?: (peer: NodeId) => void;
  /** Per peer; default 64 MiB (a few full appends). */
  readonly maxQueuedBytes?: number;
  /** Largest frame accepted; default 100 MiB, Kafka's socket.request.max.bytes. */
  readonly maxFrameBytes?: number;
  /**
   * Default 50 ms (Kafka's reconnect.backoff.ms) doubling up to 250 ms: not Kafka's 1 s client maximum,
   * because a peer that restarted must become reachable well within one election timeout (default
   * 300 ms), or an election that needs its vote waits for the backoff (seen in the leader-kill runs).
   */
  readonly reconnectBackoffMs?: number;
  readonly reconnectBackoffMaxMs?: number;
  readonly logger?: Logger;
}

/** Smallest frame: a RaftFrameHeader with an empty cluster id and no body. */
const MIN_FRAME_BYTES = 14;

/**
 * Raft messages over TCP, one-way: each node dials every peer and only writes on that connection, and
 * only reads on the connections it accepted. A frame that cannot be trusted (bad size, undecodable,
 * another cluster, addressed to another node) closes the connection that carried it, logged once;
 * every other connection is unaffected. Sending never blocks or throws (see RaftPeerLink).
 */
export class TcpRaftTransport implements RaftTransport {
  readonly #options: TcpRaftTransportOptions;
  readonly #logger: Logger;
  readonly #links = new Map<NodeId, RaftPeerLink>();
  /** The links written to by the send() running now (flushed at its end); reused between calls. */
  readonly #batchLinks: RaftPeerLink[] = [];
  readonly #inbound = new Set<Socket>();
  #server: Server | undefined;
  badFrames = 0;

  constructor(options: TcpRaftTransportOptions) {
    this.#options = options;
    this.#logger = options.logger ?? pino({ level: 'silent' });
  }

  /** Starts accepting peer connections; resolves with the bound port (pass 0 for any). */
  listen(port: number, host = '127.0.0.1'): Promise<number> {
    const server = createServer((socket) => this.#accept(socket));
    this.#server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => {
        server.off('error', reject);
        const address = server.address();
        resolve(typeof address === 'object' && address !== null ? address.port : port);
      });
    });
  }

  /** Sends the messages in order; each peer's frames of this call leave in one socket write. */
  send(messages: readonly RaftMessage[]): void {
    const links = this.#batchLinks;
    for (const message of messages) {
      if (message.to === this.#options.selfId) continue;
      const chunks = encodeRaftFrame(message, this.#options.clusterId);
      let bytes = 0;
      for (const chunk of chunks) bytes += chunk.length;
      const link = this.#link(message.to);
      link.send(chunks, bytes);
      if (!links.includes(link)) links.push(link);
    }
    for (const link of links) link.flush();
    links.length = 0;
  }

  /** Frames dropped towards each peer since start (queue full or peer down). */
  droppedFrames(): Map<NodeId, number> {
    return new Map([...this.#links].map(([id, link]) => [id, link.droppedFrames]));
  }

  async close(): Promise<void> {
    for (const link of this.#links.values()) link.close();
    const inbound = [...this.#inbound];
    this.#inbound.clear();
    for (const socket of inbound) socket.destroy();
    const server = this.#server;
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  #link(peerId: NodeId): RaftPeerLink {
    let link = this.#links.get(peerId);
    if (link === undefined) {
      link = new RaftPeerLink({
        peerId,
        address: () => this.#options.peerAddress(peerId),
        maxQueuedBytes: this.#options.maxQueuedBytes ?? 64 * 1024 * 1024,
        reconnectBackoffMs: this.#options.reconnectBackoffMs ?? 50,
        reconnectBackoffMaxMs: this.#options.reconnectBackoffMaxMs ?? 250,
        logger: this.#logger,
      });
      this.#links.set(peerId, link);
    }
    return link;
  }

  #trusted(frame: DecodedRaftFrame): RaftMessage {
    if (frame.clusterId !== this.#options.clusterId) {
      throw new FrameError(`frame of cluster ${frame.clusterId}, not ${this.#options.clusterId}`);
    }
    if (frame.message.to !== this.#options.selfId) {
      throw new FrameError(`frame addressed to node ${frame.message.to}, not ${this.#options.selfId}`);
    }
    return frame.message;
  }

  #accept(socket: Socket): void {
    socket.setNoDelay(true);
    this.#inbound.add(socket);
    const decoder = new FrameDecoder({
      minFrameBytes: MIN_FRAME_BYTES,
      maxFrameBytes: this.#options.maxFrameBytes ?? 104_857_600,
    });
    let peer: NodeId | undefined;
    socket.on('data', (chunk: Buffer) => {
      const messages: RaftMessage[] = [];
      try {
        decoder.push(chunk);
        for (let frame = decoder.next(); frame !== undefined; frame = decoder.next()) {
          messages.push(this.#trusted(decodeRaftFrame(frame)));
        }
      } catch (error: unknown) {
        this.badFrames++;
        this.#logger.warn(
          {
            remote: `${socket.remoteAddress}:${socket.remotePort}`,
            err: error instanceof Error ? error.message : String(error),
          },
          'raft peer sent a bad frame; closing its connection',
        );
        socket.destroy();
      }
      // Frames before a bad one were fine: deliver them (outside the try: a failure there is not the peer's).
      for (const message of messages) {
        peer = message.from;
        this.#links.get(message.from)?.peerSeen();
        this.#options.onMessage(message);
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      // Still in the set unless close() is tearing everything down.
      if (!this.#inbound.delete(socket) || peer === undefined) return;
      this.#options.onPeerDisconnected?.(peer);
    });
  }
}
