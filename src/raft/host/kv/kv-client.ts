import { connect, type Socket } from 'node:net';
import { ConnectionClosedError, FrameDecoder } from '../../../network/index.js';
import type { raftWire } from '../../../protocol/index.js';
import { decodeKvResponse, encodeKvRequest, KV_OPERATION_GET, KV_OPERATION_PUT } from './kv-frames.js';

export type KvResponse = raftWire.RaftKvResponse;

interface Waiter {
  resolve(response: KvResponse): void;
  reject(error: Error): void;
}

/**
 * One pipelined connection to a key-value node's client port. Every call resolves with the node's
 * response (check errorCode) or rejects with ConnectionClosedError when the connection ends first:
 * then a put's outcome is unknown (it may still commit), so callers retry puts that are idempotent.
 */
export class KvClient {
  readonly #socket: Socket;
  readonly #waiters = new Map<number, Waiter>();
  #nextRequestId = 1;
  #closedError: Error | undefined;
  #isCorked = false;

  private constructor(socket: Socket) {
    this.#socket = socket;
    const decoder = new FrameDecoder({ minFrameBytes: 4, maxFrameBytes: 64 * 1024 * 1024 });
    socket.on('data', (chunk: Buffer) => {
      try {
        decoder.push(chunk);
        for (let frame = decoder.next(); frame !== undefined; frame = decoder.next()) {
          const response = decodeKvResponse(frame);
          const waiter = this.#waiters.get(response.requestId);
          this.#waiters.delete(response.requestId);
          waiter?.resolve(response);
        }
      } catch (error: unknown) {
        socket.destroy(error instanceof Error ? error : new Error(String(error)));
      }
    });
    socket.on('error', () => {});
    socket.on('close', () => {
      this.#closedError = new ConnectionClosedError('key-value connection closed');
      for (const waiter of this.#waiters.values()) waiter.reject(this.#closedError);
      this.#waiters.clear();
    });
  }

  static connect(host: string, port: number): Promise<KvClient> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port, noDelay: true });
      socket.once('error', reject);
      socket.once('connect', () => {
        socket.off('error', reject);
        resolve(new KvClient(socket));
      });
    });
  }

  get isClosed(): boolean {
    return this.#closedError !== undefined;
  }

  get inFlight(): number {
    return this.#waiters.size;
  }

  put(key: Uint8Array, value: Uint8Array): Promise<KvResponse> {
    return this.#request(KV_OPERATION_PUT, key, value);
  }

  get(key: Uint8Array): Promise<KvResponse> {
    return this.#request(KV_OPERATION_GET, key, new Uint8Array(0));
  }

  close(): void {
    this.#socket.destroy();
  }

  #request(operation: number, key: Uint8Array, value: Uint8Array): Promise<KvResponse> {
    if (this.#closedError !== undefined) return Promise.reject(this.#closedError);
    const requestId = this.#nextRequestId;
    this.#nextRequestId = (this.#nextRequestId % 0x7fffffff) + 1;
    const asBuffer = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const frame = encodeKvRequest({ requestId, operation, key: asBuffer(key), value: asBuffer(value) });
    return new Promise((resolve, reject) => {
      this.#waiters.set(requestId, { resolve, reject });
      this.#corkUntilNextTick();
      for (const chunk of frame) this.#socket.write(chunk);
    });
  }

  /**
   * The requests made in one synchronous run (a frame is a size prefix and a body) leave in one write
   * on the next tick, not a write per chunk: on loopback each write is a syscall that also wakes the
   * node, which then may read a bare size prefix.
   */
  #corkUntilNextTick(): void {
    if (this.#isCorked) return;
    this.#isCorked = true;
    this.#socket.cork();
    process.nextTick(() => {
      this.#isCorked = false;
      this.#socket.uncork();
    });
  }
}
