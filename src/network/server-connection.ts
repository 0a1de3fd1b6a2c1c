import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import { ByteReader, DecodeError, decodeRequestHeader, type RequestHeader } from '../protocol/index.js';
import type { BufferPool } from './buffer-pool.js';
import { FrameDecoder } from './frame-decoder.js';
import { FrameError } from './frame-error.js';
import type { IdleCandidate } from './idle-sweeper.js';
import { InFlightRequest } from './in-flight-request.js';
import type { NetworkMetrics } from './network-metrics.js';
import { objectArray } from './object-array.js';
import type { ConnectionInfo, RequestHandler } from './request-handler.js';
import { isRequestTracing, RequestTrace } from './request-trace.js';
import { SocketWriter } from './socket-writer.js';

/** The smallest request: a v0 header (apiKey int16, apiVersion int16, correlationId int32). */
const MIN_REQUEST_BYTES = 8;

/** Settings a ServerConnection takes from its SocketServer. */
export interface ServerConnectionOptions {
  readonly handler: RequestHandler;
  readonly logger: Logger;
  readonly metrics: NetworkMetrics;
  /** `socket.request.max.bytes`. */
  readonly maxFrameBytes: number;
  /** Requests read but not yet answered; at the bound the socket stops being read. */
  readonly maxInFlightRequests: number;
  /** Unflushed response bytes above which the socket stops being read until it drains. */
  readonly writeHighWaterMarkBytes: number;
  readonly now: () => number;
  /** Large frames that span socket reads are copied into these buffers (see NetworkRequest.recycleFrame). */
  readonly framePool?: BufferPool | undefined;
}

/** Frames at least this large that span socket reads are assembled in pooled buffers. */
const POOLED_FRAME_BYTES = 64 * 1024;

function runAll(callbacks: readonly (() => void)[]): void {
  for (const callback of callbacks) callback();
}

/**
 * One accepted client socket: frames in, requests to the handler, responses out in request order.
 *
 * Back-pressure: at most `maxInFlightRequests` requests are between "read" and "answered"; at that
 * bound, or while more than `writeHighWaterMarkBytes` of responses wait to be flushed, the socket is
 * paused (unread frames stay in the decoder) and resumed when a slot frees or the socket drains.
 *
 * A frame that cannot be trusted or a handler that throws closes this connection immediately,
 * logged once; a socket error or the peer closing just closes it.
 */
export class ServerConnection implements IdleCandidate {
  /** Time of the last byte read or response written, for the idle sweep. */
  lastActivityMs: number;
  /** Resolves once the socket has fully closed. */
  readonly closed: Promise<void>;
  private readonly decoder: FrameDecoder;
  private readonly slots: InFlightRequest[] = objectArray();
  private readonly writer: SocketWriter;
  private isClosed = false;
  private isDraining = false;
  private isPaused = false;
  private isWriteBlocked = false;
  /** performance.now() of the latest read, kept only while request tracing is on. */
  private lastReadMs = 0;
  /** The pooled buffer the decoder copied the latest spanning frame into (taken from the pool). */
  private pooledFrame: Buffer | undefined;

  constructor(
    private readonly socket: Socket,
    readonly info: ConnectionInfo,
    private readonly options: ServerConnectionOptions,
  ) {
    this.lastActivityMs = options.now();
    const pool = options.framePool;
    this.decoder = new FrameDecoder(
      { minFrameBytes: MIN_REQUEST_BYTES, maxFrameBytes: options.maxFrameBytes },
      pool === undefined
        ? Buffer.allocUnsafe
        : (size) => {
            if (size < POOLED_FRAME_BYTES) return Buffer.allocUnsafe(size);
            this.pooledFrame = pool.take(size);
            return this.pooledFrame;
          },
    );
    this.writer = new SocketWriter(socket);
    socket.setNoDelay(true);
    this.closed = new Promise((resolve) => {
      socket.once('close', () => {
        this.isClosed = true;
        this.slots.length = 0;
        resolve();
      });
    });
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => {
      this.isWriteBlocked = false;
      this.pump();
    });
    socket.on('error', (error) => {
      options.logger.debug({ connection: info.id, err: error }, 'connection error');
    });
  }

  /** Requests read and not yet answered. */
  get inFlightRequests(): number {
    return this.slots.length;
  }

  /** True when nothing is in flight and nothing was read or written for `idleMs`. */
  isIdle(nowMs: number, idleMs: number): boolean {
    return !this.isClosed && this.slots.length === 0 && nowMs - this.lastActivityMs >= idleMs;
  }

  /** Closes an idle connection (see isIdle); Kafka closes them silently, so this logs at debug only. */
  closeIdle(): void {
    if (this.isClosed) return;
    this.options.metrics.idleConnectionsClosed += 1;
    this.options.logger.debug({ connection: this.info.id }, 'closing idle connection');
    this.destroy();
  }

  /** Closes at once, dropping unanswered requests and unflushed responses. Idempotent. */
  destroy(): void {
    this.isClosed = true;
    this.slots.length = 0;
    this.socket.destroy();
  }

  /**
   * Stops reading new requests, lets those in flight finish and their responses flush, then closes.
   * Resolves when the socket has closed; the caller enforces a deadline with `destroy`.
   */
  drain(): Promise<void> {
    if (!this.isDraining && !this.isClosed) {
      this.isDraining = true;
      this.updateReading();
      this.maybeFinishDrain();
    }
    return this.closed;
  }

  private onData(chunk: Buffer): void {
    if (this.isClosed || this.isDraining) return;
    this.lastActivityMs = this.options.now();
    this.options.metrics.bytesReceived += chunk.length;
    if (isRequestTracing()) this.lastReadMs = performance.now();
    try {
      this.decoder.push(chunk);
    } catch (error: unknown) {
      this.failFrame(error);
      return;
    }
    this.pump();
  }

  /** Dispatches every whole frame the bounds allow, then pauses or resumes reading. */
  private pump(): void {
    while (!this.isClosed && !this.isDraining && !this.isWriteBlocked) {
      if (this.slots.length >= this.options.maxInFlightRequests) break;
      let frame: Buffer | undefined;
      try {
        frame = this.decoder.next();
      } catch (error: unknown) {
        this.failFrame(error);
        return;
      }
      if (frame === undefined) break;
      this.dispatch(frame);
    }
    this.updateReading();
  }

  private dispatch(frame: Buffer): void {
    // The frame was copied into a pooled buffer when it starts one (a view of a socket read does not).
    const pooled =
      this.pooledFrame !== undefined && frame.buffer === this.pooledFrame.buffer
        ? this.pooledFrame
        : undefined;
    this.pooledFrame = undefined;
    const reader = new ByteReader(frame);
    let header: RequestHeader;
    try {
      header = decodeRequestHeader(reader);
    } catch (error: unknown) {
      // Anything but DecodeError would be a codec bug; either way these bytes cannot be trusted.
      const reason = error instanceof DecodeError ? error.message : String(error);
      this.failFrame(new FrameError(`undecodable request header: ${reason}`, { cause: error }));
      return;
    }
    this.info.clientId = header.clientId;
    this.options.metrics.requestsReceived += 1;
    const trace = isRequestTracing()
      ? new RequestTrace(
          this.info.id,
          header.requestApiKey,
          header.requestApiVersion,
          header.correlationId,
          this.lastReadMs,
        )
      : undefined;
    trace?.mark('dispatched');
    const request = new InFlightRequest(
      header,
      frame,
      reader.offset,
      this.info,
      trace,
      pooled,
      this.options.framePool,
    );
    this.slots.push(request);
    let result: Promise<Buffer[] | null>;
    try {
      result = this.options.handler(request);
    } catch (error: unknown) {
      this.failHandler(error, header);
      return;
    }
    result.then(
      (response) => {
        request.isSettled = true;
        request.response = response;
        trace?.mark('settled');
        this.flush();
      },
      (error: unknown) => this.failHandler(error, header),
    );
  }

  /** Writes every settled response at the head of the queue, in order (batched by SocketWriter). */
  private flush(): void {
    if (this.isClosed) return;
    let wrote = false;
    while (this.slots[0]?.isSettled === true) {
      const { response, trace, releases } = this.slots.shift()!;
      if (response === null) {
        trace?.finish('unanswered');
        if (releases !== undefined) runAll(releases);
        continue;
      }
      this.writer.write(response, releases === undefined ? undefined : () => runAll(releases));
      trace?.finish('written');
      wrote = true;
    }
    if (wrote) {
      this.lastActivityMs = this.options.now();
      // Counted while corked too; the socket emits 'drain' once it is below its own (lower) mark.
      if (this.socket.writableLength > this.options.writeHighWaterMarkBytes) this.isWriteBlocked = true;
    }
    if (this.isDraining) this.maybeFinishDrain();
    else this.pump();
  }

  private updateReading(): void {
    if (this.isClosed) return;
    const shouldPause =
      this.isDraining || this.isWriteBlocked || this.slots.length >= this.options.maxInFlightRequests;
    if (shouldPause && !this.isPaused) {
      this.isPaused = true;
      this.socket.pause();
      if (!this.isDraining) this.options.metrics.readPauses += 1;
    } else if (!shouldPause && this.isPaused) {
      this.isPaused = false;
      this.socket.resume();
    }
  }

  /** Once nothing is in flight: half-close after the flush; the peer's FIN or a deadline ends it. */
  private maybeFinishDrain(): void {
    if (this.isClosed || this.slots.length > 0) return;
    // Read on (and drop) so that the peer's FIN is seen and the socket closes by itself.
    this.socket.resume();
    this.socket.end();
  }

  private failFrame(error: unknown): void {
    if (this.isClosed) return;
    this.options.metrics.frameErrors += 1;
    this.options.logger.warn(
      { connection: this.info.id, remote: this.info.remoteAddress, clientId: this.info.clientId, err: error },
      'closing connection: frame cannot be trusted',
    );
    this.destroy();
  }

  private failHandler(error: unknown, header: RequestHeader): void {
    this.options.metrics.handlerFailures += 1;
    this.options.logger.error(
      {
        connection: this.info.id,
        apiKey: header.requestApiKey,
        apiVersion: header.requestApiVersion,
        correlationId: header.correlationId,
        err: error,
      },
      'request handler threw (it must answer with an error code instead); closing connection',
    );
    this.destroy();
  }
}
