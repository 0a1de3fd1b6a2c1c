import { connect, type Socket } from 'node:net';
import { type Logger, pino } from 'pino';
import {
  ApiKey,
  ByteReader,
  decodeResponse,
  ErrorCode,
  encodeRequest,
  type RequestBodies,
  type RequestHeaderFor,
  type ResponseBodies,
} from '../protocol/index.js';
import {
  ConnectError,
  ConnectionClosedError,
  RequestAbortedError,
  RequestQueueFullError,
} from './connection-errors.js';
import { FrameDecoder } from './frame-decoder.js';
import { FrameError } from './frame-error.js';
import { PendingRequest } from './pending-request.js';
import { SocketWriter } from './socket-writer.js';

/** Options of KafkaConnection.connect; Kafka client config names in brackets where one exists. */
export interface KafkaConnectionOptions {
  readonly host: string;
  readonly port: number;
  /** Sent in every request header (`client.id`, default 'pyralog'). */
  readonly clientId?: string | null;
  /** Default 10000 (`socket.connection.setup.timeout.ms`). */
  readonly connectTimeoutMs?: number;
  /** Default per-request timeout, from the call until its response (`request.timeout.ms`, 30000). */
  readonly requestTimeoutMs?: number;
  /** Requests sent and not answered before further ones wait (default 100). */
  readonly maxInFlightRequests?: number;
  /** Requests waiting for an in-flight slot before `request` rejects with RequestQueueFullError. */
  readonly maxQueuedRequests?: number;
  /** Largest response frame accepted (default 256 MiB); a larger one closes the connection. */
  readonly maxResponseBytes?: number;
  /** Cancels the connect attempt. */
  readonly signal?: AbortSignal;
  readonly logger?: Logger;
}

/** Per-request options. */
export interface RequestOptions {
  /** Overrides the connection's requestTimeoutMs. */
  readonly timeoutMs?: number;
  /** Aborting rejects the request with RequestAbortedError (a sent request may still take effect). */
  readonly signal?: AbortSignal;
}

const DEFAULT_MAX_RESPONSE_BYTES = 256 * 1024 * 1024;

/**
 * A client connection to one Kafka broker: encodes requests with the generated codecs, assigns
 * correlation ids, pipelines up to `maxInFlightRequests` (later ones queue, in order), and decodes
 * each response knowing its API and version from the correlation id. Used by src/client, the CLI,
 * bench tools and broker-to-broker traffic.
 *
 * Errors (all PyralogErrors): ConnectError, ConnectionClosedError (every unanswered request when the
 * socket closes for any reason), RequestTimeoutError, RequestAbortedError, RequestQueueFullError,
 * EncodeError (a body the version cannot hold; the request is rejected unsent) and FrameError (a
 * response that cannot be decoded rejects its request; a bad size or unknown correlation id closes the
 * connection). Kafka error codes inside a response are values for the caller to read.
 */
export class KafkaConnection {
  /** Resolves when the socket has closed. */
  readonly closed: Promise<void>;
  /** Sent requests by correlation id, until their response arrives (even if the caller gave up). */
  private readonly pending = new Map<number, PendingRequest>();
  /** Requests not sent yet, in call order. */
  private readonly queue: PendingRequest[] = [];
  private readonly decoder: FrameDecoder;
  private readonly writer: SocketWriter;
  private readonly clientId: string | null;
  private readonly requestTimeoutMs: number;
  private readonly maxInFlightRequests: number;
  private readonly maxQueuedRequests: number;
  private readonly logger: Logger;
  private nextCorrelationId = 0;
  /** Requests written whose responses have not arrived (including ones whose caller gave up). */
  private inFlight = 0;
  private closeReason: Error | undefined;
  /** The one timer that times requests out, armed for `deadlineTimerDueMs`. */
  private deadlineTimer: NodeJS.Timeout | undefined;
  private deadlineTimerDueMs = Number.POSITIVE_INFINITY;

  private constructor(
    private readonly socket: Socket,
    options: KafkaConnectionOptions,
  ) {
    this.clientId = options.clientId === undefined ? 'pyralog' : options.clientId;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 30_000;
    this.maxInFlightRequests = options.maxInFlightRequests ?? 100;
    this.maxQueuedRequests = options.maxQueuedRequests ?? 10_000;
    this.logger = options.logger ?? pino({ level: 'silent' });
    this.decoder = new FrameDecoder({
      minFrameBytes: 4,
      maxFrameBytes: options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES,
    });
    this.writer = new SocketWriter(socket);
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (error) => {
      this.closeReason ??= error;
    });
    this.closed = new Promise((resolve) => {
      socket.once('close', () => {
        this.failAll(this.closeReason);
        resolve();
      });
    });
  }

  /** Opens a connection; rejects with ConnectError on failure, timeout or abort. */
  static connect(options: KafkaConnectionOptions): Promise<KafkaConnection> {
    const where = `${options.host}:${options.port}`;
    return new Promise((resolve, reject) => {
      const socket = connect({ host: options.host, port: options.port });
      const fail = (error: Error): void => {
        cleanup();
        socket.destroy();
        reject(error);
      };
      const onError = (error: Error): void =>
        fail(new ConnectError(`cannot connect to ${where}`, { cause: error }));
      const onAbort = (): void =>
        fail(new ConnectError(`connect to ${where} aborted`, { cause: options.signal?.reason }));
      const timeoutMs = options.connectTimeoutMs ?? 10_000;
      const timer = setTimeout(
        () => fail(new ConnectError(`no connection to ${where} in ${timeoutMs} ms`)),
        timeoutMs,
      );
      const cleanup = (): void => {
        clearTimeout(timer);
        socket.off('error', onError);
        options.signal?.removeEventListener('abort', onAbort);
      };
      if (options.signal?.aborted === true) {
        onAbort();
        return;
      }
      options.signal?.addEventListener('abort', onAbort, { once: true });
      socket.once('error', onError);
      socket.once('connect', () => {
        cleanup();
        resolve(new KafkaConnection(socket, options));
      });
    });
  }

  /** False once closing or closed; requests then reject with ConnectionClosedError. */
  get isOpen(): boolean {
    return this.closeReason === undefined && !this.socket.destroyed && this.socket.writable;
  }

  /** Requests sent and not yet answered, plus those waiting for a slot. */
  get outstandingRequests(): number {
    return this.inFlight + this.queue.length;
  }

  /**
   * Sends a request and resolves with its decoded response body. Requests are written in call order;
   * the Buffers in `body` (records) are written without copying and must not change until the promise
   * settles. For ApiVersions, a broker's UNSUPPORTED_VERSION answer (which Kafka encodes at v0) is
   * decoded as v0, so the caller sees `errorCode` and the broker's ranges.
   */
  request<K extends ApiKey>(
    apiKey: K,
    apiVersion: number,
    body: RequestBodies[K],
    options: RequestOptions = {},
  ): Promise<ResponseBodies[K]> {
    return new Promise<ResponseBodies[K]>((resolve, reject) => {
      this.enqueue(apiKey, apiVersion, body, options, resolve as (body: unknown) => void, reject);
    });
  }

  /**
   * Sends a request that gets no response (Produce with acks=0). Resolves once it is handed to the
   * socket; it rejects like `request` while it waits for a slot.
   */
  send<K extends ApiKey>(
    apiKey: K,
    apiVersion: number,
    body: RequestBodies[K],
    options: RequestOptions = {},
  ): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.enqueue(apiKey, apiVersion, body, options, () => resolve(), reject, false);
    });
  }

  /**
   * Closes the connection: unanswered and queued requests reject with ConnectionClosedError, written
   * bytes are flushed, then the socket half-closes and is destroyed when the broker closes its side (or
   * after 5 s). Resolves when closed.
   */
  close(): Promise<void> {
    if (this.closeReason === undefined) {
      this.closeReason = new ConnectionClosedError('connection closed by the client');
      this.failAll(this.closeReason);
      this.socket.end();
      setTimeout(() => this.socket.destroy(), 5_000).unref();
    }
    return this.closed;
  }

  private enqueue(
    apiKey: ApiKey,
    apiVersion: number,
    body: unknown,
    options: RequestOptions,
    resolve: (body: unknown) => void,
    reject: (error: Error) => void,
    expectResponse = true,
  ): void {
    if (!this.isOpen) {
      reject(new ConnectionClosedError('connection is closed', { cause: this.closeReason }));
      return;
    }
    if (options.signal?.aborted === true) {
      reject(new RequestAbortedError('request aborted before it was sent', { cause: options.signal.reason }));
      return;
    }
    if (this.queue.length >= this.maxQueuedRequests) {
      reject(new RequestQueueFullError(`${this.queue.length} requests already wait for an in-flight slot`));
      return;
    }
    const correlationId = this.nextCorrelationId;
    this.nextCorrelationId = (this.nextCorrelationId + 1) & 0x7fffffff;
    const header = {
      requestApiKey: apiKey,
      requestApiVersion: apiVersion,
      correlationId,
      clientId: this.clientId,
    };
    const chunks = encodeRequest(header as RequestHeaderFor<ApiKey>, body as RequestBodies[ApiKey]);
    // A request without response takes no in-flight slot, but it waits behind queued requests to
    // keep the call order on the wire.
    const timeoutMs = options.timeoutMs ?? this.requestTimeoutMs;
    const deadlineMs = performance.now() + timeoutMs;
    this.queue.push(
      new PendingRequest(
        correlationId,
        apiKey,
        apiVersion,
        expectResponse,
        chunks,
        timeoutMs,
        deadlineMs,
        options.signal,
        resolve,
        reject,
        (request) => this.dropIfQueued(request),
      ),
    );
    this.armDeadlineTimer(deadlineMs);
    this.pump();
  }

  /**
   * Makes the connection's one deadline timer fire by `deadlineMs`. It is unref'd: the open socket
   * keeps the process alive, and closing the connection settles every request.
   */
  private armDeadlineTimer(deadlineMs: number): void {
    if (deadlineMs >= this.deadlineTimerDueMs) return;
    clearTimeout(this.deadlineTimer);
    this.deadlineTimerDueMs = deadlineMs;
    this.deadlineTimer = setTimeout(
      () => this.expireRequests(),
      Math.max(0, deadlineMs - performance.now()),
    ).unref();
  }

  /** Times out every request past its deadline, then re-arms the timer for the earliest one left. */
  private expireRequests(): void {
    this.deadlineTimer = undefined;
    this.deadlineTimerDueMs = Number.POSITIVE_INFINITY;
    const nowMs = performance.now();
    let nextMs = Number.POSITIVE_INFINITY;
    // expireAt may remove a queued request from `queue` (onGiveUp): iterate over a copy, in deadline
    // order, so that a late timer still fails requests in the order their deadlines passed.
    const requests = [...this.queue, ...this.pending.values()].sort((a, b) => a.deadlineMs - b.deadlineMs);
    for (const request of requests) {
      if (!request.expireAt(nowMs) && !request.settled) nextMs = Math.min(nextMs, request.deadlineMs);
    }
    if (nextMs !== Number.POSITIVE_INFINITY) this.armDeadlineTimer(nextMs);
  }

  /** A request that times out or is aborted before it was sent is never sent. */
  private dropIfQueued(request: PendingRequest): void {
    const index = this.queue.indexOf(request);
    if (index >= 0) this.queue.splice(index, 1);
  }

  /** Writes queued requests while in-flight slots are free. */
  private pump(): void {
    while (this.queue.length > 0 && this.isOpen) {
      const next = this.queue[0]!;
      if (next.expectsResponse && this.inFlight >= this.maxInFlightRequests) return;
      this.queue.shift();
      this.writer.write(next.chunks);
      if (next.expectsResponse) {
        this.inFlight += 1;
        this.pending.set(next.correlationId, next);
      } else {
        next.resolve(undefined);
      }
    }
  }

  private onData(chunk: Buffer): void {
    // After close() every request was rejected; answers still arriving belong to nobody.
    if (this.closeReason !== undefined) return;
    try {
      this.decoder.push(chunk);
      for (let frame = this.decoder.next(); frame !== undefined; frame = this.decoder.next()) {
        this.onFrame(frame);
      }
    } catch (error: unknown) {
      if (!(error instanceof FrameError)) throw error;
      this.logger.warn({ err: error }, 'closing connection: response frame cannot be trusted');
      this.closeReason ??= error;
      this.socket.destroy();
    }
  }

  private onFrame(frame: Buffer): void {
    const correlationId = frame.readInt32BE(0);
    const pending = this.pending.get(correlationId);
    if (pending === undefined) throw new FrameError(`response to unknown correlation id ${correlationId}`);
    this.pending.delete(correlationId);
    this.inFlight -= 1;
    if (!pending.settled) {
      try {
        pending.resolve(decodeBody(pending.apiKey, pending.apiVersion, frame));
      } catch (error: unknown) {
        pending.reject(
          new FrameError(`undecodable response to correlation id ${correlationId}`, { cause: error }),
        );
      }
    }
    this.pump();
  }

  private failAll(cause: Error | undefined): void {
    const error = (): ConnectionClosedError =>
      cause instanceof ConnectionClosedError
        ? cause
        : new ConnectionClosedError('connection closed', { cause });
    for (const queued of this.queue.splice(0)) queued.reject(error());
    for (const pending of this.pending.values()) pending.reject(error());
    this.pending.clear();
    this.inFlight = 0;
    clearTimeout(this.deadlineTimer);
    this.deadlineTimer = undefined;
    this.deadlineTimerDueMs = Number.POSITIVE_INFINITY;
  }
}

/** Decodes a response frame (size prefix removed) with the ApiVersions fallback to v0. */
function decodeBody(apiKey: ApiKey, apiVersion: number, frame: Buffer): unknown {
  let version = apiVersion;
  // ApiVersions responses always use header v0 (correlation id only) and start with errorCode.
  if (
    apiKey === ApiKey.ApiVersions &&
    frame.length >= 6 &&
    frame.readInt16BE(4) === ErrorCode.UNSUPPORTED_VERSION
  ) {
    version = 0;
  }
  return decodeResponse(apiKey, version, new ByteReader(frame)).body;
}
