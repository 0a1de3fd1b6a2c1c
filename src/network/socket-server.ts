import type { Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { type Logger, pino } from 'pino';
import { BufferPool } from './buffer-pool.js';
import { DEFAULT_MAX_FRAME_BYTES } from './frame-decoder.js';
import { IdleSweeper } from './idle-sweeper.js';
import { type BoundListener, KafkaListener } from './kafka-listener.js';
import type { ListenerEndpoint } from './listener-config.js';
import { NetworkMetrics } from './network-metrics.js';
import type { RequestHandler } from './request-handler.js';
import { ServerConnection } from './server-connection.js';

/** Kafka's `connections.max.idle.ms` default: 10 minutes. */
export const DEFAULT_CONNECTIONS_MAX_IDLE_MS = 600_000;
export const DEFAULT_MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION = 100;
export const DEFAULT_WRITE_HIGH_WATER_MARK_BYTES = 4 * 1024 * 1024;

/** Configuration of a SocketServer; Kafka's config name in brackets. */
export interface SocketServerOptions {
  /** The endpoints to bind (`listeners`, see parseListeners); names must be unique. */
  readonly listeners: readonly ListenerEndpoint[];
  readonly handler: RequestHandler;
  /** Defaults to a silent logger. */
  readonly logger?: Logger;
  /** Largest request frame accepted (`socket.request.max.bytes`, default 104857600). */
  readonly socketRequestMaxBytes?: number;
  /** Close connections idle this long (`connections.max.idle.ms`, default 600000; negative: never). */
  readonly connectionsMaxIdleMs?: number;
  /** Refuse connections beyond this many open ones (`max.connections`, default unlimited). */
  readonly maxConnections?: number;
  /** Requests read and not yet answered per connection before reading pauses (default 100). */
  readonly maxInFlightRequestsPerConnection?: number;
  /** Unflushed response bytes per connection before reading pauses (default 4 MiB). */
  readonly writeHighWaterMarkBytes?: number;
  /** Monotonic milliseconds, for idle times; defaults to performance.now. */
  readonly now?: () => number;
}

/**
 * The broker's listeners and their connections: accepts, frames, dispatches to the RequestHandler and
 * answers in order per connection (see ServerConnection and RequestHandler for the contracts). A bad
 * frame on one connection closes that connection only. Counters are in `metrics`.
 */
export class SocketServer {
  readonly metrics = new NetworkMetrics();
  private readonly listeners: KafkaListener[];
  private readonly connections = new Set<ServerConnection>();
  private readonly logger: Logger;
  private readonly sweeper: IdleSweeper;
  /** Frames that span socket reads are assembled in these buffers, reused once handlers recycle them. */
  private readonly framePool = new BufferPool();
  private readonly now: () => number;
  private nextConnectionId = 0;
  private state: 'new' | 'running' | 'stopping' | 'stopped' = 'new';

  /** Throws ListenerConfigError for a listener whose security protocol is not served yet. */
  constructor(private readonly options: SocketServerOptions) {
    this.logger = options.logger ?? pino({ level: 'silent' });
    this.now = options.now ?? (() => performance.now());
    this.listeners = options.listeners.map(
      (endpoint) => new KafkaListener(endpoint, (socket, listener) => this.accept(socket, listener)),
    );
    this.sweeper = new IdleSweeper(
      options.connectionsMaxIdleMs ?? DEFAULT_CONNECTIONS_MAX_IDLE_MS,
      () => this.connections,
      this.now,
    );
  }

  /** Binds every listener; resolves with their bound addresses. On a bind error, unbinds the others. */
  async start(): Promise<BoundListener[]> {
    if (this.state !== 'new') throw new Error(`SocketServer cannot start when ${this.state}`);
    this.state = 'running';
    try {
      const bound = await Promise.all(this.listeners.map((listener) => listener.listen()));
      this.sweeper.start();
      for (const listener of bound) {
        this.logger.info({ listener: listener.name, host: listener.host, port: listener.port }, 'listening');
      }
      return bound;
    } catch (error: unknown) {
      await Promise.all(this.listeners.map((listener) => listener.stopAccepting()));
      this.state = 'stopped';
      throw error;
    }
  }

  /** Bound addresses by listener name (after `start`). */
  get boundListeners(): ReadonlyMap<string, BoundListener> {
    const map = new Map<string, BoundListener>();
    for (const listener of this.listeners) {
      if (listener.address !== undefined) map.set(listener.endpoint.name, listener.address);
    }
    return map;
  }

  /** Open connections. */
  get connectionCount(): number {
    return this.connections.size;
  }

  /**
   * Graceful stop: stop accepting, stop reading new requests, let in-flight requests finish and their
   * responses flush, then close every connection. Connections still open after `timeoutMs` (default
   * 30 s) are destroyed. Idempotent; resolves when every listener and connection is closed.
   */
  async shutdown(options: { timeoutMs?: number } = {}): Promise<void> {
    if (this.state === 'stopping' || this.state === 'stopped') return;
    this.state = 'stopping';
    this.sweeper.stop();
    const unbound = Promise.all(this.listeners.map((listener) => listener.stopAccepting()));
    const drained = Promise.all([...this.connections].map((connection) => connection.drain()));
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'deadline'>((resolve) => {
      timer = setTimeout(() => resolve('deadline'), options.timeoutMs ?? 30_000);
    });
    const outcome = await Promise.race([drained, deadline]);
    clearTimeout(timer);
    if (outcome === 'deadline') {
      this.logger.warn(
        { connections: this.connections.size },
        'shutdown deadline passed; closing connections',
      );
      for (const connection of this.connections) connection.destroy();
    }
    await unbound;
    this.state = 'stopped';
  }

  private accept(socket: Socket, listener: KafkaListener): void {
    const maxConnections = this.options.maxConnections ?? Number.POSITIVE_INFINITY;
    if (this.state !== 'running' || this.connections.size >= maxConnections) {
      this.metrics.connectionsRejected += 1;
      this.logger.debug({ listener: listener.endpoint.name }, 'refusing connection: max.connections reached');
      socket.destroy();
      return;
    }
    const name = listener.endpoint.name;
    const connection = new ServerConnection(
      socket,
      {
        id: `${name}-${this.nextConnectionId++}`,
        listenerName: name,
        securityProtocol: listener.endpoint.securityProtocol,
        remoteAddress: socket.remoteAddress ?? '',
        remotePort: socket.remotePort ?? 0,
        clientId: null,
        clientSoftwareName: null,
        clientSoftwareVersion: null,
      },
      {
        handler: this.options.handler,
        logger: this.logger,
        metrics: this.metrics,
        maxFrameBytes: this.options.socketRequestMaxBytes ?? DEFAULT_MAX_FRAME_BYTES,
        maxInFlightRequests:
          this.options.maxInFlightRequestsPerConnection ?? DEFAULT_MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION,
        writeHighWaterMarkBytes: Math.max(
          this.options.writeHighWaterMarkBytes ?? DEFAULT_WRITE_HIGH_WATER_MARK_BYTES,
          socket.writableHighWaterMark,
        ),
        now: this.now,
        framePool: this.framePool,
      },
    );
    this.connections.add(connection);
    this.metrics.connectionsAccepted += 1;
    this.metrics.activeConnections += 1;
    void connection.closed.then(() => {
      this.connections.delete(connection);
      this.metrics.connectionsClosed += 1;
      this.metrics.activeConnections -= 1;
    });
  }
}
