import { createServer, type Server, type Socket } from 'node:net';
import { type Logger, pino } from 'pino';
import { FrameDecoder } from '../../../network/index.js';
import { ErrorCode, type raftWire } from '../../../protocol/index.js';
import {
  NotLeaderError,
  ProposalLostError,
  ProposalRefusedError,
  ReadIndexFailedError,
} from '../driver-errors.js';
import type { RaftDriver } from '../raft-driver.js';
import {
  decodeKvRequest,
  encodeKvResponse,
  KV_MIN_FRAME_BYTES,
  KV_OPERATION_GET,
  KV_OPERATION_PUT,
} from './kv-frames.js';
import { encodePut, type KvStateMachine } from './kv-state-machine.js';

export interface KvServerOptions {
  readonly driver: RaftDriver;
  readonly machine: KvStateMachine;
  /** Largest request frame (a put's key and value); default 1 MiB. */
  readonly maxFrameBytes?: number;
  readonly logger?: Logger;
}

type Response = raftWire.RaftKvResponse;

/**
 * The client port of a key-value node: puts become Raft proposals (answered once committed and applied
 * here), gets are read-index reads (linearizable). Requests are pipelined; each answer carries its
 * request id and leaves as soon as it is known. A frame that cannot be decoded closes its connection.
 */
export class KvServer {
  readonly #options: KvServerOptions;
  readonly #logger: Logger;
  readonly #sockets = new Set<Socket>();
  #server: Server | undefined;

  constructor(options: KvServerOptions) {
    this.#options = options;
    this.#logger = options.logger ?? pino({ level: 'silent' });
  }

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

  async close(): Promise<void> {
    for (const socket of this.#sockets) socket.destroy();
    const server = this.#server;
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  #accept(socket: Socket): void {
    socket.setNoDelay(true);
    this.#sockets.add(socket);
    const decoder = new FrameDecoder({
      minFrameBytes: KV_MIN_FRAME_BYTES,
      maxFrameBytes: this.#options.maxFrameBytes ?? 1024 * 1024,
    });
    const answer = (response: Response): void => {
      if (socket.destroyed) return;
      socket.cork();
      for (const chunk of encodeKvResponse(response)) socket.write(chunk);
      process.nextTick(() => socket.uncork());
    };
    socket.on('data', (chunk: Buffer) => {
      try {
        decoder.push(chunk);
        for (let frame = decoder.next(); frame !== undefined; frame = decoder.next()) {
          const request = decodeKvRequest(frame);
          void this.#handle(request).then(answer);
        }
      } catch (error: unknown) {
        this.#logger.warn(
          { err: error instanceof Error ? error.message : String(error) },
          'bad client frame',
        );
        socket.destroy();
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => this.#sockets.delete(socket));
  }

  async #handle(request: raftWire.RaftKvRequest): Promise<Response> {
    const { driver, machine } = this.#options;
    const base: Response = {
      requestId: request.requestId,
      errorCode: ErrorCode.NONE,
      leaderId: -1,
      index: -1n,
      value: null,
    };
    try {
      switch (request.operation) {
        case KV_OPERATION_PUT: {
          const outcome = await driver.propose(encodePut(request.key, request.value));
          return { ...base, index: BigInt(outcome.index) };
        }
        case KV_OPERATION_GET: {
          const index = await driver.readIndex();
          const value = machine.get(request.key);
          return { ...base, index: BigInt(index), value: value === undefined ? null : Buffer.from(value) };
        }
        default:
          return { ...base, errorCode: ErrorCode.INVALID_REQUEST };
      }
    } catch (error: unknown) {
      return { ...base, ...this.#errorResponse(error) };
    }
  }

  #errorResponse(error: unknown): Pick<Response, 'errorCode' | 'leaderId'> {
    const leaderId = this.#options.driver.status().leaderId ?? -1;
    if (error instanceof NotLeaderError)
      return { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, leaderId: error.leaderId ?? -1 };
    if (error instanceof ReadIndexFailedError)
      return { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, leaderId };
    if (error instanceof ProposalRefusedError) return { errorCode: ErrorCode.NOT_ENOUGH_REPLICAS, leaderId };
    if (error instanceof ProposalLostError)
      return { errorCode: ErrorCode.NOT_ENOUGH_REPLICAS_AFTER_APPEND, leaderId };
    this.#logger.error(
      { err: error instanceof Error ? error.message : String(error) },
      'key-value request failed',
    );
    return { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, leaderId };
  }
}
