import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { AdminListenerAddress } from './admin-listener.js';
import type { AdminSources } from './admin-sources.js';
import { createBrokerRegistry, pruneDeletedTopics } from './broker-metrics.js';
import { clusterView, groupsView, topicsView } from './cluster-view.js';

/** The part of a pino logger the admin server uses. */
export interface AdminLogger {
  info(object: object, message: string): void;
  warn(object: object, message: string): void;
}

/** Extra routes (e.g. the log-level control) as `METHOD /path` → handler of the request body. */
export type AdminRoute = (
  body: string,
  path: string,
) => Promise<{ status: number; json: unknown }> | { status: number; json: unknown };

export interface AdminServerOptions {
  readonly address: AdminListenerAddress;
  readonly logger: AdminLogger;
  /** Routes under a path prefix, by method, e.g. `{ 'PUT /v1/loggers/': … }` (prefix match). */
  readonly routes?: Readonly<Record<string, AdminRoute>>;
}

/** The largest request body read (log-level changes are a few bytes). */
const MAX_BODY_BYTES = 64 * 1024;

type Readiness = { metadataLoaded: boolean; listenersUp: boolean };

/**
 * The admin HTTP listener (`admin.listener`): GET /health (the process is alive), GET /ready (200
 * once the metadata is loaded and the Kafka listeners are up, 503 before, and again once shutdown
 * begins), GET /metrics (Prometheus text), GET /v1/cluster, /v1/topics and /v1/groups (JSON), plus
 * the `routes` given. It starts before the broker loads anything, so that an orchestrator sees
 * "alive, not ready" during recovery; /metrics and /v1/* answer 503 until `attach`.
 * Unknown paths answer 404, other methods 405; every answer is JSON except /metrics.
 */
export class AdminServer {
  private readonly server: Server;
  private sources: AdminSources | undefined;
  /** Created at the first scrape: prom-client takes ~0.1 s to load, which `pyralog start` need not wait for. */
  private registry: Promise<Registry> | undefined;
  private readonly readiness: Readiness = { metadataLoaded: false, listenersUp: false };
  private closing = false;

  constructor(private readonly options: AdminServerOptions) {
    this.server = createServer((request, response) => {
      this.serve(request, response).catch((error: unknown) => {
        this.options.logger.warn({ err: error, url: request.url }, 'admin request failed');
        if (!response.headersSent) sendJson(response, 500, { error: 'internal error' });
        else response.destroy();
      });
    });
  }

  /** Binds the listener; resolves with the bound address (port 0 picks a free port). */
  async start(): Promise<AdminListenerAddress> {
    const { host, port } = this.options.address;
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve();
      });
    });
    const bound = this.server.address() as AddressInfo;
    this.options.logger.info({ host, port: bound.port }, 'admin listener up');
    return { host, port: bound.port };
  }

  /** The broker's metadata is loaded: /metrics and /v1/* answer from now on. */
  attach(sources: AdminSources): void {
    this.sources = sources;
    this.readiness.metadataLoaded = true;
  }

  /** The Kafka listeners accept connections: /ready answers 200 (once attached). */
  markListenersUp(): void {
    this.readiness.listenersUp = true;
  }

  /** Shutdown began: /ready answers 503 again (load balancers stop sending clients). */
  markStopping(): void {
    this.closing = true;
  }

  /** Stops listening and closes every open connection. Idempotent. */
  async close(): Promise<void> {
    this.closing = true;
    if (!this.server.listening) return;
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private isReady(): boolean {
    return !this.closing && this.readiness.metadataLoaded && this.readiness.listenersUp;
  }

  private async serve(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const method = request.method ?? 'GET';
    const path = new URL(request.url ?? '/', 'http://admin').pathname;
    for (const [key, route] of Object.entries(this.options.routes ?? {})) {
      const [routeMethod, prefix] = key.split(' ') as [string, string];
      if (!path.startsWith(prefix)) continue;
      if (method !== routeMethod)
        return sendJson(response, 405, { error: `${method} not allowed on ${path}` });
      const answer = await route(await readBody(request), path);
      return sendJson(response, answer.status, answer.json);
    }
    const handler = this.getHandlers()[path];
    if (handler === undefined) return sendJson(response, 404, { error: `no such path: ${path}` });
    if (method !== 'GET' && method !== 'HEAD') {
      response.setHeader('Allow', 'GET, HEAD');
      return sendJson(response, 405, { error: `${method} not allowed on ${path}` });
    }
    return handler(response);
  }

  private getHandlers(): Record<string, (response: ServerResponse) => Promise<void> | void> {
    const needsSources =
      (view: (sources: AdminSources) => unknown) =>
      (response: ServerResponse): void => {
        if (this.sources === undefined) sendJson(response, 503, { error: 'metadata not loaded yet' });
        else sendJson(response, 200, view(this.sources));
      };
    return {
      '/health': (response) => sendJson(response, 200, { status: 'alive' }),
      '/ready': (response) =>
        sendJson(response, this.isReady() ? 200 : 503, {
          ready: this.isReady(),
          ...this.readiness,
          stopping: this.closing,
        }),
      '/metrics': async (response) => {
        if (this.sources === undefined) return sendJson(response, 503, { error: 'metadata not loaded yet' });
        this.registry ??= createBrokerRegistry(this.sources);
        const registry = await this.registry;
        pruneDeletedTopics(this.sources);
        const text = await registry.metrics();
        response.writeHead(200, { 'Content-Type': registry.contentType });
        response.end(text);
      },
      '/v1/cluster': needsSources(clusterView),
      '/v1/topics': needsSources(topicsView),
      '/v1/groups': needsSources(groupsView),
    };
  }
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = `${JSON.stringify(body)}\n`;
  response.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8' });
  response.end(text);
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new RangeError(`request body above ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}
